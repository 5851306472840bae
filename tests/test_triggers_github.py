"""GitHub triggers end to end through the official SDK, against the sandbox's GitHub emulator.

The trigger registers a hook on the repository through the emulator's hooks API;
the events are caused in the emulator (issues, labels, pushes through the
contents API, pull requests, stars), which delivers them signed to Valetkey's
ingress as GitHub does; Valetkey delivers the V3 webhook to a loopback receiver.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import httpx
import pytest

from tests.support.errors import assert_error
from tests.support.receiver import Receiver
from tests.support.sandbox_events import flush
from tests.support.triggers import TriggerAccount, connect_for_triggers, start_trigger_server

OWNER, REPO = "octocat", "Hello-World"
CONFIG = {"owner": OWNER, "repo": REPO}
INGRESS_LIMIT = 40  # requests per minute at each trigger's ingress URL (VALETKEY_INGRESS_RATE_LIMIT)
TYPES = (
    "GITHUB_COMMIT_EVENT",
    "GITHUB_ISSUE_ADDED_EVENT",
    "GITHUB_PULL_REQUEST_EVENT",
    "GITHUB_STAR_ADDED_EVENT",
    "GITHUB_LABEL_ADDED_EVENT",
)


@pytest.fixture(scope="module")
def gh_server(backend, emulators, request):
    threaded, running = start_trigger_server(backend, request, emulators, ingress_rate_limit=INGRESS_LIMIT)
    yield running
    threaded.stop()


@pytest.fixture
def receiver():
    r = Receiver().start()
    yield r
    r.stop()


@pytest.fixture
def github(emulators, gh_server, receiver):
    account = connect_for_triggers(emulators, gh_server, "github", receiver, user_id="user-1")
    yield account
    account.api.close()


@pytest.fixture
def repo_api(emulators):
    """The emulator's REST API as the repository's owner (hooks need a hook scope)."""
    token = emulators.emulator("github").issue_token(OWNER, ("repo",))
    with httpx.Client(
        base_url=f"{emulators.url}/github", headers={"Authorization": f"Bearer {token}"}, timeout=20
    ) as client:
        yield client


def hooks(repo_api: httpx.Client) -> list[dict]:
    listed = repo_api.get(f"/repos/{OWNER}/{REPO}/hooks")
    assert listed.status_code == 200, listed.text
    return listed.json()


def hook_of(repo_api: httpx.Client, trigger_id: str) -> dict:
    [hook] = [h for h in hooks(repo_api) if h["config"]["url"].endswith("/" + trigger_id)]
    return hook


def star_as(emulators, login: str) -> None:
    token = emulators.emulator("github").issue_token(login, ("repo",))
    answer = httpx.put(
        f"{emulators.url}/github/user/starred/{OWNER}/{REPO}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=20,
    )
    assert answer.status_code == 204, answer.text


def by_slug(github: TriggerAccount, raws: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for raw in raws:
        out.setdefault(raw["metadata"]["trigger_slug"], []).append(raw)
    return out


def test_every_github_type_fires_from_the_emulator(gh_server, emulators, github, repo_api, receiver):
    ids = {slug: github.create(slug, CONFIG) for slug in TYPES}
    for trigger_id in ids.values():
        hook = hook_of(repo_api, trigger_id)
        assert hook["config"]["url"] == f"{gh_server.url}/api/v3.1/trigger_ingress/github/{trigger_id}"
        assert hook["config"]["content_type"] == "json" and hook["config"]["secret"] == "********"
        assert hook["active"] is True
    flush(emulators.url, "github")
    # GitHub's ping went out at once and found each stored instance: answered 2xx, no event.
    for trigger_id in ids.values():
        assert hook_of(repo_api, trigger_id)["last_response"]["code"] == 200
    assert receiver.received == []

    # Cause each event in the emulator: an issue through the SDK's tool, a label, a push, a PR, a star.
    issue = github.connection.ok("GITHUB_CREATE_ISSUE", {"owner": OWNER, "repo": REPO, "title": "Broken"})
    number = issue["number"]
    labeled = repo_api.post(f"/repos/{OWNER}/{REPO}/issues/{number}/labels", json={"labels": ["bug"]})
    assert labeled.status_code == 200, labeled.text
    content = base64.b64encode(b"print('hi')\n").decode()
    put = repo_api.put(
        f"/repos/{OWNER}/{REPO}/contents/hello.py", json={"message": "Add hello", "content": content}
    )
    assert put.status_code == 201, put.text
    main = repo_api.get(f"/repos/{OWNER}/{REPO}/branches/main").json()["commit"]["sha"]
    assert (
        repo_api.post(
            f"/repos/{OWNER}/{REPO}/git/refs", json={"ref": "refs/heads/feature", "sha": main}
        ).status_code
        == 201
    )
    feature = repo_api.put(
        f"/repos/{OWNER}/{REPO}/contents/f.txt",
        json={"message": "On feature", "content": content, "branch": "feature"},
    )
    assert feature.status_code == 201, feature.text
    pull = repo_api.post(
        f"/repos/{OWNER}/{REPO}/pulls", json={"title": "Feature", "head": "feature", "base": "main"}
    )
    assert pull.status_code == 201, pull.text
    star_as(emulators, "hubot")
    flush(emulators.url, "github")

    raws = github.events(6)
    github.nothing_more(6)
    got = by_slug(github, raws)
    assert {slug: len(v) for slug, v in got.items()} == {**dict.fromkeys(TYPES, 1), "GITHUB_COMMIT_EVENT": 2}
    data = {slug: github.check(got[slug][0], slug, ids[slug]) for slug in TYPES}
    assert data["GITHUB_ISSUE_ADDED_EVENT"]["title"] == "Broken"
    assert data["GITHUB_ISSUE_ADDED_EVENT"]["number"] == number
    assert (
        data["GITHUB_LABEL_ADDED_EVENT"]["label"] == "bug"
        and data["GITHUB_LABEL_ADDED_EVENT"]["kind"] == "issue"
    )
    assert data["GITHUB_STAR_ADDED_EVENT"]["starred_by"] == "hubot"
    assert data["GITHUB_STAR_ADDED_EVENT"]["repository_name"] == f"{OWNER}/{REPO}"
    assert data["GITHUB_PULL_REQUEST_EVENT"]["number"] == pull.json()["number"]
    commits = [
        github.check(raw, "GITHUB_COMMIT_EVENT", ids["GITHUB_COMMIT_EVENT"])
        for raw in got["GITHUB_COMMIT_EVENT"]
    ]
    pushed = json.dumps(commits)
    assert put.json()["commit"]["sha"] in pushed and feature.json()["commit"]["sha"] in pushed

    listed = github.sdk.triggers.list_active(trigger_ids=[ids["GITHUB_STAR_ADDED_EVENT"]])
    health = listed.items[0].model_dump()["health"]
    assert health["last_event_at"] and health["consecutive_errors"] == 0


def test_redeliveries_and_form_hooks(gh_server, emulators, github, repo_api, receiver):
    trigger_id = github.create("GITHUB_ISSUE_ADDED_EVENT", CONFIG)
    hook = hook_of(repo_api, trigger_id)
    base = f"/repos/{OWNER}/{REPO}/hooks/{hook['id']}"
    repo_api.post(f"/repos/{OWNER}/{REPO}/issues", json={"title": "first"})
    flush(emulators.url, "github")
    [first] = github.events(1)
    assert github.check(first, "GITHUB_ISSUE_ADDED_EVENT", trigger_id)["title"] == "first"

    # GitHub's redelivery (same X-GitHub-Delivery): acknowledged by the ingress, not delivered twice.
    delivery = next(d for d in repo_api.get(base + "/deliveries").json() if d["event"] == "issues")
    assert repo_api.post(f"{base}/deliveries/{delivery['id']}/attempts").status_code == 202
    flush(emulators.url, "github")
    newest = repo_api.get(base + "/deliveries").json()[0]
    assert newest["redelivery"] is True and newest["status_code"] == 200
    github.nothing_more(1)

    # A hook switched to form encoding (payload=<json>) is verified over the raw body too.
    patched = repo_api.patch(base + "/config", json={"content_type": "form"})
    assert patched.status_code == 200 and patched.json()["content_type"] == "form"
    repo_api.post(f"/repos/{OWNER}/{REPO}/issues", json={"title": "as a form"})
    flush(emulators.url, "github")
    second = github.events(2)[1]
    assert github.check(second, "GITHUB_ISSUE_ADDED_EVENT", trigger_id)["title"] == "as a form"
    # An action the type does not take (closing the issue) fires nothing.
    repo_api.patch(f"/repos/{OWNER}/{REPO}/issues/1", json={"state": "closed"})
    flush(emulators.url, "github")
    github.nothing_more(2)


def test_disabled_triggers_deliver_nothing_and_deleted_ones_leave_github(
    gh_server, emulators, github, repo_api, receiver
):
    trigger_id = github.create("GITHUB_STAR_ADDED_EVENT", CONFIG)
    hook = hook_of(repo_api, trigger_id)
    assert github.sdk.triggers.disable(trigger_id).status == "success"
    assert github.sdk.triggers.list_active(trigger_ids=[trigger_id]).items == []
    [shown] = github.sdk.triggers.list_active(trigger_ids=[trigger_id], show_disabled=True).items
    assert shown.model_dump()["disabled_reason"] == "manual" and shown.disabled_at
    star_as(emulators, "while-disabled")
    [sent] = [d for d in flush(emulators.url, "github") if d["event"] == "star"]
    assert sent["attempts"][-1]["status"] == 200  # GitHub got its 2xx; nothing is delivered
    github.sdk.triggers.enable(trigger_id)
    star_as(emulators, "after")
    flush(emulators.url, "github")
    [raw] = github.events(1)
    assert github.check(raw, "GITHUB_STAR_ADDED_EVENT", trigger_id)["starred_by"] == "after"
    github.nothing_more(1)  # the event of the disabled time never comes, then or later

    assert github.sdk.triggers.delete(trigger_id).trigger_id == trigger_id
    assert hook["id"] not in [h["id"] for h in hooks(repo_api)]  # removed at GitHub
    star_as(emulators, "after-delete")
    flush(emulators.url, "github")
    github.nothing_more(1)
    assert_error(github.api.delete(f"/api/v3.1/trigger_instances/manage/{trigger_id}"), 404)


def _signed(secret: str, body: bytes, event: str = "star", delivery: str = "d-1") -> dict:
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {
        "content": body,
        "headers": {
            "Content-Type": "application/json",
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": delivery,
            "X-Hub-Signature-256": signature,
        },
        "timeout": 60,
    }


def test_bad_ingress_is_refused_and_nothing_is_delivered(gh_server, emulators, github, repo_api, receiver):
    trigger_id = github.create("GITHUB_STAR_ADDED_EVENT", CONFIG)
    hook = hook_of(repo_api, trigger_id)
    url = hook["config"]["url"]
    # The emulator's own signed request for this hook (its deliveries log), sent again by someone else.
    emulator = emulators.emulator("github")
    secret = emulator.store.state.repo(OWNER, REPO).hooks[hook["id"]].secret
    star = json.dumps(
        {"action": "created", "repository": {"full_name": f"{OWNER}/{REPO}"}, "sender": {"login": "jane"}}
    ).encode()
    assert_error(httpx.post(url, **_signed("forged-secret", star)), 401)
    tampered = _signed(secret, star)
    tampered["content"] = star.replace(b"jane", b"mallory")  # body changed after signing
    assert_error(httpx.post(url, **tampered), 401)
    unsigned = _signed(secret, star)
    del unsigned["headers"]["X-Hub-Signature-256"]
    assert_error(httpx.post(url, **unsigned), 401)
    assert_error(httpx.post(url.rsplit("/", 1)[0] + "/ti_nosuchtrigger", **_signed(secret, star)), 404)
    huge = json.dumps({"padding": "x" * (11 * 1024 * 1024)}).encode()
    assert_error(httpx.post(url, **_signed(secret, huge)), 413)
    github.nothing_more(0)


def test_deleting_the_account_or_the_project_removes_the_hooks_at_github(
    gh_server, emulators, repo_api, receiver
):
    first = connect_for_triggers(emulators, gh_server, "github", receiver, user_id="leaver")
    star_id = first.create("GITHUB_STAR_ADDED_EVENT", CONFIG)
    issue_id = first.create("GITHUB_ISSUE_ADDED_EVENT", CONFIG)
    hook_ids = {hook_of(repo_api, star_id)["id"], hook_of(repo_api, issue_id)["id"]}
    first.sdk.connected_accounts.delete(first.account_id)
    assert hook_ids.isdisjoint(h["id"] for h in hooks(repo_api))  # both removed at GitHub
    assert first.sdk.triggers.list_active(trigger_ids=[star_id, issue_id], show_disabled=True).items == []
    first.api.close()

    second = connect_for_triggers(emulators, gh_server, "github", receiver, user_id="owner", reset=False)
    kept = second.create("GITHUB_STAR_ADDED_EVENT", CONFIG)
    hook = hook_of(repo_api, kept)
    project = second.connection.project
    with httpx.Client(
        base_url=gh_server.url, headers={"x-org-api-key": project.org_api_key}, timeout=30
    ) as org:
        assert org.delete(f"/api/v3/org/owner/project/{project.id}").status_code == 200
    assert hook["id"] not in [h["id"] for h in hooks(repo_api)]
    star_as(emulators, "after-project-delete")
    flush(emulators.url, "github")
    second.nothing_more(0)
    second.api.close()


def test_the_ingress_is_rate_limited_per_trigger_url(gh_server, github):
    trigger_id = github.create("GITHUB_STAR_ADDED_EVENT", CONFIG)
    url = f"{gh_server.url}/api/v3.1/trigger_ingress/github/{trigger_id}"
    forged = _signed("forged", b"{}")
    answers = [httpx.post(url, **forged).status_code for _ in range(INGRESS_LIMIT + 5)]
    assert 401 in answers and answers[-1] == 429
    limited = httpx.post(url, **forged)
    error = assert_error(limited, 429)
    assert "ingress" in error["message"].lower() and int(limited.headers["retry-after"]) > 0
    # Another trigger's URL has its own budget.
    other = url.rsplit("/", 1)[0] + "/ti_someotherone"
    assert_error(httpx.post(other, **forged), 404)


def test_trigger_config_is_validated_naming_the_field(gh_server, github):
    api, user = github.api, github.user_id
    upsert = "/api/v3.1/trigger_instances/GITHUB_STAR_ADDED_EVENT/upsert"
    missing = api.post(upsert, json={"user_id": user, "trigger_config": {"owner": OWNER}})
    assert assert_error(missing, 400, contains="trigger_config.repo")["field"] == "trigger_config.repo"
    extra = api.post(upsert, json={"user_id": user, "trigger_config": {**CONFIG, "branch": "main"}})
    assert_error(extra, 400, contains="trigger_config.branch")
    wrong = api.post(upsert, json={"user_id": user, "trigger_config": {"owner": 5, "repo": "x"}})
    assert_error(wrong, 400, contains="trigger_config.owner")
    assert_error(api.post("/api/v3.1/trigger_instances/GITHUB_NOPE/upsert", json={"user_id": user}), 404)
    assert_error(api.post(upsert, json={"user_id": "nobody", "trigger_config": CONFIG}), 400)
    assert_error(
        api.post(upsert, json={"user_id": user, "trigger_config": CONFIG, "egress_url": "https://x.test"}),
        400,
    )
    assert_error(
        api.post(
            upsert,
            json={
                "connected_account_id": github.account_id,
                "user_id": "someone-else",
                "trigger_config": CONFIG,
            },
        ),
        404,
    )
    # A repository the emulator does not have: GitHub's 404 is the caller's to fix, said plainly.
    assert_error(
        api.post(upsert, json={"user_id": user, "trigger_config": {"owner": OWNER, "repo": "nope"}}), 422
    )
    # the same type, account and config is the same instance
    first = github.create("GITHUB_STAR_ADDED_EVENT", CONFIG)
    again = github.sdk.triggers.create(
        "GITHUB_STAR_ADDED_EVENT", connected_account_id=github.account_id, trigger_config=CONFIG
    ).trigger_id
    assert again == first


def test_subscribe_answers_with_the_alternative(github):
    error = assert_error(github.api.get("/api/v3/internal/sdk/realtime/credentials"), 501)
    assert "POST /api/v3/webhook_subscriptions" in error["suggested_fix"]
    with pytest.raises(Exception, match="webhook"):
        github.sdk.triggers.subscribe(timeout=2)
