"""Pull requests: list, get, create, merge, and review comments (``/repos/{owner}/{repo}/pulls...``)."""

from __future__ import annotations

from starlette.responses import Response

from . import events
from .kit import Call, GitHub, GitHubError, invalid, not_found
from .render import pull_json, review_comment_json
from .state import Issue, PullData, Repo, ReviewComment, now

MERGE_METHODS = ("merge", "squash", "rebase")


def _pull(call: Call, repo: Repo) -> tuple[Issue, PullData]:
    """The pull request of the path, as its issue and its pull data; 404 when it is none."""
    try:
        issue = repo.issues.get(int(call.params["pull_number"]))
    except ValueError:
        issue = None
    if issue is None or issue.pull is None:
        raise not_found()
    return issue, issue.pull


def _branch(ref: str) -> str:
    """``octocat:feature`` or ``feature`` -> ``feature`` (same-repository pull requests only)."""
    return ref.split(":", 1)[-1]


def list_pulls(call: Call) -> Response:
    repo = call.readable_repo()
    state = call.query("state", "open")
    if state not in ("open", "closed", "all"):
        raise invalid("PullRequest", "state", "invalid")
    head, base = call.query("head"), call.query("base")
    pulls = [i for i in repo.issues.values() if i.pull and (state == "all" or i.state == state)]
    if head:
        pulls = [i for i in pulls if i.pull is not None and i.pull.head == _branch(head)]
    if base:
        pulls = [i for i in pulls if i.pull is not None and i.pull.base == base]
    sort = call.query("sort", "created")
    key = {
        "created": lambda i: i.created_at,
        "updated": lambda i: i.updated_at,
        "popularity": lambda i: len(i.comments),
        "long-running": lambda i: i.created_at,
    }.get(sort or "")
    if key is None:
        raise invalid("PullRequest", "sort", "invalid")
    default_direction = "asc" if sort == "long-running" else "desc"
    pulls.sort(key=lambda i: (key(i), i.number), reverse=call.query("direction", default_direction) == "desc")
    page = call.page(pulls)
    return call.reply([pull_json(call.state, repo, i, call.api) for i in page.items])


def get_pull(call: Call) -> Response:
    repo = call.readable_repo()
    issue, _ = _pull(call, repo)
    return call.reply(pull_json(call.state, repo, issue, call.api))


def create_pull(call: Call) -> Response:
    login = call.require_login()
    repo = call.writable_repo()
    head = _branch(call.text("head", required=True, resource="PullRequest"))
    base = call.text("base", required=True, resource="PullRequest")
    title = call.text("title")
    # GitHub also takes `issue` (an issue to convert) instead of a title; the emulator does not
    # convert issues, so it answers as GitHub does when the title is missing.
    if not title:
        raise invalid("PullRequest", "title")
    if head not in repo.branches:
        raise invalid("PullRequest", "head", "invalid")
    if base not in repo.branches:
        raise invalid("PullRequest", "base", "invalid")
    head_files, base_files = repo.commits[repo.branches[head]].files, repo.commits[repo.branches[base]].files
    if repo.branches[head] == repo.branches[base] or head_files == base_files:
        raise GitHubError(
            422,
            "Validation Failed",
            [
                {
                    "resource": "PullRequest",
                    "code": "custom",
                    "message": f"No commits between {base} and {head}",
                }
            ],
        )
    for other in repo.issues.values():
        if other.pull and other.state == "open" and other.pull.head == head and other.pull.base == base:
            raise GitHubError(
                422,
                "Validation Failed",
                [
                    {
                        "resource": "PullRequest",
                        "code": "custom",
                        "message": f"A pull request already exists for {repo.owner}:{head}.",
                    }
                ],
            )
    issue = call.state.new_issue(repo, title, login, body=call.text("body"))
    issue.pull = PullData(head, base, repo.branches[head], draft=bool(call.body.get("draft", False)))
    events.pull_event(call, repo, issue, "opened")
    return call.reply(pull_json(call.state, repo, issue, call.api), 201)


def merge_pull(call: Call) -> Response:
    login = call.require_login()
    repo = call.writable_repo()
    issue, pull = _pull(call, repo)
    method = call.body.get("merge_method") or "merge"
    if method not in MERGE_METHODS:
        raise invalid("PullRequest", "merge_method", "invalid")
    if issue.state != "open" or pull.merged_at or pull.draft:
        raise GitHubError(405, "Pull Request is not mergeable")
    current = repo.branches.get(pull.head)
    if call.body.get("sha") and call.body["sha"] != current:
        raise GitHubError(409, "Head branch was modified. Review and try the merge again.")
    head, base = repo.head(pull.head), repo.head(pull.base)
    if head is None or base is None:
        raise GitHubError(405, "Pull Request is not mergeable")
    title = call.body.get("commit_title") or (
        f"{issue.title} (#{issue.number})"
        if method == "squash"
        else f"Merge pull request #{issue.number} from {repo.owner}/{pull.head}"
    )
    message = title + ("\n\n" + call.body["commit_message"] if call.body.get("commit_message") else "")
    merged = call.state.commit(repo, pull.base, message, login, {**base.files, **head.files})
    if method == "merge":
        merged.parents.append(head.sha)
    pull.merged_at, pull.merged_by, pull.merge_commit_sha = now(), login, merged.sha
    issue.state, issue.closed_at = "closed", pull.merged_at
    issue.touch()
    events.push_event(call, repo, pull.base, base.sha, merged)
    events.pull_event(call, repo, issue, "closed")
    return call.reply({"sha": merged.sha, "merged": True, "message": "Pull Request successfully merged"})


def list_review_comments(call: Call) -> Response:
    repo = call.readable_repo()
    issue, pull = _pull(call, repo)
    comments = sorted(
        pull.review_comments,
        key=lambda c: (c.created_at, c.id),
        reverse=call.query("direction", "asc") == "desc",
    )
    page = call.page(comments)
    return call.reply([review_comment_json(call.state, repo, issue, c, call.api) for c in page.items])


def create_review_comment(call: Call) -> Response:
    login = call.require_login()
    repo = call.writable_repo(any_user=True)
    issue, pull = _pull(call, repo)
    body = call.text("body", required=True, resource="PullRequestReviewComment")
    commit_id = call.text("commit_id", required=True, resource="PullRequestReviewComment")
    path = call.text("path", required=True, resource="PullRequestReviewComment")
    line = call.body.get("line")
    reply_to = call.body.get("in_reply_to")
    if reply_to is not None:
        parent = next((c for c in pull.review_comments if c.id == reply_to), None)
        if parent is None:
            raise invalid("PullRequestReviewComment", "in_reply_to", "invalid")
        line = parent.line
    commit = repo.commits.get(commit_id)
    if commit is None:
        raise invalid("PullRequestReviewComment", "commit_id", "invalid")
    if path not in commit.files:
        raise GitHubError(
            422,
            "Validation Failed",
            [
                {
                    "resource": "PullRequestReviewComment",
                    "code": "custom",
                    "field": "path",
                    "message": "Path could not be resolved",
                }
            ],
        )
    comment = ReviewComment(
        call.state.next_id(),
        body,
        login,
        path=path,
        commit_id=commit_id,
        line=line if isinstance(line, int) else None,
        side=call.body.get("side") or "RIGHT",
        in_reply_to_id=reply_to,
    )
    pull.review_comments.append(comment)
    issue.touch()
    return call.reply(review_comment_json(call.state, repo, issue, comment, call.api), 201)


def routes(github: GitHub) -> list:
    base = "/repos/{owner}/{repo}/pulls"
    return [
        github.route("GET", base, list_pulls),
        github.route("POST", base, create_pull),
        github.route("GET", base + "/{pull_number}", get_pull),
        github.route("PUT", base + "/{pull_number}/merge", merge_pull),
        github.route("GET", base + "/{pull_number}/comments", list_review_comments),
        github.route("POST", base + "/{pull_number}/comments", create_review_comment),
    ]
