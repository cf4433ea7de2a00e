"""An answer's features: everything the rubric scores, measured once from the words, their timings and the models."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from rehearse.domain.analysis_model import AnswerFeatures, AnswerText, KeyPointCoverage, Relevance, Specificity, ToneEstimate
from rehearse.feedback.scoring import relevance as relevance_rule
from rehearse.feedback.scoring.coverage import (
    PointSet,
    PointSpec,
    covered_share,
    gated,
    key_point_coverage,
    point_specs,
    static_texts,
)
from rehearse.feedback.scoring.embedding_cache import cache_for
from rehearse.feedback.scoring.fillers import Filler, filler_counts, find_fillers
from rehearse.feedback.scoring.hedges import Hedge, find_hedges
from rehearse.feedback.scoring.organisation import Organisation, organisation
from rehearse.feedback.scoring.pace import Timing, long_pauses, per_minute, speaking_time
from rehearse.feedback.scoring.specificity import QuantifiedResult, specificity
from rehearse.feedback.scoring.star import (
    SentenceRole,
    lesson_sentence,
    order_agreement,
    sentence_norms,
    sentence_roles,
    star_structure,
)
from rehearse.feedback.scoring.substance import content_stems, has_substance
from rehearse.feedback.scoring.text import Transcript, split_answer
from rehearse.feedback.scoring.vagueness import find_vague_phrases
from rehearse.ports import Embedder, ToneModel

_MIN_CANDIDATE_WORDS = 3  # "Yes." or "So." makes no point in particular


@dataclass(frozen=True)
class TextAnalysis:
    """What the text alone tells, with the positions and quotes behind each count (cheap: about a millisecond)."""

    transcript: Transcript
    timing: Timing
    fillers: list[Filler]
    filler_counts: Counter[str]
    hedges: list[Hedge]
    specificity: Specificity
    quantified_results: list[QuantifiedResult]
    roles: list[SentenceRole]
    organisation: Organisation
    norms: list[str]  # each sentence in lower case without punctuation or hesitations
    vague_phrases: list[str]

    @property
    def star_order_agreement(self) -> float:
        return order_agreement(self.roles)


def analyse_text(answer: AnswerText) -> TextAnalysis:
    """Everything the words tell without a model: tokens, fillers, hedges, specifics, STAR roles, organisation."""
    transcript = split_answer(answer)
    fillers = find_fillers(transcript)
    hedges = find_hedges(transcript)
    details, results = specificity(transcript)
    norms = sentence_norms(transcript)
    roles = sentence_roles(transcript, norms, {r.sentence for r in results})
    borrowed = content_stems(" ".join(answer.key_points))
    return TextAnalysis(
        transcript=transcript,
        timing=speaking_time(transcript),
        fillers=fillers,
        filler_counts=filler_counts(fillers, answer.fillers),
        hedges=hedges,
        specificity=details,
        quantified_results=results,
        roles=roles,
        organisation=organisation(transcript, norms, hedges, borrowed),
        norms=norms,
        vague_phrases=find_vague_phrases(norms),
    )


def extract_features(answer: AnswerText, embedder: Embedder | None, tone: ToneModel | None) -> AnswerFeatures:
    """The answer's features; without an embedder coverage is None, without a tone model tone is None."""
    analysis = analyse_text(answer)
    return features_from(answer, analysis, embedder, tone)


def features_from(
    answer: AnswerText, analysis: TextAnalysis, embedder: Embedder | None, tone: ToneModel | None
) -> AnswerFeatures:
    transcript = analysis.transcript
    words = transcript.spoken_words
    filler_total = sum(analysis.filler_counts.values())
    readings = model_readings(answer, analysis, embedder, tone if words else None)
    coverage, relevance, tone_estimate = readings.coverage, readings.relevance, readings.tone
    return AnswerFeatures(
        word_count=len(words),
        duration_s=analysis.timing.duration_s,
        pace_wpm=analysis.timing.pace_wpm,
        filler_count=filler_total,
        fillers_per_min=per_minute(filler_total, analysis.timing.duration_s),
        fillers=dict(analysis.filler_counts.most_common()),
        pauses=long_pauses(transcript),
        hedge_count=len(analysis.hedges),
        hedges=[h.quote for h in analysis.hedges],
        sentence_count=_sentence_count(transcript),
        mean_sentence_words=round(len(words) / _sentence_count(transcript), 1) if transcript.sentences else 0.0,
        specificity=analysis.specificity,
        star=star_structure(transcript, analysis.roles),
        key_points=coverage,
        coverage=covered_share(coverage),
        tone=tone_estimate,
        relevance=relevance,
        vague_phrases=analysis.vague_phrases,
        lesson=lesson_sentence(transcript, analysis.norms),
    )


@dataclass(frozen=True)
class SentenceInputs:
    """The answer's candidate sentences as the models see them, with the question's key points beside."""

    candidates: list[str]
    norms: list[str]
    vectors: np.ndarray
    specs: list[PointSpec]
    static_vectors: np.ndarray  # the key points' and their examples' embeddings
    substantial: list[bool]
    borrowed: set[str]
    turns: tuple[int, ...] = ()  # per candidate: the follow-up it was said after, 0 before any (empty: none asked)


def sentence_inputs(answer: AnswerText, analysis: TextAnalysis, embedder: Embedder) -> SentenceInputs | None:
    """ONE embedder call for the answer's sentences (the question's texts are cached); None when nothing was said."""
    transcript = analysis.transcript
    chosen = [i for i, s in enumerate(transcript.sentences) if len(s.text.split()) >= _MIN_CANDIDATE_WORDS]
    chosen = chosen or list(range(len(transcript.sentences)))
    if not chosen:
        return None
    candidates = [transcript.sentences[i].text for i in chosen]
    norms = [analysis.norms[i] for i in chosen]
    specs = point_specs(answer.key_points, answer.key_point_examples)
    vectors, static_vectors = cache_for(embedder).embed_with(candidates, static_texts(specs))
    borrowed = content_stems(" ".join(answer.key_points))
    substantial = [has_substance(n, borrowed) for n in norms]
    turns = tuple(transcript.sentence_after_follow_up(transcript.sentences[i]) for i in chosen) if transcript.follow_up_starts else ()
    return SentenceInputs(candidates, norms, vectors, specs, static_vectors, substantial, borrowed, turns)


def measured_relevance(answer: AnswerText, inputs: SentenceInputs, embedder: Embedder) -> Relevance:
    own = PointSet([inputs.specs]) if inputs.specs else None
    return relevance_rule.measure(answer, inputs.norms, inputs.vectors, inputs.substantial, own, inputs.static_vectors, cache_for(embedder))


@dataclass(frozen=True)
class ModelReadings:
    """What the models read in an answer, and the sentence inputs they read it from (so a caller that needs more
    from the same embeddings, such as the follow-up decision, does not embed the answer again)."""

    coverage: list[KeyPointCoverage]
    relevance: Relevance | None
    tone: ToneEstimate | None
    inputs: SentenceInputs | None = None
    gate: float = 1.0  # the share of a key point's probability that counts, given the answer's relevance


def model_readings(answer: AnswerText, analysis: TextAnalysis, embedder: Embedder | None, tone: ToneModel | None) -> ModelReadings:
    """Coverage, relevance and tone from the same sentence embeddings: embedding is nearly all of score_answer's
    time. The tone model was trained on single utterances, so it reads the answer sentence by sentence."""
    if embedder is None:
        return ModelReadings([], None, tone.classify(answer_text(analysis.transcript), answer.prosody) if tone is not None else None)
    inputs = sentence_inputs(answer, analysis, embedder)
    if inputs is None:
        return ModelReadings([], None, None)
    coverage = key_point_coverage(
        inputs.specs, inputs.candidates, inputs.norms, inputs.vectors, inputs.static_vectors, inputs.borrowed, turns=inputs.turns
    )
    relevance = measured_relevance(answer, inputs, embedder)
    # Off topic, nothing made counts for this question; unclear, half of it at least.
    gate = 0.0 if relevance.state == "off_topic" else 0.5 + 0.5 * relevance_rule.addressed(relevance)
    tone_estimate = tone.classify_sentences(inputs.candidates, inputs.vectors, answer.prosody) if tone is not None else None
    return ModelReadings(gated(coverage, gate), relevance, tone_estimate, inputs, gate)


def _sentence_count(transcript: Transcript) -> int:
    """The speaker's sentences as punctuated; our own cuts when the text has no punctuation."""
    return len(transcript.spoken_sentence_words) or len(transcript.sentences)


def answer_text(transcript: Transcript) -> str:
    """The answer as one text, in the recognizer's words and punctuation."""
    return " ".join(t.raw for t in transcript.tokens)
