"""One candidate's live connection: WebRTC in, the interview conducted over the data channel and the voice track."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

import numpy as np
from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection, RTCSessionDescription
from pydantic import BaseModel

from media_relay.tracks import InterviewerVoice, pump_candidate_audio
from rehearse import channel_messages as msg
from rehearse.config import World
from rehearse.cues import CueEngine
from rehearse.errors import InvalidRequest, InvalidSdp
from rehearse.model import Segment, Session, segment_id_for
from rehearse.phrases import TurnWatch
from rehearse.ports import Hypothesis, RecognitionStream
from rehearse.timeline import AudioTimeline

log = logging.getLogger("rehearse.relay")

DATA_CHANNEL = "rehearse"
PHRASES_PER_CONNECTION = 100_000


def _ice_servers(configured: list[dict]) -> list[RTCIceServer]:
    return [RTCIceServer(urls=s["urls"], username=s.get("username"), credential=s.get("credential")) for s in configured]


class RelaySession:
    def __init__(self, session: Session, world: World, on_closed: Callable[[RelaySession], None]) -> None:
        self.session_id = session.session_id
        self._session = session
        self._world = world
        self._on_closed = on_closed
        self._pc = RTCPeerConnection(RTCConfiguration(iceServers=_ice_servers(world.settings.ice_servers)))
        self._voice = InterviewerVoice()
        self._channel = None
        self._stream: RecognitionStream | None = None
        self._timeline = AudioTimeline()
        self._turn = TurnWatch(world.vad_factory(), world.settings.end_of_turn_silence_s)
        self._listening = False
        self._boundaries: list[tuple[float, int]] = []  # (audio time, question index from then on)
        self._tasks: set[asyncio.Task] = set()
        self._flow = asyncio.Lock()
        self._asking: asyncio.Task | None = None
        self._closed = False
        self._phrase_base = 0
        self._first_index = session.current_question
        self._cues = CueEngine()
        self._answer_words: list[tuple[str, float]] = []  # finals of the current answer: (word, end time)
        self._partial_words: list[tuple[str, float]] = []

    @property
    def voice_frames_sent(self) -> int:
        return self._voice.frames_sent

    # -- signaling -------------------------------------------------------------------------------------------------
    async def accept(self, sdp: str, kind: str) -> RTCSessionDescription:
        if kind != "offer":
            raise InvalidSdp("type must be 'offer'")
        if "m=audio" not in sdp:
            raise InvalidSdp("the offer has no audio m-line: add the microphone track (sendrecv)")
        if "m=application" not in sdp:
            raise InvalidSdp(f"the offer has no data channel: create one labelled {DATA_CHANNEL!r}")
        pc = self._pc
        pc.on("track", self._on_track)
        pc.on("datachannel", self._on_datachannel)
        pc.on("connectionstatechange", self._on_connection_state)
        try:
            await pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type=kind))
            await pc.setLocalDescription(await pc.createAnswer())
        except Exception as exc:  # aiortc raises ValueError, KeyError, ... for broken SDP
            await self.close()
            raise InvalidSdp(f"the SDP offer could not be used: {exc or type(exc).__name__}") from None
        if self._stream is None:
            await self.close()
            raise InvalidSdp("the offer's audio m-line carries no track the relay can receive")
        session = await self._world.sessions.open_connection(self.session_id)
        self._session = session
        self._phrase_base = session.connections * PHRASES_PER_CONNECTION
        self._first_index = session.current_question
        return pc.localDescription

    def _on_track(self, track) -> None:
        if track.kind != "audio" or self._stream is not None:
            return
        self._pc.addTrack(self._voice)
        self._stream = self._world.recognizer.open_stream()
        self._spawn(pump_candidate_audio(track, self._on_pcm))
        self._spawn(self._relay_hypotheses(self._stream))
        self._spawn(self._tick_cues())

    def _on_datachannel(self, channel) -> None:
        if channel.label != DATA_CHANNEL:
            return
        self._channel = channel
        channel.on("message", lambda raw: self._spawn(self._on_message(raw)))

    async def _on_connection_state(self) -> None:
        if self._pc.connectionState in ("failed", "closed"):
            await self.close()

    # -- audio in --------------------------------------------------------------------------------------------------
    def _on_pcm(self, pcm: np.ndarray, received_ms: int) -> None:
        self._timeline.add(pcm.size, received_ms)
        if self._stream is not None:
            self._stream.feed(pcm)
        if self._listening:
            for start in range(0, pcm.size - 319, 320):
                if self._turn.push(pcm[start : start + 320]):
                    self._spawn(self._close_answer("silence"))
                    break

    async def _relay_hypotheses(self, stream: RecognitionStream) -> None:
        async for hyp in stream.results():
            try:
                if hyp.final:
                    await self._announce_final(hyp)
                else:
                    self._announce_partial(hyp)
                self._track_words(hyp)
            except Exception:
                log.exception("session %s: could not relay phrase %s", self.session_id, hyp.phrase_id)

    def _question_for(self, audio_s: float) -> int:
        """The question being answered at that moment of this connection's audio."""
        index = self._first_index
        for at, following in self._boundaries:
            if audio_s < at:
                break
            index = following
        return index

    def _question_id(self, index: int) -> str:
        question = self._session.question_at(min(index, len(self._session.questions) - 1))
        return question.id if question else ""

    def _track_words(self, hyp: Hypothesis) -> None:
        """Keep the current answer's words for the cue rules: finals, plus the phrase being spoken."""
        if self._question_for(hyp.start) != self._session.current_question:
            return
        words = [(w.text, w.end) for w in hyp.words]
        if hyp.final:
            self._answer_words += words
            self._partial_words = []
        else:
            self._partial_words = words
        self._check_cues()

    def _check_cues(self) -> None:
        if not self._listening:
            return
        cue = self._cues.check(self._timeline.seconds, self._answer_words + self._partial_words)
        if cue is not None:
            self._send(msg.CueOut(kind=cue.kind, text=cue.text, question_id=self._question_id(self._session.current_question)))

    async def _tick_cues(self) -> None:
        """Time-based cues (a long answer, a long silence) fire within half a second of their moment."""
        while True:
            await asyncio.sleep(0.5)
            self._check_cues()

    def _announce_partial(self, hyp: Hypothesis) -> None:
        words = [msg.WordOut(w=w.text, start=w.start, end=w.end, conf=w.confidence, heard_ms=self._timeline.received_ms(w.end)) for w in hyp.words]
        self._send(
            msg.PartialOut(
                phrase_id=self._phrase_base + hyp.phrase_id,
                question_id=self._question_id(self._question_for(hyp.start)),
                text=hyp.text,
                words=words,
            )
        )

    async def _announce_final(self, hyp: Hypothesis) -> None:
        phrase_id = self._phrase_base + hyp.phrase_id
        question_id = self._question_id(self._question_for(hyp.start))
        if not hyp.text.strip():
            self._send(msg.PartialOut(phrase_id=phrase_id, question_id=question_id, text="", words=[]))
            return
        sessions = self._world.sessions
        segment = Segment(
            session_id=self.session_id,
            seq=await sessions.next_seq(self.session_id),
            segment_id=segment_id_for(self.session_id, phrase_id),
            question_id=question_id,
            phrase_id=phrase_id,
            text=hyp.text,
            start=hyp.start,
            end=hyp.end,
            confidence=hyp.confidence,
            words=[{"w": w.text, "start": w.start, "end": w.end, "conf": w.confidence} for w in hyp.words],
            fillers=list(hyp.fillers),
            heard_ms=self._timeline.received_ms(hyp.end),
            prosody=hyp.prosody,
        )
        segment = await sessions.record_segment(segment)  # persisted before it is announced
        self._send(msg.final_message(segment))

    # -- the interview ---------------------------------------------------------------------------------------------
    async def _on_message(self, raw) -> None:
        try:
            message = msg.parse_client_message(raw)
        except InvalidRequest as exc:
            self._send(msg.ErrorOut(code=exc.code, message=exc.message))
            return
        if isinstance(message, msg.Ping):
            self._send(msg.PongOut(t=message.t, server_ms=int(time.time() * 1000)))
        elif isinstance(message, msg.Hello):
            await self._resume(message.after_seq)
        elif isinstance(message, msg.Next):
            await self._close_answer("next")
        elif isinstance(message, msg.End):
            await self._close_answer("end")
        elif isinstance(message, msg.Repeat):
            self._ask()

    async def _resume(self, after_seq: int) -> None:
        for segment in await self._world.sessions.transcript(self.session_id):
            if segment.seq > after_seq:
                self._send(msg.final_message(segment))
        self._session = await self._world.sessions.get(self.session_id)
        if self._session.is_ended:
            self._send_ended()
        else:
            self._ask()

    def _ask(self) -> None:
        if self._asking is not None:
            self._asking.cancel()
        self._asking = self._spawn(self._ask_current())

    async def _ask_current(self) -> None:
        session = self._session
        question = session.question_at(session.current_question)
        if question is None:
            return
        total = len(session.questions)
        self._listening = False
        self._send(msg.StateOut(status="asking", question_index=question.index, total=total))
        self._send(msg.QuestionOut(question_id=question.id, index=question.index, total=total, text=question.text))
        try:
            self._voice.hush()
            self._voice.say(await self._world.synthesizer.synthesize(question.text))
            await self._voice.finished()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("session %s: the interviewer could not speak; the question is shown as text", self.session_id)
        self._turn.reset()
        self._cues.start_answer(self._timeline.seconds, question.time_limit_s)
        self._answer_words, self._partial_words = [], []
        self._listening = True
        self._send(msg.StateOut(status="listening", question_index=question.index, total=total))

    async def _close_answer(self, reason: str) -> None:
        async with self._flow:
            session = self._session
            if session.is_ended:
                return
            index = session.current_question
            question_id = self._question_id(index)
            self._listening = False
            self._boundaries.append((self._timeline.seconds, index + 1))
            if self._stream is not None:
                try:  # the answer's last words are persisted and shown before the next question
                    await asyncio.wait_for(self._stream.flush(), timeout=15)
                except TimeoutError:
                    log.warning("session %s: finals of question %s are late; moving on", self.session_id, question_id)
            self._session = await self._world.sessions.close_answer(self.session_id, index, reason)
            self._send(msg.AnswerEndOut(question_id=question_id, reason=reason))
            if self._session.is_ended:
                if self._asking is not None:
                    self._asking.cancel()
                self._voice.hush()
                self._send_ended()
            else:
                self._ask()

    def _send_ended(self) -> None:
        total = len(self._session.questions)
        self._send(msg.StateOut(status="ended", question_index=total, total=total))
        self._send(msg.EndedOut(session_id=self.session_id))

    # -- plumbing --------------------------------------------------------------------------------------------------
    def _send(self, message: BaseModel) -> None:
        channel = self._channel
        if channel is not None and channel.readyState == "open":
            channel.send(message.model_dump_json())

    def _spawn(self, coro) -> asyncio.Task:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.error("session %s: task failed", self.session_id, exc_info=exc)

    async def close(self) -> None:
        """Stop media, then let pending finals be persisted: nothing the candidate said is lost."""
        if self._closed:
            return
        self._closed = True
        self._listening = False
        await self._pc.close()
        if self._stream is not None:
            await self._stream.aclose()
        for task in list(self._tasks):
            if task is not asyncio.current_task() and not task.done():
                if task.get_coro().__name__ == "_relay_hypotheses":
                    await asyncio.wait({task}, timeout=10)
                else:
                    task.cancel()
        self._on_closed(self)
