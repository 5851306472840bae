"""Every GitHub tool through the official SDK, a real server and the GitHub emulator.

Each test connects an account through the sandbox (OAuth2 by default), runs
tools with `composio.tools.execute`, and checks the answer *and* the
emulator's state. The last test proves every tool of the toolkit ran.
"""

from __future__ import annotations

import base64

import httpx
import pytest
from composio_client import BadRequestError

from valetkey.sandbox.apps.github.state import blob_sha

HELLO = {"owner": "octocat", "repo": "Hello-World"}


@pytest.fixture
def github(connect):
    """octocat's account, with every tool run recorded for the coverage check."""
    return connect("github", scopes=["repo", "read:user", "user:email", "delete_repo"])


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_issue_lifecycle_with_comments_and_labels(github):
    repo = github.state.repo("octocat", "Hello-World")
    created = github.ok(
        "GITHUB_CREATE_ISSUE",
        {
            **HELLO,
            "title": "Crash on start",
            "body": "Stack trace...",
            "labels": ["bug", "p1"],
            "assignees": ["octocat"],
        },
    )
    number = created["number"]
    assert created["state"] == "open" and [label["name"] for label in created["labels"]] == ["bug", "p1"]
    issue = repo.issues[number]
    assert issue.title == "Crash on start" and issue.assignees == ["octocat"] and "p1" in repo.labels

    assert github.ok("GITHUB_GET_AN_ISSUE", {**HELLO, "issue_number": number})["body"] == "Stack trace..."
    github.fails("GITHUB_GET_AN_ISSUE", {**HELLO, "issue_number": 999}, status=404)
    listed = github.ok("GITHUB_LIST_REPOSITORY_ISSUES", {**HELLO, "labels": "bug", "per_page": 1})["data"]
    assert [i["number"] for i in listed] == [number]  # newest first, one per page
    assert (
        len(
            github.ok("GITHUB_LIST_REPOSITORY_ISSUES", {**HELLO, "labels": "bug", "page": 2, "per_page": 1})[
                "data"
            ]
        )
        == 1
    )
    mine = github.ok("GITHUB_LIST_ISSUES_ASSIGNED_TO_THE_AUTHENTICATED_USER", {})["data"]
    assert [(i["repository"]["full_name"], i["number"]) for i in mine] == [("octocat/Hello-World", number)]

    comment = github.ok(
        "GITHUB_CREATE_AN_ISSUE_COMMENT", {**HELLO, "issue_number": number, "body": "Looking."}
    )
    assert [c.body for c in issue.comments] == ["Looking."] and comment["user"]["login"] == "octocat"
    comments = github.ok("GITHUB_LIST_ISSUE_COMMENTS", {**HELLO, "issue_number": number})["data"]
    assert [c["id"] for c in comments] == [comment["id"]]

    closed = github.ok(
        "GITHUB_UPDATE_AN_ISSUE",
        {
            **HELLO,
            "issue_number": number,
            "state": "closed",
            "state_reason": "not_planned",
            "title": "Crash (wontfix)",
        },
    )
    assert closed["state"] == "closed" and issue.state_reason == "not_planned" and issue.closed_at
    assert issue.title == "Crash (wontfix)"
    with pytest.raises(BadRequestError, match="title"):  # refused by the input schema before any request
        github.execute("GITHUB_UPDATE_AN_ISSUE", {**HELLO, "issue_number": number, "title": ""})

    label = github.ok(
        "GITHUB_CREATE_A_LABEL", {**HELLO, "name": "triage", "color": "00ff00", "description": "New"}
    )
    assert label["color"] == "00ff00" and repo.labels["triage"].description == "New"
    assert (
        "already_exists"
        in github.fails("GITHUB_CREATE_A_LABEL", {**HELLO, "name": "Triage"}, status=422)["data"]["message"]
    )
    names = [
        label["name"]
        for label in github.ok("GITHUB_LIST_LABELS_FOR_A_REPOSITORY", {**HELLO, "per_page": 100})["data"]
    ]
    assert "triage" in names and "bug" in names
    after_add = github.ok(
        "GITHUB_ADD_LABELS_TO_AN_ISSUE", {**HELLO, "issue_number": number, "labels": ["triage"]}
    )
    assert [label["name"] for label in after_add["data"]] == ["bug", "p1", "triage"] == issue.labels
    left = github.ok("GITHUB_REMOVE_A_LABEL_FROM_AN_ISSUE", {**HELLO, "issue_number": number, "name": "p1"})
    assert [label["name"] for label in left["data"]] == ["bug", "triage"] == issue.labels
    missing = github.fails(
        "GITHUB_REMOVE_A_LABEL_FROM_AN_ISSUE", {**HELLO, "issue_number": number, "name": "p1"}, status=404
    )
    assert "Label does not exist" in missing["error"]


def test_repository_lifecycle(github):
    created = github.ok(
        "GITHUB_CREATE_A_REPOSITORY_FOR_THE_AUTHENTICATED_USER",
        {"name": "agent-lab", "description": "Experiments", "private": True, "auto_init": True},
    )
    assert created["full_name"] == "octocat/agent-lab" and created["private"] is True
    repo = github.state.repo("octocat", "agent-lab")
    assert repo.private and "README.md" in repo.head().files
    taken = github.fails(
        "GITHUB_CREATE_A_REPOSITORY_FOR_THE_AUTHENTICATED_USER", {"name": "agent-lab"}, status=422
    )
    assert "name already exists" in taken["data"]["message"]

    assert (
        github.ok("GITHUB_GET_A_REPOSITORY", {"owner": "octocat", "repo": "agent-lab"})["default_branch"]
        == "main"
    )
    updated = github.ok(
        "GITHUB_UPDATE_A_REPOSITORY",
        {"owner": "octocat", "repo": "agent-lab", "description": "Agent experiments", "private": False},
    )
    assert updated["description"] == "Agent experiments" and repo.private is False

    mine = github.ok("GITHUB_LIST_REPOSITORIES_FOR_THE_AUTHENTICATED_USER", {"sort": "full_name"})["data"]
    assert [r["name"] for r in mine] == ["agent-lab", "Hello-World", "secret-plans"]
    public = github.ok("GITHUB_LIST_REPOSITORIES_FOR_A_USER", {"username": "octocat"})["data"]
    assert "secret-plans" not in [r["name"] for r in public] and "agent-lab" in [r["name"] for r in public]

    github.ok("GITHUB_DELETE_A_REPOSITORY", {"owner": "octocat", "repo": "agent-lab"})
    assert github.state.repo("octocat", "agent-lab") is None
    github.fails("GITHUB_GET_A_REPOSITORY", {"owner": "octocat", "repo": "agent-lab"}, status=404)


def test_files_branches_commits_and_a_merged_pull_request(github):
    repo = github.state.repo("octocat", "Hello-World")
    readme = github.ok("GITHUB_GET_REPOSITORY_CONTENT", {**HELLO, "path": "README.md"})
    assert base64.b64decode(readme["content"]) == b"Hello World!\n" and readme["sha"] == blob_sha(
        b"Hello World!\n"
    )

    main = github.ok("GITHUB_GET_A_BRANCH", {**HELLO, "branch": "main"})
    ref = github.ok(
        "GITHUB_CREATE_A_REFERENCE", {**HELLO, "ref": "refs/heads/docs", "sha": main["commit"]["sha"]}
    )
    assert ref["object"]["sha"] == repo.branches["docs"] == main["commit"]["sha"]
    github.fails(
        "GITHUB_CREATE_A_REFERENCE",
        {**HELLO, "ref": "refs/heads/docs", "sha": main["commit"]["sha"]},
        status=422,
    )

    written = github.ok(
        "GITHUB_CREATE_OR_UPDATE_FILE_CONTENTS",
        {
            **HELLO,
            "path": "docs/guide.md",
            "branch": "docs",
            "message": "Add guide",
            "content": b64("# Guide\n"),
        },
    )
    assert (
        repo.head("docs").files["docs/guide.md"] == b"# Guide\n" and "docs/guide.md" not in repo.head().files
    )
    no_sha = github.fails(
        "GITHUB_CREATE_OR_UPDATE_FILE_CONTENTS",
        {**HELLO, "path": "docs/guide.md", "branch": "docs", "message": "Edit", "content": b64("x")},
        status=422,
    )
    assert "sha" in no_sha["data"]["message"]
    github.fails(
        "GITHUB_CREATE_OR_UPDATE_FILE_CONTENTS",
        {
            **HELLO,
            "path": "docs/guide.md",
            "branch": "docs",
            "message": "Edit",
            "content": b64("x"),
            "sha": "0" * 40,
        },
        status=409,
    )
    github.ok(
        "GITHUB_CREATE_OR_UPDATE_FILE_CONTENTS",
        {
            **HELLO,
            "path": "docs/guide.md",
            "branch": "docs",
            "message": "Edit guide",
            "content": b64("# Guide v2\n"),
            "sha": written["content"]["sha"],
        },
    )
    listing = github.ok("GITHUB_GET_REPOSITORY_CONTENT", {**HELLO, "path": "docs", "ref": "docs"})["data"]
    assert [(e["type"], e["path"]) for e in listing] == [("file", "docs/guide.md")]

    branches = github.ok("GITHUB_LIST_BRANCHES", HELLO)["data"]
    assert [b["name"] for b in branches] == ["docs", "main"]
    history = github.ok("GITHUB_LIST_COMMITS", {**HELLO, "sha": "docs"})["data"]
    assert [c["commit"]["message"] for c in history] == ["Edit guide", "Add guide", "Initial commit"]
    commit = github.ok("GITHUB_GET_A_COMMIT", {**HELLO, "ref": history[0]["sha"]})
    assert [(f["filename"], f["status"]) for f in commit["files"]] == [("docs/guide.md", "modified")]

    pull = github.ok(
        "GITHUB_CREATE_A_PULL_REQUEST",
        {**HELLO, "title": "Add a guide", "head": "docs", "base": "main", "body": "Please review."},
    )
    number = pull["number"]
    assert repo.issues[number].pull.head == "docs" and pull["head"]["sha"] == repo.branches["docs"]
    github.fails(
        "GITHUB_CREATE_A_PULL_REQUEST",
        {**HELLO, "title": "Again", "head": "docs", "base": "main"},
        status=422,
    )
    assert github.ok("GITHUB_GET_A_PULL_REQUEST", {**HELLO, "pull_number": number})["mergeable"] is True
    assert [p["number"] for p in github.ok("GITHUB_LIST_PULL_REQUESTS", HELLO)["data"]] == [number]

    review = github.ok(
        "GITHUB_CREATE_A_REVIEW_COMMENT_FOR_A_PULL_REQUEST",
        {
            **HELLO,
            "pull_number": number,
            "body": "Typo here",
            "commit_id": pull["head"]["sha"],
            "path": "docs/guide.md",
            "line": 1,
        },
    )
    assert repo.issues[number].pull.review_comments[0].path == "docs/guide.md" and review["line"] == 1
    thread = github.ok("GITHUB_LIST_REVIEW_COMMENTS_ON_A_PULL_REQUEST", {**HELLO, "pull_number": number})[
        "data"
    ]
    assert [c["body"] for c in thread] == ["Typo here"]

    github.fails("GITHUB_MERGE_A_PULL_REQUEST", {**HELLO, "pull_number": number, "sha": "0" * 40}, status=409)
    merged = github.ok(
        "GITHUB_MERGE_A_PULL_REQUEST", {**HELLO, "pull_number": number, "merge_method": "squash"}
    )
    assert merged["merged"] is True and repo.branches["main"] == merged["sha"]
    assert repo.head().files["docs/guide.md"] == b"# Guide v2\n" and repo.issues[number].state == "closed"
    github.fails("GITHUB_MERGE_A_PULL_REQUEST", {**HELLO, "pull_number": number}, status=405)
    assert github.ok("GITHUB_LIST_PULL_REQUESTS", HELLO)["data"] == []

    current = github.ok("GITHUB_GET_REPOSITORY_CONTENT", {**HELLO, "path": "docs/guide.md"})
    github.ok(
        "GITHUB_DELETE_A_FILE",
        {**HELLO, "path": "docs/guide.md", "message": "Drop guide", "sha": current["sha"]},
    )
    assert "docs/guide.md" not in repo.head().files
    github.fails("GITHUB_GET_REPOSITORY_CONTENT", {**HELLO, "path": "docs/guide.md"}, status=404)


def test_releases(github):
    repo = github.state.repo("octocat", "Hello-World")
    github.fails("GITHUB_GET_THE_LATEST_RELEASE", HELLO, status=404)
    first = github.ok("GITHUB_CREATE_A_RELEASE", {**HELLO, "tag_name": "v1.0.0", "body": "First."})
    github.ok("GITHUB_CREATE_A_RELEASE", {**HELLO, "tag_name": "v1.1.0-rc1", "prerelease": True})
    assert [r.tag_name for r in repo.releases] == ["v1.0.0", "v1.1.0-rc1"]
    github.fails("GITHUB_CREATE_A_RELEASE", {**HELLO, "tag_name": "v1.0.0"}, status=422)
    listed = github.ok("GITHUB_LIST_RELEASES", HELLO)["data"]
    assert [r["tag_name"] for r in listed] == ["v1.1.0-rc1", "v1.0.0"]
    assert github.ok("GITHUB_GET_THE_LATEST_RELEASE", HELLO)["tag_name"] == "v1.0.0"
    assert github.ok("GITHUB_GET_A_RELEASE", {**HELLO, "release_id": first["id"]})["body"] == "First."


def test_stars_users_and_search(github):
    repo = github.state.repo("octocat", "Hello-World")
    github.fails("GITHUB_CHECK_IF_REPO_IS_STARRED_BY_THE_AUTHENTICATED_USER", HELLO, status=404)
    github.ok("GITHUB_STAR_A_REPOSITORY_FOR_THE_AUTHENTICATED_USER", HELLO)
    assert "octocat" in repo.stargazers
    github.ok("GITHUB_CHECK_IF_REPO_IS_STARRED_BY_THE_AUTHENTICATED_USER", HELLO)
    stargazers = github.ok("GITHUB_LIST_STARGAZERS", {**HELLO, "page": 1, "per_page": 10})["data"]
    assert [u["login"] for u in stargazers] == ["octocat"]
    assert github.ok("GITHUB_LIST_STARGAZERS", {**HELLO, "page": 2, "per_page": 10})["data"] == []
    starred = github.ok("GITHUB_LIST_REPOSITORIES_STARRED_BY_THE_AUTHENTICATED_USER", {})["data"]
    assert [r["full_name"] for r in starred] == ["octocat/Hello-World"]
    github.ok("GITHUB_UNSTAR_A_REPOSITORY_FOR_THE_AUTHENTICATED_USER", HELLO)
    assert "octocat" not in repo.stargazers

    me = github.ok("GITHUB_GET_THE_AUTHENTICATED_USER")
    assert me["login"] == "octocat" and me["name"] == "The Octocat" and me["total_private_repos"] == 1
    assert github.ok("GITHUB_GET_A_USER", {"username": "hubot"})["login"] == "hubot"
    github.fails("GITHUB_GET_A_USER", {"username": "nobody-here"}, status=404)

    repos = github.ok("GITHUB_SEARCH_REPOSITORIES", {"q": "first user:octocat"})
    assert repos["total_count"] == 1 and repos["items"][0]["full_name"] == "octocat/Hello-World"
    issues = github.ok(
        "GITHUB_SEARCH_ISSUES_AND_PULL_REQUESTS", {"q": "problem repo:octocat/Hello-World is:issue is:open"}
    )
    assert [i["number"] for i in issues["items"]] == [1]
    code = github.ok("GITHUB_SEARCH_CODE", {"q": "domination user:octocat"})
    assert [(i["repository"]["full_name"], i["path"]) for i in code["items"]] == [
        ("octocat/secret-plans", "PLANS.md")
    ]


def test_private_repositories_are_404_to_others_and_bad_tokens_are_401(github, connect):
    hubot = connect("github", subject="hubot", reset=False)
    missing = hubot.fails("GITHUB_GET_A_REPOSITORY", {"owner": "octocat", "repo": "secret-plans"}, status=404)
    assert missing["error"] == "404 Not Found: Not Found"
    assert hubot.ok("GITHUB_GET_A_REPOSITORY", HELLO)["private"] is False
    # hubot may open an issue on a public repository but not write its files.
    hubot.ok("GITHUB_CREATE_ISSUE", {**HELLO, "title": "From hubot"})
    hubot.fails(
        "GITHUB_CREATE_OR_UPDATE_FILE_CONTENTS",
        {**HELLO, "path": "x.md", "message": "m", "content": b64("x")},
        status=404,
    )

    github.emulator.oauth2.reset()  # every token issued so far is now unknown to GitHub
    bad = github.fails("GITHUB_GET_THE_AUTHENTICATED_USER", status=401)
    assert "Bad credentials" in bad["error"]


def test_a_personal_access_token_connection_is_verified_and_works(connect):
    pat = connect("github", "BEARER_TOKEN")
    verify = [r for r in pat.emulator.requests.all() if r.path == "/user"]
    assert verify and verify[0].header("x-github-api-version") == "2022-11-28"
    assert pat.ok("GITHUB_GET_THE_AUTHENTICATED_USER")["login"] == "octocat"


def test_wire_details_link_pagination_rate_limits_and_oauth_token_formats(sandbox):
    github = sandbox.emulator("github")
    github.reset()
    token = github.issue_token("octocat", ("repo",))
    api = f"{sandbox.url}/github"
    with httpx.Client(headers={"Authorization": f"token {token}"}, timeout=10) as http:
        for n in range(3):
            http.post(f"{api}/repos/octocat/Hello-World/issues", json={"title": f"t{n}"}).raise_for_status()
        first = http.get(f"{api}/repos/octocat/Hello-World/issues", params={"per_page": 2})
        assert first.links["next"]["url"].endswith("page=2&per_page=2") and "last" in first.links
        second = http.get(first.links["next"]["url"])
        assert len(second.json()) == 2 and "next" not in second.links and second.links["first"]
        assert int(second.headers["x-ratelimit-remaining"]) == int(first.headers["x-ratelimit-remaining"]) - 1
        assert second.headers["x-ratelimit-resource"] == "core" and second.headers["x-oauth-scopes"] == "repo"
        search = http.get(f"{api}/search/repositories", params={"q": "hello"})
        assert (
            search.headers["x-ratelimit-limit"] == "30" and search.headers["x-ratelimit-resource"] == "search"
        )
        invalid = http.post(f"{api}/repos/octocat/Hello-World/issues", content=b"{nope")
        assert invalid.status_code == 400 and invalid.json()["message"] == "Problems parsing JSON"
        unprocessable = http.post(f"{api}/repos/octocat/Hello-World/issues", json={})
        assert unprocessable.status_code == 422 and unprocessable.json()["errors"][0]["field"] == "title"
    assert httpx.post(f"{api}/user/repos", json={"name": "x"}).json()["message"] == "Requires authentication"

    provider = github.oauth2
    form = {
        "grant_type": "authorization_code",
        "client_id": "sandbox-client",
        "client_secret": "sandbox-secret",
    }
    with httpx.Client(timeout=10) as http:
        for accept, parse in (
            ("application/json", lambda r: r.json()),
            ("*/*", lambda r: dict(httpx.QueryParams(r.text))),
        ):
            location = provider.authorization_request(
                {
                    "response_type": "code",
                    "client_id": "sandbox-client",
                    "redirect_uri": "http://127.0.0.1:9/cb",
                    "scope": "repo read:user",
                }
            )
            code = httpx.URL(location).params["code"]
            r = http.post(
                f"{api}/login/oauth/access_token",
                data={**form, "code": code, "redirect_uri": "http://127.0.0.1:9/cb"},
                headers={"Accept": accept},
            )
            body = parse(r)
            assert r.status_code == 200 and body["access_token"].startswith("gho_")
            assert (
                body["token_type"] == "bearer"
                and body["scope"] == "repo,read:user"
                and "expires_in" not in body
            )
