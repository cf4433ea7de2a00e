from rehearse.domain.analysis_model import DIMENSIONS
from rehearse.domain.model import Question
from rehearse.feedback.scoring import build_answer_score, extract_features, load_rubric, score_answer
from tests.scoring.conftest import answer_from_text, timed_answer

STORY = (
    "At my last job, our checkout service was timing out during big sales, and customers were dropping their carts. "
    "I was responsible for fixing it before Black Friday, which gave me six weeks. "
    "First, I profiled the service and found that every request made four separate calls to Postgres. "
    "I rewrote the query layer so each request made one call, and I added a Redis cache for product prices. "
    "Then I set up load tests that replayed a real sale at twice the traffic, so we could check every change. "
    "I rolled the change out to five percent of traffic first and watched the error rate for two days. "
    "As a result, we cut p95 latency from 800 to 200 milliseconds, and checkout errors dropped by 60 percent. "
    "We handled the Black Friday peak without a single incident. "
    "I learned to measure before optimizing, and I now start every performance project with a profile."
)
TEN_WORDS = "I built the cache and we cut costs by half."


def scores_of(answer, role=None):
    return score_answer(answer, extract_features(answer, None, None), load_rubric(role))


def test_a_ten_word_answer_never_gets_high_confidence():
    for answer in (
        answer_from_text(TEN_WORDS),
        timed_answer(TEN_WORDS, seconds_per_word=0.4),
        timed_answer(TEN_WORDS, seconds_per_word=6.0),
    ):
        scores = scores_of(answer)
        assert all(getattr(scores, d).level != "high" for d in DIMENSIONS)
        assert all(getattr(scores, d).confidence < 0.4 for d in DIMENSIONS)


def test_a_full_answer_with_timings_can_get_high_confidence():
    scores = scores_of(timed_answer(STORY, seconds_per_word=0.4))
    assert scores.structure.level == "high"
    assert scores.clarity.level == "high"


def test_the_same_input_gives_identical_output():
    answer = timed_answer("Um, so I think we, like, cut costs by 30 percent. " + STORY, seconds_per_word=0.35, pauses={12: 2.0})
    first = scores_of(answer).model_dump_json()
    assert all(scores_of(answer).model_dump_json() == first for _ in range(3))


def test_every_score_is_within_0_and_100():
    for answer in (answer_from_text("Yes."), answer_from_text(STORY), timed_answer(STORY, seconds_per_word=0.1)):
        scores = scores_of(answer)
        assert all(0 <= getattr(scores, d).score <= 100 for d in DIMENSIONS)


def test_fillers_and_results_are_quoted_in_the_evidence():
    text = "Um, we, um, had a, like, slow service, um. " + STORY + " It was, like, um, a good result."
    scores = scores_of(timed_answer(text, seconds_per_word=0.4))
    assert any(line.endswith("fillers per minute (um x4, like x2)") for line in scores.clarity.evidence)
    assert (
        'Result: "As a result, we cut p95 latency from 800 to 200 milliseconds, and checkout errors dropped by 60 percent"'
        in scores.structure.evidence
    )


def test_fillers_lower_clarity_and_hedges_lower_confidence():
    clean = scores_of(timed_answer(STORY, seconds_per_word=0.4))
    filled = scores_of(
        timed_answer(STORY.replace(", and ", ", um, like, and ").replace(". ", ", you know. "), seconds_per_word=0.4)
    )
    hedged = scores_of(timed_answer(STORY.replace("I ", "I think maybe I ").replace("We ", "Probably we "), seconds_per_word=0.4))
    assert filled.clarity.score < clean.clarity.score - 15
    assert hedged.confidence.score < clean.confidence.score - 20


def test_a_pace_out_of_range_lowers_clarity():
    ideal = scores_of(timed_answer(STORY, seconds_per_word=0.4))  # 150 wpm
    rushed = scores_of(timed_answer(STORY, seconds_per_word=0.26))  # 230 wpm
    assert rushed.clarity.score < ideal.clarity.score - 20
    assert any("above the 120-170 target" in line for line in rushed.clarity.evidence)


def test_signals_that_disagree_lower_confidence():
    # Same length; rushed but filler-free speech has pace and fillers pointing opposite ways.
    agreeing = scores_of(timed_answer(STORY, seconds_per_word=0.4))
    disagreeing = scores_of(timed_answer(STORY, seconds_per_word=0.25))
    assert disagreeing.clarity.confidence < agreeing.clarity.confidence


def test_without_timings_clarity_has_less_confidence():
    timed = scores_of(timed_answer(STORY, seconds_per_word=0.4))
    untimed = scores_of(answer_from_text(STORY))
    assert untimed.clarity.confidence < timed.clarity.confidence
    assert not any("Pace" in line for line in untimed.clarity.evidence)


def test_build_answer_score_has_a_deterministic_id_and_the_question_key_points():
    question = Question(id="q2", index=1, text="Tell me about a hard project.", key_points=["names a measurable result"])
    answer = answer_from_text(STORY).model_copy(update={"question_text": "", "role": "software_engineer"})
    score = build_answer_score("s_1", question, answer, None, None)
    assert score.id == "s_1.q2.score"
    assert (score.question_id, score.question_index) == ("q2", 1)
    assert score.rubric.id == "software_engineer"
    assert score.overall == score.scores.overall()
    assert score == build_answer_score("s_1", question, answer, None, None)


def test_an_answer_with_no_words_scores_zero_with_no_confidence():
    for answer in (answer_from_text(""), answer_from_text("Um.")):
        scores = scores_of(answer)
        assert all(getattr(scores, d).score == 0 and getattr(scores, d).confidence == 0 for d in DIMENSIONS)
        assert scores.content.evidence == ["No answer was heard"]
