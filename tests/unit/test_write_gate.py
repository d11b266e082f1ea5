"""SQLite's one writer: requests first, background writers delayed but never starved."""

from __future__ import annotations

import asyncio

import pytest

from domain.write_gate import WriteGate


async def _holder(gate: WriteGate, name: str, order: list[str], *, background: bool) -> None:
    await gate.acquire(background=background)
    order.append(name)
    await asyncio.sleep(0)
    gate.release()


async def _queue(gate: WriteGate, *names: str) -> tuple[list[str], list[asyncio.Task[None]]]:
    """Hold the writer, queue the named writers ("bg" ones in the background), release."""
    order: list[str] = []
    await gate.acquire(background=False)
    tasks = []
    for name in names:
        tasks.append(
            asyncio.create_task(_holder(gate, name, order, background=name.startswith("bg")))
        )
        await asyncio.sleep(0)  # each reaches the queue in the order named
    return order, tasks


async def test_a_free_gate_is_taken_at_once() -> None:
    gate = WriteGate()
    await asyncio.wait_for(gate.acquire(background=True), 1)
    gate.release()
    await asyncio.wait_for(gate.acquire(background=False), 1)


async def test_waiting_requests_go_before_a_background_writer_that_asked_first() -> None:
    gate = WriteGate()
    order, tasks = await _queue(gate, "bg1", "r1")
    gate.release()
    await asyncio.gather(*tasks)
    assert order == ["r1", "bg1"]


async def test_a_background_writer_goes_after_two_requests_pass_it() -> None:
    gate = WriteGate()
    order, tasks = await _queue(gate, "bg1", "r1", "r2", "r3", "r4", "r5")
    gate.release()
    await asyncio.gather(*tasks)
    assert order == ["r1", "r2", "bg1", "r3", "r4", "r5"]


async def test_requests_keep_their_order_among_themselves() -> None:
    gate = WriteGate()
    order, tasks = await _queue(gate, "r1", "r2", "r3")
    gate.release()
    await asyncio.gather(*tasks)
    assert order == ["r1", "r2", "r3"]


async def test_a_waiter_that_gives_up_leaves_the_queue_and_the_next_one_is_served() -> None:
    gate = WriteGate()
    order, tasks = await _queue(gate, "r1", "bg1")
    tasks[0].cancel()
    with pytest.raises(asyncio.CancelledError):
        await tasks[0]
    gate.release()
    await tasks[1]
    assert order == ["bg1"]
    await asyncio.wait_for(gate.acquire(background=False), 1)  # and the gate is free after


async def test_a_writer_granted_as_it_is_cancelled_passes_the_writer_on() -> None:
    gate = WriteGate()
    order, tasks = await _queue(gate, "r1", "r2")
    gate.release()  # r1 is granted the writer ...
    tasks[0].cancel()  # ... and cancelled before it runs
    with pytest.raises(asyncio.CancelledError):
        await tasks[0]
    await asyncio.wait_for(tasks[1], 1)
    assert order == ["r2"]
