"""The payloads of GitHub's webhook events, built from the emulator's objects.

Each function returns the event-specific part (``action``, ``issue``,
``label``, ``commits``...); `HookSender.emit` adds ``repository`` and
``sender`` as GitHub puts them on every repository event.
"""

from __future__ import annotations

from typing import Any

from .kit import Call
from .render import HTML, issue_json, label_json, pull_json
from .state import Commit, Issue, Label, Repo

ZERO_SHA = "0" * 40


def issue_event(call: Call, repo: Repo, issue: Issue, action: str, **extra: Any) -> None:
    """``issues`` with `action` (opened, edited, closed, reopened, labeled, unlabeled, assigned...)."""
    call.emit(
        repo, "issues", {"action": action, "issue": issue_json(call.state, repo, issue, call.api), **extra}
    )


def issue_labeled(call: Call, repo: Repo, issue: Issue, before: list[str]) -> None:
    """One ``labeled`` / ``unlabeled`` event (``issues`` or ``pull_request``) per label added or removed."""
    event = "pull_request" if issue.pull else "issues"
    old = {n.lower() for n in before}
    new = {n.lower() for n in issue.labels}
    for names, action in ((new - old, "labeled"), (old - new, "unlabeled")):
        for name in sorted(names):
            label = repo.labels.get(name)
            if label is None:
                continue
            payload: dict[str, Any] = {"action": action}
            if issue.pull:
                payload["number"] = issue.number
                payload["pull_request"] = pull_json(call.state, repo, issue, call.api)
            else:
                payload["issue"] = issue_json(call.state, repo, issue, call.api)
            payload["label"] = label_json(label, repo, call.api)
            call.emit(repo, event, payload)


def label_event(call: Call, repo: Repo, label: Label, action: str = "created") -> None:
    call.emit(repo, "label", {"action": action, "label": label_json(label, repo, call.api)})


def pull_event(call: Call, repo: Repo, issue: Issue, action: str) -> None:
    call.emit(
        repo,
        "pull_request",
        {
            "action": action,
            "number": issue.number,
            "pull_request": pull_json(call.state, repo, issue, call.api),
        },
    )


def _signature(call: Call, login: str) -> dict[str, Any]:
    user = call.state.user(login)
    return {
        "name": (user.name if user else None) or login,
        "email": (user.email if user else None) or f"{login}@users.noreply.github.com",
        "username": login,
    }


def commit_entry(call: Call, repo: Repo, commit: Commit) -> dict[str, Any]:
    """A commit as a push payload lists it, with the paths it added, removed and modified."""
    before = (
        repo.commits[commit.parents[0]].files if commit.parents and commit.parents[0] in repo.commits else {}
    )
    added = sorted(p for p in commit.files if p not in before)
    removed = sorted(p for p in before if p not in commit.files)
    modified = sorted(p for p in commit.files if p in before and before[p] != commit.files[p])
    signature = _signature(call, commit.author)
    return {
        "id": commit.sha,
        "tree_id": commit.tree_sha,
        "distinct": True,
        "message": commit.message,
        "timestamp": commit.date.replace("Z", "+00:00"),
        "url": f"{HTML}/{repo.full_name}/commit/{commit.sha}",
        "author": signature,
        "committer": signature,
        "added": added,
        "removed": removed,
        "modified": modified,
    }


def push_payload(
    call: Call,
    repo: Repo,
    branch: str,
    before: str | None,
    head: Commit | None,
    commits: list[Commit] | None = None,
) -> dict[str, Any]:
    """A ``push`` to `branch` moving it from `before` (None: the branch is new) to `head`."""
    pushed = commits if commits is not None else ([head] if head is not None else [])
    pusher = call.login or repo.owner
    user = call.state.user(pusher)
    after = head.sha if head else ZERO_SHA
    return {
        "ref": f"refs/heads/{branch}",
        "before": before or ZERO_SHA,
        "after": after,
        "pusher": {
            "name": pusher,
            "email": (user.email if user else None) or f"{pusher}@users.noreply.github.com",
        },
        "created": before is None,
        "deleted": head is None,
        "forced": False,
        "base_ref": None,
        "compare": f"{HTML}/{repo.full_name}/compare/{(before or ZERO_SHA)[:12]}...{after[:12]}",
        "commits": [commit_entry(call, repo, c) for c in pushed],
        "head_commit": commit_entry(call, repo, head) if head else None,
    }


def push_event(
    call: Call,
    repo: Repo,
    branch: str,
    before: str | None,
    head: Commit | None,
    commits: list[Commit] | None = None,
) -> None:
    call.emit(repo, "push", push_payload(call, repo, branch, before, head, commits))


def star_events(call: Call, repo: Repo, starred_at: str | None) -> None:
    """A star added (`starred_at` set) or removed: ``star`` created/deleted, and ``watch`` started on add."""
    call.emit(repo, "star", {"action": "created" if starred_at else "deleted", "starred_at": starred_at})
    if starred_at:
        call.emit(repo, "watch", {"action": "started"})
