"""One generation at a time per model: order, cancellation, and the user before background work."""

from __future__ import annotations

import asyncio

from ollama_lsp.completion.slots import GenerationSlots, Priority


async def test_one_at_a_time_in_order_and_a_cancelled_waiter_never_runs() -> None:
    slots = GenerationSlots()
    ran: list[str] = []
    release = asyncio.Event()

    async def job(name: str, priority: Priority = Priority.USER) -> None:
        async with slots.turn("model", priority):
            ran.append(name)
            await release.wait()

    first = asyncio.create_task(job("first"))
    await asyncio.sleep(0)
    second = asyncio.create_task(job("second"))
    stale = asyncio.create_task(job("stale"))
    await asyncio.sleep(0)
    assert ran == ["first"]
    stale.cancel()  # went stale while waiting: it never reaches the backend
    release.set()
    await asyncio.gather(first, second, return_exceptions=True)
    assert ran == ["first", "second"]
    assert stale.cancelled()
    assert not slots.busy("model")


async def test_the_user_interrupts_background_work_and_goes_before_it() -> None:
    slots = GenerationSlots()
    ran: list[str] = []

    async def job(name: str, priority: Priority) -> None:
        async with slots.turn("model", priority):
            ran.append(name)
            await asyncio.sleep(0.01)

    prefill = asyncio.create_task(job("prefill", Priority.PREFILL))
    await asyncio.sleep(0)
    waiting_prefill = asyncio.create_task(job("another prefill", Priority.PREFILL))
    await asyncio.sleep(0)
    user = asyncio.create_task(job("user", Priority.USER))
    await asyncio.gather(prefill, waiting_prefill, user, return_exceptions=True)
    assert prefill.cancelled()
    assert ran == ["prefill", "user", "another prefill"]


async def test_models_do_not_wait_for_each_other() -> None:
    slots = GenerationSlots()
    inside = asyncio.Event()

    async def hold() -> None:
        async with slots.turn("a", Priority.USER):
            inside.set()
            await asyncio.sleep(10)

    holder = asyncio.create_task(hold())
    await inside.wait()
    async with slots.turn("b", Priority.USER):
        pass
    holder.cancel()
    await asyncio.gather(holder, return_exceptions=True)
    assert not slots.busy("a") and not slots.busy("b")
