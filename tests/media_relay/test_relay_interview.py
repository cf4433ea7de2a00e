"""A whole interview over real WebRTC (aiortc client from docs/protocol.md) against the running embedded default."""

import json
import urllib.error
import urllib.request

import pytest

from examples.wav_client import run_interview
from tests.support.audio import ANSWER, answer_wav, recall


@pytest.fixture(scope="module")
async def interview(app_url, tmp_path_factory):
    wav = answer_wav(tmp_path_factory.mktemp("audio") / "answer.wav")
    # the answer keeps playing for 4 s after `ended`: nothing of it may reach the client
    return await run_interview(app_url, str(wav), "software_engineer", 2, timeout_s=120, quiet=True, events=True, linger_s=4.0)


def test_every_question_is_asked_and_the_interview_ends(interview):
    kinds = [m["type"] for m in interview["messages"]]
    questions = [m for m in interview["messages"] if m["type"] == "question"]
    assert [q["index"] for q in questions] == [0, 1]
    assert kinds[-1] == "ended"
    assert [m["reason"] for m in interview["messages"] if m["type"] == "answer_end"] == ["silence", "silence"]
    assert interview["session"]["status"] == "ended"


def test_every_final_of_an_answer_comes_before_its_answer_end_and_nothing_after_ended(interview):
    messages = interview["messages"]
    ends = {m["question_id"]: i for i, m in enumerate(messages) if m["type"] == "answer_end"}
    finals = [(i, m) for i, m in enumerate(messages) if m["type"] == "transcript" and m["final"]]
    assert finals and all(i < ends[m["question_id"]] for i, m in finals)
    ended = next(i for i, m in enumerate(messages) if m["type"] == "ended")
    assert messages[ended - 1]["type"] == "state" and messages[ended - 1]["status"] == "ended"
    assert messages[ended - 1]["question_index"] == messages[ended - 1]["total"] == 2  # past the last question
    assert len(messages) == ended + 1  # not a partial, final, cue or ping after it, though the answer played on


def test_listening_follows_each_question_and_the_relays_pings_are_whole_milliseconds(interview):
    messages = interview["messages"]
    for question in (m for m in messages if m["type"] == "question"):
        after = messages[messages.index(question) + 1 :]
        state = next(m for m in after if m["type"] == "state")
        assert (state["status"], state["question_index"]) == ("listening", question["index"])
    assert all(isinstance(m["t"], int) for m in messages if m["type"] == "ping")


def test_each_answer_completed_is_followed_by_its_score_on_the_pub_sub(interview):
    events = interview["events"]
    for question_id in ("swe-01", "swe-02"):
        completed = next(i for i, e in enumerate(events) if e["type"] == "answer.completed" and e["question_id"] == question_id)
        scored = next(i for i, e in enumerate(events) if e["type"] == "answer.scored" and e["question_id"] == question_id)
        assert completed < scored and events[completed]["segment_ids"]


def test_each_answer_is_transcribed_accurately(interview):
    finals = [m for m in interview["messages"] if m["type"] == "transcript" and m["final"]]
    for question_id in ("swe-01", "swe-02"):
        heard = " ".join(m["text"] for m in finals if m["question_id"] == question_id)
        assert recall(ANSWER, heard) >= 0.8, (question_id, heard)


def test_partials_stream_before_each_final(interview):
    messages = interview["messages"]
    for final in (m for m in messages if m["type"] == "transcript" and m["final"]):
        partials = [m for m in messages[: messages.index(final)] if m["type"] == "transcript" and not m["final"] and m["phrase_id"] == final["phrase_id"]]
        assert partials, final["text"]
        assert all(w["heard_ms"] > 0 for p in partials for w in p["words"])


def test_persisted_transcript_is_what_was_announced(interview):
    announced = [m for m in interview["messages"] if m["type"] == "transcript" and m["final"]]
    stored = interview["session"]["transcript"]
    assert [(s["seq"], s["text"]) for s in stored] == [(m["seq"], m["text"]) for m in announced]
    assert [s["seq"] for s in stored] == list(range(1, len(stored) + 1))
    assert all(w["conf"] > 0 and w["end"] >= w["start"] for s in stored for w in s["words"])


def test_interviewer_voice_reaches_the_client(interview):
    assert interview["voice_frames"] > 100  # more than two seconds of 20 ms frames


def test_offer_to_an_ended_session_is_a_conflict(app_url, interview, tmp_path):
    token = interview["token"]
    request = urllib.request.Request(
        f"{app_url}/api/sessions/{interview['session']['session_id']}/offer",
        data=json.dumps({"sdp": "v=0\r\n", "type": "offer"}).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(request, timeout=10)
    assert err.value.code == 409 and json.loads(err.value.read())["error"]["code"] == "session_ended"


async def test_a_long_silence_after_the_question_gets_an_instant_cue(app_url, tmp_path):
    wav = answer_wav(tmp_path / "late.wav", lead_s=14.0)  # the question takes ~4 s; then 10 s of silence
    result = await run_interview(app_url, str(wav), "customer_success", 1, timeout_s=120, quiet=True)
    messages = result["messages"]
    listening = next(m for m in messages if m["type"] == "state" and m["status"] == "listening")
    cue = next(m for m in messages if m["type"] == "cue")
    assert cue["kind"] == "take_a_moment" and cue["text"]
    assert 7_500 <= cue["received_ms"] - listening["received_ms"] <= 10_000  # due at 8 s, shown within a second or so
    assert [m["kind"] for m in messages if m["type"] == "cue"].count("take_a_moment") == 1
