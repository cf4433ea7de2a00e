"""What the feedback pipeline produces: features, rubric scores, evaluations, summaries and the final report.

Versioned pydantic models shared by the scoring core, the evaluators, the functions and the page."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

SCHEMA_VERSION = 1

ConfidenceLevel = Literal["low", "medium", "high"]
Dimension = Literal["content", "structure", "clarity", "confidence"]
DIMENSIONS: tuple[Dimension, ...] = ("content", "structure", "clarity", "confidence")


def confidence_level(value: float) -> ConfidenceLevel:
    """How the page shows a 0-1 confidence: below 0.4 low, below 0.7 medium, else high."""
    return "low" if value < 0.4 else "medium" if value < 0.7 else "high"


# -- inputs -----------------------------------------------------------------------------------------------------
class Prosody(BaseModel):
    """Measured from the answer's audio where available."""

    energy_db_mean: float
    energy_db_std: float
    pitch_hz_mean: float
    pitch_variation: float  # std / mean of voiced pitch


class Word(BaseModel):
    """One recognized word: the ONE word type from the recognizer to the transcript, the scorer and the report."""

    w: str
    start: float  # seconds of audio since the stream's first sample
    end: float
    conf: float = 1.0


class FollowUpTurn(BaseModel):
    """A follow-up the interviewer asked during the answer, and where the candidate's words after it begin: what was
    said after it answers it (until the next one), so the scoring can tell a point made unprompted from one made only
    after a prompt."""

    n: int = Field(ge=1)  # 1 for the question's first follow-up
    text: str = ""
    targets: str = ""  # as AskedFollowUp.targets: "key_point:<point>", "result", "ownership", ...
    from_word: int = Field(default=0, ge=0)  # index into AnswerText.words of the first word said after it
    from_char: int = Field(default=0, ge=0)  # offset into AnswerText.text where the words said after it begin


class AnswerText(BaseModel):
    """One answer as the scoring core sees it: the question and the candidate's final segments' words."""

    question_text: str
    key_points: list[str] = Field(default_factory=list)
    # Spoken phrasings that make each key point (the bank's); custom questions have none.
    key_point_examples: dict[str, list[str]] = Field(default_factory=dict)
    question_id: str | None = None  # the bank question, when it is one: relevance compares it with the others
    words: list[Word] = Field(default_factory=list)  # in time order; empty when only text is known
    text: str = ""  # the answer's text (joined finals); used when there are no word timings
    fillers: list[str] = Field(default_factory=list)  # hesitations the recognizer kept as evidence
    role: str | None = None
    prosody: Prosody | None = None  # measured from the answer's audio, when it was heard live
    follow_ups: list[FollowUpTurn] = Field(default_factory=list)  # asked during the answer, in order


class ToneEstimate(BaseModel):
    label: Literal["confident", "neutral", "hesitant", "negative"]
    probabilities: dict[str, float]
    used_prosody: bool = False
    model: str = ""  # model name and version


# -- features -----------------------------------------------------------------------------------------------------
class PauseStats(BaseModel):
    count: int = 0  # pauses longer than 1 s between words
    longest_s: float = 0.0
    total_s: float = 0.0


class StarStructure(BaseModel):
    situation: bool = False
    task: bool = False
    action: bool = False
    result: bool = False
    in_order: bool = False
    evidence: dict[str, str] = Field(default_factory=dict)  # part -> the sentence that showed it
    after_follow_up: dict[str, int] = Field(default_factory=dict)  # part -> n: it first showed after follow-up n


CoverageState = Literal["covered", "unclear", "missed"]


class KeyPointCoverage(BaseModel):
    point: str
    similarity: float  # cosine of the best sentence with the point's spoken examples (or the point itself)
    covered: bool
    best_sentence: str = ""
    probability: float = 0.0  # that some sentence makes the point (rehearse/feedback/scoring/coverage.py)
    state: CoverageState = "missed"  # covered; unclear (neither claimed made nor missed); missed
    source: Literal["features", "model", "combined"] = "features"  # who judged it: the measured features, an LLM, both
    disagreement: bool = False  # the LLM and the features disagreed on this point
    # n >= 1: made only in what was said after follow-up n (nothing said before it made the point); 0 otherwise.
    after_follow_up: int = Field(default=0, ge=0)


RelevanceState = Literal["on_topic", "unclear", "off_topic"]


# Below this probability an answer judged off topic is surely about something else, even with no other question named.
CLEARLY_OFF_TOPIC = 0.2


class Relevance(BaseModel):
    """Whether the answer addresses the question it was asked (rehearse/feedback/scoring/relevance.py)."""

    probability: float = Field(ge=0, le=1)  # that the answer addresses this question
    state: RelevanceState
    closest_question: str | None = None  # a question the answer fits better, when there is one
    source: Literal["features", "model", "combined"] = "features"
    disagreement: bool = False
    reason: str = ""
    # False when no sentence says anything of its own (key words or signposts read out): not another question's
    # answer, but no answer at all, and the evidence says so in those words.
    substance: bool = True

    @property
    def clearly_elsewhere(self) -> bool:
        """Sure enough to tell the candidate that the answer does not answer the question, in the report or by
        bringing them back to it: off topic, and either naming the question it fits better (it clearly makes that
        one's points) or far below the line (CLEARLY_OFF_TOPIC). Just under the line with no other question named,
        it is a thin answer to this one."""
        return self.state == "off_topic" and (self.closest_question is not None or self.probability < CLEARLY_OFF_TOPIC)


class Specificity(BaseModel):
    numbers: int = 0
    named_things: int = 0
    quantified_results: int = 0
    examples: list[str] = Field(default_factory=list)
    # Share of the answer's sentences that hold a checkable detail (a number or a name): a fluent answer that never
    # says what, who or how much is vague however well it flows.
    concrete_share: float = 0.0


class AnswerFeatures(BaseModel):
    word_count: int
    duration_s: float
    pace_wpm: float
    filler_count: int
    fillers_per_min: float
    fillers: dict[str, int] = Field(default_factory=dict)
    pauses: PauseStats = Field(default_factory=PauseStats)
    hedge_count: int = 0
    hedges: list[str] = Field(default_factory=list)
    sentence_count: int = 0
    mean_sentence_words: float = 0.0
    specificity: Specificity = Field(default_factory=Specificity)
    star: StarStructure = Field(default_factory=StarStructure)
    key_points: list[KeyPointCoverage] = Field(default_factory=list)
    coverage: float | None = None  # expected share of key points made (mean probability); None without key points
    tone: ToneEstimate | None = None
    relevance: Relevance | None = None  # None without an embedder
    vague_phrases: list[str] = Field(default_factory=list)  # "a lot of things", "stuff like that": said, not shown
    lesson: str = ""  # the sentence that says what the candidate learned or would do differently


# -- scores ---------------------------------------------------------------------------------------------------------
class DimensionScore(BaseModel):
    score: int = Field(ge=0, le=100)
    confidence: float = Field(ge=0, le=1)
    level: ConfidenceLevel
    evidence: list[str] = Field(default_factory=list)  # quotes and counts that drove the score


class Scores(BaseModel):
    content: DimensionScore
    structure: DimensionScore
    clarity: DimensionScore
    confidence: DimensionScore
    # An answer to another question cannot do well overall, however well it is delivered (rubric `relevance`).
    overall_max: int | None = Field(default=None, ge=0, le=100)
    # The rubric's weight of each dimension in the overall score (rubric `overall`); None weighs them equally.
    overall_weights: dict[str, float] | None = None

    def overall(self) -> int:
        weights = self.overall_weights or dict.fromkeys(DIMENSIONS, 1.0)
        total = sum(weights.get(d, 0.0) for d in DIMENSIONS)
        mean = round(sum(weights.get(d, 0.0) * getattr(self, d).score for d in DIMENSIONS) / total)
        return min(mean, self.overall_max) if self.overall_max is not None else mean


class RubricRef(BaseModel):
    id: str
    version: str


class AnswerScore(BaseModel):
    """The score_answer function's document: one per (session, question)."""

    v: int = SCHEMA_VERSION
    id: str
    session_id: str
    question_id: str
    question_index: int = 0
    rubric: RubricRef
    features: AnswerFeatures
    scores: Scores
    overall: int
    # With an LLM configured, evaluate_answer re-scores with the model's judgement of relevance and key points
    # (rehearse/feedback/evaluation/judgement.py); the scores from the measured features alone are kept beside them.
    judged_by: str = ""  # the model whose judgement the scores combine, or "" for the features alone
    feature_scores: Scores | None = None


# -- evaluation, summaries, report ---------------------------------------------------------------------------------
class Rewrite(BaseModel):
    original: str
    improved: str


class JudgedPoint(BaseModel):
    point: str
    covered: bool
    quote: str = ""  # the candidate's words that make the point, verified to be in the transcript


class Judgement(BaseModel):
    """An LLM's judgement of relevance and key-point coverage, validated against the transcript."""

    answers_question: Literal["yes", "partly", "no"]
    reason: str = ""
    key_points: list[JudgedPoint] = Field(default_factory=list)
    discarded: list[str] = Field(default_factory=list)  # what validation dropped, and why


class Evaluation(BaseModel):
    """Contextual feedback on one answer, from an LLM or the deterministic evaluator."""

    v: int = SCHEMA_VERSION
    id: str = ""
    session_id: str = ""
    question_id: str = ""
    strengths: list[str] = Field(default_factory=list, max_length=5)
    improvements: list[str] = Field(default_factory=list, max_length=5)
    rewrite: Rewrite | None = None
    example_phrasing: str = ""
    source: Literal["llm", "deterministic"] = "deterministic"
    fallback_reason: str | None = None  # why the LLM was not used, when it was asked for
    model: str = ""
    judgement: Judgement | None = None  # the LLM's judgement of relevance and key points, when it gave a valid one


class FollowUpNote(BaseModel):
    """A follow-up as the summary and the report show it: what was asked, what it targeted, and what its answer
    added (one line, e.g. 'Named the result after the prompt: "errors fell by a third"', or 'Added nothing new')."""

    n: int
    text: str
    targets: str
    revealed: str = ""


class QuestionSummary(BaseModel):
    v: int = SCHEMA_VERSION
    id: str
    session_id: str
    question_id: str
    question_index: int
    question_text: str
    bullets: list[str]  # short bullets, never paragraphs
    strong: list[str] = Field(default_factory=list)
    improve: list[str] = Field(default_factory=list)
    rewrite: Rewrite | None = None
    overall: int | None = None
    follow_ups: list[FollowUpNote] = Field(default_factory=list)  # asked during this answer, in order


class QuestionBreakdown(BaseModel):
    question_id: str
    question_index: int
    question_text: str
    overall: int
    scores: Scores
    pace_wpm: float
    fillers_per_min: float
    word_count: int
    follow_ups: list[FollowUpNote] = Field(default_factory=list)


class TimelinePoint(BaseModel):
    question_index: int
    minute: float  # minutes into the answer
    pace_wpm: float
    fillers_per_min: float


class Report(BaseModel):
    v: int = SCHEMA_VERSION
    id: str
    session_id: str
    rubric: RubricRef
    scores: Scores
    overall: int
    questions: list[QuestionBreakdown]
    timeline: list[TimelinePoint]
    recommendations: list[str]
    example_phrasing: Rewrite | None = None
    weakest_question_id: str | None = None
    evaluator: str = "deterministic"
