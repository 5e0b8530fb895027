"""A closed-loop HTTP load generator: N concurrent clients, each sending its next request when the last answers.

Used by the Serve tests (load while a replica dies or a version swaps) and by benchmarks/serve_throughput.py.
asyncio + aiohttp keeps the client's own CPU cost low, which matters when it shares 2 cores with the server.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass
from typing import Any, Callable

import aiohttp
import numpy as np


@dataclass
class Result:
    status: int  # 0: the connection failed
    latency_s: float
    body: Any
    started: float


async def _load(url: str, bodies: list, concurrency: int, total: int | None, duration_s: float | None,
                headers: dict | None, stop: Callable[[], bool] | None, results: list[Result]) -> list[Result]:
    counter = itertools.count()
    deadline = None if duration_s is None else time.perf_counter() + duration_s
    timeout = aiohttp.ClientTimeout(total=300)

    async def client(session: aiohttp.ClientSession) -> None:
        while True:
            index = next(counter)
            if (total is not None and index >= total) or (deadline and time.perf_counter() > deadline) or (stop and stop()):
                return
            started = time.perf_counter()
            try:
                async with session.post(url, json=bodies[index % len(bodies)], headers=headers) as response:
                    body = await response.json(content_type=None)
                    status = response.status
            except (aiohttp.ClientError, asyncio.TimeoutError) as error:
                status, body = 0, repr(error)
            results.append(Result(status, time.perf_counter() - started, body, started))

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await asyncio.gather(*(client(session) for _ in range(concurrency)))
    return results


def run_load(url: str, bodies: list, concurrency: int, total: int | None = None, duration_s: float | None = None,
             headers: dict | None = None, stop: Callable[[], bool] | None = None,
             results: list[Result] | None = None) -> list[Result]:
    """Send `total` requests (or for `duration_s`, or until `stop()`), cycling through `bodies`.

    Results are appended to `results` as they arrive, so a caller in another thread can watch them."""
    results = [] if results is None else results
    return asyncio.run(_load(url, bodies, concurrency, total, duration_s, headers, stop, results))


def summary(results: list[Result]) -> dict:
    """Requests/s over the busy period, p50 and p99 latency in ms, and the count of non-200 answers."""
    ok = [r for r in results if r.status == 200]
    span = max(r.started + r.latency_s for r in results) - min(r.started for r in results)
    latencies = np.array([r.latency_s for r in ok]) * 1000
    return {
        "requests": len(results),
        "errors": len(results) - len(ok),
        "rps": len(ok) / span if span > 0 else 0.0,
        "p50_ms": float(np.percentile(latencies, 50)) if len(ok) else float("nan"),
        "p99_ms": float(np.percentile(latencies, 99)) if len(ok) else float("nan"),
    }
