"""GitHub's JSON shapes for the emulator's objects (the fields agents and SDKs read).

Each function takes the object plus the emulator's API root (`api`), because
GitHub answers with absolute `url`s an agent may follow; `html` URLs point at
a fake github.com since nothing serves pages.
"""

from __future__ import annotations

import base64
from typing import Any, overload

from .state import Comment, Commit, GitHubState, Issue, Label, Release, Repo, ReviewComment, User, blob_sha

HTML = "https://github.com"


def node_id(kind: str, number: int) -> str:
    return base64.b64encode(f"{kind}:{number}".encode()).decode().rstrip("=")


@overload
def simple_user(user: User, api: str) -> dict[str, Any]: ...
@overload
def simple_user(user: User | None, api: str) -> dict[str, Any] | None: ...
def simple_user(user: User | None, api: str) -> dict[str, Any] | None:
    """A user as GitHub nests it in other objects; None (JSON null) for a login nobody has."""
    if user is None:
        return None
    return {
        "login": user.login,
        "id": user.id,
        "node_id": node_id("U", user.id),
        "avatar_url": f"https://avatars.githubusercontent.com/u/{user.id}?v=4",
        "url": f"{api}/users/{user.login}",
        "html_url": f"{HTML}/{user.login}",
        "type": "User",
        "site_admin": False,
    }


def full_user(state: GitHubState, user: User, api: str) -> dict[str, Any]:
    owned = [r for r in state.repos.values() if r.owner == user.login]
    return {
        **simple_user(user, api),
        "name": user.name,
        "email": user.email,
        "bio": user.bio,
        "company": None,
        "blog": "",
        "location": None,
        "hireable": None,
        "twitter_username": None,
        "public_repos": sum(not r.private for r in owned),
        "public_gists": 0,
        "followers": 0,
        "following": 0,
        "created_at": user.created_at,
        "updated_at": user.created_at,
    }


def repo_json(state: GitHubState, repo: Repo, api: str) -> dict[str, Any]:
    url = f"{api}/repos/{repo.full_name}"
    head = repo.head()
    return {
        "id": repo.id,
        "node_id": node_id("R", repo.id),
        "name": repo.name,
        "full_name": repo.full_name,
        "private": repo.private,
        "owner": simple_user(state.user(repo.owner), api),
        "html_url": f"{HTML}/{repo.full_name}",
        "description": repo.description,
        "fork": False,
        "url": url,
        "issues_url": url + "/issues{/number}",
        "pulls_url": url + "/pulls{/number}",
        "contents_url": url + "/contents/{+path}",
        "homepage": repo.homepage,
        "clone_url": f"{HTML}/{repo.full_name}.git",
        "default_branch": repo.default_branch,
        "visibility": "private" if repo.private else "public",
        "archived": repo.archived,
        "has_issues": repo.has_issues,
        "stargazers_count": len(repo.stargazers),
        "watchers_count": len(repo.stargazers),
        "forks_count": 0,
        "open_issues_count": sum(i.state == "open" for i in repo.issues.values()),
        "topics": [],
        "size": sum(len(c) for c in head.files.values()) if head else 0,
        "created_at": repo.created_at,
        "updated_at": repo.updated_at,
        "pushed_at": repo.pushed_at,
    }


def label_json(label: Label, repo: Repo, api: str) -> dict[str, Any]:
    return {
        "id": label.id,
        "node_id": node_id("L", label.id),
        "name": label.name,
        "color": label.color,
        "description": label.description,
        "default": label.default,
        "url": f"{api}/repos/{repo.full_name}/labels/{label.name}",
    }


def issue_json(state: GitHubState, repo: Repo, issue: Issue, api: str) -> dict[str, Any]:
    repo_url = f"{api}/repos/{repo.full_name}"
    assignees = [simple_user(state.user(a), api) for a in issue.assignees]
    kind = "pull" if issue.pull else "issues"
    body = {
        "id": issue.id,
        "node_id": node_id("I", issue.id),
        "number": issue.number,
        "title": issue.title,
        "body": issue.body,
        "state": issue.state,
        "state_reason": issue.state_reason,
        "locked": False,
        "user": simple_user(state.user(issue.user), api),
        "labels": [
            label_json(repo.labels[n.lower()], repo, api) for n in issue.labels if n.lower() in repo.labels
        ],
        "assignee": assignees[0] if assignees else None,
        "assignees": assignees,
        "milestone": None,
        "comments": len(issue.comments),
        "created_at": issue.created_at,
        "updated_at": issue.updated_at,
        "closed_at": issue.closed_at,
        "author_association": "OWNER" if issue.user == repo.owner else "NONE",
        "url": f"{repo_url}/issues/{issue.number}",
        "repository_url": repo_url,
        "comments_url": f"{repo_url}/issues/{issue.number}/comments",
        "html_url": f"{HTML}/{repo.full_name}/{kind}/{issue.number}",
    }
    if issue.pull:
        body["pull_request"] = {
            "url": f"{repo_url}/pulls/{issue.number}",
            "merged_at": issue.pull.merged_at,
            "html_url": body["html_url"],
        }
    return body


def pull_json(state: GitHubState, repo: Repo, issue: Issue, api: str) -> dict[str, Any]:
    pull = issue.pull
    assert pull is not None
    base = issue_json(state, repo, issue, api)
    repo_body = repo_json(state, repo, api)

    def side(ref: str, sha: str) -> dict[str, Any]:
        return {
            "label": f"{repo.owner}:{ref}",
            "ref": ref,
            "sha": sha,
            "user": simple_user(state.user(repo.owner), api),
            "repo": repo_body,
        }

    base_head = repo.head(pull.base)
    return {
        **{
            k: base[k]
            for k in (
                "id",
                "node_id",
                "number",
                "title",
                "body",
                "state",
                "locked",
                "user",
                "labels",
                "assignee",
                "assignees",
                "milestone",
                "created_at",
                "updated_at",
                "closed_at",
                "author_association",
                "html_url",
            )
        },
        "url": f"{api}/repos/{repo.full_name}/pulls/{issue.number}",
        "issue_url": base["url"],
        "head": side(pull.head, pull.head_sha),
        "base": side(pull.base, base_head.sha if base_head else ""),
        "draft": pull.draft,
        "merged": pull.merged_at is not None,
        "merged_at": pull.merged_at,
        "merged_by": simple_user(state.user(pull.merged_by), api) if pull.merged_by else None,
        "merge_commit_sha": pull.merge_commit_sha,
        "mergeable": issue.state == "open" or None,
        "mergeable_state": "clean" if issue.state == "open" else "unknown",
        "comments": len(issue.comments),
        "review_comments": len(pull.review_comments),
        "commits": 1,
        "additions": 0,
        "deletions": 0,
        "changed_files": 0,
    }


def comment_json(state: GitHubState, repo: Repo, issue: Issue, comment: Comment, api: str) -> dict[str, Any]:
    url = f"{api}/repos/{repo.full_name}/issues/comments/{comment.id}"
    return {
        "id": comment.id,
        "node_id": node_id("IC", comment.id),
        "url": url,
        "body": comment.body,
        "user": simple_user(state.user(comment.user), api),
        "created_at": comment.created_at,
        "updated_at": comment.updated_at,
        "issue_url": f"{api}/repos/{repo.full_name}/issues/{issue.number}",
        "html_url": f"{HTML}/{repo.full_name}/issues/{issue.number}#issuecomment-{comment.id}",
        "author_association": "OWNER" if comment.user == repo.owner else "NONE",
    }


def review_comment_json(
    state: GitHubState, repo: Repo, issue: Issue, comment: ReviewComment, api: str
) -> dict:
    return {
        "id": comment.id,
        "node_id": node_id("PRRC", comment.id),
        "body": comment.body,
        "path": comment.path,
        "commit_id": comment.commit_id,
        "original_commit_id": comment.commit_id,
        "line": comment.line,
        "side": comment.side,
        "in_reply_to_id": comment.in_reply_to_id,
        "user": simple_user(state.user(comment.user), api),
        "created_at": comment.created_at,
        "updated_at": comment.updated_at,
        "diff_hunk": f"@@ -1 +1 @@ {comment.path}",
        "url": f"{api}/repos/{repo.full_name}/pulls/comments/{comment.id}",
        "pull_request_url": f"{api}/repos/{repo.full_name}/pulls/{issue.number}",
        "html_url": f"{HTML}/{repo.full_name}/pull/{issue.number}#discussion_r{comment.id}",
    }


def file_json(
    repo: Repo, path: str, content: bytes, ref: str, api: str, *, with_content: bool = True
) -> dict:
    sha = blob_sha(content)
    url = f"{api}/repos/{repo.full_name}/contents/{path}?ref={ref}"
    body = {
        "type": "file",
        "name": path.rsplit("/", 1)[-1],
        "path": path,
        "sha": sha,
        "size": len(content),
        "url": url,
        "html_url": f"{HTML}/{repo.full_name}/blob/{ref}/{path}",
        "git_url": f"{api}/repos/{repo.full_name}/git/blobs/{sha}",
        "download_url": f"https://raw.githubusercontent.com/{repo.full_name}/{ref}/{path}",
    }
    if with_content:
        encoded = base64.b64encode(content).decode()
        # GitHub wraps the base64 at 60 characters per line.
        body["content"] = "".join(encoded[i : i + 60] + "\n" for i in range(0, len(encoded), 60))
        body["encoding"] = "base64"
    body["_links"] = {"self": url, "git": body["git_url"], "html": body["html_url"]}
    return body


def dir_json(repo: Repo, path: str, ref: str, api: str) -> dict[str, Any]:
    url = f"{api}/repos/{repo.full_name}/contents/{path}?ref={ref}"
    return {
        "type": "dir",
        "name": path.rsplit("/", 1)[-1],
        "path": path,
        "sha": blob_sha(path.encode()),
        "size": 0,
        "url": url,
        "html_url": f"{HTML}/{repo.full_name}/tree/{ref}/{path}",
        "git_url": None,
        "download_url": None,
        "_links": {"self": url, "git": None, "html": f"{HTML}/{repo.full_name}/tree/{ref}/{path}"},
    }


def git_commit_json(state: GitHubState, repo: Repo, commit: Commit, api: str) -> dict[str, Any]:
    user = state.user(commit.author)
    signature = {
        "name": (user.name if user else None) or commit.author,
        "email": (user.email if user else None) or f"{commit.author}@users.noreply.github.com",
        "date": commit.date,
    }
    return {
        "sha": commit.sha,
        "message": commit.message,
        "author": signature,
        "committer": signature,
        "tree": {"sha": commit.tree_sha, "url": f"{api}/repos/{repo.full_name}/git/trees/{commit.tree_sha}"},
        "parents": [
            {"sha": p, "url": f"{api}/repos/{repo.full_name}/git/commits/{p}"} for p in commit.parents
        ],
        "url": f"{api}/repos/{repo.full_name}/git/commits/{commit.sha}",
        "verification": {"verified": False},
    }


def commit_json(
    state: GitHubState, repo: Repo, commit: Commit, api: str, *, with_files: bool = False
) -> dict:
    url = f"{api}/repos/{repo.full_name}/commits/{commit.sha}"
    git = git_commit_json(state, repo, commit, api)
    author = simple_user(state.user(commit.author), api)
    body: dict[str, Any] = {
        "sha": commit.sha,
        "node_id": node_id("C", int(commit.sha[:8], 16)),
        "url": url,
        "html_url": f"{HTML}/{repo.full_name}/commit/{commit.sha}",
        "author": author,
        "committer": author,
        "commit": {k: git[k] for k in ("author", "committer", "message", "tree", "url", "verification")},
        "parents": [
            {
                "sha": p,
                "url": f"{api}/repos/{repo.full_name}/commits/{p}",
                "html_url": f"{HTML}/{repo.full_name}/commit/{p}",
            }
            for p in commit.parents
        ],
    }
    if with_files:
        before = repo.commits[commit.parents[0]].files if commit.parents else {}
        files = []
        for path in sorted(set(before) | set(commit.files)):
            old, new = before.get(path), commit.files.get(path)
            if old == new:
                continue
            status = "added" if old is None else "removed" if new is None else "modified"
            adds, dels = len((new or b"").splitlines()), len((old or b"").splitlines())
            files.append(
                {
                    "filename": path,
                    "status": status,
                    "additions": adds,
                    "deletions": dels,
                    "changes": adds + dels,
                    "sha": blob_sha(new or b""),
                }
            )
        body["files"] = files
        body["stats"] = {
            "additions": sum(f["additions"] for f in files),
            "deletions": sum(f["deletions"] for f in files),
            "total": sum(f["changes"] for f in files),
        }
    return body


def release_json(state: GitHubState, repo: Repo, release: Release, api: str) -> dict[str, Any]:
    url = f"{api}/repos/{repo.full_name}/releases/{release.id}"
    return {
        "id": release.id,
        "node_id": node_id("RE", release.id),
        "tag_name": release.tag_name,
        "target_commitish": release.target_commitish,
        "name": release.name,
        "body": release.body,
        "draft": release.draft,
        "prerelease": release.prerelease,
        "created_at": release.created_at,
        "published_at": release.published_at,
        "author": simple_user(state.user(release.author), api),
        "assets": [],
        "url": url,
        "html_url": f"{HTML}/{repo.full_name}/releases/tag/{release.tag_name}",
        "tarball_url": f"{api}/repos/{repo.full_name}/tarball/{release.tag_name}",
        "zipball_url": f"{api}/repos/{repo.full_name}/zipball/{release.tag_name}",
        "upload_url": f"https://uploads.github.com/repos/{repo.full_name}/releases/{release.id}/assets{{?name,label}}",
    }
