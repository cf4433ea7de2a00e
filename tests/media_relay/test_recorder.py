"""AnswerRecorder: one answer's audio becomes a WAV blob that grows while the answer goes on, and maps back to segments."""

import asyncio
import io
import time
import wave
from pathlib import Path

import aiohttp
import numpy as np
import pytest

from examples.wav_client import run_interview
from media_relay.recorder import RATE, AnswerRecorder
from rehearse.adapters.local.folder_blobs import FolderBlobs
from rehearse.adapters.local.sqlite_store import SqliteStore
from rehearse.app.sessions import RECORDINGS, Sessions
from rehearse.domain.model import PHRASES_PER_CONNECTION, Recording, Segment, place_in_recording, recording_name
from rehearse.domain.question_bank import default_bank
from tests.support.audio import answer_wav
from tests.support.server import running_app

CHUNK = 320  # 20 ms, as the relay hands audio over


def recording(start: float = 3.5, question_id: str = "q1", connection: int = 1) -> Recording:
    return Recording(session_id="s_test", name=recording_name(question_id, connection), question_id=question_id, connection=connection, start=start)


def speech_like(seconds: float, seed: int = 1) -> np.ndarray:
    return (np.random.default_rng(seed).normal(0, 3000, int(seconds * RATE))).astype(np.int16)


def feed(recorder: AnswerRecorder, pcm: np.ndarray) -> None:
    for at in range(0, pcm.size, CHUNK):
        recorder.feed(pcm[at : at + CHUNK])


def read_wav(data: bytes) -> tuple:
    with wave.open(io.BytesIO(data)) as w:
        return w.getparams(), np.frombuffer(w.readframes(w.getnframes()), np.int16)


class SlowBlobs(FolderBlobs):
    """A real folder, slow to write: writes that overlapped would show up as out-of-order lengths."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.lengths: list[int] = []

    async def put(self, container: str, name: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        await asyncio.sleep(0.05)
        await super().put(container, name, data, content_type)
        self.lengths.append(len(data))


@pytest.fixture
def blobs(tmp_path) -> FolderBlobs:
    return FolderBlobs(tmp_path / "blobs")


async def test_the_wav_holds_exactly_the_audio_fed(blobs):
    pcm = speech_like(2.02)
    recorder = AnswerRecorder(blobs, recording())
    feed(recorder, pcm)
    written = await recorder.stop()
    params, frames = read_wav(await blobs.get(RECORDINGS, "s_test/q1-1.wav"))
    assert (params.nchannels, params.sampwidth, params.framerate) == (1, 2, 16000)
    assert np.array_equal(frames, pcm)
    assert written is not None and written.duration == pytest.approx(2.02) and written.start == 3.5


async def test_a_long_answer_is_written_while_it_goes_on(tmp_path):
    blobs = SlowBlobs(tmp_path / "blobs")
    saved: list[float] = []

    async def keep(rec: Recording) -> None:
        saved.append(rec.duration)

    recorder = AnswerRecorder(blobs, recording(), saved=keep, flush_every_s=0.5)
    pcm = speech_like(2.0)
    for second in range(4):  # half a second at a time, as the relay hears it, giving the writes time to run
        feed(recorder, pcm[second * RATE // 2 : (second + 1) * RATE // 2])
        await asyncio.sleep(0.15)
    before_stop = await blobs.get(RECORDINGS, "s_test/q1-1.wav")
    assert before_stop is not None and read_wav(before_stop)[0].nframes >= RATE  # a crash now keeps at least a second
    assert saved and saved[-1] >= 1.0
    feed(recorder, speech_like(0.3, seed=2))
    final = await recorder.stop()
    assert final is not None and final.duration == pytest.approx(2.3)
    assert blobs.lengths == sorted(blobs.lengths) and len(blobs.lengths) >= 4  # never overlapping, never shrinking
    assert saved[-1] == pytest.approx(2.3)
    assert read_wav(await blobs.get(RECORDINGS, "s_test/q1-1.wav"))[0].nframes == int(2.3 * RATE)


async def test_stopping_during_a_write_still_writes_the_end(tmp_path):
    blobs = SlowBlobs(tmp_path / "blobs")
    recorder = AnswerRecorder(blobs, recording(), flush_every_s=0.1)
    feed(recorder, speech_like(0.2))  # starts a write that takes 50 ms
    feed(recorder, speech_like(0.4, seed=3))
    final = await recorder.stop()
    assert final is not None and final.duration == pytest.approx(0.6)
    assert read_wav(await blobs.get(RECORDINGS, "s_test/q1-1.wav"))[0].nframes == int(0.6 * RATE)


async def test_audio_after_stop_is_not_kept(blobs):
    recorder = AnswerRecorder(blobs, recording())
    feed(recorder, speech_like(0.4))
    task = recorder.stop()
    feed(recorder, speech_like(1.0, seed=4))
    assert recorder.stop() is task
    assert (await task).duration == pytest.approx(0.4)


async def test_an_answer_without_audio_writes_nothing(blobs, tmp_path):
    assert await AnswerRecorder(blobs, recording()).stop() is None
    assert not (tmp_path / "blobs").exists()


async def test_a_failed_write_does_not_stop_the_interview(tmp_path, caplog):
    (tmp_path / "blobs").write_text("a file where the folder should be")
    recorder = AnswerRecorder(FolderBlobs(tmp_path / "blobs"), recording())
    feed(recorder, speech_like(0.2))
    assert await recorder.stop() is None
    assert "could not write recording q1-1.wav" in caplog.text


async def test_feeding_is_cheap_on_the_event_loop(blobs):
    pcm = speech_like(240.0)  # a four-minute answer
    recorder = AnswerRecorder(blobs, recording())
    began = time.perf_counter()
    feed(recorder, pcm)
    per_chunk_us = (time.perf_counter() - began) / (pcm.size / CHUNK) * 1e6
    assert per_chunk_us < 50, per_chunk_us  # measured about 1 µs: no copy of the answer so far per 20 ms
    began = time.perf_counter()
    final = await recorder.stop()
    assert final is not None and final.duration == pytest.approx(240.0)
    assert time.perf_counter() - began < 2.0


async def test_recordings_are_kept_as_session_documents(tmp_path):
    sessions = Sessions(SqliteStore(tmp_path / "store.sqlite3"), default_bank())
    blobs = FolderBlobs(tmp_path / "blobs")
    first = AnswerRecorder(blobs, recording(start=9.0, question_id="q2"), saved=sessions.save_recording)
    second = AnswerRecorder(blobs, recording(start=2.0), saved=sessions.save_recording)
    feed(first, speech_like(0.5))
    feed(second, speech_like(0.7))
    await asyncio.gather(first.stop(), second.stop())
    stored = await sessions.recordings("s_test")
    assert [(r.name, r.start, r.duration) for r in stored] == [("q1-1.wav", 2.0, 0.7), ("q2-1.wav", 9.0, 0.5)]


def segment(start: float, end: float, connection: int = 1, question_id: str = "q1") -> Segment:
    phrase_id = connection * PHRASES_PER_CONNECTION + 3
    return Segment(session_id="s_test", seq=1, segment_id="x", question_id=question_id, phrase_id=phrase_id, text="hi", start=start, end=end, confidence=0.9)


@pytest.mark.parametrize(
    ("seg", "expected"),
    [
        (segment(12.4, 14.1), ("q1-1.wav", 2.4)),  # seconds of the connection's audio minus the recording's start
        (segment(9.5, 11.0), ("q1-1.wav", 0.0)),  # begun while the question was asked: heard from the start
        (segment(8.0, 9.9), None),  # over before the relay listened
        (segment(12.4, 14.1, connection=2), ("q1-2.wav", 11.4)),  # another connection's clock
        (segment(12.4, 14.1, question_id="q2"), None),
        (segment(31.0, 32.0), None),  # after the recording ended
    ],
)
def test_a_segment_maps_to_its_place_in_a_recording(seg, expected):
    recordings = [
        recording(start=10.0).model_copy(update={"duration": 20.0}),
        recording(start=1.0, connection=2).model_copy(update={"duration": 20.0}),
    ]
    place = place_in_recording(seg, recordings)
    got = (place[0].name, place[1]) if place else None
    assert got == expected


# -- in the relay, over real WebRTC ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def relay_app(tmp_path_factory):
    """An app of its own: the test looks into its data folder for what was, and was not, written."""
    data_dir = tmp_path_factory.mktemp("recording-relay")
    with running_app(data_dir, data_dir / "server.log") as (base, _proc):
        yield base, data_dir


@pytest.fixture(scope="module")
async def interviews(relay_app, tmp_path_factory):
    """The same spoken answer with and without consent, at the same time. The speech starts after the question is
    asked, so the recording begins with silence and the first line's offset can be checked against it."""
    base, _ = relay_app
    wav = str(answer_wav(tmp_path_factory.mktemp("audio") / "answer.wav", lead_s=7.5))
    consented, refused = await asyncio.gather(
        run_interview(base, wav, "software_engineer", 1, timeout_s=90, quiet=True, record_audio=True),
        run_interview(base, wav, "software_engineer", 1, timeout_s=90, quiet=True),
    )
    return consented, refused


def rms(pcm: np.ndarray) -> float:
    return float(np.sqrt(np.mean(pcm.astype(np.float64) ** 2))) if pcm.size else 0.0


async def test_with_consent_the_answer_is_recorded_and_each_line_points_at_its_speech(relay_app, interviews):
    base, _ = relay_app
    result = interviews[0]
    session = result["session"]
    assert session["record_audio"] is True
    [listed] = session["recordings"]
    assert listed["question_id"] == "swe-01" and listed["name"] == "swe-01-1.wav"
    async with aiohttp.ClientSession() as http, http.get(base + listed["url"], params={"token": result["token"]}) as r:
        assert r.status == 200 and r.headers["Content-Type"] == "audio/wav"
        params, audio = read_wav(await r.read())
    assert params.framerate == RATE and params.nframes / RATE == pytest.approx(listed["duration"], abs=0.001)
    lines = [s for s in session["transcript"] if s["question_id"] == "swe-01"]
    assert lines and all(s["recording"] == listed["name"] for s in lines)
    # from listening to the close: the answer's last word, then the 3 s of silence that closed it (connection audio time)
    assert listed["start"] + listed["duration"] == pytest.approx(lines[-1]["end"] + 3.0, abs=0.5)
    first = lines[0]["offset"]
    assert first >= 1.5, lines[0]  # the candidate began about 3 s after the relay started listening
    silence = rms(audio[: int((first - 1.0) * RATE)])
    for line in lines:
        at = int(line["offset"] * RATE)
        heard = rms(audio[at : at + int(min(1.0, line["end"] - line["start"]) * RATE)])
        assert heard > max(300.0, 10 * silence), (line["text"], line["offset"], heard, silence)
    at = int(first * RATE)
    assert rms(audio[at - int(0.8 * RATE) : at - int(0.3 * RATE)]) < 0.1 * rms(audio[at : at + RATE])  # the onset, not just speech


async def test_without_consent_nothing_is_recorded(relay_app, interviews):
    _, data_dir = relay_app
    session = interviews[1]["session"]
    assert session["record_audio"] is False and session["recordings"] == []
    assert session["transcript"] and all(s["recording"] is None for s in session["transcript"])
    written = sorted(p.relative_to(data_dir / "blobs" / "recordings").as_posix() for p in (data_dir / "blobs" / "recordings").rglob("*"))
    assert written == [interviews[0]["session"]["session_id"], f"{interviews[0]['session']['session_id']}/swe-01-1.wav"]
