"""`flask --app eventapp badges` as an organiser runs it, whole process, against a bare
WeasyPrint script rendering the same badges, whole process too.

Both are timed from the start of the process to its end: Python's start, the imports,
reading the data, rendering and writing the PDF. The CLI prints the demo's badges (107
registrations, the event's size) in each layout; the bare script renders the same people
as minimal badges in one document (bench/badges.py's baseline: our fonts, inline-SVG QR
codes, no app code) from a JSON file. Runs alternate (bare, then each layout), so a
ratio compares runs made under the same load; medians of --runs.

    .venv/bin/python bench/badges_cli.py [--runs 7] [--layouts single,a6-sheet]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import badges as badges_bench  # noqa: E402  (bench/badges.py: the demo and the baseline)

FLASK = str(Path(sys.executable).with_name("flask"))


def timed(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    if done.returncode:
        sys.exit(f"{command} failed:\n{done.stderr[-2000:]}")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--layouts", default="single,a6-sheet")
    args = parser.parse_args()
    layouts = args.layouts.split(",")
    with tempfile.TemporaryDirectory() as tmp:
        instance = Path(tmp)
        badges_bench.prepare(instance)
        env = {
            **os.environ,
            "EVENTAPP_INSTANCE_PATH": str(instance),
            "FLASK_PUBLIC_BASE_URL": "http://localhost:5000",
        }
        people = len(__import__("json").loads((instance / "people.json").read_text()))
        bare = [sys.executable, __file__, "--bare", str(instance), str(instance / "bare.pdf")]
        times: dict[str, list[float]] = {"bare": [], **{layout: [] for layout in layouts}}
        for _ in range(args.runs):
            times["bare"].append(timed(bare, env))
            for layout in layouts:
                out = str(instance / f"{layout}.pdf")
                command = [FLASK, "--app", "eventapp", "badges", "mieux-impact-2024"]
                times[layout].append(timed([*command, "-o", out, "--layout", layout], env))
        base = statistics.median(times["bare"])
        print(f"{people} badges, whole process, medians of {args.runs} runs")
        print(f"{'bare WeasyPrint script':28} {base:6.2f} s")
        for layout in layouts:
            median = statistics.median(times[layout])
            ratios = [t / b for t, b in zip(times[layout], times["bare"], strict=True)]
            print(
                f"{'flask badges --layout ' + layout:28} {median:6.2f} s  "
                f"{median / base:.2f}x (median of per-run ratios {statistics.median(ratios):.2f}x)"
            )


def bare(instance: str, output: str) -> None:
    """The bare script: read the people, render, write the file."""
    people = __import__("json").loads((Path(instance) / "people.json").read_text())
    pdf = badges_bench.render_baseline(people)
    Path(output).write_bytes(pdf)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--bare":
        bare(*sys.argv[2:4])
    else:
        main()
