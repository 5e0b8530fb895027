"""The ingress's coalescing of handle calls (hrm_ray/serve/coalesce.py), against a fake model call."""

import asyncio

import pytest

from hrm_ray.serve.coalesce import Coalescer


class FakeModel:
    """Scores records as their upper-case text; each call waits until the test opens the gate."""

    def __init__(self, fail_on: str | None = None):
        self.calls: list[list[str]] = []
        self.gate = asyncio.Event()
        self.fail_on = fail_on

    async def predict(self, records: list[str]) -> dict:
        self.calls.append(list(records))
        await self.gate.wait()
        if self.fail_on in records:
            raise RuntimeError("replica lost")
        return {"predictions": [r.upper() for r in records], "model": {"task": "fake", "version": "v1"}}


async def with_a_busy_call(model: FakeModel) -> tuple[Coalescer, asyncio.Future]:
    """A coalescer allowed one call at a time, whose call for ["a"] is under way (held at the model's gate)."""
    coalescer = Coalescer(model.predict, max_in_flight=1)
    first = asyncio.ensure_future(coalescer.predict(["a"]))
    await asyncio.sleep(0)
    return coalescer, first


def test_a_request_that_finds_the_model_idle_goes_at_once():
    async def scenario():
        model = FakeModel()
        model.gate.set()
        answer = await Coalescer(model.predict, max_in_flight=1).predict(["a", "b"])
        return model.calls, answer

    calls, answer = asyncio.run(scenario())
    assert calls == [["a", "b"]]
    assert answer == {"predictions": ["A", "B"], "model": {"task": "fake", "version": "v1"}}


def test_requests_arriving_while_calls_are_busy_go_as_one_call_and_each_gets_its_own_answers():
    async def scenario():
        model = FakeModel()
        coalescer, first = await with_a_busy_call(model)
        waiting = [asyncio.ensure_future(coalescer.predict(records)) for records in (["b", "c"], ["d"], ["e"])]
        await asyncio.sleep(0.01)
        busy_calls = list(model.calls)
        model.gate.set()
        return busy_calls, model.calls, await first, await asyncio.gather(*waiting)

    busy_calls, calls, first, rest = asyncio.run(scenario())
    assert busy_calls == [["a"]]  # the others waited for the busy call instead of making their own
    assert calls == [["a"], ["b", "c", "d", "e"]]
    assert first["predictions"] == ["A"]
    assert [answer["predictions"] for answer in rest] == [["B", "C"], ["D"], ["E"]]
    assert all(answer["model"]["version"] == "v1" for answer in rest)


def test_calls_in_flight_never_exceed_the_limit():
    async def scenario():
        model = FakeModel()
        coalescer = Coalescer(model.predict, max_in_flight=2)
        futures = []
        for name in "abcdef":
            futures.append(asyncio.ensure_future(coalescer.predict([name])))
            await asyncio.sleep(0)
        busy = len(model.calls)
        model.gate.set()
        answers = await asyncio.gather(*futures)
        return busy, model.calls, answers

    busy, calls, answers = asyncio.run(scenario())
    assert busy == 2
    assert calls == [["a"], ["b"], ["c", "d", "e", "f"]]
    assert [a["predictions"] for a in answers] == [[n.upper()] for n in "abcdef"]


def test_a_failed_call_fails_each_of_its_requests_and_the_next_call_still_runs():
    async def scenario():
        model = FakeModel(fail_on="bad")
        coalescer, first = await with_a_busy_call(model)
        merged = [asyncio.ensure_future(coalescer.predict(r)) for r in (["bad"], ["b"])]
        await asyncio.sleep(0)
        model.gate.set()
        results = await asyncio.gather(first, *merged, return_exceptions=True)
        later = await coalescer.predict(["c"])
        return results, later

    (first, bad, neighbour), later = asyncio.run(scenario())
    assert first["predictions"] == ["A"]
    assert isinstance(bad, RuntimeError) and isinstance(neighbour, RuntimeError)  # one call: both were in flight
    assert later["predictions"] == ["C"]


def test_a_caller_that_gives_up_leaves_the_others_answered():
    async def scenario():
        model = FakeModel()
        coalescer, first = await with_a_busy_call(model)
        impatient = asyncio.ensure_future(asyncio.wait_for(coalescer.predict(["x"]), timeout=0.01))
        patient = asyncio.ensure_future(coalescer.predict(["b"]))
        with pytest.raises(asyncio.TimeoutError):
            await impatient
        model.gate.set()
        return model.calls, await first, await patient

    calls, first, patient = asyncio.run(scenario())
    assert calls == [["a"], ["b"]]  # the request that gave up is not scored
    assert first["predictions"] == ["A"] and patient["predictions"] == ["B"]
