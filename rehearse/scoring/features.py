"""An answer's features: everything the rubric scores, measured once from the words, their timings and the models."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from rehearse.analysis_model import AnswerFeatures, AnswerText, KeyPointCoverage, Specificity, ToneEstimate
from rehearse.ports import Embedder, ToneModel
from rehearse.scoring.coverage import clean_points, coverage_candidates, coverage_from_vectors, covered_share
from rehearse.scoring.fillers import Filler, filler_counts, find_fillers
from rehearse.scoring.hedges import Hedge, find_hedges
from rehearse.scoring.organisation import Organisation, organisation
from rehearse.scoring.pace import Timing, long_pauses, per_minute, speaking_time
from rehearse.scoring.specificity import QuantifiedResult, specificity
from rehearse.scoring.star import SentenceRole, order_agreement, sentence_norms, sentence_roles, star_structure
from rehearse.scoring.text import Transcript, split_answer


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
    return TextAnalysis(
        transcript=transcript,
        timing=speaking_time(transcript),
        fillers=fillers,
        filler_counts=filler_counts(fillers, answer.fillers),
        hedges=hedges,
        specificity=details,
        quantified_results=results,
        roles=roles,
        organisation=organisation(transcript, norms, hedges),
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
    sentence_texts = [s.text for s in transcript.sentences]
    filler_total = sum(analysis.filler_counts.values())
    coverage, tone_estimate = _coverage_and_tone(
        sentence_texts, answer, embedder, tone if words else None, answer_text(transcript)
    )
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
    )


def _coverage_and_tone(
    sentences: list[str], answer: AnswerText, embedder: Embedder | None, tone: ToneModel | None, text: str
) -> tuple[list[KeyPointCoverage], ToneEstimate | None]:
    """Both from ONE embedder call: the sentences' embeddings serve key-point coverage and, sentence by sentence
    (the tone model was trained on single utterances), the tone; embedding is nearly all of score_answer's time."""
    if embedder is None:
        return [], tone.classify(text, answer.prosody) if tone is not None else None
    candidates, points = coverage_candidates(sentences), clean_points(answer.key_points)
    if not candidates:
        return [], None
    vectors = np.asarray(embedder.embed([*candidates, *points]), dtype=np.float32)
    coverage = coverage_from_vectors(candidates, points, vectors)
    tone_estimate = tone.classify_sentences(candidates, vectors[: len(candidates)], answer.prosody) if tone is not None else None
    return coverage, tone_estimate


def _sentence_count(transcript: Transcript) -> int:
    """The speaker's sentences as punctuated; our own cuts when the text has no punctuation."""
    return len(transcript.spoken_sentence_words) or len(transcript.sentences)


def answer_text(transcript: Transcript) -> str:
    """The answer as one text, in the recognizer's words and punctuation."""
    return " ".join(t.raw for t in transcript.tokens)
