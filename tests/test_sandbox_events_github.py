"""The GitHub emulator's repository hooks API and the signed hook deliveries it sends, over real HTTP."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from urllib.parse import parse_qs

import httpx
import pytest

from tests.support.sandbox_events import flush as flush_app
from tests.support.sandbox_events import github_signature_ok
from tests.support.servers import ThreadedServer
from tests.support.webhook_receiver import Received, WebhookReceiver

SECRET = "It's a Secret to Everybody"


@pytest.fixture(scope="module")
def sandbox():
    from valetkey.sandbox import create_sandbox_app

    app = create_sandbox_app()
    threaded = ThreadedServer(app).start()
    yield threaded.url, app.state.sandbox.apps["github"]
    threaded.stop()


@pytest.fixture(scope="module")
def receiver():
    running = WebhookReceiver().start()
    yield running
    running.stop()


@pytest.fixture
def gh(sandbox, receiver):
    url, emulator = sandbox
    emulator.reset()
    receiver.clear()
    token = emulator.issue_token("octocat", ("repo",))
    with httpx.Client(
        base_url=f"{url}/github", headers={"Authorization": f"Bearer {token}"}, timeout=10
    ) as c:
        c.emulator = emulator  # type: ignore[attr-defined]
        c.sandbox_url = url  # type: ignore[attr-defined]
        yield c


def verify(request: Received, secret: str = SECRET) -> None:
    """GitHub's documented check (sha256= + hex HMAC-SHA256 of the raw body), and the legacy sha1 header."""
    assert github_signature_ok(secret, request.body, request.header("x-hub-signature-256"))
    assert not github_signature_ok("another secret", request.body, request.header("x-hub-signature-256"))
    legacy = "sha1=" + hmac.new(secret.encode(), request.body, hashlib.sha1).hexdigest()
    assert request.header("x-hub-signature") == legacy


def payload(request: Received) -> dict:
    if request.header("content-type") == "application/x-www-form-urlencoded":
        return json.loads(parse_qs(request.body.decode())["payload"][0])
    assert request.header("content-type") == "application/json"
    return request.json()


def flush(gh: httpx.Client) -> list[dict]:
    return flush_app(gh.sandbox_url, "github")  # type: ignore[attr-defined]


def create_hook(gh: httpx.Client, receiver: WebhookReceiver, events: list[str], **config) -> dict:
    body = {
        "name": "web",
        "config": {"url": receiver.url + "/hook", "content_type": "json", "secret": SECRET, **config},
        "events": events,
    }
    created = gh.post("/repos/octocat/Hello-World/hooks", json=body)
    assert created.status_code == 201, created.text
    return created.json()


def events_of(receiver: WebhookReceiver, name: str) -> list[Received]:
    return [r for r in receiver.received if r.header("x-github-event") == name]


def test_create_hook_answers_githubs_shape_and_sends_a_signed_ping(gh, receiver):
    hook = create_hook(gh, receiver, ["issues", "push"])
    assert hook["type"] == "Repository" and hook["name"] == "web" and hook["active"] is True
    assert hook["events"] == ["issues", "push"]
    assert hook["config"] == {
        "content_type": "json",
        "insecure_ssl": "0",
        "url": receiver.url + "/hook",
        "secret": "********",
    }
    assert hook["last_response"] == {"code": None, "status": "unused", "message": None}
    assert hook["ping_url"].endswith(f"/repos/octocat/Hello-World/hooks/{hook['id']}/pings")
    flush(gh)
    [ping] = receiver.received
    verify(ping)
    assert ping.header("x-github-event") == "ping"
    assert ping.header("x-github-hook-id") == str(hook["id"])
    assert ping.header("x-github-hook-installation-target-type") == "repository"
    assert ping.header("user-agent").startswith("GitHub-Hookshot/")
    uuid.UUID(ping.header("x-github-delivery"))
    body = payload(ping)
    assert body["hook_id"] == hook["id"] and body["hook"]["events"] == ["issues", "push"]
    assert body["zen"] and body["repository"]["full_name"] == "octocat/Hello-World"
    assert body["sender"]["login"] == "octocat"
    # The hook now reports the ping's answer.
    again = gh.get(f"/repos/octocat/Hello-World/hooks/{hook['id']}").json()
    assert again["last_response"] == {"code": 200, "status": "active", "message": "OK"}


def test_issue_opened_and_labeled_are_delivered_signed(gh, receiver):
    create_hook(gh, receiver, ["issues"])
    created = gh.post("/repos/octocat/Hello-World/issues", json={"title": "Boom", "labels": ["bug"]})
    assert created.status_code == 201
    number = created.json()["number"]
    gh.post(f"/repos/octocat/Hello-World/issues/{number}/labels", json={"labels": ["enhancement"]})
    flush(gh)
    issues = events_of(receiver, "issues")
    for request in issues:
        verify(request)
    bodies = [payload(r) for r in issues]
    assert [(b["action"], b.get("label", {}).get("name")) for b in bodies] == [
        ("opened", None),
        ("labeled", "bug"),
        ("labeled", "enhancement"),
    ]
    opened = bodies[0]
    assert opened["issue"]["number"] == number and opened["issue"]["title"] == "Boom"
    assert opened["issue"]["user"]["login"] == "octocat"
    assert (
        opened["repository"]["full_name"] == "octocat/Hello-World" and opened["sender"]["login"] == "octocat"
    )
    assert [label["name"] for label in bodies[2]["issue"]["labels"]] == ["bug", "enhancement"]
    assert len({r.header("x-github-delivery") for r in issues}) == 3


def test_form_content_type_sends_payload_field_signed_over_the_form_body(gh, receiver):
    create_hook(gh, receiver, ["issues"], content_type="form")
    gh.post("/repos/octocat/Hello-World/issues", json={"title": "Form"})
    flush(gh)
    [opened] = events_of(receiver, "issues")
    assert opened.header("content-type") == "application/x-www-form-urlencoded"
    assert opened.body.startswith(b"payload=")
    verify(opened)
    assert payload(opened)["issue"]["title"] == "Form"


def test_push_through_the_contents_api_lists_the_commit(gh, receiver):
    create_hook(gh, receiver, ["push"])
    before = gh.get("/repos/octocat/Hello-World/branches/main").json()["commit"]["sha"]
    content = base64.b64encode(b"print('hi')\n").decode()
    put = gh.put(
        "/repos/octocat/Hello-World/contents/hello.py", json={"message": "Add hello", "content": content}
    )
    assert put.status_code == 201
    sha = put.json()["commit"]["sha"]
    flush(gh)
    [push] = events_of(receiver, "push")
    verify(push)
    body = payload(push)
    assert body["ref"] == "refs/heads/main" and body["before"] == before and body["after"] == sha
    assert body["created"] is False and body["deleted"] is False
    assert body["head_commit"]["id"] == sha and body["head_commit"]["message"] == "Add hello"
    [commit] = body["commits"]
    assert commit["added"] == ["hello.py"] and commit["removed"] == [] and commit["modified"] == []
    assert commit["author"]["username"] == "octocat" and body["pusher"]["name"] == "octocat"


def test_pull_request_opened_star_and_label_events(gh, receiver):
    create_hook(gh, receiver, ["pull_request", "watch", "star", "label"])
    main = gh.get("/repos/octocat/Hello-World/branches/main").json()["commit"]["sha"]
    assert (
        gh.post(
            "/repos/octocat/Hello-World/git/refs", json={"ref": "refs/heads/feature", "sha": main}
        ).status_code
        == 201
    )
    content = base64.b64encode(b"new\n").decode()
    gh.put(
        "/repos/octocat/Hello-World/contents/f.txt",
        json={"message": "f", "content": content, "branch": "feature"},
    )
    pull = gh.post(
        "/repos/octocat/Hello-World/pulls", json={"title": "Feature", "head": "feature", "base": "main"}
    )
    assert pull.status_code == 201
    hubot = gh.emulator.issue_token("hubot", ("repo",))  # type: ignore[attr-defined]
    star = gh.put("/user/starred/octocat/Hello-World", headers={"Authorization": f"Bearer {hubot}"})
    assert star.status_code == 204
    # Starring again changes nothing and sends nothing.
    gh.put("/user/starred/octocat/Hello-World", headers={"Authorization": f"Bearer {hubot}"})
    assert (
        gh.post("/repos/octocat/Hello-World/labels", json={"name": "triage", "color": "ff0000"}).status_code
        == 201
    )
    flush(gh)
    for request in receiver.received:
        verify(request)
    [opened] = [payload(r) for r in events_of(receiver, "pull_request")]
    assert opened["action"] == "opened" and opened["number"] == pull.json()["number"]
    assert opened["pull_request"]["head"]["ref"] == "feature" and opened["pull_request"]["title"] == "Feature"
    [watch] = [payload(r) for r in events_of(receiver, "watch")]
    assert watch["action"] == "started" and watch["sender"]["login"] == "hubot"
    [star_event] = [payload(r) for r in events_of(receiver, "star")]
    assert star_event["action"] == "created" and star_event["starred_at"]
    [label] = [payload(r) for r in events_of(receiver, "label")]
    assert label["action"] == "created" and label["label"]["name"] == "triage"
    # No push hook subscription: the commit on `feature` was not sent.
    assert events_of(receiver, "push") == []


def test_inactive_hooks_and_unsubscribed_events_send_nothing(gh, receiver):
    hook = create_hook(gh, receiver, ["push"])
    gh.post("/repos/octocat/Hello-World/issues", json={"title": "not subscribed"})
    patched = gh.patch(
        f"/repos/octocat/Hello-World/hooks/{hook['id']}", json={"active": False, "add_events": ["issues"]}
    )
    assert patched.json()["active"] is False and patched.json()["events"] == ["push", "issues"]
    gh.post("/repos/octocat/Hello-World/issues", json={"title": "inactive"})
    flush(gh)
    assert [r.header("x-github-event") for r in receiver.received] == ["ping"]


def test_hooks_api_lists_updates_and_deletes_and_validates(gh, receiver):
    hook = create_hook(gh, receiver, ["*"])
    base = "/repos/octocat/Hello-World/hooks"
    assert [h["id"] for h in gh.get(base).json()] == [hook["id"]]
    duplicate = gh.post(base, json={"config": {"url": receiver.url + "/hook"}})
    assert duplicate.status_code == 422
    assert duplicate.json()["errors"][0]["message"] == "Hook already exists on this repository"
    no_url = gh.post(base, json={"config": {"content_type": "json"}})
    assert no_url.status_code == 422 and "URL" in no_url.json()["errors"][0]["message"]
    assert gh.post(base, json={"config": {"url": receiver.url + "/x"}, "events": ["nope"]}).status_code == 422
    assert (
        gh.post(base, json={"config": {"url": receiver.url + "/x", "content_type": "xml"}}).status_code == 422
    )
    # Defaults: form content, push only, active.
    default = gh.post(base, json={"config": {"url": receiver.url + "/default"}}).json()
    assert default["events"] == ["push"] and default["config"]["content_type"] == "form"
    assert "secret" not in default["config"]
    config = gh.patch(f"{base}/{default['id']}/config", json={"content_type": "json", "secret": "s2"})
    assert config.json() == {
        "content_type": "json",
        "insecure_ssl": "0",
        "url": receiver.url + "/default",
        "secret": "********",
    }
    assert gh.delete(f"{base}/{default['id']}").status_code == 204
    assert gh.get(f"{base}/{default['id']}").status_code == 404
    # Someone who does not own the repository sees no hooks (404, as private things on GitHub).
    hubot = gh.emulator.issue_token("hubot", ("repo",))  # type: ignore[attr-defined]
    assert gh.get(base, headers={"Authorization": f"Bearer {hubot}"}).status_code == 404
    # A token without a hook scope cannot manage hooks.
    weak = gh.emulator.issue_token("octocat", ("public_repo",))  # type: ignore[attr-defined]
    assert gh.get(base, headers={"Authorization": f"Bearer {weak}"}).status_code == 404
    reader = gh.emulator.issue_token("octocat", ("read:repo_hook",))  # type: ignore[attr-defined]
    assert gh.get(base, headers={"Authorization": f"Bearer {reader}"}).status_code == 200
    assert (
        gh.post(
            base, json={"config": {"url": receiver.url + "/r"}}, headers={"Authorization": f"Bearer {reader}"}
        ).status_code
        == 404
    )


def test_a_failed_delivery_is_not_retried_shows_in_the_deliveries_api_and_can_be_redelivered(gh, receiver):
    receiver.answer(500, times=1)
    hook = create_hook(gh, receiver, ["issues"])
    deliveries = flush(gh)
    [ping] = deliveries
    assert ping["state"] == "failed" and [a["status"] for a in ping["attempts"]] == [500]
    assert len(receiver.received) == 1  # GitHub does not retry
    base = f"/repos/octocat/Hello-World/hooks/{hook['id']}"
    assert gh.get(base).json()["last_response"] == {
        "code": 500,
        "status": "failed",
        "message": "Invalid HTTP Response: 500",
    }
    [listed] = gh.get(base + "/deliveries").json()
    assert listed["guid"] == receiver.received[0].header("x-github-delivery")
    assert listed["status_code"] == 500 and listed["event"] == "ping" and listed["redelivery"] is False
    detail = gh.get(f"{base}/deliveries/{listed['id']}").json()
    assert detail["request"]["headers"]["X-GitHub-Event"] == "ping"
    assert detail["request"]["payload"]["hook_id"] == hook["id"] and detail["url"] == receiver.url + "/hook"
    assert gh.post(f"{base}/deliveries/{listed['id']}/attempts").status_code == 202
    flush(gh)
    assert len(receiver.received) == 2
    again = receiver.received[1]
    assert again.header("x-github-delivery") == listed["guid"] and again.body == receiver.received[0].body
    newest = gh.get(base + "/deliveries").json()[0]
    assert newest["redelivery"] is True and newest["status_code"] == 200
    # Pings on request, too.
    assert gh.post(base + "/pings").status_code == 204
    flush(gh)
    assert receiver.received[-1].header("x-github-event") == "ping"


def test_an_unreachable_receiver_is_recorded_and_the_api_call_does_not_wait(gh, receiver):
    gone = gh.post(
        "/repos/octocat/Hello-World/hooks",
        json={"config": {"url": "http://127.0.0.1:9/nothing", "content_type": "json"}, "events": ["issues"]},
    )
    assert gone.status_code == 201
    [ping] = flush(gh)
    assert ping["state"] == "failed" and ping["attempts"][0]["error"] == "connection_failed"
    admin = httpx.get(f"{gh.sandbox_url}/_sandbox/github/deliveries").json()["deliveries"]  # type: ignore[attr-defined]
    assert [d["event"] for d in admin] == ["ping"]
