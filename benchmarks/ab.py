"""Interleaved A/B pairs and their summary, shared by the benchmarks that compare two ways of doing one job.

A machine drifts while a benchmark runs (other tenants, caches, clocks), so one measurement of each side says
little, and measuring one side always first hands it whichever way the drift goes. So every comparison runs
in pairs: both sides back to back, the order alternating pair by pair (A B, B A, A B, ...). The ratio is taken
within each pair, and the median of the pairs' ratios is reported with its spread (min-max).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from dataclasses import dataclass
from typing import Any, Callable, Sequence


def side_order(pair: int) -> tuple[str, str]:
    """Which side runs first in pair `pair` (0-based): A in even pairs, B in odd ones."""
    return ("A", "B") if pair % 2 == 0 else ("B", "A")


def alternating_pairs(pairs: int, measure_a: Callable[[], Any], measure_b: Callable[[], Any],
                      on_pair: Callable[[int, Any, Any], None] | None = None) -> list[tuple[Any, Any]]:
    """(a, b) results of `pairs` pairs, measured in alternating order; `on_pair(i, a, b)` sees each as it ends,
    so a long run shows its figures while it goes."""
    results = []
    for pair in range(pairs):
        measured = {side: (measure_a if side == "A" else measure_b)() for side in side_order(pair)}
        results.append((measured["A"], measured["B"]))
        if on_pair:
            on_pair(pair, measured["A"], measured["B"])
    return results


@dataclass(frozen=True)
class Spread:
    median: float
    low: float
    high: float
    n: int

    def format(self, digits: int = 2, unit: str = "") -> str:
        """'0.88 (min 0.85, max 0.91; 3 pairs)'."""
        value = f"{{:+.{digits}f}}{unit}" if self.low < 0 else f"{{:.{digits}f}}{unit}"
        return (f"{value.format(self.median)} (min {value.format(self.low)}, max {value.format(self.high)}; "
                f"{self.n} pair{'s' if self.n != 1 else ''})")


def spread(values: Sequence[float]) -> Spread:
    """The median and min-max of the pairs' figures (the median: one disturbed pair must not move it)."""
    return Spread(statistics.median(values), min(values), max(values), len(values))


RESULT_MARK = "[ab-result] "  # the line a side's process prints its figures on, among whatever else it prints


def print_result(result: dict) -> None:
    """What a side's own process ends with, for `run_in_own_process` to read."""
    print(RESULT_MARK + json.dumps(result), flush=True)


def run_in_own_process(args: Sequence[str], timeout_s: float = 3600) -> dict:
    """Run `python ARGS` as a fresh process and return the figures it printed with `print_result`.

    A side measured in its own process starts from nothing and leaves nothing behind (no idle Ray, no thread
    pools, no warm caches of the other side's process). Its stderr passes through, so its progress shows."""
    done = subprocess.run([sys.executable, *args], stdout=subprocess.PIPE, text=True, timeout=timeout_s)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} exited with {done.returncode}:\n{done.stdout[-3000:]}")
    results = [line[len(RESULT_MARK):] for line in done.stdout.splitlines() if line.startswith(RESULT_MARK)]
    if not results:
        raise RuntimeError(f"{' '.join(args)} printed no result:\n{done.stdout[-3000:]}")
    return json.loads(results[-1])
