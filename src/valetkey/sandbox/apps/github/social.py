"""Stars, users and search: ``/user``, ``/users/{username}``, ``/user/starred``, ``/search/*``.

Search understands the common qualifiers (``repo:``, ``user:``, ``org:``,
``is:``, ``state:``, ``label:``, ``author:``, ``in:``, ``path:``,
``language:`` is accepted and ignored) and matches the remaining words
case-insensitively, like a much smaller GitHub search. It has its own rate
budget (30 a minute), as on GitHub.
"""

from __future__ import annotations

import shlex

from starlette.responses import Response

from . import events
from .kit import Call, GitHub, GitHubError, invalid, not_found
from .render import full_user, issue_json, repo_json, simple_user
from .state import Repo, blob_sha, now


def get_me(call: Call) -> Response:
    login = call.require_login()
    # The route made the caller's user on sight (`ensure_user`), so this finds it.
    body = full_user(call.state, call.state.ensure_user(login), call.api)
    if "repo" in call.scopes:
        body["total_private_repos"] = sum(r.private for r in call.state.repos.values() if r.owner == login)
    return call.reply(body)


def get_user(call: Call) -> Response:
    user = call.state.user(call.params["username"])
    if user is None:
        raise not_found()
    return call.reply(full_user(call.state, user, call.api))


def list_stargazers(call: Call) -> Response:
    repo = call.readable_repo()
    page = call.page(list(repo.stargazers))
    return call.reply([simple_user(call.state.user(login), call.api) for login in page.items])


def _starrable(call: Call) -> tuple[Repo, str]:
    """The repository of the path and the caller's login (starring needs a signed-in user)."""
    login = call.require_login()
    return call.readable_repo(), login


def star(call: Call) -> Response:
    repo, login = _starrable(call)
    if login not in repo.stargazers:
        repo.stargazers[login] = now()
        events.star_events(call, repo, repo.stargazers[login])
    return call.reply(None, 204)


def unstar(call: Call) -> Response:
    repo, login = _starrable(call)
    if repo.stargazers.pop(login, None) is not None:
        events.star_events(call, repo, None)
    return call.reply(None, 204)


def check_starred(call: Call) -> Response:
    repo, login = _starrable(call)
    if login not in repo.stargazers:
        raise not_found()
    return call.reply(None, 204)


def list_starred(call: Call) -> Response:
    login = call.require_login()
    starred = [
        (r.stargazers[login], r)
        for r in call.state.repos.values()
        if login in r.stargazers and call.can_see(r)
    ]
    reverse = call.query("direction", "desc") != "asc"
    key = (lambda p: p[1].updated_at) if call.query("sort") == "updated" else (lambda p: p[0])
    page = call.page([r for _, r in sorted(starred, key=key, reverse=reverse)])
    return call.reply([repo_json(call.state, r, call.api) for r in page.items])


def _parse(call: Call) -> tuple[list[str], dict[str, list[str]]]:
    q = call.query("q")
    if not q or not q.strip():
        raise invalid("Search", "q")
    try:
        parts = shlex.split(q)
    except ValueError:
        parts = q.split()
    words: list[str] = []
    qualifiers: dict[str, list[str]] = {}
    for part in parts:
        key, sep, value = part.partition(":")
        if sep and key.isalpha() and value:
            qualifiers.setdefault(key.lower(), []).append(value)
        else:
            words.append(part.lower())
    return words, qualifiers


def _repos_in_scope(call: Call, qualifiers: dict[str, list[str]]) -> list[Repo]:
    repos = [r for r in call.state.repos.values() if call.can_see(r)]
    if "repo" in qualifiers:
        names = {n.lower() for n in qualifiers["repo"]}
        repos = [r for r in repos if r.full_name.lower() in names]
    owners = {n.lower() for n in qualifiers.get("user", []) + qualifiers.get("org", [])}
    if owners:
        repos = [r for r in repos if r.owner.lower() in owners]
    return repos


def _answer(call: Call, items: list, render) -> Response:
    page = call.page(items)
    return call.reply(
        {
            "total_count": len(items),
            "incomplete_results": False,
            "items": [{**render(item), "score": 1.0} for item in page.items],
        }
    )


def search_repos(call: Call) -> Response:
    words, qualifiers = _parse(call)
    repos = _repos_in_scope(call, qualifiers)
    for value in qualifiers.get("is", []):
        repos = [r for r in repos if value not in ("public", "private") or r.private == (value == "private")]
    repos = [r for r in repos if all(w in f"{r.name} {r.description or ''}".lower() for w in words)]
    sort = call.query("sort")
    if sort == "stars":
        repos.sort(key=lambda r: len(r.stargazers), reverse=call.query("order", "desc") != "asc")
    elif sort == "updated":
        repos.sort(key=lambda r: r.updated_at, reverse=call.query("order", "desc") != "asc")
    return _answer(call, repos, lambda r: repo_json(call.state, r, call.api))


def search_issues(call: Call) -> Response:
    words, qualifiers = _parse(call)
    pairs = [(r, i) for r in _repos_in_scope(call, qualifiers) for i in r.issues.values()]
    for value in qualifiers.get("is", []) + qualifiers.get("type", []):
        if value in ("issue", "pr", "pull-request"):
            pairs = [(r, i) for r, i in pairs if (i.pull is None) == (value == "issue")]
        elif value in ("open", "closed"):
            pairs = [(r, i) for r, i in pairs if i.state == value]
        elif value == "merged":
            pairs = [(r, i) for r, i in pairs if i.pull and i.pull.merged_at]
    for value in qualifiers.get("state", []):
        pairs = [(r, i) for r, i in pairs if i.state == value]
    for value in qualifiers.get("label", []):
        pairs = [(r, i) for r, i in pairs if value.lower() in (n.lower() for n in i.labels)]
    for value in qualifiers.get("author", []):
        pairs = [(r, i) for r, i in pairs if i.user.lower() == value.lower()]
    for value in qualifiers.get("assignee", []):
        pairs = [(r, i) for r, i in pairs if value.lower() in (a.lower() for a in i.assignees)]
    pairs = [(r, i) for r, i in pairs if all(w in f"{i.title} {i.body or ''}".lower() for w in words)]
    pairs.sort(key=lambda p: p[1].created_at, reverse=call.query("order", "desc") != "asc")
    return _answer(call, pairs, lambda p: issue_json(call.state, p[0], p[1], call.api))


def search_code(call: Call) -> Response:
    call.require_login()
    words, qualifiers = _parse(call)
    if not words:
        raise GitHubError(
            422,
            "Validation Failed",
            [
                {
                    "resource": "Search",
                    "field": "q",
                    "code": "invalid",
                    "message": "Must include at least one user, organization, or repository",
                }
            ],
        )
    paths = qualifiers.get("path", [])
    hits = []
    for repo in _repos_in_scope(call, qualifiers):
        head = repo.head()
        for path, content in sorted(head.files.items()) if head else ():
            text = content.decode("utf-8", "replace").lower()
            if all(p.strip("/") in path for p in paths) and all(
                w in text or w in path.lower() for w in words
            ):
                hits.append((repo, path, content))

    def render(hit) -> dict:
        repo, path, content = hit
        sha = blob_sha(content)
        return {
            "name": path.rsplit("/", 1)[-1],
            "path": path,
            "sha": sha,
            "url": f"{call.api}/repos/{repo.full_name}/contents/{path}?ref={repo.branches[repo.default_branch]}",
            "git_url": f"{call.api}/repos/{repo.full_name}/git/blobs/{sha}",
            "html_url": f"https://github.com/{repo.full_name}/blob/{repo.default_branch}/{path}",
            "repository": repo_json(call.state, repo, call.api),
        }

    return _answer(call, hits, render)


def routes(github: GitHub) -> list:
    starred = "/user/starred/{owner}/{repo}"
    return [
        github.route("GET", "/user", get_me),
        github.route("GET", "/users/{username}", get_user),
        github.route("GET", "/repos/{owner}/{repo}/stargazers", list_stargazers),
        github.route("GET", "/user/starred", list_starred),
        github.route("GET", starred, check_starred),
        github.route("PUT", starred, star),
        github.route("DELETE", starred, unstar),
        github.route("GET", "/search/repositories", search_repos, search=True),
        github.route("GET", "/search/issues", search_issues, search=True),
        github.route("GET", "/search/code", search_code, search=True),
    ]
