"""A candidate's past interviews and the deletion of a session, on the embedded adapters (SQLite, a folder)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from rehearse.adapters.azure.cosmos_store import CONTAINERS
from rehearse.adapters.local.folder_blobs import FolderBlobs
from rehearse.adapters.local.in_process_queue import POISON
from rehearse.adapters.local.sqlite_store import SqliteStore
from rehearse.app import diagnostics, history
from rehearse.app import feedback_pipeline as feedback
from rehearse.app.sessions import SESSION_BLOB_CONTAINERS, SESSION_CONTAINERS, SESSIONS, Sessions, parse_create_request
from rehearse.domain.analysis_model import DIMENSIONS
from rehearse.domain.documents import report_id
from rehearse.domain.errors import UnknownSession
from rehearse.domain.model import Question, Segment, SessionStatus, segment_id_for
from rehearse.domain.question_bank import default_bank
from rehearse.feedback.evaluation.report import build_report
from tests.evaluation.factories import answer_score
from tests.infra.test_bicep_consistency import MODULES, string_list
from tests.support.publisher import RecordingPublisher


@pytest.fixture
async def world(tmp_path):
    store = SqliteStore(tmp_path / "store.sqlite3")
    blobs = FolderBlobs(tmp_path / "blobs")
    publisher = RecordingPublisher()
    yield store, blobs, Sessions(store, default_bank(), publisher), publisher
    await store.close()


def report_document(session_id: str) -> dict:
    """A report as finalize_report writes it, with the scores of one scored answer."""
    score = answer_score(session_id=session_id, question_id="swe-01")
    question = Question(id="swe-01", text="Tell me about yourself.")
    return build_report(session_id, [question], [score], [], {"swe-01": []}).model_dump(mode="json")


async def new_session(sessions: Sessions, candidate: str, role: str = "software_engineer", count: int = 2):
    return await sessions.create(parse_create_request({"role": role, "question_count": count}), candidate_id=candidate)


async def test_interviews_are_listed_newest_first_with_scores_once_the_report_exists(world):
    store, _, sessions, _ = world
    first = await new_session(sessions, "c_ada", "sales", 1)
    second = await new_session(sessions, "c_ada", "software_engineer", 2)
    eve = await new_session(sessions, "c_eve")
    # the first interview is older and has its report
    older = first.model_copy(update={"created_at": first.created_at - timedelta(days=2), "status": SessionStatus.ended, "ended_at": first.created_at})
    await store.upsert(SESSIONS, first.session_id, first.session_id, older.model_dump(mode="json"))
    await history.record(store, history.entry_for(older))
    await store.upsert(history.REPORTS, first.session_id, report_id(first.session_id), report_document(first.session_id))

    rows = await history.past_interviews(store, "c_ada")
    assert [r.session_id for r in rows] == [second.session_id, first.session_id]
    newest, oldest = rows
    assert newest.report_ready is False and newest.overall is None and newest.scores is None
    assert (newest.role, newest.status, newest.question_count, newest.answered_count) == ("software_engineer", "created", 2, 0)
    assert oldest.report_ready is True and oldest.status == "ended" and oldest.ended_at is not None
    assert set(oldest.scores) == set(DIMENSIONS) and 0 <= oldest.overall <= 100
    assert all(s.level in ("low", "medium", "high") for s in oldest.scores.values())
    assert [r.session_id for r in await history.past_interviews(store, "c_eve")] == [eve.session_id]
    assert await history.past_interviews(store, "c_nobody") == []
    assert len(await history.past_interviews(store, "c_ada", limit=1)) == 1


async def say(sessions: Sessions, session, question_id: str, text: str, phrase_id: int) -> None:
    sid = session.session_id
    await (await sessions.transcript_writer(sid)).record(
        Segment(session_id=sid, seq=0, segment_id=segment_id_for(sid, phrase_id), question_id=question_id, phrase_id=phrase_id,
                text=text, start=phrase_id, end=phrase_id + 1, confidence=0.9)  # fmt: skip
    )


async def test_answered_count_counts_only_the_questions_closed_with_words_heard(world):
    store, _, sessions, _ = world
    session = await new_session(sessions, "c_ada", count=3)
    first, second, third = session.questions
    await say(sessions, session, first.id, "We cut the build time in half.", 1)
    await sessions.close_answer(session.session_id, 0, "silence")
    await say(sessions, session, second.id, "Um...", 2)  # a hesitation alone is not an answer, as the report has it
    await sessions.close_answer(session.session_id, 1, "next")
    await sessions.close_answer(session.session_id, 2, "next")  # closed without a word

    [row] = await history.past_interviews(store, "c_ada")
    assert (row.status, row.question_count, row.answered_count, row.report_ready) == ("ended", 3, 1, False)

    # once the report exists, the count is the report's: the questions it does not list as "no answer"
    sid = session.session_id
    score = answer_score(session_id=sid, question_id=first.id)
    report = build_report(sid, [first, second, third], [score], [], {q.id: [] for q in session.questions})
    assert [q.word_count > 0 for q in report.questions] == [True, False, False]
    await store.upsert(history.REPORTS, sid, report_id(sid), report.model_dump(mode="json"))
    [row] = await history.past_interviews(store, "c_ada")
    assert row.report_ready and row.answered_count == 1


async def test_a_session_stored_before_answers_were_told_apart_counts_its_closed_questions(world):
    store, _, sessions, _ = world
    session = await new_session(sessions, "c_ada", count=2)
    await sessions.close_answer(session.session_id, 0, "next")
    found, _ = await store.get(SESSIONS, session.session_id, session.session_id)
    del found["answered_questions"]  # as stored before the field existed
    await store.upsert(SESSIONS, session.session_id, session.session_id, found)
    [row] = await history.past_interviews(store, "c_ada")
    assert row.answered_count == 1  # unknown: each closed question is counted, as before
    await sessions.close_answer(session.session_id, 1, "next")
    [row] = await history.past_interviews(store, "c_ada")
    assert row.answered_count == 2  # still unknown for this session: never a count that leaves out its first answer


async def test_an_index_entry_pointing_at_another_candidates_session_is_never_shown(world):
    store, _, sessions, _ = world
    eve = await new_session(sessions, "c_eve")
    forged = history.entry_for(eve).model_copy(update={"candidate_id": "c_ada"})
    await history.record(store, forged)
    assert await history.past_interviews(store, "c_ada") == []


async def test_a_job_description_gives_the_entry_its_title(world):
    store, _, sessions, _ = world
    session = await sessions.create(parse_create_request({"job_description": "\n  Data Engineer, Payments  \nSpark and SQL."}), "c_ada")
    [row] = await history.past_interviews(store, "c_ada")
    assert row.session_id == session.session_id and row.job_title == "Data Engineer, Payments" and row.role is None


async def fill(store, blobs, sessions, session):
    """Something in every container and blob container a session can have."""
    sid = session.session_id
    await (await sessions.transcript_writer(sid)).record(
        Segment(session_id=sid, seq=0, segment_id=segment_id_for(sid, 1), question_id="swe-01", phrase_id=1, text="hi", start=0, end=1, confidence=1)
    )
    for container in SESSION_CONTAINERS:
        if container != SESSIONS:
            await store.upsert(container, sid, f"{sid}.{container}", {"session_id": sid})
    for container in SESSION_BLOB_CONTAINERS:
        await blobs.put(container, f"{sid}/a.json", b"{}")
        await blobs.put(container, f"{sid}/nested/b.wav", b"RIFF")


async def test_deleting_a_session_removes_every_document_blob_and_its_history_entry(world, tmp_path):
    store, blobs, sessions, publisher = world
    doomed = await new_session(sessions, "c_ada")
    kept = await new_session(sessions, "c_ada")
    await fill(store, blobs, sessions, doomed)
    await fill(store, blobs, sessions, kept)

    deleted = await sessions.delete(doomed.session_id, blobs)

    sid = doomed.session_id
    assert deleted.documents == len(SESSION_CONTAINERS) + 1 + 1  # + the segment + the history entry
    assert deleted.blobs == 2 * len(SESSION_BLOB_CONTAINERS)
    for container in (*SESSION_CONTAINERS, history.HISTORY):
        assert await store.list(container, sid) == []
    assert not await history.has_entry(store, "c_ada", sid)
    for container in SESSION_BLOB_CONTAINERS:
        assert await blobs.list(container, f"{sid}/") == []
        assert not (tmp_path / "blobs" / container / sid).exists()  # no empty folder named after it either
    assert {"type": "session.deleted", "session_id": sid, "v": 1}.items() <= publisher.events[-1].items()
    # the other session is untouched
    assert await sessions.get(kept.session_id) and len(await store.list("scores", kept.session_id)) == 1
    assert len(await blobs.list("recordings", f"{kept.session_id}/")) == 2
    assert [r.session_id for r in await history.past_interviews(store, "c_ada")] == [kept.session_id]

    with pytest.raises(UnknownSession):
        await sessions.delete(sid, blobs)


async def test_an_interrupted_deletion_is_finished_by_asking_again(world):
    store, blobs, sessions, _ = world
    session = await new_session(sessions, "c_ada")
    sid = session.session_id
    await fill(store, blobs, sessions, session)
    await store.delete(SESSIONS, sid, sid)  # as if the first attempt stopped right after the session document
    deleted = await sessions.delete(sid, blobs, candidate_id="c_ada")
    assert deleted.documents >= len(SESSION_CONTAINERS) and deleted.blobs == 2 * len(SESSION_BLOB_CONTAINERS)
    assert not await history.has_entry(store, "c_ada", sid)
    with pytest.raises(UnknownSession):
        await sessions.delete(sid, blobs, candidate_id="c_ada")


async def test_a_final_that_arrives_after_the_deletion_is_taken_back(world):
    store, blobs, sessions, _ = world
    session = await new_session(sessions, "c_ada")
    sid = session.session_id
    writer = await sessions.transcript_writer(sid)
    await sessions.delete(sid, blobs)
    late = Segment(session_id=sid, seq=1, segment_id=segment_id_for(sid, 7), question_id="swe-01", phrase_id=7, text="late", start=0, end=1, confidence=1)
    with pytest.raises(UnknownSession):
        await writer.record(late)
    assert await store.list("segments", sid) == []
    with pytest.raises(UnknownSession):
        await sessions.close_answer(sid, 0, "next")


def test_deletion_knows_every_container_the_app_writes():
    # Store: every Cosmos container but the candidate-partitioned history is partitioned by session id
    assert set(SESSION_CONTAINERS) | {history.HISTORY} == set(CONTAINERS)
    assert {feedback.SCORES, feedback.EVALUATIONS, feedback.SUMMARIES, feedback.REPORTS, POISON, SESSIONS} <= set(SESSION_CONTAINERS)
    assert history.REPORTS == feedback.REPORTS and history.SESSIONS == SESSIONS
    # Blobs: every blob container Bicep deploys holds `<session_id>/...` names
    storage = (MODULES / "storage.bicep").read_text()
    assert set(SESSION_BLOB_CONTAINERS) == set(string_list(storage, "blobContainerNames"))
    assert diagnostics.CONTAINER in SESSION_BLOB_CONTAINERS and feedback.REPORTS in SESSION_BLOB_CONTAINERS
