"""Repositories and releases: ``/user/repos``, ``/users/{username}/repos``, ``/repos/{owner}/{repo}``, releases."""

from __future__ import annotations

import re

from starlette.responses import Response

from .kit import Call, GitHub, GitHubError, invalid, not_found
from .render import release_json, repo_json
from .state import Release, now

REPO_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
SORTS = {
    "created": lambda r: r.created_at,
    "updated": lambda r: r.updated_at,
    "pushed": lambda r: r.pushed_at,
    "full_name": lambda r: r.full_name.lower(),
}


def _sorted_repos(call: Call, repos: list) -> list:
    sort = call.query("sort", "full_name")
    if sort not in SORTS:
        raise invalid("Repository", "sort", "invalid")
    direction = call.query("direction", "asc" if sort == "full_name" else "desc")
    return sorted(repos, key=SORTS[sort], reverse=direction == "desc")


def list_my_repos(call: Call) -> Response:
    login = call.require_login()
    visibility = call.query("visibility", "all")
    repos = [r for r in call.state.repos.values() if r.owner == login and call.can_see(r)]
    if visibility in ("public", "private"):
        repos = [r for r in repos if r.private == (visibility == "private")]
    page = call.page(_sorted_repos(call, repos))
    return call.reply([repo_json(call.state, r, call.api) for r in page.items])


def list_user_repos(call: Call) -> Response:
    user = call.state.user(call.params["username"])
    if user is None:
        raise not_found()
    repos = [r for r in call.state.repos.values() if r.owner == user.login and not r.private]
    page = call.page(_sorted_repos(call, repos))
    return call.reply([repo_json(call.state, r, call.api) for r in page.items])


def get_repo(call: Call) -> Response:
    return call.reply(repo_json(call.state, call.readable_repo(), call.api))


def create_repo(call: Call) -> Response:
    login = call.require_login()
    if not {"repo", "public_repo"} & set(call.scopes):
        raise GitHubError(403, "Resource not accessible by integration")
    name = call.text("name", required=True, resource="Repository")
    if not REPO_NAME.match(name):
        raise invalid("Repository", "name", "custom", "name is invalid")
    if call.state.repo(login, name):
        raise invalid("Repository", "name", "custom", "name already exists on this account")
    private = bool(call.body.get("private", False))
    if private and "repo" not in call.scopes:
        raise GitHubError(403, "Resource not accessible by integration")
    repo = call.state.add_repo(
        login, name, private=private, description=call.text("description"), homepage=call.text("homepage")
    )
    repo.has_issues = bool(call.body.get("has_issues", True))
    if call.body.get("auto_init"):
        call.state.commit(
            repo, repo.default_branch, "Initial commit", login, {"README.md": f"# {name}\n".encode()}
        )
    return call.reply(repo_json(call.state, repo, call.api), 201)


def update_repo(call: Call) -> Response:
    repo = call.writable_repo()
    if "name" in call.body:
        name = call.text("name") or ""
        if not REPO_NAME.match(name):
            raise invalid("Repository", "name", "custom", "name is invalid")
        clash = call.state.repo(repo.owner, name)
        if clash is not None and clash is not repo:
            raise invalid("Repository", "name", "custom", "name already exists on this account")
        del call.state.repos[repo.full_name.lower()]
        repo.name = name
        call.state.repos[repo.full_name.lower()] = repo
    for text_field in ("description", "homepage"):
        if text_field in call.body:
            setattr(repo, text_field, call.text(text_field))
    for flag in ("private", "has_issues", "archived"):
        if flag in call.body:
            setattr(repo, flag, bool(call.body[flag]))
    if "default_branch" in call.body:
        if call.body["default_branch"] not in repo.branches:
            raise invalid("Repository", "default_branch", "invalid")
        repo.default_branch = call.body["default_branch"]
    repo.updated_at = now()
    return call.reply(repo_json(call.state, repo, call.api))


def delete_repo(call: Call) -> Response:
    repo = call.writable_repo()
    if "delete_repo" not in call.scopes:
        raise GitHubError(403, "Must have admin rights to Repository.")
    del call.state.repos[repo.full_name.lower()]
    return call.reply(None, 204)


def list_releases(call: Call) -> Response:
    repo = call.readable_repo()
    owner = call.login == repo.owner
    releases = [r for r in reversed(repo.releases) if owner or not r.draft]
    page = call.page(releases)
    return call.reply([release_json(call.state, repo, r, call.api) for r in page.items])


def create_release(call: Call) -> Response:
    login = call.require_login()
    repo = call.writable_repo()
    tag = call.text("tag_name", required=True, resource="Release")
    if any(r.tag_name == tag for r in repo.releases):
        raise invalid("Release", "tag_name", "already_exists")
    target = call.text("target_commitish") or repo.default_branch
    if repo.resolve(target) is None:
        raise invalid("Release", "target_commitish", "invalid")
    draft = bool(call.body.get("draft", False))
    release = Release(
        call.state.next_id(),
        tag,
        target,
        login,
        name=call.text("name") or tag,
        body=call.text("body"),
        draft=draft,
        prerelease=bool(call.body.get("prerelease", False)),
        published_at=None if draft else now(),
    )
    repo.releases.append(release)
    return call.reply(release_json(call.state, repo, release, call.api), 201)


def latest_release(call: Call) -> Response:
    repo = call.readable_repo()
    published = [r for r in repo.releases if not r.draft and not r.prerelease]
    if not published:
        raise not_found()
    return call.reply(release_json(call.state, repo, published[-1], call.api))


def get_release(call: Call) -> Response:
    repo = call.readable_repo()
    release = next((r for r in repo.releases if str(r.id) == call.params["release_id"]), None)
    if release is None or (release.draft and call.login != repo.owner):
        raise not_found()
    return call.reply(release_json(call.state, repo, release, call.api))


def routes(github: GitHub) -> list:
    base = "/repos/{owner}/{repo}"
    return [
        github.route("GET", "/user/repos", list_my_repos),
        github.route("POST", "/user/repos", create_repo),
        github.route("GET", "/users/{username}/repos", list_user_repos),
        github.route("GET", base, get_repo),
        github.route("PATCH", base, update_repo),
        github.route("DELETE", base, delete_repo),
        github.route("GET", base + "/releases", list_releases),
        github.route("POST", base + "/releases", create_release),
        github.route("GET", base + "/releases/latest", latest_release),
        github.route("GET", base + "/releases/{release_id}", get_release),
    ]
