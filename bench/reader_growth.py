"""How the reader's time grows with pathological input:

    python -m bench.reader_growth [--sizes 1000,4000,16000,64000,256000,1000000]
                                  [--shapes NAME,...] [--out bench/results]

Each shape of `tests/pathological.py` is read at each size exactly as the reading worker
reads a message (`mailbot.reader.reading.read_message`: the view, the form readings, the masked
copy) with the default limits, in a process of its own per shape so one shape's garbage does not
weigh on the next. It prints the CPU time per size and the growth exponent: the slope of
log(time) over log(size) from 16 KB up (1 is linear; below 1, the limits cut the work short;
2 would be quadratic). Writes `reader-growth-<date>.md` to `--out`.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import subprocess
import sys
from pathlib import Path

SIZES = (1_000, 4_000, 16_000, 64_000, 256_000, 1_000_000)
FROM = 16_000  # below this, start-up costs hide the growth

_CHILD = """
import json, sys, time
from mailbot.reader.limits import DEFAULT
from mailbot.reader.reading import read_message
from tests.pathological import SHAPES
shape, sizes = sys.argv[1], [int(s) for s in sys.argv[2].split(",")]
read_message(SHAPES[shape](1000), DEFAULT)  # imports and caches warm
for size in sizes:
    raw = SHAPES[shape](size)
    best = None
    for _ in range(3 if size <= 64000 else 1):
        started = time.process_time()
        read_message(raw, DEFAULT)
        spent = time.process_time() - started
        best = spent if best is None else min(best, spent)
    print(json.dumps([len(raw), best]), flush=True)
"""


def exponent(points: list[tuple[int, float]]) -> float | None:
    """Least-squares slope of log(seconds) over log(bytes), for the sizes from `FROM` on."""
    used = [(math.log(size), math.log(max(seconds, 1e-6))) for size, seconds in points
            if size >= FROM]
    if len(used) < 2:
        return None
    mean_x = sum(x for x, _ in used) / len(used)
    mean_y = sum(y for _, y in used) / len(used)
    spread = sum((x - mean_x) ** 2 for x, _ in used)
    return sum((x - mean_x) * (y - mean_y) for x, y in used) / spread if spread else None


def measure(shape: str, sizes: list[int], timeout: float) -> tuple[list[tuple[int, float]], str]:
    """(size, CPU seconds) per size, and what went wrong ("" when nothing did)."""
    try:
        done = subprocess.run([sys.executable, "-c", _CHILD, shape, ",".join(map(str, sizes))],
                              capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as expired:
        out = expired.stdout.decode() if isinstance(expired.stdout, bytes) else expired.stdout
        return _points(out or ""), f"over {timeout:.0f} s"
    return _points(done.stdout), (done.stderr.strip().splitlines() or [""])[-1]


def _points(output: str) -> list[tuple[int, float]]:
    return [tuple(json.loads(line)) for line in output.splitlines() if line.startswith("[")]


def main(argv: list[str] | None = None) -> int:
    from tests.pathological import SHAPES

    parser = argparse.ArgumentParser(prog="python -m bench.reader_growth")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--shapes", default="", help="comma-separated; default: all")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per shape")
    parser.add_argument("--out", type=Path, default=Path("bench/results"))
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",")]
    shapes = [s for s in args.shapes.split(",") if s] or list(SHAPES)
    header = ("| shape | " + " | ".join(f"{size // 1000} KB, ms" for size in sizes)
              + " | exponent |")
    rows = [header, "|" + " --- |" * (len(sizes) + 2)]
    print(header, flush=True)
    worst = 0.0
    for shape in shapes:
        points, trouble = measure(shape, sizes, args.timeout)
        slope = exponent(points)
        worst = max(worst, slope or 0.0)
        cells = [f"{seconds * 1000:.1f}" for _, seconds in points]
        cells += ["–"] * (len(sizes) - len(cells))
        row = (f"| {shape} | " + " | ".join(cells) + " | "
               + (f"{slope:.2f}" if slope is not None else "–")
               + (f" ({trouble})" if trouble else "") + " |")
        rows.append(row)
        print(row, flush=True)
    summary = f"Largest growth exponent: {worst:.2f} (from {FROM // 1000} KB up; 1 is linear)"
    print(summary)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"reader-growth-{datetime.date.today():%Y-%m-%d}.md"
    path.write_text("\n".join([f"# Reader growth, {datetime.date.today()}", "",
                               "CPU time of `read_message` with the default limits.", "",
                               *rows, "", summary, ""]))
    print(f"written: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
