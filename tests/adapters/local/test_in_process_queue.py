import asyncio

from rehearse.adapters.local.in_process_queue import PENDING, POISON, InProcessQueue
from rehearse.adapters.local.sqlite_store import SqliteStore


async def test_messages_reach_their_handler_as_copies():
    queue = InProcessQueue()
    got = []

    async def handler(message):
        message["touched"] = True
        got.append(message)

    queue.subscribe("answer-completed", handler)
    sent = {"session_id": "s1", "n": 1}
    await queue.send("answer-completed", sent)
    await queue.drain(5)
    assert got == [{"session_id": "s1", "n": 1, "touched": True}]
    assert "touched" not in sent


async def test_a_failing_handler_gets_the_message_again():
    queue = InProcessQueue(backoff_s=0.01)
    attempts = []

    async def flaky(message):
        attempts.append(message["n"])
        if len(attempts) < 3:
            raise RuntimeError("store briefly unavailable")

    queue.subscribe("q", flaky)
    await queue.send("q", {"session_id": "s1", "n": 7})
    await queue.drain(5)
    assert attempts == [7, 7, 7]
    assert queue.poisoned == {}


async def test_a_message_that_keeps_failing_lands_in_the_poison_queue_with_its_reason(tmp_path):
    store = SqliteStore(tmp_path / "db.sqlite3")
    queue = InProcessQueue(max_dequeue=3, backoff_s=0.01, store=store)

    async def broken(message):
        raise ValueError("no such question")

    queue.subscribe("answer-scored", broken)
    await queue.send("answer-scored", {"session_id": "s9", "question_id": "q1"})
    await queue.drain(5)
    [entry] = queue.poisoned["answer-scored-poison"]
    assert entry["reason"] == "ValueError: no such question" and entry["dequeue_count"] == 3
    [stored] = await store.list(POISON, "s9")
    assert stored["message"] == {"session_id": "s9", "question_id": "q1"}


async def test_messages_sent_before_a_handler_subscribes_are_kept():
    queue = InProcessQueue()
    got = []
    await queue.send("later", {"session_id": "s1"})

    async def handler(message):
        got.append(message)

    queue.subscribe("later", handler)
    await queue.drain(5)
    assert got == [{"session_id": "s1"}]


async def test_drain_waits_for_messages_sent_by_handlers():
    queue = InProcessQueue()
    order = []

    async def first(message):
        order.append("first")
        await queue.send("second", message)

    async def second(message):
        order.append("second")

    queue.subscribe("first", first)
    queue.subscribe("second", second)
    await queue.send("first", {"session_id": "s"})
    await queue.drain(5)
    assert order == ["first", "second"]
    await queue.close()


async def test_messages_a_killed_process_left_are_delivered_by_the_next(tmp_path):
    store = SqliteStore(tmp_path / "db.sqlite3")
    crashed = InProcessQueue(store=store)  # sends, then dies before any handler ran
    await crashed.send("answer-completed", {"session_id": "s1", "question_id": "q1"})
    got = []

    async def handler(message):
        got.append(message)

    restarted = InProcessQueue(store=store)
    restarted.subscribe("answer-completed", handler)
    await restarted.send("answer-completed", {"session_id": "s1", "question_id": "q2"})
    await asyncio.sleep(0.05)
    await restarted.drain(5)
    assert sorted(m["question_id"] for m in got) == ["q1", "q2"]  # each once: its own message is not "left over"
    assert await store.list(PENDING, "pending") == []
    await restarted.close()
    await store.close()
