"""The interview's flow as a pure state machine: typed events in, actions out, no I/O and no clock of its own.

    idle --Resumed--> asking --Spoken--> listening --Control next/end, TurnEnded--> closing --AnswerClosed--> asking
                       |  ^                  |  ^                                         |            \\--> ended
                       |  +--Control repeat--+  |                                         +--CloseFailed--> listening
                       +--CandidateVoice hold--> held --release--> asking
                                                   +--interrupt--> listening (the interviewer stops: barge-in)
                                             listening --TurnEnded, follow-ups left--> deciding
                                             deciding --FollowUpDecided(none)--> closing
                                             deciding --FollowUpDecided(one)--> asking (the follow-up) --Spoken--> listening
                                             deciding --Heard (the candidate goes on)--> listening

The moment an answer closes (silence or `next`) the interviewer acknowledges it ("Thanks."), while the answer's last
words are still being made final and persisted; the next question is queued after it, so the candidate hears the
interviewer within about half a second of finishing. `asking` is the interviewer reading the question; `held` is the
interviewer paused because the candidate began to speak over it (rehearse/interview/barge_in.py decides when).
`deciding` is the moment after an answer's turn ends in which the relay decides whether to ask a follow-up
(rehearse/feedback/follow_up, docs/follow-ups.md); the follow-up and its answer belong to the same question, whose
answer stays open until the interviewer moves on.

The relay (media_relay/session.py) turns WebRTC into events and carries out the actions; everything it decides about
the interview (which question is being answered, when an answer closes, what the page is told, which cue fires)
happens here, in `handle`, the one method that changes the state."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel

from rehearse.domain.analysis_model import Word
from rehearse.domain.follow_ups import AskedFollowUp
from rehearse.domain.model import Question, Session
from rehearse.interview import channel_messages as msg
from rehearse.interview.cues import CueEngine
from rehearse.interview.link_quality import SHORT_CUES, LinkState

Status = Literal["idle", "asking", "held", "listening", "deciding", "closing", "ended"]
CloseReason = Literal["next", "end", "silence"]


# -- events --------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Resumed:
    """The page said hello and the relay read the session: start (or go on) at its current question.
    `answer_under_way`: the current question already has words, so it is shown but not read out again."""

    session: Session
    answer_under_way: bool = False
    audio_s: float = 0.0
    answer_so_far: str = ""  # the current question's finals stored before this connection (what a follow-up builds on)


@dataclass(frozen=True)
class Control:
    """A button on the page: next question, end the interview, or repeat the question."""

    kind: Literal["next", "end", "repeat"]
    audio_s: float


@dataclass(frozen=True)
class TurnEnded:
    """The turn detector says the candidate has finished (silence after speech)."""

    audio_s: float


@dataclass(frozen=True)
class Spoken:
    """The question `ask` has been read out (or could not be: it is shown as text either way)."""

    ask: int
    audio_s: float


@dataclass(frozen=True)
class AnswerClosed:
    """The close of the answer is persisted; `session` is the session after it."""

    session: Session


@dataclass(frozen=True)
class CloseFailed:
    """The close could not be persisted: the answer goes on, and a later control or silence tries again."""


@dataclass(frozen=True)
class FollowUpDecided:
    """The relay's answer to `DecideFollowUp(token)`: the follow-up to ask, already kept with the session (`session`
    is the session after it), or None: move on."""

    token: int
    asked: AskedFollowUp | None = None
    session: Session | None = None


@dataclass(frozen=True)
class Heard:
    """Words recognized at `start` (audio time): a partial of the phrase being spoken, or its final."""

    final: bool
    start: float
    words: tuple[Word, ...]
    audio_s: float


@dataclass(frozen=True)
class Tick:
    """Time passes (twice a second): time-based cues (a long answer, a long silence) may be due."""

    audio_s: float


@dataclass(frozen=True)
class CandidateVoice:
    """The candidate's voice while the interviewer speaks (rehearse/interview/barge_in.py): `hold` pauses the
    interviewer, `release` lets it go on (a cough, an "okay"), `interrupt` gives the candidate the floor."""

    decision: Literal["hold", "release", "interrupt"]
    audio_s: float


@dataclass(frozen=True)
class LinkChanged:
    """The page's report of the link, or the relay's own reading of it."""

    source: Literal["page", "relay"]
    state: LinkState


Event = Resumed | Control | TurnEnded | Spoken | AnswerClosed | CloseFailed | FollowUpDecided | Heard | Tick | CandidateVoice | LinkChanged


# -- actions -------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Send:
    """A message to the page over the data channel."""

    message: BaseModel


@dataclass(frozen=True)
class Say:
    """Read `text` out, replacing anything being said (or, `queued`, after what is being said); report Spoken(ask) when
    it is over."""

    text: str
    ask: int
    queued: bool = False


@dataclass(frozen=True)
class Prepare:
    """Synthesize these ahead, so that saying them later starts at once (the next question, while this one is
    answered; the acknowledgements, once)."""

    texts: tuple[str, ...]


@dataclass(frozen=True)
class Hush:
    """Stop the interviewer's voice now."""


@dataclass(frozen=True)
class PauseVoice:
    """Pause the interviewer's voice where it is (the candidate began to speak over it)."""


@dataclass(frozen=True)
class ResumeVoice:
    """Go on speaking from a little before the pause."""


@dataclass(frozen=True)
class OpenAnswer:
    """`question` is shown: what the candidate says from now on belongs to its answer (recorded, if consented), even
    while the question is still being read out."""

    question: Question


@dataclass(frozen=True)
class StartAnswer:
    """Listening for the answer to `question` begins: turn detection from scratch."""

    question: Question


@dataclass(frozen=True)
class CloseAnswer:
    """Stop recording, let the answer's last finals through, persist the close, then report AnswerClosed."""

    index: int
    question_id: str
    reason: CloseReason


@dataclass(frozen=True)
class DecideFollowUp:
    """Decide, quickly, whether to follow up on this answer (what was said so far, including answers to earlier
    follow-ups), keep the one chosen with the session, and report FollowUpDecided(token)."""

    token: int
    question: Question
    answer_text: str
    asked: tuple[AskedFollowUp, ...]
    max_follow_ups: int


Action = Send | Say | Prepare | Hush | PauseVoice | ResumeVoice | OpenAnswer | StartAnswer | CloseAnswer | DecideFollowUp

# Said before the next question, so that an answer is heard (rehearse/interview/conductor.py picks one, never the same
# twice in a row). Short: the question follows in the same breath.
CLOSING_REMARK = "Thank you, that was my last question."
ACKNOWLEDGEMENTS = (
    "Thanks.",
    "Got it, let's move on.",
    "Thank you.",
    "Okay, thanks for that.",
    "Great, thank you.",
    "Understood. Next question.",
    "Thanks, that's helpful.",
    "All right.",
)


@dataclass
class _Closing:
    question_id: str
    reason: CloseReason
    acknowledged: bool = False  # an acknowledgement is being said: the next question is queued after it


@dataclass
class InterviewConductor:
    session: Session
    status: Status = "idle"
    ask: int = 0  # counts the times a question was asked, so a late Spoken of an earlier asking is ignored
    cues: CueEngine = field(default_factory=CueEngine)
    _first_index: int = 0
    _boundaries: list[tuple[float, int]] = field(default_factory=list)  # (audio time, question index from then on)
    _closing: _Closing | None = None
    _final_words: list[Word] = field(default_factory=list)  # the current answer's finals
    _partial_words: list[Word] = field(default_factory=list)  # the phrase being spoken
    _page_link: LinkState = LinkState.GOOD
    _relay_link: LinkState = LinkState.GOOD
    _acknowledged: int = -1  # index in ACKNOWLEDGEMENTS of the last one said
    _exchange: list[str] = field(default_factory=list)  # the current question's final texts, follow-up answers too
    _exchange_of: str = ""  # ... of this question id
    _deciding: int = 0  # token of the follow-up decision awaited (a later one makes an earlier one stale)
    _turn_ended_at: float = 0.0

    def __post_init__(self) -> None:
        self._first_index = self.session.current_question

    # -- queries -------------------------------------------------------------------------------------------------
    @property
    def listening(self) -> bool:
        return self.status == "listening"

    @property
    def speaking(self) -> bool:
        """The interviewer is talking (or paused mid-sentence because the candidate spoke over it)."""
        return self.status in ("asking", "held")

    @property
    def degraded(self) -> bool:
        """A poor link: fewer partials, cues as one word."""
        return self._page_link is not LinkState.GOOD or self._relay_link is LinkState.POOR

    @property
    def total(self) -> int:
        return len(self.session.questions)

    def question_for(self, audio_s: float) -> int:
        """The index of the question being answered at that moment of this connection's audio (total: after the end)."""
        index = self._first_index
        for at, following in self._boundaries:
            if audio_s < at:
                break
            index = following
        return index

    def question_id(self, index: int) -> str:
        question = self.session.question_at(min(index, self.total - 1))
        return question.id if question else ""

    def belongs_to_an_answer(self, audio_s: float) -> bool:
        """False for words begun after the interview ended: they belong to no answer and are not kept."""
        return self.question_for(audio_s) < self.total

    # -- the one place the state changes -------------------------------------------------------------------------
    def handle(self, event: Event) -> list[Action]:
        match event:
            case Resumed(session=session, answer_under_way=under_way, audio_s=at, answer_so_far=so_far):
                self.session = session
                if session.is_ended:
                    self.status = "ended"
                    return self._ended()
                self._exchange_of, self._exchange = self.question_id(session.current_question), [so_far] if so_far else []
                asked = [Send(self._follow_up_message(f)) for f in session.follow_ups_for(self._exchange_of)]
                return self._ask(speak=not under_way, audio_s=at) + asked + [Prepare((*ACKNOWLEDGEMENTS, CLOSING_REMARK))]
            case Control(kind="repeat", audio_s=at):
                return self._ask(speak=True, audio_s=at) if self.status in ("asking", "held", "listening", "deciding") else []
            case Control(kind=kind, audio_s=at) if self.status in ("asking", "held", "listening", "deciding"):
                return self._close(at, "end" if kind == "end" else "next")
            case TurnEnded(audio_s=at) if self.status == "listening":
                return self._decide(at) if self._follow_ups_left() else self._close(at, "silence")
            case FollowUpDecided(token=token, asked=asked, session=session) if self.status == "deciding" and token == self._deciding:
                if asked is None:
                    return self._close(self._turn_ended_at, "silence")
                return self._follow_up(asked, session)
            case Spoken(ask=ask, audio_s=at) if self.status in ("asking", "held") and ask == self.ask:
                return self._listen(at)
            case CandidateVoice(decision="hold") if self.status == "asking":
                self.status = "held"
                return [PauseVoice()]
            case CandidateVoice(decision="release") if self.status == "held":
                self.status = "asking"
                return [ResumeVoice()]
            case CandidateVoice(decision="interrupt", audio_s=at) if self.status in ("asking", "held"):
                question_id = self.question_id(self.session.current_question)
                return [Hush(), Send(msg.InterruptedOut(question_id=question_id)), *self._listen(at)]
            case AnswerClosed(session=session) if self.status == "closing" and self._closing is not None:
                closing, self._closing = self._closing, None
                self.session = session
                done = [Send(msg.AnswerEndOut(question_id=closing.question_id, reason=closing.reason))]
                if session.is_ended:
                    self.status = "ended"
                    return done + ([] if closing.acknowledged else [Hush()]) + self._ended()  # a closing remark plays out
                return done + self._ask(speak=True, audio_s=0.0, after_acknowledgement=closing.acknowledged)
            case CloseFailed() if self.status == "closing":
                self._closing = None
                self._boundaries.pop()
                self.status = "listening"
                return []
            case Heard(final=final, start=start, words=words, audio_s=at):
                if self.status == "deciding" and start >= self._turn_ended_at:
                    self.status = "listening"  # the candidate goes on: the decision in flight is moot
                    self._deciding += 1
                return self._heard(final, start, list(words), at)
            case Tick(audio_s=at):
                return self._cue(at)
            case LinkChanged(source="page", state=state):
                self._page_link = state
                return []
            case LinkChanged(source="relay", state=state):
                self._relay_link = state
                return []
        return []  # an event that does not apply in this state (a control after the end, a late Spoken, ...)

    # -- transitions ---------------------------------------------------------------------------------------------
    def _ask(self, speak: bool, audio_s: float, after_acknowledgement: bool = False) -> list[Action]:
        question = self.session.question_at(self.session.current_question)
        if question is None:
            return []
        self.ask += 1
        self.status = "asking"
        total = self.total
        actions: list[Action] = [
            Send(msg.StateOut(status="asking", question_index=question.index, total=total)),
            Send(msg.QuestionOut(question_id=question.id, index=question.index, total=total, text=question.text)),
            OpenAnswer(question),
        ]
        if speak and after_acknowledgement:  # the acknowledgement is being said: the question follows it
            return actions + [Say(question.text, self.ask, queued=True)]
        actions.append(Hush())
        if speak:
            return actions + [Say(question.text, self.ask)]
        return actions + self._listen(audio_s)

    def _follow_ups_left(self) -> bool:
        question_id = self.question_id(self.session.current_question)
        return len(self.session.follow_ups_for(question_id)) < self.session.max_follow_ups

    def _decide(self, audio_s: float) -> list[Action]:
        question = self.session.question_at(self.session.current_question)
        if question is None:
            return []
        self.status = "deciding"
        self._deciding += 1
        self._turn_ended_at = audio_s
        asked = tuple(self.session.follow_ups_for(question.id))
        return [DecideFollowUp(self._deciding, question, " ".join(self._exchange), asked, self.session.max_follow_ups)]

    def _follow_up(self, asked: AskedFollowUp, session: Session | None) -> list[Action]:
        """Ask the follow-up, under the same question: its answer goes on the same recording and transcript."""
        if session is not None:
            self.session = session
        elif not any(f.n == asked.n and f.question_id == asked.question_id for f in self.session.follow_ups):
            self.session = self.session.model_copy(update={"follow_ups": [*self.session.follow_ups, asked]})
        question = self.session.question_at(self.session.current_question)
        if question is None:
            return []
        self.ask += 1
        self.status = "asking"
        return [
            Send(msg.StateOut(status="asking", question_index=question.index, total=self.total)),
            Send(self._follow_up_message(asked)),
            Hush(),
            Say(asked.text, self.ask),
        ]

    def _follow_up_message(self, asked: AskedFollowUp) -> msg.FollowUpOut:
        index = next((q.index for q in self.session.questions if q.id == asked.question_id), self.session.current_question)
        return msg.FollowUpOut(question_id=asked.question_id, index=index, n=asked.n, text=asked.text, after_seq=asked.after_seq)

    def _acknowledgement(self) -> str:
        """Varied, never the same twice in a row, and the same for the same session and question (replays agree)."""
        seed = sum(map(ord, self.session.session_id)) + 7 * self.session.current_question
        choice = seed % len(ACKNOWLEDGEMENTS)
        if choice == self._acknowledged:
            choice = (choice + 1) % len(ACKNOWLEDGEMENTS)
        self._acknowledged = choice
        return ACKNOWLEDGEMENTS[choice]

    def _listen(self, audio_s: float) -> list[Action]:
        question = self.session.question_at(self.session.current_question)
        if question is None:
            return []
        self.status = "listening"
        self.cues.start_answer(audio_s, question.time_limit_s)
        self._final_words, self._partial_words = [], []
        actions: list[Action] = [StartAnswer(question), Send(msg.StateOut(status="listening", question_index=question.index, total=self.total))]
        if (following := self.session.question_at(question.index + 1)) is not None:
            actions.append(Prepare((following.text,)))
        return actions

    def _close(self, audio_s: float, reason: CloseReason) -> list[Action]:
        index = self.session.current_question
        following = self.total if reason == "end" else index + 1
        self._boundaries.append((audio_s, following))
        was_speaking = self.speaking
        answered = self.status in ("listening", "deciding") and (reason == "silence" or bool(self._final_words or self._partial_words))
        self._closing = _Closing(self.question_id(index), reason, acknowledged=answered and reason != "end")
        self.status = "closing"
        close: list[Action] = [CloseAnswer(index, self.question_id(index), reason)]
        if was_speaking:  # skipped while it was being read: the reading stops
            close.append(Hush())
        if not self._closing.acknowledged:
            return close
        remark = CLOSING_REMARK if index + 1 >= self.total else self._acknowledgement()
        return close + [Say(remark, self.ask)]  # said now; a Spoken for this `ask` is no longer awaited

    def _ended(self) -> list[Action]:
        total = self.total
        return [
            Send(msg.StateOut(status="ended", question_index=total, total=total)),
            Send(msg.EndedOut(session_id=self.session.session_id)),
        ]

    # -- cues ----------------------------------------------------------------------------------------------------
    def _heard(self, final: bool, start: float, words: Sequence[Word], audio_s: float) -> list[Action]:
        if self.question_for(start) != self.session.current_question:
            return []  # words of an earlier answer, finishing late
        if final:
            self._final_words += words
            self._partial_words = []
            question_id = self.question_id(self.session.current_question)
            if self._exchange_of != question_id:
                self._exchange_of, self._exchange = question_id, []
            self._exchange.append(" ".join(w.w for w in words))
        else:
            self._partial_words = list(words)
        return self._cue(audio_s)

    def _cue(self, audio_s: float) -> list[Action]:
        if self.status != "listening":
            return []
        cue = self.cues.check(audio_s, self._final_words, self._partial_words)
        if cue is None:
            return []
        text = SHORT_CUES.get(cue.kind, cue.text) if self.degraded else cue.text
        return [Send(msg.CueOut(kind=cue.kind, text=text, question_id=self.question_id(self.session.current_question)))]
