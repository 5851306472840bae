"""Contents, branches, references and commits: the git side of a repository.

Contents follow GitHub's rules: files travel base64-encoded; updating or
deleting a file needs the `sha` of the blob being replaced (422 when it is
missing, 409 when it is stale); an empty repository answers 404 ``This
repository is empty.`` for contents and 409 ``Git Repository is empty.`` for
commits.
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import unquote

from starlette.responses import Response

from . import events
from .kit import Call, GitHub, GitHubError, not_found
from .render import commit_json, dir_json, file_json, git_commit_json
from .state import Commit, Repo, blob_sha


def _path(call: Call) -> str:
    return unquote(call.params.get("path", "")).strip("/")


def _commit_at(call: Call, repo: Repo, ref: str | None) -> Commit:
    if not repo.branches:
        raise GitHubError(404, "This repository is empty.")
    commit = repo.resolve(ref)
    if commit is None:
        raise GitHubError(404, f"No commit found for the ref {ref}")
    return commit


def get_content(call: Call) -> Response:
    repo = call.readable_repo()
    ref = call.query("ref")
    commit = _commit_at(call, repo, ref)
    ref = ref or repo.default_branch
    path = _path(call)
    if path in commit.files:
        return call.reply(file_json(repo, path, commit.files[path], ref, call.api))
    prefix = path + "/" if path else ""
    children: dict[str, dict] = {}
    for file_path, content in commit.files.items():
        if not file_path.startswith(prefix):
            continue
        name = file_path[len(prefix) :].split("/", 1)[0]
        child = prefix + name
        children[name] = (
            file_json(repo, child, content, ref, call.api, with_content=False)
            if child == file_path
            else dir_json(repo, child, ref, call.api)
        )
    if not children:
        raise not_found()
    return call.reply([children[name] for name in sorted(children)])


def _content_commit(call: Call, repo: Repo, commit: Commit) -> dict:
    body = git_commit_json(call.state, repo, commit, call.api)
    body["html_url"] = f"https://github.com/{repo.full_name}/commit/{commit.sha}"
    return body


def put_content(call: Call) -> Response:
    login = call.require_login()
    repo = call.writable_repo()
    path = _path(call)
    message = call.text("message", required=True, resource="Commit")
    encoded = call.text("content", required=True, resource="Commit")
    try:
        content = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise GitHubError(422, "content is not valid Base64") from None
    branch = call.text("branch") or repo.default_branch
    head = repo.head(branch)
    if head is None and repo.branches:
        raise GitHubError(404, f"Branch {branch} not found")
    files = dict(head.files) if head else {}
    sha = call.body.get("sha")
    if path in files:
        if not sha:
            raise GitHubError(422, 'Invalid request.\n\n"sha" wasn\'t supplied.')
        if sha != blob_sha(files[path]):
            raise GitHubError(409, f"{path} does not match {sha}")
    elif sha:
        raise GitHubError(409, f"{path} does not match {sha}")
    if any(p.startswith(path + "/") for p in files):
        raise GitHubError(422, f"Invalid request.\n\n{path} is a directory")
    created = path not in files
    files[path] = content
    before = repo.branches.get(branch)
    commit = call.state.commit(repo, branch, message, login, files)
    events.push_event(call, repo, branch, before, commit)
    return call.reply(
        {
            "content": file_json(repo, path, content, branch, call.api, with_content=False),
            "commit": _content_commit(call, repo, commit),
        },
        201 if created else 200,
    )


def delete_content(call: Call) -> Response:
    login = call.require_login()
    repo = call.writable_repo()
    path = _path(call)
    message = call.text("message", required=True, resource="Commit")
    sha = call.text("sha", required=True, resource="Commit")
    branch = call.text("branch") or repo.default_branch
    head = repo.head(branch)
    if head is None or path not in head.files:
        raise not_found()
    if sha != blob_sha(head.files[path]):
        raise GitHubError(409, f"{path} does not match {sha}")
    files = {p: c for p, c in head.files.items() if p != path}
    commit = call.state.commit(repo, branch, message, login, files)
    events.push_event(call, repo, branch, head.sha, commit)
    return call.reply({"content": None, "commit": _content_commit(call, repo, commit)})


def _branch_json(call: Call, repo: Repo, name: str, *, full: bool = False) -> dict:
    commit = repo.commits[repo.branches[name]]
    url = f"{call.api}/repos/{repo.full_name}/commits/{commit.sha}"
    body = {"name": name, "commit": {"sha": commit.sha, "url": url}, "protected": False}
    if full:
        body["commit"] = commit_json(call.state, repo, commit, call.api)
        body["_links"] = {
            "self": f"{call.api}/repos/{repo.full_name}/branches/{name}",
            "html": f"https://github.com/{repo.full_name}/tree/{name}",
        }
    return body


def list_branches(call: Call) -> Response:
    repo = call.readable_repo()
    names = sorted(repo.branches)
    if call.query("protected") == "true":
        names = []
    page = call.page(names)
    return call.reply([_branch_json(call, repo, n) for n in page.items])


def get_branch(call: Call) -> Response:
    repo = call.readable_repo()
    name = unquote(call.params["branch"])
    if name not in repo.branches:
        raise GitHubError(404, "Branch not found")
    return call.reply(_branch_json(call, repo, name, full=True))


def create_ref(call: Call) -> Response:
    repo = call.writable_repo()
    ref = call.text("ref", required=True, resource="Reference")
    sha = call.text("sha", required=True, resource="Reference")
    if not ref.startswith("refs/") or ref.count("/") < 2:
        raise GitHubError(422, "Reference name must start with 'refs/' and have at least two slashes.")
    if not ref.startswith("refs/heads/"):
        raise GitHubError(422, "Only branch references (refs/heads/...) are supported by the sandbox.")
    name = ref.removeprefix("refs/heads/")
    if name in repo.branches:
        raise GitHubError(422, "Reference already exists")
    if sha not in repo.commits:
        raise GitHubError(422, "Object does not exist")
    repo.branches[name] = sha
    # A new branch: GitHub sends `create` and a `push` with created=true and no new commits.
    call.emit(
        repo,
        "create",
        {
            "ref": name,
            "ref_type": "branch",
            "master_branch": repo.default_branch,
            "description": repo.description,
            "pusher_type": "user",
        },
    )
    events.push_event(call, repo, name, None, repo.commits[sha], [])
    return call.reply(
        {
            "ref": ref,
            "node_id": f"REF_{repo.id}_{name}",
            "url": f"{call.api}/repos/{repo.full_name}/git/{ref}",
            "object": {
                "type": "commit",
                "sha": sha,
                "url": f"{call.api}/repos/{repo.full_name}/git/commits/{sha}",
            },
        },
        201,
    )


def list_commits(call: Call) -> Response:
    repo = call.readable_repo()
    if not repo.branches:
        raise GitHubError(409, "Git Repository is empty.")
    commit = repo.resolve(call.query("sha"))
    if commit is None:
        raise GitHubError(404, "No commit found for SHA: " + (call.query("sha") or ""))
    history = []
    while commit is not None:
        history.append(commit)
        commit = repo.commits.get(commit.parents[0]) if commit.parents else None
    path, author = call.query("path"), call.query("author")
    since, until = call.query("since"), call.query("until")
    if path:
        history = [
            c
            for c in history
            if c.files.get(path) != (repo.commits[c.parents[0]].files.get(path) if c.parents else None)
        ]
    if author:
        history = [c for c in history if c.author.lower() == author.lower()]
    history = [c for c in history if (not since or c.date >= since) and (not until or c.date <= until)]
    page = call.page(history)
    return call.reply([commit_json(call.state, repo, c, call.api) for c in page.items])


def get_commit(call: Call) -> Response:
    repo = call.readable_repo()
    if not repo.branches:
        raise GitHubError(409, "Git Repository is empty.")
    ref = unquote(call.params["ref"])
    commit = repo.resolve(ref)
    if commit is None:
        raise GitHubError(422, f"No commit found for SHA: {ref}")
    return call.reply(commit_json(call.state, repo, commit, call.api, with_files=True))


def routes(github: GitHub) -> list:
    base = "/repos/{owner}/{repo}"
    return [
        github.route("GET", base + "/contents/{path:path}", get_content),
        github.route("PUT", base + "/contents/{path:path}", put_content),
        github.route("DELETE", base + "/contents/{path:path}", delete_content),
        github.route("GET", base + "/branches", list_branches),
        github.route("GET", base + "/branches/{branch:path}", get_branch),
        github.route("POST", base + "/git/refs", create_ref),
        github.route("GET", base + "/commits", list_commits),
        github.route("GET", base + "/commits/{ref:path}", get_commit),
    ]
