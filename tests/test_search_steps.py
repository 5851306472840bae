"""Telling a task of several steps from a query of one (search/steps.py)."""

from __future__ import annotations

import pytest

from valetkey.search.steps import split_steps


@pytest.mark.parametrize(
    ("query", "steps"),
    [
        (
            "find a free slot with dana next week and send her an invite",
            ["find a free slot with dana next week", "send her an invite"],
        ),
        (
            "create a branch, commit a config change and open a pull request",
            ["create a branch", "commit a config change", "open a pull request"],
        ),
        (
            "refund the last charge of customer cus_42 and email them a confirmation",
            ["refund the last charge of customer cus_42", "email them a confirmation"],
        ),
        (
            "list the linear teams, then create a project for each",
            ["list the linear teams", "create a project for each"],
        ),
        ("read the inbox; then post a summary to slack", ["read the inbox", "post a summary to slack"]),
    ],
)
def test_clauses_that_each_act_are_steps(query, steps):
    assert split_steps(query) == steps


@pytest.mark.parametrize(
    "query",
    [
        "squash and merge pull request 77",  # "squash" alone is one word
        "copy and paste",
        "read columns A to D of the inventory sheet",
        "list files in a folder, sorted by date",  # "sorted by date" opens with no cue
        "salt and pepper shakers",
        "open issues, pull requests and releases of the repo",  # nouns, not actions
        "a, b, c, d and e",  # more than three clauses
    ],
)
def test_one_request_stays_one_query(query):
    assert split_steps(query) == [query]
