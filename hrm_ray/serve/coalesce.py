"""The ingress side of batching: requests for one task that arrive while its calls are busy go as one call.

Each handle call costs both ends a few milliseconds of Python (routing, serialising, the replica's request
bookkeeping): on 2 cores a no-op handle call from the ingress capped the service at ~170 requests/s, below
what the model alone scores. `@serve.batch` and the inference lane merge work only after every request
has paid that cost. Here requests that find `max_in_flight` calls of their task already running wait,
and the next call carries all of them: under load one handle call serves many requests, and a request
that finds the task idle goes at once, so concurrency 1 pays nothing.
"""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable

Call = Callable[[list], Awaitable[dict]]  # records in -> {"predictions": [one per record], "model": {...}}


class Coalescer:
    def __init__(self, call: Call, max_in_flight: int):
        self.call = call
        self.max_in_flight = max_in_flight
        self.in_flight = 0
        self.waiting: list[tuple[list, asyncio.Future]] = []
        self.sending: set[asyncio.Task] = set()  # the loop keeps only weak references to tasks

    async def predict(self, records: list[Any]) -> dict:
        future = asyncio.get_running_loop().create_future()
        self.waiting.append((records, future))
        if self.in_flight < self.max_in_flight:
            self._send_waiting()
        return await future

    def _send_waiting(self) -> None:
        group, self.waiting = self.waiting, []
        group = [(records, future) for records, future in group if not future.done()]  # drop callers that gave up
        if group:
            self.in_flight += 1
            task = asyncio.ensure_future(self._send(group))
            self.sending.add(task)
            task.add_done_callback(self.sending.discard)

    async def _send(self, group: list[tuple[list, asyncio.Future]]) -> None:
        try:
            answer = await self.call([record for records, _ in group for record in records])
        except asyncio.CancelledError:  # the replica shutting down: its callers must not wait for ever
            for _, future in group:
                future.cancel()
            raise
        except Exception as error:  # every request in the call hears of it (a lost replica: all were in flight)
            for _, future in group:
                if not future.done():
                    future.set_exception(error)
        else:
            start = 0
            for records, future in group:
                if not future.done():
                    future.set_result({**answer, "predictions": answer["predictions"][start : start + len(records)]})
                start += len(records)
        finally:
            self.in_flight -= 1
            if self.waiting:
                self._send_waiting()
