"""Tool search quality and latency: the query set on the real catalog, latency at 10,000 tools.

    python benchmarks/search.py [--json] [--misses] [--size N] [--rounds N]

Quality: every query of benchmarks/search_queries.yaml is searched the way
COMPOSIO_SEARCH_TOOLS searches (latest tool versions, no session filter);
its rank is where the first tool that answers it comes. Reported:

- recall@1, recall@5: the fraction of queries answered in the first 1 / 5 results;
- all@5: the mean fraction of a query's answering tools among the first 5
  (stricter, for queries several tools answer);
- MRR: the mean of 1/rank (0 when not in the first 10).

Latency: wall time of one search (query analysis, scoring, top 5), over
`--rounds` passes of the query set after a warm-up pass, p50 and p99; once on
the real catalog and once over a generated catalog of `--size` tools (the real
tools plus synthetic toolkits, benchmarks/search_synthetic.py), where quality
is reported too, with thousands of distractors. Index build times are
reported as well. Runs in a few seconds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from search_synthetic import synthetic_entries

from valetkey.catalog.registry import Catalog, load_catalog
from valetkey.search import ToolIndex, build_tool_index, search
from valetkey.search.tool_index import catalog_entries

QUERIES = Path(__file__).resolve().parent / "search_queries.yaml"
TASKS = Path(__file__).resolve().parent / "search_tasks.yaml"
DEPTH = 10
# Searches go through a session-style predicate, as COMPOSIO_SEARCH_TOOLS does.
ALLOW_ALL = lambda doc: True  # noqa: E731


@dataclass(frozen=True)
class Query:
    text: str
    answers: frozenset[str]


@dataclass(frozen=True)
class Quality:
    queries: int
    recall_at_1: float
    recall_at_5: float
    all_at_5: float
    mrr: float
    misses: list[dict]


@dataclass(frozen=True)
class Task:
    text: str
    steps: tuple[frozenset[str], ...]
    silver: bool  # a step answered only by imported (silver) toolkits' tools


@dataclass(frozen=True)
class TaskQuality:
    tasks: int
    recall_at_1: float  # every step answered by the first result (one-step tasks only can be)
    recall_at_5: float  # every step answered within the first 5
    recall_at_10: float
    step_recall_at_5: float  # the mean fraction of a task's steps answered within the first 5
    mrr: float  # the mean over steps of 1/rank (0 past 10)


@dataclass(frozen=True)
class Latency:
    tools: int
    build_ms: float
    p50_ms: float
    p99_ms: float
    searches: int


def load_queries(path: Path = QUERIES, catalog: Catalog | None = None) -> list[Query]:
    """The query set; ValueError naming any answer slug the catalog does not have."""
    queries = [Query(entry["query"], frozenset(entry["tools"])) for entry in yaml.safe_load(path.read_text())]
    if catalog is not None:
        unknown = sorted({s for q in queries for s in q.answers if catalog.canonical_tool_slug(s) is None})
        if unknown:
            raise ValueError(f"{path.name}: unknown tool slugs {', '.join(unknown)}")
    return queries


def load_tasks(catalog: Catalog, path: Path = TASKS) -> list[Task]:
    """The untouched task set; ValueError naming any tool slug the catalog does not have."""
    tasks = []
    unknown: set[str] = set()
    for entry in yaml.safe_load(path.read_text()):
        steps = tuple(frozenset(step) for step in entry["steps"])
        canonical = [catalog.canonical_tool_slug(slug) for step in steps for slug in step]
        unknown |= {slug for step in steps for slug in step if catalog.canonical_tool_slug(slug) is None}
        silver = any(catalog.toolkit_of_tool(slug).tier != "gold" for slug in canonical if slug is not None)
        tasks.append(Task(entry["task"], steps, silver))
    if unknown:
        raise ValueError(f"{path.name}: unknown tool slugs {', '.join(sorted(unknown))}")
    return tasks


def task_quality(index: ToolIndex, catalog: Catalog, tasks: list[Task]) -> TaskQuality:
    """How well one search per task finds the tools of every step."""
    found = {1: 0.0, 5: 0.0, 10: 0.0}
    step_at5 = rr = 0.0
    steps_total = 0
    for task in tasks:
        slugs = [
            hit.tool.slug
            for hit in search(index, task.text, limit=DEPTH, mask=index.latest, admits=ALLOW_ALL)
        ]
        ranks = []
        for step in task.steps:
            answers = {catalog.canonical_tool_slug(slug) for slug in step}
            ranks.append(next((i for i, slug in enumerate(slugs, start=1) if slug in answers), None))
        for k in found:
            found[k] += all(rank is not None and rank <= k for rank in ranks)
        step_at5 += sum(rank is not None and rank <= 5 for rank in ranks) / len(ranks)
        rr += sum(1 / rank for rank in ranks if rank)
        steps_total += len(ranks)
    n = len(tasks) or 1
    return TaskQuality(
        len(tasks),
        round(found[1] / n, 3),
        round(found[5] / n, 3),
        round(found[10] / n, 3),
        round(step_at5 / n, 3),
        round(rr / (steps_total or 1), 3),
    )


def task_breakdown(index: ToolIndex, catalog: Catalog, tasks: list[Task]) -> dict[str, dict]:
    """The task set's figures, whole and by kind."""
    kinds = {
        "all": tasks,
        "one tool, gold": [t for t in tasks if len(t.steps) == 1 and not t.silver],
        "one tool, silver": [t for t in tasks if len(t.steps) == 1 and t.silver],
        "two or three tools": [t for t in tasks if len(t.steps) > 1],
    }
    return {kind: asdict(task_quality(index, catalog, chosen)) for kind, chosen in kinds.items()}


def quality(index: ToolIndex, queries: list[Query]) -> Quality:
    """Recall@1, recall@5, all@5 and MRR of the query set against `index`."""
    at1 = at5 = all5 = rr = 0.0
    misses = []
    for query in queries:
        slugs = [
            hit.tool.slug
            for hit in search(index, query.text, limit=DEPTH, mask=index.latest, admits=ALLOW_ALL)
        ]
        rank = next((i for i, slug in enumerate(slugs, start=1) if slug in query.answers), None)
        at1 += rank == 1
        at5 += rank is not None and rank <= 5
        all5 += len(query.answers & set(slugs[:5])) / len(query.answers)
        rr += 1 / rank if rank else 0.0
        if rank != 1:
            misses.append(
                {"query": query.text, "rank": rank, "answers": sorted(query.answers), "top": slugs[:5]}
            )
    n = len(queries)
    return Quality(n, round(at1 / n, 3), round(at5 / n, 3), round(all5 / n, 3), round(rr / n, 3), misses)


def latency(index: ToolIndex, queries: list[Query], rounds: int, build_ms: float) -> Latency:
    for query in queries:  # warm-up: stem cache, code paths
        search(index, query.text, limit=5, mask=index.latest, admits=ALLOW_ALL)
    timings = []
    for _ in range(rounds):
        for query in queries:
            start = time.perf_counter()
            search(index, query.text, limit=5, mask=index.latest, admits=ALLOW_ALL)
            timings.append((time.perf_counter() - start) * 1000)
    p99 = statistics.quantiles(timings, n=100)[98]
    return Latency(
        index.bm25.size, round(build_ms, 1), round(statistics.median(timings), 3), round(p99, 3), len(timings)
    )


def timed_build(entries) -> tuple[ToolIndex, float]:
    start = time.perf_counter()
    index = build_tool_index(entries)
    return index, (time.perf_counter() - start) * 1000


def run(size: int, rounds: int) -> dict:
    catalog = load_catalog()
    queries = load_queries(catalog=catalog)
    tasks = load_tasks(catalog)
    real, real_ms = timed_build(catalog_entries(catalog))
    big, big_ms = timed_build(synthetic_entries(catalog, size))
    return {
        "catalog": {"toolkits": len(catalog.toolkits), "tools": int(real.latest.sum())},
        "quality": asdict(quality(real, queries)),
        "tasks": task_breakdown(real, catalog, tasks),
        "latency": asdict(latency(real, queries, rounds, real_ms)),
        "scale": {
            "quality": asdict(quality(big, queries)),
            "latency": asdict(latency(big, queries, rounds, big_ms)),
        },
    }


def report(result: dict, misses: bool) -> str:
    q, lat = result["quality"], result["latency"]
    sq, slat = result["scale"]["quality"], result["scale"]["latency"]
    lines = [
        f"Tool search: {q['queries']} queries, {result['catalog']['tools']} tools in "
        f"{result['catalog']['toolkits']} toolkits",
        f"  recall@1 {q['recall_at_1']:.3f}  recall@5 {q['recall_at_5']:.3f}  all@5 {q['all_at_5']:.3f}  "
        f"MRR {q['mrr']:.3f}",
        f"  latency  p50 {lat['p50_ms']:.3f} ms  p99 {lat['p99_ms']:.3f} ms  ({lat['searches']} searches; "
        f"index built in {lat['build_ms']:.0f} ms)",
        "Untouched task set (search_tasks.yaml: one search per task, every step's tool wanted):",
        *(
            f"  {kind:<19} {t['tasks']:>3} tasks  recall@1 {t['recall_at_1']:.3f}  @5 {t['recall_at_5']:.3f}  "
            f"@10 {t['recall_at_10']:.3f}  steps@5 {t['step_recall_at_5']:.3f}  MRR {t['mrr']:.3f}"
            for kind, t in result["tasks"].items()
        ),
        f"At {slat['tools']} tools (real + synthetic):",
        f"  recall@1 {sq['recall_at_1']:.3f}  recall@5 {sq['recall_at_5']:.3f}  MRR {sq['mrr']:.3f}",
        f"  latency  p50 {slat['p50_ms']:.3f} ms  p99 {slat['p99_ms']:.3f} ms  ({slat['searches']} searches; "
        f"index built in {slat['build_ms']:.0f} ms)",
    ]
    if misses:
        lines.append("Queries not answered first (real catalog):")
        lines += [
            f"  {m['rank'] or '-':>2}  {m['query']}\n      want {', '.join(m['answers'])}\n"
            f"      got  {', '.join(m['top'])}"
            for m in q["misses"]
        ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--misses", action="store_true", help="list the queries not answered first")
    parser.add_argument("--size", type=int, default=10_000, help="tools in the generated catalog")
    parser.add_argument("--rounds", type=int, default=5, help="timed passes over the query set")
    args = parser.parse_args()
    result = run(args.size, args.rounds)
    if args.json:
        if not args.misses:
            result["quality"].pop("misses")
            result["scale"]["quality"].pop("misses")
        print(json.dumps(result, indent=2))
    else:
        print(report(result, args.misses))


if __name__ == "__main__":
    main()
