"""Issues, issue comments and labels: ``/repos/{owner}/{repo}/issues...`` and ``/labels``, ``/user/issues``."""

from __future__ import annotations

from starlette.responses import Response

from . import events
from .kit import Call, GitHub, GitHubError, invalid, not_found
from .render import comment_json, issue_json, label_json
from .state import Comment, Issue, Label, Repo, now

STATES = ("open", "closed", "all")


def _issue(call: Call, repo: Repo) -> Issue:
    try:
        issue = repo.issues.get(int(call.params["issue_number"]))
    except ValueError:
        issue = None
    if issue is None:
        raise not_found()
    return issue


def _strings(call: Call, name: str, resource: str = "Issue") -> list[str] | None:
    value = call.body.get(name)
    if value is None:
        return None
    if not isinstance(value, list):
        raise invalid(resource, name, "invalid")
    # Each item is a name or an object with one (``{"name": "bug"}``), as GitHub takes labels.
    items = [v.get("name") if isinstance(v, dict) else v for v in value]
    names = [v for v in items if isinstance(v, str)]
    if len(names) != len(items):
        raise invalid(resource, name, "invalid")
    return names


def _apply_labels(call: Call, repo: Repo, names: list[str]) -> list[str]:
    """Labels by name; unknown ones are created, as GitHub does for users with push access."""
    kept = []
    for name in names:
        label = repo.labels.get(name.lower())
        if label is None:
            label = repo.labels[name.lower()] = Label(call.state.next_id(), name, "ededed")
            events.label_event(call, repo, label)
        if label.name not in kept:
            kept.append(label.name)
    return kept


def _assignees(call: Call, repo: Repo, logins: list[str]) -> list[str]:
    found = []
    for login in logins:
        user = call.state.user(login)
        if user is None:
            raise invalid(
                "Issue", "assignees", "invalid", f"Could not resolve to a User with the login of '{login}'."
            )
        found.append(user.login)
    return found


def _filtered(call: Call, issues: list[Issue]) -> list[Issue]:
    state = call.query("state", "open")
    if state not in STATES:
        raise invalid("Issue", "state", "invalid")
    labels = [n.strip().lower() for n in (call.query("labels") or "").split(",") if n.strip()]
    creator, assignee, since = call.query("creator"), call.query("assignee"), call.query("since")
    out = [i for i in issues if state == "all" or i.state == state]
    out = [i for i in out if all(n in [x.lower() for x in i.labels] for n in labels)]
    if creator:
        out = [i for i in out if i.user.lower() == creator.lower()]
    if assignee == "none":
        out = [i for i in out if not i.assignees]
    elif assignee and assignee != "*":
        out = [i for i in out if assignee.lower() in (a.lower() for a in i.assignees)]
    if since:
        out = [i for i in out if i.updated_at >= since]
    key = {
        "created": lambda i: (i.created_at, i.number),
        "updated": lambda i: (i.updated_at, i.number),
        "comments": lambda i: (len(i.comments), i.number),
    }.get(call.query("sort", "created") or "created")
    if key is None:
        raise invalid("Issue", "sort", "invalid")
    return sorted(out, key=key, reverse=call.query("direction", "desc") != "asc")


def list_issues(call: Call) -> Response:
    repo = call.readable_repo()
    page = call.page(_filtered(call, list(repo.issues.values())))
    return call.reply([issue_json(call.state, repo, i, call.api) for i in page.items])


def list_my_issues(call: Call) -> Response:
    login = call.require_login()
    scope = call.query("filter", "assigned")
    pairs = [(r, i) for r in call.state.repos.values() if call.can_see(r) for i in r.issues.values()]
    test = {
        "assigned": lambda r, i: login in i.assignees,
        "created": lambda r, i: i.user == login,
        "mentioned": lambda r, i: f"@{login}" in (i.body or ""),
        "subscribed": lambda r, i: login in i.assignees or i.user == login,
        "repos": lambda r, i: r.owner == login,
        "all": lambda r, i: True,
    }.get(scope or "")
    if test is None:
        raise invalid("Issue", "filter", "invalid")
    chosen = {id(i): r for r, i in pairs if test(r, i)}
    issues = _filtered(call, [i for r, i in pairs if id(i) in chosen])
    page = call.page(issues)
    return call.reply(
        [
            {
                **issue_json(call.state, chosen[id(i)], i, call.api),
                "repository": {"full_name": chosen[id(i)].full_name},
            }
            for i in page.items
        ]
    )


def create_issue(call: Call) -> Response:
    login = call.require_login()
    repo = call.writable_repo(any_user=True)
    if not repo.has_issues:
        raise GitHubError(410, "Issues are disabled for this repo")
    title = call.body.get("title")
    if title is None or (isinstance(title, str) and not title.strip()):
        raise invalid("Issue", "title")
    issue = call.state.new_issue(repo, str(title), login, body=call.text("body"))
    issue.labels = _apply_labels(call, repo, _strings(call, "labels") or [])
    assignees = _strings(call, "assignees") or ([call.body["assignee"]] if call.body.get("assignee") else [])
    issue.assignees = _assignees(call, repo, assignees)
    # GitHub sends `opened` and then one `labeled` per label the new issue carries.
    events.issue_event(call, repo, issue, "opened")
    events.issue_labeled(call, repo, issue, [])
    return call.reply(issue_json(call.state, repo, issue, call.api), 201)


def get_issue(call: Call) -> Response:
    repo = call.readable_repo()
    return call.reply(issue_json(call.state, repo, _issue(call, repo), call.api))


def update_issue(call: Call) -> Response:
    repo = call.writable_repo(any_user=True)
    issue = _issue(call, repo)
    if call.login not in (repo.owner, issue.user):
        raise GitHubError(403, "Must have admin rights to Repository.")
    before_state, before_labels = issue.state, list(issue.labels)
    changes: dict[str, dict[str, str | None]] = {}
    if "title" in call.body:
        title = call.text("title")
        if not title:
            raise invalid("Issue", "title")
        if title != issue.title:
            changes["title"] = {"from": issue.title}
        issue.title = title
    if "body" in call.body:
        body = call.text("body")
        if body != issue.body:
            changes["body"] = {"from": issue.body}
        issue.body = body
    state = call.body.get("state")
    if state is not None:
        if state not in ("open", "closed"):
            raise invalid("Issue", "state", "invalid")
        if state != issue.state:
            issue.state = state
            issue.closed_at = now() if state == "closed" else None
            issue.state_reason = call.body.get("state_reason") or (
                "completed" if state == "closed" else "reopened"
            )
    if (labels := _strings(call, "labels")) is not None:
        issue.labels = _apply_labels(call, repo, labels)
    if (assignees := _strings(call, "assignees")) is not None:
        issue.assignees = _assignees(call, repo, assignees)
    issue.touch()
    if changes:
        events.issue_event(call, repo, issue, "edited", changes=changes)
    if issue.state != before_state:
        events.issue_event(call, repo, issue, "closed" if issue.state == "closed" else "reopened")
    events.issue_labeled(call, repo, issue, before_labels)
    return call.reply(issue_json(call.state, repo, issue, call.api))


def list_comments(call: Call) -> Response:
    repo = call.readable_repo()
    issue = _issue(call, repo)
    since = call.query("since")
    comments = [c for c in issue.comments if not since or c.updated_at >= since]
    page = call.page(comments)
    return call.reply([comment_json(call.state, repo, issue, c, call.api) for c in page.items])


def create_comment(call: Call) -> Response:
    login = call.require_login()
    repo = call.writable_repo(any_user=True)
    issue = _issue(call, repo)
    body = call.text("body", required=True, resource="IssueComment")
    comment = Comment(call.state.next_id(), body, login)
    issue.comments.append(comment)
    issue.touch()
    call.emit(
        repo,
        "issue_comment",
        {
            "action": "created",
            "issue": issue_json(call.state, repo, issue, call.api),
            "comment": comment_json(call.state, repo, issue, comment, call.api),
        },
    )
    return call.reply(comment_json(call.state, repo, issue, comment, call.api), 201)


def list_labels(call: Call) -> Response:
    repo = call.readable_repo()
    page = call.page(sorted(repo.labels.values(), key=lambda label: label.name.lower()))
    return call.reply([label_json(label, repo, call.api) for label in page.items])


def create_label(call: Call) -> Response:
    repo = call.writable_repo()
    name = call.text("name", required=True, resource="Label")
    if name.lower() in repo.labels:
        raise invalid("Label", "name", "already_exists")
    color = (call.text("color") or "ededed").lstrip("#")
    if len(color) != 6 or any(ch not in "0123456789abcdefABCDEF" for ch in color):
        raise invalid("Label", "color", "invalid")
    label = repo.labels[name.lower()] = Label(
        call.state.next_id(), name, color.lower(), call.text("description")
    )
    events.label_event(call, repo, label)
    return call.reply(label_json(label, repo, call.api), 201)


def add_labels(call: Call) -> Response:
    repo = call.writable_repo()
    issue = _issue(call, repo)
    names = _strings(call, "labels")
    if not names:
        raise invalid("Label", "labels")
    before = list(issue.labels)
    issue.labels = _apply_labels(call, repo, issue.labels + names)
    issue.touch()
    events.issue_labeled(call, repo, issue, before)
    return call.reply([label_json(repo.labels[n.lower()], repo, call.api) for n in issue.labels])


def remove_label(call: Call) -> Response:
    repo = call.writable_repo()
    issue = _issue(call, repo)
    name = call.params["name"].lower()
    if name not in (n.lower() for n in issue.labels):
        raise GitHubError(404, "Label does not exist")
    before = list(issue.labels)
    issue.labels = [n for n in issue.labels if n.lower() != name]
    issue.touch()
    events.issue_labeled(call, repo, issue, before)
    return call.reply([label_json(repo.labels[n.lower()], repo, call.api) for n in issue.labels])


def routes(github: GitHub) -> list:
    base = "/repos/{owner}/{repo}"
    return [
        github.route("GET", "/user/issues", list_my_issues),
        github.route("GET", base + "/issues", list_issues),
        github.route("POST", base + "/issues", create_issue),
        github.route("GET", base + "/issues/{issue_number}", get_issue),
        github.route("PATCH", base + "/issues/{issue_number}", update_issue),
        github.route("GET", base + "/issues/{issue_number}/comments", list_comments),
        github.route("POST", base + "/issues/{issue_number}/comments", create_comment),
        github.route("POST", base + "/issues/{issue_number}/labels", add_labels),
        github.route("DELETE", base + "/issues/{issue_number}/labels/{name}", remove_label),
        github.route("GET", base + "/labels", list_labels),
        github.route("POST", base + "/labels", create_label),
    ]
