"""Follow-up questions in a live interview: decide on the answer heard so far (rules, or the advisor within its time
bound), keep the one chosen with the session before it is said, and warm the decision up at start."""

from __future__ import annotations

import asyncio
import logging
import time

from rehearse.app.metered_llm import MeteredAdvisor
from rehearse.app.world import World
from rehearse.domain.analysis_model import AnswerText
from rehearse.domain.follow_ups import AskedFollowUp
from rehearse.domain.model import Question, Session
from rehearse.feedback.follow_up import choose_follow_up, decide_follow_up
from rehearse.ports import Embedder

log = logging.getLogger("rehearse.follow_ups")

RULES_BOUND_S = 1.0  # the rules take ~0.1 s once warm; past this the candidate has waited long enough: move on


def _embedder(world: World) -> Embedder | None:
    """The sentence embedder, or None where it is not installed (the relay image): the rules then judge no key points
    and no relevance, only the result, ownership and specifics (docs/follow-ups.md)."""
    try:
        return world.embedder
    except Exception:
        log.warning("no sentence embedder: follow-ups judge no key points", exc_info=True)
        return None


def _answer(question: Question, text: str, role: str | None) -> AnswerText:
    return AnswerText(
        question_text=question.text,
        key_points=question.key_points,
        key_point_examples=question.examples,
        question_id=question.id,
        text=text,
        role=role,
    )


async def decide(
    world: World, session: Session, question: Question, answer_text: str, asked: tuple[AskedFollowUp, ...], max_follow_ups: int, after_seq: int
) -> tuple[AskedFollowUp | None, Session | None]:
    """The follow-up to ask now, already recorded with the session (and the session after it), or (None, None).
    Never raises: a failure to decide or to record means no follow-up, and the interview moves on."""
    started = time.monotonic()
    advisor = world.follow_up_advisor
    if advisor is not None:
        advisor = MeteredAdvisor(advisor, world, session.session_id)
    bound_s = RULES_BOUND_S + (world.settings.follow_up_llm_timeout_s if advisor is not None else 0.0)
    try:
        chosen = choose_follow_up(
            question,
            _answer(question, answer_text, session.role),
            asked=[a.follow_up() for a in asked],
            max_follow_ups=max_follow_ups,
            embedder=_embedder(world),
            advisor=advisor,
            timeout_s=world.settings.follow_up_llm_timeout_s,
            seed=f"{session.session_id}:{question.id}:{len(asked)}",
        )
        try:
            follow_up, source, note = await asyncio.wait_for(chosen, bound_s)
        except TimeoutError:
            log.warning("session %s: no follow-up decided on %s within %.1f s; moving on", session.session_id, question.id, bound_s)
            return None, None
        ms = (time.monotonic() - started) * 1000
        if follow_up is None:
            log.info("session %s: no follow-up on %s (%s; %s) after %d ms", session.session_id, question.id, source, note, ms)
            return None, None
        recorded = AskedFollowUp(
            question_id=question.id, n=len(asked) + 1, text=follow_up.text, targets=follow_up.targets, reason=follow_up.reason,
            after_seq=after_seq, source="llm" if source == "llm" else "rules",
        )  # fmt: skip
        updated = await world.sessions.record_follow_up(session.session_id, recorded)
        kept = next(f for f in updated.follow_ups if f.question_id == question.id and f.n == recorded.n)
        log.info("session %s: follow-up %d on %s targets %s (%s%s) decided in %d ms", session.session_id, kept.n, question.id,
                 kept.targets, source, f"; {note}" if note else "", ms)  # fmt: skip
        return kept, updated
    except Exception:
        log.exception("session %s: could not decide a follow-up on %s; moving on", session.session_id, question.id)
        return None, None


async def warm_up(world: World) -> None:
    """The first decision embeds the whole bank (seconds, on a worker thread): started with the app, not after a
    candidate's first answer (a session may ask for follow-ups whatever the deployment's default).
    Without the embedder (not built), follow-ups are decided without key points and relevance, as said here."""
    question = world.bank.roles()[0].questions[0]
    answer = _answer(question, "I led a small team and we shipped the project on time.", None)
    try:
        await asyncio.to_thread(decide_follow_up, question, answer, embedder=_embedder(world))
    except Exception:
        log.warning("follow-ups could not be warmed up; the first decision will be slow or fail", exc_info=True)
