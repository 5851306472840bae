"""What the GitHub emulator remembers: users, repositories and everything inside them.

Plain dataclasses, mutated under the app's `StateStore` lock. Git is modelled
just enough for the REST API: a commit holds a full snapshot of its files
(path -> bytes), a branch names a commit, and issues and pull requests share
one number sequence per repository, as on GitHub.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from dataclasses import dataclass, field
from typing import Any

DEFAULT_LABELS = (
    ("bug", "d73a4a", "Something isn't working"),
    ("documentation", "0075ca", "Improvements or additions to documentation"),
    ("enhancement", "a2eeef", "New feature or request"),
    ("good first issue", "7057ff", "Good for newcomers"),
    ("question", "d876e3", "Further information is requested"),
)


def now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def blob_sha(data: bytes) -> str:
    """Git's object id of a blob, so `sha` values look and behave like GitHub's."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@dataclass
class User:
    login: str
    id: int
    name: str | None = None
    email: str | None = None
    bio: str | None = None
    created_at: str = field(default_factory=now)


@dataclass
class Commit:
    sha: str
    message: str
    author: str
    parents: list[str]
    files: dict[str, bytes]
    date: str = field(default_factory=now)

    @property
    def tree_sha(self) -> str:
        listing = "\n".join(f"{p} {blob_sha(c)}" for p, c in sorted(self.files.items()))
        return hashlib.sha1(listing.encode()).hexdigest()


@dataclass
class Comment:
    id: int
    body: str
    user: str
    created_at: str = field(default_factory=now)
    updated_at: str = field(default_factory=now)


@dataclass
class ReviewComment(Comment):
    path: str = ""
    commit_id: str = ""
    line: int | None = None
    side: str = "RIGHT"
    in_reply_to_id: int | None = None


@dataclass
class PullData:
    head: str
    base: str
    head_sha: str
    draft: bool = False
    merged_at: str | None = None
    merged_by: str | None = None
    merge_commit_sha: str | None = None
    review_comments: list[ReviewComment] = field(default_factory=list)


@dataclass
class Issue:
    id: int
    number: int
    title: str
    user: str
    body: str | None = None
    state: str = "open"
    state_reason: str | None = None
    labels: list[str] = field(default_factory=list)
    assignees: list[str] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    pull: PullData | None = None
    created_at: str = field(default_factory=now)
    updated_at: str = field(default_factory=now)
    closed_at: str | None = None

    def touch(self) -> None:
        self.updated_at = now()


@dataclass
class Label:
    id: int
    name: str
    color: str
    description: str | None = None
    default: bool = False


@dataclass
class Release:
    id: int
    tag_name: str
    target_commitish: str
    author: str
    name: str | None = None
    body: str | None = None
    draft: bool = False
    prerelease: bool = False
    created_at: str = field(default_factory=now)
    published_at: str | None = None


@dataclass
class Hook:
    """A repository webhook (``POST /repos/{owner}/{repo}/hooks``); `secret` is never rendered."""

    id: int
    url: str
    content_type: str = "form"
    secret: str | None = None
    insecure_ssl: str = "0"
    events: list[str] = field(default_factory=lambda: ["push"])
    active: bool = True
    created_at: str = field(default_factory=now)
    updated_at: str = field(default_factory=now)
    # {"code", "status", "message"} of the latest delivery, as GitHub reports it.
    last_response: dict[str, Any] = field(
        default_factory=lambda: {"code": None, "status": "unused", "message": None}
    )

    def wants(self, event: str) -> bool:
        return self.active and (event in self.events or "*" in self.events)


@dataclass
class Repo:
    id: int
    owner: str
    name: str
    private: bool = False
    description: str | None = None
    homepage: str | None = None
    default_branch: str = "main"
    has_issues: bool = True
    archived: bool = False
    branches: dict[str, str] = field(default_factory=dict)
    commits: dict[str, Commit] = field(default_factory=dict)
    issues: dict[int, Issue] = field(default_factory=dict)
    labels: dict[str, Label] = field(default_factory=dict)
    releases: list[Release] = field(default_factory=list)
    # login -> starred_at
    stargazers: dict[str, str] = field(default_factory=dict)
    hooks: dict[int, Hook] = field(default_factory=dict)
    created_at: str = field(default_factory=now)
    updated_at: str = field(default_factory=now)
    pushed_at: str = field(default_factory=now)

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    def head(self, branch: str | None = None) -> Commit | None:
        sha = self.branches.get(branch or self.default_branch)
        return self.commits.get(sha) if sha else None

    def resolve(self, ref: str | None) -> Commit | None:
        """A branch name, a tag of a release, or a (possibly abbreviated) commit sha."""
        if not ref:
            return self.head()
        ref = ref.removeprefix("refs/heads/").removeprefix("heads/")
        if ref in self.branches:
            return self.commits[self.branches[ref]]
        for release in self.releases:
            if release.tag_name == ref:
                return self.resolve(release.target_commitish)
        if len(ref) >= 7:
            return next((c for sha, c in self.commits.items() if sha.startswith(ref)), None)
        return None


@dataclass
class GitHubState:
    users: dict[str, User] = field(default_factory=dict)
    repos: dict[str, Repo] = field(default_factory=dict)
    ids: Any = field(default_factory=lambda: itertools.count(1000))

    def next_id(self) -> int:
        return next(self.ids)

    def user(self, login: str) -> User | None:
        return self.users.get(login.lower())

    def ensure_user(self, login: str) -> User:
        """The user of a token's subject, created on first sight (any sandbox login may sign in)."""
        found = self.user(login)
        if found is None:
            found = self.users[login.lower()] = User(login, self.next_id())
        return found

    def repo(self, owner: str, name: str) -> Repo | None:
        return self.repos.get(f"{owner}/{name}".lower())

    def add_repo(self, owner: str, name: str, **fields: Any) -> Repo:
        repo = Repo(self.next_id(), self.ensure_user(owner).login, name, **fields)
        for label, color, description in DEFAULT_LABELS:
            repo.labels[label] = Label(self.next_id(), label, color, description, default=True)
        self.repos[repo.full_name.lower()] = repo
        return repo

    def commit(self, repo: Repo, branch: str, message: str, author: str, files: dict[str, bytes]) -> Commit:
        """A new commit on `branch` with `files` as its whole snapshot; the branch moves to it."""
        parent = repo.branches.get(branch)
        seed = f"{repo.full_name}\0{parent}\0{message}\0{self.next_id()}".encode()
        commit = Commit(
            hashlib.sha1(seed).hexdigest(), message, author, [parent] if parent else [], dict(files)
        )
        repo.commits[commit.sha] = commit
        repo.branches[branch] = commit.sha
        repo.pushed_at = repo.updated_at = commit.date
        return commit

    def new_issue(self, repo: Repo, title: str, user: str, **fields: Any) -> Issue:
        number = max(repo.issues, default=0) + 1
        issue = Issue(self.next_id(), number, title, user, **fields)
        repo.issues[number] = issue
        return issue


def initial_state() -> GitHubState:
    """A small world to start from: octocat owns Hello-World (README, one issue) and a private repo."""
    state = GitHubState()
    state.users["octocat"] = User(
        "octocat", 1, name="The Octocat", email="octocat@github.com", bio="GitHub's mascot"
    )
    state.ensure_user("hubot")
    hello = state.add_repo("octocat", "Hello-World", description="My first repository on GitHub!")
    state.commit(hello, "main", "Initial commit", "octocat", {"README.md": b"Hello World!\n"})
    state.new_issue(hello, "Found a bug", "hubot", body="I'm having a problem with this.", labels=["bug"])
    secret = state.add_repo("octocat", "secret-plans", private=True, description="Private notes")
    state.commit(secret, "main", "Initial commit", "octocat", {"PLANS.md": b"World domination\n"})
    return state


def seed(state: GitHubState, payload: dict[str, Any]) -> dict[str, Any]:
    """Add users and repositories from a JSON payload (``POST /_sandbox/github/seed``).

    ``{"users": [{"login", "name"?, "email"?}], "repos": [{"owner", "name",
    "private"?, "description"?, "files"?: {path: text}, "issues"?: [{"title",
    "body"?, "labels"?, "state"?, "user"?}], "stargazers"?: [login]}]}``
    """
    users, repos = [], []
    for entry in payload.get("users") or []:
        user = state.ensure_user(str(entry["login"]))
        user.name, user.email = entry.get("name", user.name), entry.get("email", user.email)
        users.append(user.login)
    for entry in payload.get("repos") or []:
        owner, name = str(entry["owner"]), str(entry["name"])
        if state.repo(owner, name):
            raise ValueError(f"repository {owner}/{name} already exists")
        repo = state.add_repo(
            owner, name, private=bool(entry.get("private", False)), description=entry.get("description")
        )
        files = {path: str(text).encode() for path, text in (entry.get("files") or {}).items()}
        if files:
            state.commit(repo, repo.default_branch, "Initial commit", repo.owner, files)
        for issue in entry.get("issues") or []:
            created = state.new_issue(
                repo,
                str(issue["title"]),
                str(issue.get("user") or repo.owner),
                body=issue.get("body"),
                labels=list(issue.get("labels") or []),
            )
            if issue.get("state") == "closed":
                created.state, created.closed_at, created.state_reason = "closed", now(), "completed"
        for login in entry.get("stargazers") or []:
            repo.stargazers[state.ensure_user(str(login)).login] = now()
        repos.append(repo.full_name)
    return {"users": users, "repos": repos}
