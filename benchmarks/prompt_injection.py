"""Precision and recall of the offline prompt-injection detector (`valetkey.sessions.injection`).

Two labelled sets, written by hand for this project, live in tests/data/:
`prompt_injection_set.jsonl` (the development set the signals were tuned on) and
`prompt_injection_heldout.jsonl` (written before the last tuning round and never tuned on).
Each line is `{"text": ..., "injection": true|false}`.

    PYTHONPATH=src python benchmarks/prompt_injection.py
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from valetkey.sessions.injection import detect_text

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
SETS = {
    "development": DATA / "prompt_injection_set.jsonl",
    "held-out": DATA / "prompt_injection_heldout.jsonl",
}


@dataclass(frozen=True)
class Scores:
    examples: int
    true_positives: int
    false_positives: int
    false_negatives: int
    mistakes: tuple[tuple[str, str], ...]

    @property
    def precision(self) -> float:
        flagged = self.true_positives + self.false_positives
        return self.true_positives / flagged if flagged else 1.0

    @property
    def recall(self) -> float:
        actual = self.true_positives + self.false_negatives
        return self.true_positives / actual if actual else 1.0


def score(path: Path) -> Scores:
    tp = fp = fn = total = 0
    mistakes = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        example = json.loads(line)
        total += 1
        found = detect_text(example["text"]).injected
        if found and example["injection"]:
            tp += 1
        elif found:
            fp += 1
            mistakes.append(("false positive", example["text"]))
        elif example["injection"]:
            fn += 1
            mistakes.append(("false negative", example["text"]))
    return Scores(total, tp, fp, fn, tuple(mistakes))


def main() -> int:
    for name, path in SETS.items():
        s = score(path)
        print(
            f"{name:12} {s.examples:4} examples  precision {s.precision:.3f}  recall {s.recall:.3f}  "
            f"(tp {s.true_positives}, fp {s.false_positives}, fn {s.false_negatives})"
        )
        for kind, text in s.mistakes:
            print(f"    {kind}: {text[:100]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
