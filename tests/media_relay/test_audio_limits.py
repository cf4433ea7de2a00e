"""The relay refuses media beyond the audio quotas and tells the page why, over real WebRTC against the embedded
default: an answer past its limit closes and the interview moves on; an interview past its limit ends; the transcript
heard before stays."""

from __future__ import annotations

import time

import aiohttp
import pytest

from rehearse.adapters.local.sqlite_store import SqliteStore
from rehearse.app.quotas import QUOTAS
from tests.support.audio import answer_wav
from tests.support.live_interview import create_session, interview
from tests.support.server import running_app


@pytest.fixture(scope="module")
def limited_app(tmp_path_factory, artifacts):
    data_dir = tmp_path_factory.mktemp("limited")
    env = {"REHEARSE_QUOTA_ANSWER_AUDIO_S": "10", "REHEARSE_QUOTA_INTERVIEW_AUDIO_S": "60", "REHEARSE_PRELOAD_MODELS": "false"}
    with running_app(data_dir, artifacts / "server-audio-limits.log", **env) as (base, _proc):
        yield base, data_dir


@pytest.fixture(scope="module")
def long_answer(tmp_path_factory):
    # longer than 10 s of audio from the moment the question is shown, with no pause that ends the turn before it
    text = "I led the migration of our billing system to a new platform and I planned every step with the team " * 2
    return str(answer_wav(tmp_path_factory.mktemp("audio") / "long.wav", text=text, tail_s=1.0))


async def test_an_answer_past_its_limit_is_closed_and_the_page_told_why(limited_app, long_answer):
    base, _ = limited_app
    async with aiohttp.ClientSession() as http:
        status, session, _ = await create_session(http, base, questions=2)
    assert status == 201
    messages = await interview(base, session, long_answer)
    limits = [m for m in messages if m["type"] == "limit"]
    assert [m["limit"] for m in limits] == ["answer_audio_s", "answer_audio_s"]
    assert limits[0]["seconds"] == 10 and "moves on" in limits[0]["message"]
    first_limit = messages.index(limits[0])
    assert any(m["type"] == "answer_end" for m in messages[first_limit:])  # the answer closed on the limit
    assert [m["index"] for m in messages if m["type"] == "question"] == [0, 1]
    finals = [m for m in messages if m["type"] == "transcript" and m.get("final") and m["text"].strip()]
    assert finals, "the words heard before the limit are kept"


async def test_an_interview_past_its_limit_ends_counting_earlier_connections(limited_app, long_answer):
    base, data_dir = limited_app
    async with aiohttp.ClientSession() as http:
        _, session, _ = await create_session(http, base, questions=3)
    # 56 s streamed on earlier connections (the Store's counter, shared by every relay): 4 s are left
    store = SqliteStore(data_dir / "rehearse.sqlite3")
    await store.increment(QUOTAS, session["session_id"], "audio", 56.0, time.time() + 3600)
    await store.close()
    messages = await interview(base, session, long_answer)
    limits = [m for m in messages if m["type"] == "limit"]
    assert [m["limit"] for m in limits] == ["interview_audio_s"] and "ends here" in limits[0]["message"]
    assert messages[-1]["type"] == "ended"
    assert [m["index"] for m in messages if m["type"] == "question"] == [0]  # it ended on the first question
