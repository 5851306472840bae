"""The session rules as pure functions: config parsing, tool filters, account and auth config precedence."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from valetkey.catalog.model import Tool
from valetkey.core.errors import BadRequest
from valetkey.sessions import config as cfg
from valetkey.sessions import policy
from valetkey.sessions.create_body import parse_create_body
from valetkey.sessions.policy import AccountFacts, AccountRule, AuthConfigFacts

T0 = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


def tool(slug: str, *tags: str) -> Tool:
    return Tool(
        slug=slug,
        toolkit=slug.split("_")[0].lower(),
        name=slug,
        description="",
        input_schema={},
        output_schema={},
        tags=tags,
    )


def session(**body) -> cfg.SessionConfig:
    return parse_create_body({"user_id": "u", **body})


def account(id: str, *, config: str = "ac_1", status: str = "ACTIVE", disabled: bool = False, age: int = 0):
    return AccountFacts(id, config, status, disabled, T0 - dt.timedelta(minutes=age))


# -- parsing ------------------------------------------------------------------------------------


def test_config_round_trips_through_json():
    config = session(
        toolkits={"disable": ["Slack"]},
        tools={"GitHub": {"tags": ["readOnlyHint"]}, "gmail": ["gmail_send"]},
        tags={"enable": ["readOnlyHint"]},
        auth_configs={"github": "ac_1"},
        connected_accounts={"github": "ca_1"},
        manage_connections={"callback_url": "https://x.test/cb"},
        preload={"tools": ["GITHUB_GET_REPO"]},
    )
    assert cfg.from_json(cfg.to_json(config)) == config
    assert config.toolkits.disabled == ("slack",) and "github" in config.tools
    assert config.tools["gmail"].enabled == ("GMAIL_SEND",)
    assert config.connected_accounts == {"github": ("ca_1",)}


def test_manage_connections_forms():
    assert session().manage_connections.enabled is True
    assert session(manage_connections=False).manage_connections.enabled is False
    assert session(manage_connections={"enable": False}).manage_connections.enabled is False
    with_callback = session(manage_connections={"callback_url": "https://a.test"})
    assert with_callback.manage_connections.callback_url == "https://a.test"


def test_multi_account_allows_several_pins():
    with pytest.raises(BadRequest):
        session(connected_accounts={"github": ["ca_1", "ca_2"]})
    pinned = session(connected_accounts={"github": ["ca_1", "ca_2"]}, multi_account={"enable": True})
    assert pinned.connected_accounts["github"] == ("ca_1", "ca_2")


def test_preload_all_needs_an_allowlist():
    with pytest.raises(BadRequest, match="allowlist"):
        session(preload={"tools": "all"})
    assert session(toolkits=["github"], preload={"tools": "all"}).preload == "all"


# -- tool filters -------------------------------------------------------------------------------


def test_toolkit_allow_and_deny_lists():
    assert policy.tool_allowed(session(toolkits=["github"]), tool("GITHUB_GET_REPO"))
    assert not policy.tool_allowed(session(toolkits=["github"]), tool("SLACK_SEND"))
    assert not policy.tool_allowed(session(toolkits={"disable": ["slack"]}), tool("SLACK_SEND"))
    assert policy.tool_allowed(session(toolkits={"disable": ["slack"]}), tool("GITHUB_GET_REPO"))


def test_per_toolkit_tool_lists():
    config = session(
        tools={"github": {"enable": ["GITHUB_GET_REPO"]}, "slack": {"disable": ["SLACK_DELETE"]}}
    )
    assert policy.tool_allowed(config, tool("GITHUB_GET_REPO"))
    assert not policy.tool_allowed(config, tool("GITHUB_DELETE_REPO"))
    assert not policy.tool_allowed(config, tool("SLACK_DELETE"))
    assert policy.tool_allowed(config, tool("SLACK_SEND"))


def test_global_tags_and_per_toolkit_override():
    config = session(tags=["readOnlyHint"], tools={"github": {"tags": {"disable": ["destructiveHint"]}}})
    assert policy.tool_allowed(config, tool("GMAIL_LIST", "readOnlyHint"))
    assert not policy.tool_allowed(config, tool("GMAIL_SEND", "openWorldHint"))
    assert policy.tool_allowed(
        config, tool("GITHUB_CREATE_ISSUE", "openWorldHint")
    )  # override: only destructive out
    assert not policy.tool_allowed(config, tool("GITHUB_DELETE_REPO", "destructiveHint"))


def test_explicit_tool_list_wins_over_tags():
    config = session(tags=["readOnlyHint"], tools={"github": ["GITHUB_CREATE_ISSUE"]})
    assert policy.tool_allowed(config, tool("GITHUB_CREATE_ISSUE", "openWorldHint"))


def test_tag_filter_enable_and_disable_together():
    tags = cfg.TagFilter(enabled=("readOnlyHint", "idempotentHint"), disabled=("destructiveHint",))
    assert tags.admits(("idempotentHint",))
    assert not tags.admits(("idempotentHint", "destructiveHint"))
    assert not tags.admits(("openWorldHint",))


# -- account precedence -------------------------------------------------------------------------


def test_rule_precedence_pins_then_auth_config_then_default():
    config = session(
        connected_accounts={"github": "ca_pin"}, auth_configs={"github": "ac_x", "slack": "ac_s"}
    )
    assert policy.account_rule(config, "github") == AccountRule("connected_accounts", account_ids=("ca_pin",))
    assert policy.account_rule(config, "slack") == AccountRule("auth_configs", auth_config_id="ac_s")
    assert policy.account_rule(config, "gmail") == AccountRule("default")


def test_default_picks_the_most_recent_usable_account():
    accounts = [
        account("old", age=10),
        account("new", age=1),
        account("newest_but_expired", status="EXPIRED"),
        account("disabled", disabled=True),
    ]
    assert policy.pick_account(AccountRule("default"), accounts).id == "new"


def test_pinned_account_is_used_even_when_newer_ones_exist():
    accounts = [account("pinned", age=10), account("newer", age=0)]
    rule = AccountRule("connected_accounts", account_ids=("pinned",))
    assert policy.pick_account(rule, accounts).id == "pinned"
    assert policy.pick_account(rule, [account("pinned", status="EXPIRED"), account("newer")]) is None


def test_auth_config_override_only_uses_accounts_on_that_config():
    rule = AccountRule("auth_configs", auth_config_id="ac_mine")
    assert policy.pick_account(rule, [account("other", config="ac_other")]) is None
    assert (
        policy.pick_account(rule, [account("a", config="ac_mine", age=5), account("b", config="ac_other")]).id
        == "a"
    )


def test_explicit_account_must_be_in_scope():
    accounts = [account("a", age=2), account("b", age=1)]
    assert policy.pick_account(AccountRule("default"), accounts, explicit="a").id == "a"
    assert policy.pick_account(AccountRule("default"), accounts, explicit="stranger") is None


def test_link_auth_config_plan_follows_the_documented_steps():
    existing = [
        AuthConfigFacts("ac_old", True, T0 - dt.timedelta(days=1)),
        AuthConfigFacts("ac_new", True, T0),
        AuthConfigFacts("ac_off", False, T0 + dt.timedelta(days=1)),
    ]
    pins = AccountRule("connected_accounts", account_ids=("ca_1",))
    assert (
        policy.plan_link_auth_config(
            pins, pinned_config_id="ac_pin", existing=existing, managed_available=True
        ).auth_config_id
        == "ac_pin"
    )
    override = AccountRule("auth_configs", auth_config_id="ac_override")
    assert (
        policy.plan_link_auth_config(
            override, pinned_config_id=None, existing=existing, managed_available=True
        ).auth_config_id
        == "ac_override"
    )
    default = AccountRule("default")
    assert (
        policy.plan_link_auth_config(
            default, pinned_config_id=None, existing=existing, managed_available=True
        ).auth_config_id
        == "ac_new"
    )
    assert (
        policy.plan_link_auth_config(
            default, pinned_config_id=None, existing=[], managed_available=True
        ).action
        == "create_managed"
    )
    assert (
        policy.plan_link_auth_config(
            default, pinned_config_id=None, existing=existing[2:], managed_available=False
        ).action
        == "none"
    )


# -- the create body ----------------------------------------------------------------------------

CASES = json.loads((Path(__file__).parent / "support" / "session_create_cases.json").read_text())


@pytest.mark.parametrize("case", CASES, ids=[str(i) for i in range(len(CASES))])
def test_create_body_shapes_and_errors_are_unchanged(case):
    """113 bodies recorded from the parser (re-recorded when a refusal is added on purpose): same config, or same message and fix."""
    expect = case["expect"]
    if "ok" in expect:
        assert json.loads(json.dumps(cfg.to_json(parse_create_body(case["body"])))) == expect["ok"]
    else:
        with pytest.raises(BadRequest) as caught:
            parse_create_body(case["body"])
        assert [caught.value.message, caught.value.suggested_fix] == expect["error"][:2]
        assert caught.value.status == 400 and caught.value.slug == "ValidationError"


def test_unknown_create_fields_are_refused_by_name():
    with pytest.raises(BadRequest, match=r"^toolkit: is not a session setting$"):
        parse_create_body({"user_id": "u", "toolkit": ["github"]})
    with pytest.raises(BadRequest, match=r"^toolkits: "):  # the first problem in field order is reported
        parse_create_body({"user_id": "u", "toolkits": 3, "zzz": 1})


@pytest.mark.parametrize("case", [c for c in CASES if "ok" in c["expect"]], ids=lambda c: str(c["body"])[:60])
def test_an_update_starts_from_the_exact_body_of_the_current_config(case):
    """`update.config_body` is the inverse of parsing, so an empty patch changes nothing."""
    from valetkey.sessions import update

    config = parse_create_body(case["body"])
    assert parse_create_body(update.config_body(config)) == config
    assert parse_create_body(update.apply_patch(update.config_body(config), {})) == config


def test_patch_contract_on_the_body():
    from valetkey.sessions import update

    body = {
        "user_id": "u",
        "toolkits": {"enable": ["a"]},
        "manage_connections": {
            "enable": True,
            "callback_url": "https://x.test",
            "enable_wait_for_connections": True,
        },
    }
    patched = update.apply_patch(
        body, {"toolkits": None, "manage_connections": {"callback_url": None}, "tags": ["readOnlyHint"]}
    )
    assert patched == {
        "user_id": "u",
        "manage_connections": {"enable": True, "enable_wait_for_connections": True},
        "tags": ["readOnlyHint"],
    }
    with pytest.raises(BadRequest, match="user_id: cannot be changed"):
        update.apply_patch(body, {"user_id": "v"})
    with pytest.raises(BadRequest, match="toolkitz: is not a session setting"):
        update.apply_patch(body, {"toolkitz": []})
    assert update.expected_version({"expected_config_version": False}) is None
    with pytest.raises(BadRequest):
        update.expected_version({"expected_config_version": True})
