
import pytest

from rehearse.adapters.local.sqlite_store import SqliteStore
from rehearse.app.sessions import Sessions, parse_create_request
from rehearse.domain.errors import InvalidRequest, UnknownSession
from rehearse.domain.model import Segment, SessionStatus, segment_id_for
from rehearse.domain.question_bank import default_bank
from tests.support.publisher import RecordingPublisher


@pytest.fixture
def publisher():
    return RecordingPublisher()


@pytest.fixture
def sessions(tmp_path, publisher):
    return Sessions(SqliteStore(tmp_path / "db.sqlite3"), default_bank(), publisher)


def segment(session_id, phrase_id, seq, question_id="q1", text="hello there"):
    return Segment(
        session_id=session_id, seq=seq, segment_id=segment_id_for(session_id, phrase_id), question_id=question_id,
        phrase_id=phrase_id, text=text, start=0.0, end=1.0, confidence=0.9,
    )


async def test_session_from_a_role_takes_the_first_questions(sessions):
    session = await sessions.create(parse_create_request({"role": "data_scientist", "question_count": 2}))
    assert [q.index for q in session.questions] == [0, 1]
    assert (await sessions.get(session.session_id)).questions == session.questions


async def test_session_from_own_questions(sessions):
    session = await sessions.create(parse_create_request({"questions": [{"text": "Why us?", "key_points": ["mission"]}]}))
    assert session.questions[0].id == "q1" and session.questions[0].key_points == ["mission"]


@pytest.mark.parametrize(
    "body",
    [{}, {"role": "x", "questions": [{"text": "a"}]}, {"questions": []}, {"questions": [{"text": ""}]}, {"role": "software_engineer", "question_count": 0}, "text", None],
)
def test_invalid_create_requests_are_refused_with_the_reason(body):
    with pytest.raises(InvalidRequest):
        parse_create_request(body)


async def test_unknown_session_is_reported(sessions):
    with pytest.raises(UnknownSession):
        await sessions.get("s_missing")


async def test_recording_a_segment_twice_keeps_one(sessions):
    session = await sessions.create(parse_create_request({"role": "software_engineer", "question_count": 1}))
    writer = await sessions.transcript_writer(session.session_id)
    first = await writer.record(segment(session.session_id, 7, seq=0))
    again = await writer.record(segment(session.session_id, 7, seq=0))
    assert again.seq == first.seq == 1
    later = await sessions.transcript_writer(session.session_id)  # a new connection, after a reconnect
    assert (await later.record(segment(session.session_id, 7, seq=0))).seq == 1
    assert len(await sessions.transcript(session.session_id)) == 1


async def test_sequence_numbers_go_on_across_connections_without_repeating(sessions):
    session = await sessions.create(parse_create_request({"role": "software_engineer", "question_count": 1}))
    sid = session.session_id
    first = await sessions.transcript_writer(sid)
    seqs = [(await first.record(segment(sid, phrase, seq=0))).seq for phrase in (1, 2, 3)]
    second = await sessions.transcript_writer(sid)
    seqs += [(await second.record(segment(sid, phrase, seq=0))).seq for phrase in (1001, 1002)]
    assert seqs == [1, 2, 3, 4, 5]


class RecordingQueue:
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict]] = []

    async def send(self, queue: str, message: dict) -> None:
        self.sent.append((queue, message))


async def test_closing_an_answer_writes_one_answer_document_that_the_event_names(tmp_path, publisher):
    queue = RecordingQueue()
    sessions = Sessions(SqliteStore(tmp_path / "answers.sqlite3"), default_bank(), publisher, queue)
    session = await sessions.create(parse_create_request({"role": "software_engineer", "question_count": 2}))
    sid = session.session_id
    writer = await sessions.transcript_writer(sid)
    for phrase in (1, 2):
        await writer.record(segment(sid, phrase, seq=0).model_copy(update={"question_id": session.questions[0].id}))
    await sessions.close_answer(sid, 0, "next")
    answer = await sessions.answer(sid, session.questions[0].id)
    assert answer is not None and answer.question == session.questions[0] and [s.seq for s in answer.segments] == [1, 2]
    [completed] = [m for q, m in queue.sent if m["type"] == "answer.completed"]
    assert completed["answer_id"] == answer.answer_id


async def test_closing_answers_walks_the_questions_then_ends(sessions, publisher):
    session = await sessions.create(parse_create_request({"role": "software_engineer", "question_count": 2}))
    sid = session.session_id
    await sessions.open_connection(sid)
    after_first = await sessions.close_answer(sid, 0, "silence")
    assert after_first.current_question == 1 and after_first.status is SessionStatus.live
    again = await sessions.close_answer(sid, 0, "next")  # a duplicate close changes nothing
    assert again.current_question == 1
    ended = await sessions.close_answer(sid, 1, "next")
    assert ended.is_ended and ended.ended_at is not None
    kinds = [e["type"] for e in publisher.events]
    assert kinds == ["session.live", "answer.completed", "answer.completed", "session.ended"]


async def test_end_stops_the_interview_early(sessions):
    session = await sessions.create(parse_create_request({"role": "software_engineer", "question_count": 3}))
    assert (await sessions.close_answer(session.session_id, 0, "end")).is_ended


async def test_ended_session_does_not_come_back_to_life(sessions):
    session = await sessions.create(parse_create_request({"role": "software_engineer", "question_count": 1}))
    await sessions.close_answer(session.session_id, 0, "next")
    assert (await sessions.open_connection(session.session_id)).is_ended


async def test_a_session_follows_up_as_asked_or_as_the_deployment_says(sessions):
    default = await sessions.create(parse_create_request({"role": "sales", "question_count": 1}), max_follow_ups=1)
    assert default.max_follow_ups == 1
    none = await sessions.create(parse_create_request({"role": "sales", "question_count": 1, "max_follow_ups": 0}), max_follow_ups=1)
    assert none.max_follow_ups == 0


@pytest.mark.parametrize("value", [-1, 4, "1", 1.5, True])
def test_max_follow_ups_out_of_range_or_not_an_integer_is_refused(value):
    with pytest.raises(InvalidRequest):
        parse_create_request({"role": "sales", "max_follow_ups": value})


async def test_a_follow_up_is_recorded_once_and_goes_with_its_answer(sessions):
    from rehearse.domain.follow_ups import AskedFollowUp

    session = await sessions.create(parse_create_request({"role": "sales", "question_count": 2}), max_follow_ups=1)
    qid = session.questions[0].id
    asked = AskedFollowUp(question_id=qid, n=1, text="What did you sell?", targets="specifics", after_seq=1)
    await sessions.record_follow_up(session.session_id, asked)
    again = await sessions.record_follow_up(session.session_id, asked.model_copy(update={"text": "A second wording?"}))
    assert [f.text for f in again.follow_ups] == ["What did you sell?"]  # at least once delivery: the first wins
    await sessions.close_answer(session.session_id, 0, "silence")
    answer = await sessions.answer(session.session_id, qid)
    assert answer is not None and [f.text for f in answer.follow_ups] == ["What did you sell?"]


async def test_the_session_view_shows_follow_ups_asked_but_no_probes_ahead(sessions):
    from rehearse.app.http_api import session_view
    from rehearse.domain.follow_ups import AskedFollowUp

    session = await sessions.create(parse_create_request({"role": "software_engineer", "question_count": 1}), max_follow_ups=1)
    assert session.questions[0].probes  # the bank's, kept with the session for the interviewer
    asked = AskedFollowUp(question_id=session.questions[0].id, n=1, text="Which project?", targets="specifics", reason="r", after_seq=2)
    view = session_view(await sessions.record_follow_up(session.session_id, asked))
    assert "probes" not in view["questions"][0] and view["max_follow_ups"] == 1
    assert view["follow_ups"] == [{"question_id": session.questions[0].id, "n": 1, "text": "Which project?", "targets": "specifics", "after_seq": 2}]
