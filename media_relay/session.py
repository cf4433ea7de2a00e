"""One candidate's live connection: aiortc glue between WebRTC and the interview conductor.

Audio comes in as frames for a list of stages; recognition, the page's messages, timers and the link watchdog become
conductor events (rehearse/interview/conductor.py); the conductor's actions become data-channel messages, the
interviewer's voice, recordings and persisted answers. No interview logic lives here."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from functools import partial

from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection, RTCSessionDescription
from pydantic import BaseModel

from media_relay import jitter
from media_relay.audio_limit import AudioLimit
from media_relay.frames import AudioFanOut, AudioTail, Frame
from media_relay.ownership import Ownership
from media_relay.recorder import AnswerRecorder
from media_relay.tracks import InterviewerVoice, pump_candidate_audio
from rehearse import tracing
from rehearse.app import follow_ups
from rehearse.app.live_cues import cue_engine_for
from rehearse.app.sessions import TranscriptWriter
from rehearse.app.world import World
from rehearse.domain.errors import InvalidRequest, InvalidSdp
from rehearse.domain.lease import LeaseLost
from rehearse.domain.model import PHRASES_PER_CONNECTION, Recording, Segment, Session, recording_name, segment_id_for
from rehearse.interview import channel_messages as msg
from rehearse.interview import conductor as flow
from rehearse.interview.audio_allowance import AudioAllowance, Refusal
from rehearse.interview.barge_in import BargeIn
from rehearse.interview.end_of_turn import AskModel, EndTurn, SemanticTurn, TurnThresholds
from rehearse.interview.link_quality import PARTIAL_GAP_WHEN_POOR_S, LinkState, LinkWatch
from rehearse.interview.timeline import AudioTimeline
from rehearse.interview.turn_text import text_verdict, trusted_text
from rehearse.ports import Hypothesis, RecognitionStream

log = logging.getLogger("rehearse.relay")

DATA_CHANNEL = "rehearse"
PHRASE_END_SLACK_S = 0.3  # a final whose phrase ended this long before the last voiced frame is about an older pause


def _ice_servers(configured: list[dict]) -> list[RTCIceServer]:
    return [RTCIceServer(urls=s["urls"], username=s.get("username"), credential=s.get("credential")) for s in configured]


class RelaySession:
    def __init__(self, session: Session, world: World, on_closed: Callable[[RelaySession], None], replica: str = "relay") -> None:
        self.session_id = session.session_id
        self._world = world
        # the session's lease across replicas: taken in accept(), checked before every write (media_relay/ownership.py)
        self._ownership = Ownership(world.store, session.session_id, replica, on_lost=lambda: self._spawn(self.close()))
        self._on_closed = on_closed
        self._pc = RTCPeerConnection(RTCConfiguration(iceServers=_ice_servers(world.settings.ice_servers_for(f"relay-{session.session_id}"))))
        self._voice = InterviewerVoice()
        self._conductor = flow.InterviewConductor(session, cues=cue_engine_for(session.role))
        self._channel = None
        self._stream: RecognitionStream | None = None
        self._timeline = AudioTimeline()
        self._turn = SemanticTurn(TurnThresholds.from_settings(world.settings))
        self._tail = AudioTail(8.0)  # what the end-of-turn model hears
        self._barge_in = BargeIn()
        self._limit: AudioLimit | None = None  # from accept() on: the session's audio quotas
        self._audio = AudioFanOut(world.vad_factory(), [self._meter, self._hear, self._recognize, self._record, self._detect_turn, self._detect_barge_in])
        self._tasks: set[asyncio.Task] = set()
        self._hypotheses: asyncio.Task | None = None  # on close, it runs to its end: the last finals are persisted
        self._speaking: list[asyncio.Task] = []  # what the interviewer is saying, and what is queued after it
        self._closed = False
        self._close_done = asyncio.Event()
        self._phrase_base = 0
        self._delivery = asyncio.Lock()  # a replay of missed finals and a live final never interleave
        self._finals_sent: set[int] = set()
        self._link = LinkWatch(time.monotonic())  # the relay's own view, from its pings and what it hears
        self._page_link = LinkState.GOOD  # what the page last said about the link
        self._last_partial_s = 0.0
        self._voice_began_ms: int | None = None  # wall clock at which the current run of the candidate's voice arrived
        self._last_voiced_ms: int | None = None  # ... and its latest voiced frame
        self._last_voiced_s = 0.0  # the latest voiced frame's audio time (the recognizer's clock)
        self._turn_ended_after_voice_ms: int | None = None  # set by a turn end, taken by what is said next
        self._recorder: AnswerRecorder | None = None  # the answer being recorded, with the candidate's consent
        self._writer: TranscriptWriter | None = None  # this connection's finals, from its first write on (_may_write)

    @property
    def voice_frames_sent(self) -> int:
        return self._voice.frames_sent

    # -- signaling (the offer was checked by signaling.check_offer before this connection was made) ---------------
    async def accept(self, sdp: str, kind: str) -> RTCSessionDescription:
        self._trace = tracing.current_context()  # the offer's span (in the page's trace): this connection's spans go under it
        pc = self._pc
        pc.on("track", self._on_track)
        pc.on("datachannel", self._on_datachannel)
        pc.on("connectionstatechange", self._on_connection_state)
        try:
            await pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type=kind))
            await pc.setLocalDescription(await pc.createAnswer())
        except Exception as exc:  # aiortc raises ValueError, KeyError, ... for broken SDP
            detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            try:
                await self.close()
            except Exception:  # aiortc may fail to tear down what a broken offer half set up; the client still gets its 400
                log.warning("session %s: closing after a refused offer failed", self.session_id, exc_info=True)
            raise InvalidSdp(f"the SDP offer could not be used ({detail}): send the offer exactly as createOffer() made it") from None
        if self._stream is None:
            await self.close()
            raise InvalidSdp("the offer's audio m-line carries no track the relay can receive")
        await self._ownership.take()  # another replica's connection to this session, if any, stops writing and closes
        self._spawn(self._ownership.keep())
        session = await self._world.sessions.open_connection(self.session_id)
        quotas = self._world.quotas
        allowance = AudioAllowance(quotas.limits.answer_audio_s, quotas.limits.interview_audio_s, await quotas.audio_used_s(self.session_id))
        self._limit = AudioLimit(allowance, partial(quotas.add_audio, self.session_id), self._refuse, self._spawn)
        self._phrase_base = session.connections * PHRASES_PER_CONNECTION
        self._conductor = flow.InterviewConductor(session, cues=cue_engine_for(session.role))
        if (current := session.question_at(session.current_question)) is not None:  # ready by the time the page says hello
            self._spawn(self._prepare((current.text,)))
        return pc.localDescription

    def _on_track(self, track) -> None:
        if track.kind != "audio" or self._stream is not None:
            return
        self._pc.addTrack(self._voice)
        for receiver in self._pc.getReceivers():  # a lost packet must cost 20 ms of audio, not half a second
            if receiver.track is track:
                jitter.use_for(receiver)
        self._stream = self._world.recognizer.open_stream()
        self._spawn(pump_candidate_audio(track, self._audio.push))
        self._hypotheses = self._spawn(self._relay_hypotheses(self._stream))
        self._spawn(self._tick())

    def _on_datachannel(self, channel) -> None:
        if channel.label != DATA_CHANNEL:
            return
        self._channel = channel
        channel.on("message", lambda raw: self._spawn(self._on_message(raw)))
        self._spawn(self._watch_link())

    async def _on_connection_state(self) -> None:
        if self._pc.connectionState in ("failed", "closed"):
            await self.close()

    # -- audio stages: each frame once, with one voice-activity decision ------------------------------------------
    def _hear(self, frame: Frame) -> None:
        self._link.heard(time.monotonic())
        self._timeline.add(frame.pcm.size, frame.received_ms)
        if frame.voiced:
            self._last_voiced_s = self._timeline.seconds
            if self._last_voiced_ms is None or frame.received_ms - self._last_voiced_ms > 60:
                self._voice_began_ms = frame.received_ms  # a new run of voice (gaps of a few frames belong to it)
            self._last_voiced_ms = frame.received_ms

    def _meter(self, frame: Frame) -> None:
        if self._limit is not None:
            self._limit(frame)

    def _refuse(self, refusal: Refusal) -> None:
        """A limit was passed: the page hears why, and the answer closes (or the interview ends) on the audio so far."""
        limits = self._world.quotas.limits
        seconds = limits.answer_audio_s if refusal == "answer" else limits.interview_audio_s
        log.info("session %s: the %s's audio limit of %d s was reached", self.session_id, refusal, seconds)
        self._send(msg.limit_message(refusal, seconds))
        self._dispatch(flow.Control("next" if refusal == "answer" else "end", self._timeline.seconds))

    def _refusing(self) -> bool:
        return self._limit is not None and self._limit.refusing

    def _recognize(self, frame: Frame) -> None:
        if self._stream is not None and not self._refusing():
            self._stream.feed(frame.pcm, (frame.voiced,))

    def _record(self, frame: Frame) -> None:
        if self._recorder is not None and not self._refusing():
            self._recorder.feed(frame.pcm)

    def _detect_turn(self, frame: Frame) -> None:
        self._tail.push(frame)
        if not self._conductor.listening:
            return
        match self._turn.push(frame.voiced):
            case EndTurn(reason=reason):
                self._end_turn(reason)
            case AskModel(frame=asked):
                self._spawn(self._ask_turn_model(asked, self._tail.pcm()))

    async def _ask_turn_model(self, asked: int, pcm) -> None:
        """Does the answer sound finished? Off the event loop; the silence limit ends the turn if this fails."""
        model = self._world.turn_model
        if model is None:
            return
        try:
            probability = await asyncio.to_thread(model.complete_probability, pcm)
        except Exception:
            log.warning("session %s: the end-of-turn model failed; silence ends the answer", self.session_id, exc_info=True)
            return
        if self._conductor.listening and self._turn.model_said(probability, asked):
            self._end_turn(f"sounds finished, p={probability:.2f}")

    def _read_turn(self, hyp: Hypothesis) -> None:
        """A final for the phrase that ended at the candidate's last voice is the end-of-turn rule's second opinion."""
        if not self._conductor.listening or hyp.end < self._last_voiced_s - PHRASE_END_SLACK_S:
            return
        text = trusted_text([(w.w, w.conf) for w in hyp.words])
        since = int(time.time() * 1000) - self._last_voiced_ms if self._last_voiced_ms is not None else -1
        log.info("session %s: the pause's transcript reads %s, %d ms after the last voiced frame arrived", self.session_id, text_verdict(text), since)
        if self._turn.heard(text):
            self._end_turn(f"reads finished: {text[-40:]!r}")

    def _end_turn(self, why: str) -> None:
        """The candidate's turn is over; the log line carries the relay's share of the end-of-turn time."""
        since = int(time.time() * 1000) - self._last_voiced_ms if self._last_voiced_ms is not None else -1
        log.info("session %s: turn ended (%s) %d ms after the last voiced frame arrived", self.session_id, why, since)
        self._turn_ended_after_voice_ms = self._last_voiced_ms
        self._dispatch(flow.TurnEnded(self._timeline.seconds))

    def _detect_barge_in(self, frame: Frame) -> None:
        """The candidate speaking over the interviewer pauses it, and if they go on, stops it (barge-in)."""
        if not self._conductor.speaking:
            return
        if (decision := self._barge_in.push(frame.voiced)) is not None:
            if decision == "hold" and self._voice_began_ms is not None:
                since = int(time.time() * 1000) - self._voice_began_ms
                log.info("session %s: interviewer held %d ms after the candidate's voice arrived", self.session_id, since)
            self._dispatch(flow.CandidateVoice(decision, self._timeline.seconds))

    # -- recognition ----------------------------------------------------------------------------------------------
    async def _relay_hypotheses(self, stream: RecognitionStream) -> None:
        async for hyp in stream.results():
            try:
                # heard first: the words are the conductor's before a turn end they cause asks about the answer
                self._dispatch(flow.Heard(hyp.final, hyp.start, hyp.words, self._timeline.seconds))
                if hyp.final:
                    self._read_turn(hyp)
                    await self._announce_final(hyp)
                else:
                    self._announce_partial(hyp)
            except Exception:
                log.exception("session %s: could not relay phrase %s", self.session_id, hyp.phrase_id)

    def _announce_partial(self, hyp: Hypothesis) -> None:
        if not self._conductor.belongs_to_an_answer(hyp.start):
            return  # begun after the interview ended: no final will follow it, so no partial either
        if self._conductor.degraded:  # a poor link gets fewer partials; the finals that replace them always go out
            now = time.monotonic()
            if now - self._last_partial_s < PARTIAL_GAP_WHEN_POOR_S:
                return
            self._last_partial_s = now
        words = [msg.WordOut(w=w.w, start=w.start, end=w.end, conf=w.conf, heard_ms=self._timeline.received_ms(w.end)) for w in hyp.words]
        conductor = self._conductor
        question_id = conductor.question_id(conductor.question_for(hyp.start))
        self._send(msg.PartialOut(phrase_id=self._phrase_base + hyp.phrase_id, question_id=question_id, text=hyp.text, words=words))

    async def _announce_final(self, hyp: Hypothesis) -> None:
        conductor = self._conductor
        if not conductor.belongs_to_an_answer(hyp.start):
            return  # begun after the interview ended: the words belong to no answer
        phrase_id = self._phrase_base + hyp.phrase_id
        question_id = conductor.question_id(conductor.question_for(hyp.start))
        if not hyp.text.strip():
            self._send(msg.PartialOut(phrase_id=phrase_id, question_id=question_id, text="", words=[]))
            return
        # each phrase its own span, under this connection's offer: the data channel carries no trace context
        with tracing.span("relay.final", self.session_id, parent=self._trace, phrase_id=phrase_id, question_id=question_id):
            segment = Segment(
                session_id=self.session_id,
                seq=0,  # numbered by the writer
                segment_id=segment_id_for(self.session_id, phrase_id),
                question_id=question_id,
                phrase_id=phrase_id,
                text=hyp.text,
                start=hyp.start,
                end=hyp.end,
                confidence=hyp.confidence,
                words=list(hyp.words),
                fillers=list(hyp.fillers),
                heard_ms=self._timeline.received_ms(hyp.end),
                prosody=hyp.prosody,
            )
            async with self._delivery:  # not in the middle of a replay: finals reach the page in seq order
                if self._writer is None and not await self._may_write():  # later, the writer's claim checks the lease
                    log.warning("session %s: phrase %s is not persisted: another connection holds the session", self.session_id, phrase_id)
                    return
                try:
                    segment = await self._writer.record(segment)  # persisted before it is announced
                except LeaseLost:
                    log.warning("session %s: phrase %s is not persisted: another connection took the session over", self.session_id, phrase_id)
                    return
                self._send_final(segment)

    # -- the page's messages --------------------------------------------------------------------------------------
    async def _on_message(self, raw) -> None:
        self._link.heard(time.monotonic())
        try:
            message = msg.parse_client_message(raw)
        except InvalidRequest as exc:
            self._send(msg.ErrorOut(code=exc.code, message=exc.message))
            return
        now = self._timeline.seconds
        match message:
            case msg.Ping():
                self._send(msg.PongOut(t=message.t, server_ms=int(time.time() * 1000)))
            case msg.Pong():
                self._link.pings.answered(message.t, time.monotonic())
            case msg.Link():
                if message.state != self._page_link:
                    log.info("session %s: the page reports a %s link (%s)", self.session_id, message.state,
                             message.model_dump(include={"rtt_ms", "ping_loss", "packet_loss", "jitter_ms", "available_kbps"}, exclude_none=True))
                self._page_link = LinkState(message.state)
                self._dispatch(flow.LinkChanged("page", self._page_link))
            case msg.Hello():
                await self._resume(message.after_seq)
            case msg.Next() | msg.End() | msg.Repeat():
                self._dispatch(flow.Control(message.type, now))

    async def _resume(self, after_seq: int) -> None:
        if not await self._may_write():  # a replica taking over replays once the one before has persisted its last finals
            return
        async with self._delivery:
            transcript = await self._world.sessions.transcript(self.session_id)
            for segment in transcript:
                if segment.seq > after_seq:
                    self._send_final(segment)
        session = await self._world.sessions.get(self.session_id)
        current = session.question_at(session.current_question)
        said = [s.text for s in transcript if current is not None and s.question_id == current.id]
        self._dispatch(flow.Resumed(session, answer_under_way=bool(said), audio_s=self._timeline.seconds, answer_so_far=" ".join(said)))

    def _send_final(self, segment: Segment) -> None:
        """Each final once per connection, whether it comes live or in a replay."""
        if segment.seq in self._finals_sent:
            return
        self._finals_sent.add(segment.seq)
        self._send(msg.final_message(segment))

    # -- the conductor's actions ----------------------------------------------------------------------------------
    def _dispatch(self, event: flow.Event) -> None:
        for action in self._conductor.handle(event):
            match action:
                case flow.Send(message=message):
                    self._send(message)
                case flow.Say(text=text, ask=ask, queued=queued):
                    self._speaking = [task for task in self._speaking if not task.done()]
                    previous = self._speaking[-1] if queued and self._speaking else None
                    if not queued:
                        self._stop_speaking()
                    self._speaking.append(self._spawn(self._speak(text, ask, after=previous, timed=not queued)))
                case flow.Prepare(texts=texts):
                    self._spawn(self._prepare(texts))
                case flow.Hush():
                    self._stop_speaking()
                    self._voice.hush()
                    self._barge_in.reset()
                case flow.PauseVoice():
                    self._voice.pause()
                case flow.ResumeVoice():
                    self._voice.resume()
                case flow.OpenAnswer(question=question):
                    if self._limit is not None:
                        self._limit.answer_opened(question.id)
                    self._start_recording(question.id)
                case flow.StartAnswer():
                    self._turn.reset()
                case flow.CloseAnswer(index=index, question_id=question_id, reason=reason):
                    self._spawn(self._close_answer(index, question_id, reason))
                case flow.DecideFollowUp(token=token, question=question, answer_text=text, asked=asked, max_follow_ups=most):
                    self._spawn(self._decide_follow_up(token, question, text, asked, most))

    async def _speak(self, text: str, ask: int, after: asyncio.Task | None = None, timed: bool = False) -> None:
        """Say `text` (after `after` has been said, if given), sentence by sentence: the first sentence plays while the
        next is made, and the first is made while `after` is still being said. `timed`: log when its first frame goes
        out (the relay's share of the first-audio and end-of-turn figures)."""
        decided_ms = time.time() * 1000
        answer_end_ms = self._turn_ended_after_voice_ms
        self._turn_ended_after_voice_ms = None
        try:
            chunks = aiter(self._world.synthesizer.stream(text))
            first = await anext(chunks, None)
            if after is not None:
                await asyncio.wait({after})
            if first is not None:
                self._voice.say(first, partial(self._first_frame_out, text, decided_ms, answer_end_ms) if timed else None)
            async for pcm in chunks:
                self._voice.say(pcm)
            await self._voice.finished()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("session %s: the interviewer could not speak; the question is shown as text", self.session_id)
        self._dispatch(flow.Spoken(ask, self._timeline.seconds))

    async def _decide_follow_up(self, token: int, question, text: str, asked, most: int) -> None:
        if not await self._may_write():  # the follow-up is recorded before it is said
            return
        # The final that ended the turn is read before it is numbered (`_read_turn` runs before `_announce_final`):
        # wait for its delivery, so the follow-up comes after it on the page and in the stored order.
        async with self._delivery:
            after_seq = self._writer.last_seq if self._writer is not None else 0
        chosen, session = await follow_ups.decide(self._world, self._conductor.session, question, text, asked, most, after_seq)
        self._dispatch(flow.FollowUpDecided(token, chosen, session))

    def _first_frame_out(self, text: str, decided_ms: float, answer_end_ms: int | None) -> None:
        now = time.time() * 1000
        after_answer = f" and {int(now - answer_end_ms)} ms after the answer's last voiced frame arrived" if answer_end_ms is not None else ""
        log.info("session %s: first audio of %r sent %d ms after it was decided%s", self.session_id, text[:30], int(now - decided_ms), after_answer)

    async def _prepare(self, texts: tuple[str, ...]) -> None:
        for text in texts:
            try:
                await self._world.synthesizer.prepare(text)
            except Exception:  # saying it later will make it then, or show the question as text
                log.warning("session %s: could not prepare %r", self.session_id, text[:40], exc_info=True)

    def _stop_speaking(self) -> None:
        for task in self._speaking:
            if task is not asyncio.current_task():
                task.cancel()
        self._speaking = []

    async def _close_answer(self, index: int, question_id: str, reason: str) -> None:
        saving = self._stop_recording()  # its last write runs while the finals are flushed
        if self._stream is not None:
            try:  # the answer's last words are persisted and shown before the next question
                await asyncio.wait_for(self._stream.flush(), timeout=15)
            except TimeoutError:
                log.warning("session %s: finals of question %s are late; moving on", self.session_id, question_id)
        if saving:  # the recording is listed by the time the answer is reported closed
            await asyncio.wait(saving, timeout=15)
        if not await self._may_write():  # the connection holding the session now closes it
            return
        try:
            session = await self._world.sessions.close_answer(self.session_id, index, reason)
        except Exception:
            log.exception("session %s: could not close the answer to %s; the answer goes on", self.session_id, question_id)
            self._dispatch(flow.CloseFailed())
            return
        self._dispatch(flow.AnswerClosed(session))

    def _start_recording(self, question_id: str) -> None:
        """Record from the moment the question is shown; a question asked again goes on in the same file."""
        if not self._conductor.session.record_audio or (self._recorder is not None and self._recorder.question_id == question_id):
            return
        if self._recorder is not None:  # not expected: a recording stops when its answer closes
            self._spawn(asyncio.wait(self._stop_recording()))
        connection = self._phrase_base // PHRASES_PER_CONNECTION
        recording = Recording(session_id=self.session_id, name=recording_name(question_id, connection), question_id=question_id,
                              connection=connection, start=self._timeline.seconds)
        self._recorder = AnswerRecorder(self._world.blobs, recording, self._world.sessions.save_recording)

    def _stop_recording(self) -> set[asyncio.Task]:
        recorder, self._recorder = self._recorder, None
        return {recorder.stop()} if recorder is not None else set()

    # -- timers: cues and the link watchdog (rehearse/interview/link_quality.py) -----------------------------------
    async def _tick(self) -> None:
        """Time-based cues (a long answer, a long silence) fire within half a second of their moment."""
        while True:
            await asyncio.sleep(0.5)
            self._dispatch(flow.Tick(self._timeline.seconds))

    async def _watch_link(self) -> None:
        """Ping the page every 5 s and classify the link every second; recognition goes on whatever the state."""
        while True:
            await asyncio.sleep(1.0)
            if self._conductor.status == "ended":  # `ended` is the last thing the page hears on this connection
                return
            now = time.monotonic()
            before = self._link.state
            state = self._link.update(now)
            if state is not before:
                figures = self._link.figures(now).model_dump(exclude_none=True)
                log.info("session %s: link %s -> %s (%s, silent %.1f s)", self.session_id, before, state, figures, self._link.silent_s(now))
                self._dispatch(flow.LinkChanged("relay", state))
            if self._link.pings.due(now):
                stamp = int(time.time() * 1000)
                self._link.pings.sent(stamp, now)
                pings = self._link.pings
                self._send(msg.PingOut(t=stamp, rtt_ms=pings.rtt_ms, ping_loss=pings.loss, state=state.value))

    async def _release_quotas(self) -> None:
        """The audio heard so far joins the session's count, and the candidate's live hold is given back (unless the
        session lives on in another replica's connection, which holds it now)."""
        try:
            if self._limit is not None:
                await self._limit.flush()
            if self._ownership.lost:
                return
            await self._world.quotas.release_live(self._conductor.session.candidate_id, self.session_id)
        except Exception:  # the hold expires by itself (rehearse/app/quotas.py); closing must go on
            log.warning("session %s: could not release its quotas", self.session_id, exc_info=True)

    # -- plumbing --------------------------------------------------------------------------------------------------
    async def _may_write(self) -> bool:
        """Whether this connection may write the session now (waiting out a take-over's handover first); the first
        time it may, its transcript writer numbers on from the stored transcript, the previous holder's finals included
        (read once those it claimed have landed)."""
        try:
            await self._ownership.before_write()
        except LeaseLost:
            return False
        if self._writer is None:
            ownership = self._ownership
            self._writer = await self._world.sessions.transcript_writer(self.session_id, ownership.claim_seq, ownership.in_flight)
        return True

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
        if self._closed:  # a reconnect taking over waits for those finals, so the `hello` replay includes them
            try:
                await asyncio.wait_for(self._close_done.wait(), timeout=30)
            except TimeoutError:
                log.warning("session %s: the previous connection is slow to close; going on", self.session_id)
            return
        self._closed = True
        await self._pc.close()
        await self._release_quotas()
        if saving := self._stop_recording():
            await asyncio.wait(saving, timeout=15)
        if self._stream is not None:
            await self._stream.aclose()
        for task in list(self._tasks):
            if task is asyncio.current_task() or task.done():
                continue
            if task is self._hypotheses:
                await asyncio.wait({task}, timeout=10)
            else:
                task.cancel()
        await self._ownership.release()  # the last finals are persisted: a connection taking over need not wait
        self._on_closed(self)
        self._close_done.set()
