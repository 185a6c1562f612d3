"""Where the time goes, from py-spy's collapsed stacks (`--format raw`): the functions with the
most samples, inclusive (anywhere on the stack) and self (at the top).

    .venv/bin/python -m bench.profile_summary bench/results/fanout-100000-sqlite-0.txt
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

IDLE = ("Condition.wait ", "_worker (concurrent/futures/thread.py:81)", "select ", "sleep")


def summarise(path: Path, top: int) -> str:
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    busy = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        if any(frames[-1].startswith(idle) for idle in IDLE):
            continue  # a thread waiting for its next tick
        samples = int(count)
        busy += samples
        own[frames[-1]] += samples
        for frame in set(frames):
            inclusive[frame] += samples
    lines = [f"{busy} busy samples"]
    for title, counter in (("inclusive", inclusive), ("self", own)):
        lines.append(f"\n{title}:")
        lines += [f"{100 * n / busy:5.1f}%  {frame}" for frame, n in counter.most_common(top)]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("profile", type=Path)
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()
    print(summarise(args.profile, args.top))  # noqa: T201


if __name__ == "__main__":
    main()
