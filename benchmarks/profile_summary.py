"""Summarize a py-spy `--format raw` (collapsed stacks) file as text: self and inclusive time.

    python benchmarks/profile_summary.py x.txt [--top 40] [--prefix valetkey]

Self time is where the sampled thread was; inclusive time counts a frame once per sample in
which it appears anywhere on the stack. Frames are shown as `function (file:line)` with the
site-packages or src prefix cut.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter


def _short(frame: str) -> str:
    for marker in ("site-packages/", "/src/", "python3.11/"):
        if marker in frame:
            head, _, tail = frame.partition(" (")
            return head + " (" + tail.split(marker, 1)[1]
    return frame


def _function(frame: str) -> str:
    """The frame without its line number: a function's samples add up across its lines."""
    return re.sub(r":\d+\)$", ")", _short(frame))


def summarize(path: str, top: int) -> str:
    self_time: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in open(path, encoding="utf-8"):
        stack, _, count = line.rstrip("\n").rpartition(" ")
        if not stack:
            continue
        n = int(count)
        frames = [_function(f) for f in stack.split(";")]
        # py-spy's first frame is the thread name: "process N:..." or "thread (..)".
        frames = [f for f in frames if not f.startswith(("process ", "thread "))]
        if not frames:
            continue
        total += n
        self_time[frames[-1]] += n
        for frame in set(frames):
            inclusive[frame] += n
    lines = [f"samples: {total}", "", f"top {top} by self time:"]
    lines += [f"{100 * n / total:5.1f}%  {frame}" for frame, n in self_time.most_common(top)]
    lines += ["", f"top {top} by inclusive time:"]
    lines += [f"{100 * n / total:5.1f}%  {frame}" for frame, n in inclusive.most_common(top)]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path")
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()
    print(summarize(args.path, args.top))


if __name__ == "__main__":
    main()
