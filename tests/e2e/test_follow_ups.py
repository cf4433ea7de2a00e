"""Follow-up questions over real WebRTC, as a candidate meets them: an answer that leaves a key point out gets one
follow-up on it, read aloud and shown under the question; its answer belongs to the same question; the answer closes
after it, with the follow-up kept with the session and the answer. A connection lost after the follow-up was asked
shows it again on reconnect, once, and never asks a second one."""

from __future__ import annotations

import asyncio

import pytest

from rehearse.domain.question_bank import default_bank
from tests.faults.client import FaultClient, spoken, until
from tests.support.server import running_app

BODY = {"role": "software_engineer", "question_count": 1, "max_follow_ups": 1}
# "Tell me a little about yourself and what drew you to software engineering.": role, stack and motivation, but no
# project and nothing about this company.
ANSWER = [
    "Right now I am a backend engineer on the payments team, and I own the services that handle refunds.",
    "Day to day I work mostly in Go and Postgres, and everything runs on Kubernetes.",
    "I got into software because I liked building things that people use every day.",
]
FOLLOW_UP_ANSWER = [
    "Last year I rewrote our refund service, and refunds now take one day instead of five.",
    "About two hundred support tickets a month went away.",
]


def _probes() -> dict[str, list[str]]:
    question = next(q for role in default_bank().roles() for q in role.questions if q.id == "swe-01")
    return question.probes


async def _interview(base: str, drop_after_follow_up: bool) -> FaultClient:
    client = FaultClient(base, [spoken(ANSWER, gap_s=0.4)], follow_up_answers={0: spoken(FOLLOW_UP_ANSWER, gap_s=0.4)})
    run = asyncio.ensure_future(client.run(BODY, timeout_s=150))
    if drop_after_follow_up:
        await until(lambda: client.of_type("follow_up"), 90, "a follow-up")
        client._drop_connection()  # the link goes before the follow-up is answered
    await run
    return client


@pytest.fixture(scope="module")
def app(tmp_path_factory, artifacts):
    with running_app(tmp_path_factory.mktemp("follow-ups"), artifacts / "server-follow-ups.log") as (base, _proc):
        yield base


@pytest.fixture(scope="module")
async def asked(app) -> FaultClient:
    return await _interview(app, drop_after_follow_up=False)


@pytest.fixture(scope="module")
async def resumed(app) -> FaultClient:
    return await _interview(app, drop_after_follow_up=True)


def _sequence(client: FaultClient) -> list[str]:
    """The candidate's view, in order: finals (by question), follow-ups, answer ends."""
    out = []
    for r in client.received:
        m = r.message
        if m["type"] == "transcript" and m["final"]:
            out.append(f"final:{m['question_id']}:{m['seq']}")
        elif m["type"] in ("follow_up", "answer_end"):
            out.append(f"{m['type']}:{m['question_id']}")
    return out


async def test_a_missing_key_point_gets_one_follow_up_from_the_bank(asked):
    [follow_up] = [r.message for r in asked.of_type("follow_up")]
    assert follow_up["question_id"] == "swe-01" and follow_up["n"] == 1 and follow_up["index"] == 0
    probes = [p for texts in _probes().values() for p in texts]
    assert follow_up["text"] in probes, follow_up
    stored = await asked.stored()
    [kept] = stored["follow_ups"]
    assert kept["text"] == follow_up["text"] and kept["targets"].startswith("key_point:")
    point = kept["targets"].removeprefix("key_point:")
    assert point in ("highlights one or two projects with clear impact", "connects motivation to the work at this company")


async def test_the_follow_up_and_its_answer_belong_to_the_question(asked):
    order = _sequence(asked)
    at = order.index("follow_up:swe-01")
    before, after = order[:at], order[at + 1 :]
    assert before and all(x.startswith("final:swe-01") for x in before)
    assert after[-1] == "answer_end:swe-01" and order.count("answer_end:swe-01") == 1
    assert any(x.startswith("final:swe-01") for x in after[:-1])  # the follow-up's answer, under the same question
    [follow_up] = [r.message for r in asked.of_type("follow_up")]
    assert follow_up["after_seq"] == max(int(x.split(":")[2]) for x in before)


async def test_a_lost_connection_shows_the_follow_up_again_once_and_asks_no_second(resumed):
    assert resumed.connections >= 2
    shown = [(r.message["n"], r.connection) for r in resumed.of_type("follow_up")]
    assert {n for n, _ in shown} == {1}  # never a second follow-up
    assert len({c for _, c in shown}) == len(shown)  # at most once per connection
    stored = await resumed.stored()
    assert [f["n"] for f in stored["follow_ups"]] == [1]
    ends = [r.message for r in resumed.of_type("answer_end")]
    assert [e["question_id"] for e in ends] == ["swe-01"]
    texts = " ".join(f["text"] for f in resumed.finals).lower()
    assert "refund service" in texts or "refunds now take" in texts  # the follow-up was answered after the resume
