"""The signals a rubric can weigh: each reads one raw value from the features, and the facts its evidence lines quote."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rehearse.domain.analysis_model import AnswerFeatures
from rehearse.feedback.scoring.features import TextAnalysis
from rehearse.feedback.scoring.pace import per_minute
from rehearse.feedback.scoring.star import PARTS

if TYPE_CHECKING:
    from rehearse.feedback.scoring.rubric import SignalRule

Facts = dict[str, object]
_FULL_WALKTHROUGH_STEPS = 3  # "first ... then ... finally": three ordered steps make a complete walkthrough
PROMPTED = " (after a prompt)"  # ends an evidence line whose quote was said only after a follow-up


@dataclass(frozen=True)
class Reading:
    raw: float | None  # None when this answer cannot show the signal (no timings, no embedder, no key points)
    facts: Facts
    # fact -> what ends every evidence line that uses it: the mark of a quote said only after a follow-up
    notes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Signal:
    fields: dict[str, type]  # the names an evidence template may use, and their types (for format specs)
    read: Callable[[AnswerFeatures, TextAnalysis, SignalRule], Reading]
    unit: str  # what the raw value is, for docs/rubrics.md and error messages


def _coverage(features: AnswerFeatures, _: TextAnalysis, __: SignalRule) -> Reading:
    points = features.key_points
    covered = [p for p in points if p.state == "covered"]
    missed = [p for p in points if p.state == "missed"]
    unclear = [p for p in points if p.state == "unclear"]
    prompted = [p for p in covered if p.after_follow_up]
    # The best point volunteered; a point made only after a follow-up when no other was made, and marked so.
    best = max((p for p in covered if not p.after_follow_up), key=lambda p: p.probability, default=None)
    best = best or max(prompted, key=lambda p: p.probability, default=None)
    disagreed = [p for p in points if p.disagreement]
    notes = {"covered": f" (after a follow-up: {_listed(p.point for p in prompted)})"} if prompted else {}
    if best is not None and best.after_follow_up:
        notes["best_quote"] = PROMPTED
    return Reading(
        raw=features.coverage,
        facts={
            "covered": len(covered),
            "total": len(points),
            "percent": round(100 * (features.coverage or 0)),
            "covered_points": _listed(p.point for p in covered),
            "missed_points": _listed(p.point for p in missed),
            "unclear_points": _listed(p.point for p in unclear),
            "best_point": best.point if best else "",
            "best_quote": best.best_sentence if best else "",
            "disagreed_points": _listed(p.point for p in disagreed),
        },
        notes=notes,
    )


def _key_point_similarity(features: AnswerFeatures, _: TextAnalysis, __: SignalRule) -> Reading:
    if not features.key_points:
        return Reading(raw=None, facts={"mean": 0.0})
    mean = round(sum(p.similarity for p in features.key_points) / len(features.key_points), 3)
    return Reading(raw=mean, facts={"mean": mean})


def _specificity(features: AnswerFeatures, analysis: TextAnalysis, __: SignalRule) -> Reading:
    details = features.specificity
    # A measured result is worth more than a bare number: it is the specific an interviewer remembers.
    specifics = details.numbers + details.named_things + 2 * details.quantified_results
    first = analysis.quantified_results[0] if analysis.quantified_results else None
    result = first.quote if first else ""
    examples = [e for e in details.examples if e != result]
    transcript = analysis.transcript
    prompted = first is not None and transcript.sentence_after_follow_up(transcript.sentences[first.sentence]) > 0
    return Reading(
        raw=float(specifics),
        facts={
            "specifics": specifics,
            "numbers": details.numbers,
            "named_things": details.named_things,
            "quantified_results": details.quantified_results,
            "examples": _listed(examples[:5]),
            "result_quote": result,
        },
        notes={"result_quote": PROMPTED} if prompted else {},
    )


def _concreteness(features: AnswerFeatures, _: TextAnalysis, __: SignalRule) -> Reading:
    share = features.specificity.concrete_share
    return Reading(raw=share, facts={"percent": round(100 * share)})


def _length(features: AnswerFeatures, _: TextAnalysis, __: SignalRule) -> Reading:
    return Reading(raw=float(features.word_count), facts={"words": features.word_count, "seconds": round(features.duration_s)})


def _star_parts(features: AnswerFeatures, _: TextAnalysis, __: SignalRule) -> Reading:
    star = features.star
    found = [part for part in PARTS if getattr(star, part)]
    facts: Facts = {
        "count": len(found),
        "found": ", ".join(found) or "none",
        "missing": ", ".join(p for p in PARTS if p not in found),
    }
    for part in PARTS:
        facts[f"{part}_quote"] = star.evidence.get(part, "")
    prompted = [part for part in found if part in star.after_follow_up]
    notes = {f"{part}_quote": PROMPTED for part in prompted}
    if prompted:
        notes["found"] = f" ({', '.join(prompted)} after a follow-up)"
    return Reading(raw=float(len(found)), facts=facts, notes=notes)


def _star_order(features: AnswerFeatures, analysis: TextAnalysis, __: SignalRule) -> Reading:
    star = features.star
    parts = sum(getattr(star, part) for part in PARTS)
    agreement = analysis.star_order_agreement
    if star.in_order:
        raw = 1.0
    elif parts >= 2:
        raw = round(0.8 * agreement, 3)  # out of order never earns full marks, however little it goes back
    else:
        raw = None  # one part alone tells no story to put in order; `shape` already counts the missing parts
    return Reading(raw=raw, facts={"order": "in order" if star.in_order else "out of order", "agreement": agreement})


def _shape(features: AnswerFeatures, analysis: TextAnalysis, rule: SignalRule) -> Reading:
    """The better of two ways to organise an answer: a story (STAR parts, discounted when out of order) or a
    walkthrough of signposted steps ("first ... then ... finally"), so a design answer is not judged as a story."""
    star = features.star
    parts = sum(getattr(star, part) for part in PARTS)
    order = 1.0 if star.in_order else 0.8 * analysis.star_order_agreement if parts >= 2 else 1.0
    story = parts / len(PARTS) * order
    steps = min(len(set(analysis.organisation.signposts)), _FULL_WALKTHROUGH_STEPS) / _FULL_WALKTHROUGH_STEPS
    kind = "story" if story >= steps else "walkthrough"
    facts: Facts = {"kind": kind, "story": round(story, 2), "steps": round(steps, 2)}
    return Reading(raw=round(max(story, steps), 3), facts=facts)


def _signposts(_: AnswerFeatures, analysis: TextAnalysis, __: SignalRule) -> Reading:
    markers = analysis.organisation.signposts
    return Reading(raw=float(len(markers)), facts={"count": len(markers), "markers": _listed(dict.fromkeys(markers))})


def _digressions(_: AnswerFeatures, analysis: TextAnalysis, __: SignalRule) -> Reading:
    found = analysis.organisation.digressions
    return Reading(raw=float(len(found)), facts={"count": len(found), "examples": _listed(dict.fromkeys(found))})


def _pace(features: AnswerFeatures, analysis: TextAnalysis, rule: SignalRule) -> Reading:
    low, high = rule.target or (0.0, float("inf"))
    wpm = features.pace_wpm
    comparison = "below" if wpm < low else "above" if wpm > high else "within"
    facts: Facts = {"wpm": round(wpm), "low": _plain(low), "high": _plain(high), "comparison": comparison}
    return Reading(raw=None if analysis.timing.estimated else wpm, facts=facts)


def _fillers(features: AnswerFeatures, _: TextAnalysis, __: SignalRule) -> Reading:
    breakdown = ", ".join(f"{kind} x{n}" for kind, n in _by_count(Counter(features.fillers)))
    return Reading(
        raw=features.fillers_per_min,
        facts={"per_min": features.fillers_per_min, "count": features.filler_count, "breakdown": breakdown or "none"},
    )


def _sentence_length(features: AnswerFeatures, analysis: TextAnalysis, __: SignalRule) -> Reading:
    transcript = analysis.transcript
    longest = max(transcript.spoken_sentence_words, default=0)
    facts: Facts = {"sentences": features.sentence_count, "mean_words": features.mean_sentence_words, "longest": longest}
    # Without punctuation the sentences are our own cuts, so their length says nothing about the speaker.
    return Reading(raw=features.mean_sentence_words if transcript.punctuated else None, facts=facts)


def _pauses(features: AnswerFeatures, analysis: TextAnalysis, __: SignalRule) -> Reading:
    pauses = features.pauses
    rate = per_minute(pauses.count, features.duration_s)
    facts: Facts = {"count": pauses.count, "per_min": rate, "longest": pauses.longest_s, "total": pauses.total_s}
    return Reading(raw=None if not analysis.transcript.timed else rate, facts=facts)


def _hedges(features: AnswerFeatures, analysis: TextAnalysis, __: SignalRule) -> Reading:
    per_100 = round(100 * features.hedge_count / max(features.word_count, 1), 2)
    breakdown = ", ".join(f'"{kind}" x{n}' for kind, n in _by_count(Counter(h.kind for h in analysis.hedges)))
    return Reading(
        raw=per_100,
        facts={
            "count": features.hedge_count,
            "per_100_words": per_100,
            "breakdown": breakdown or "none",
            "quote": features.hedges[0] if features.hedges else "",
        },
    )


def _tone(features: AnswerFeatures, _: TextAnalysis, rule: SignalRule) -> Reading:
    tone = features.tone
    if tone is None:
        return Reading(raw=None, facts={"label": "", "probability": 0.0, "model": ""})
    values = rule.values or {}
    # The expected value over the model's probabilities, so that a hesitant-leaning "neutral" scores below a sure one.
    raw = sum(p * values.get(label, 0.0) for label, p in tone.probabilities.items())
    return Reading(
        raw=round(raw, 3),
        facts={"label": tone.label, "probability": round(tone.probabilities.get(tone.label, 0.0), 2), "model": tone.model},
    )


def _vagueness(features: AnswerFeatures, _: TextAnalysis, __: SignalRule) -> Reading:
    per_100 = round(100 * len(features.vague_phrases) / max(features.word_count, 1), 2)
    return Reading(
        raw=per_100,
        facts={"count": len(features.vague_phrases), "per_100_words": per_100, "examples": _listed(dict.fromkeys(features.vague_phrases[:4]))},
    )


def _assertive(_: AnswerFeatures, analysis: TextAnalysis, __: SignalRule) -> Reading:
    found = analysis.organisation.assertive
    return Reading(raw=float(len(found)), facts={"count": len(found), "quote": found[0] if found else ""})


_QUOTES = {f"{part}_quote": str for part in PARTS}
SIGNALS: dict[str, Signal] = {
    "coverage": Signal({"covered": int, "total": int, "percent": int, "covered_points": str, "missed_points": str, "unclear_points": str, "best_point": str, "best_quote": str, "disagreed_points": str}, _coverage, "expected share of key points made (mean probability), 0-1"),
    "key_point_similarity": Signal({"mean": float}, _key_point_similarity, "mean best cosine similarity over key points, 0-1"),
    "specificity": Signal({"specifics": int, "numbers": int, "named_things": int, "quantified_results": int, "examples": str, "result_quote": str}, _specificity, "numbers + named things + 2 x quantified results"),
    "length": Signal({"words": int, "seconds": int}, _length, "words"),
    "concreteness": Signal({"percent": int}, _concreteness, "share of sentences with a number or a name, 0-1"),
    "star_parts": Signal({"count": int, "found": str, "missing": str, **_QUOTES}, _star_parts, "STAR parts present, 0-4"),
    "star_order": Signal({"order": str, "agreement": float}, _star_order, "1 in order; else 0.8 x share of sentence pairs in STAR order"),
    "shape": Signal({"kind": str, "story": float, "steps": float}, _shape, "max(STAR parts / 4 x order, signposted steps / 3), 0-1"),
    "signposts": Signal({"count": int, "markers": str}, _signposts, "sentences opened by an ordering marker"),
    "digressions": Signal({"count": int, "examples": str}, _digressions, "backtracking markers"),
    "pace": Signal({"wpm": int, "low": str, "high": str, "comparison": str}, _pace, "words per minute"),
    "fillers": Signal({"per_min": float, "count": int, "breakdown": str}, _fillers, "fillers per minute"),
    "sentence_length": Signal({"sentences": int, "mean_words": float, "longest": int}, _sentence_length, "mean words per sentence"),
    "pauses": Signal({"count": int, "per_min": float, "longest": float, "total": float}, _pauses, "pauses over 1 s per minute"),
    "hedges": Signal({"count": int, "per_100_words": float, "breakdown": str, "quote": str}, _hedges, "hedges per 100 words"),
    "tone": Signal({"label": str, "probability": float, "model": str}, _tone, "expected value of the tone labels' values, 0-1"),
    "vagueness": Signal({"count": int, "per_100_words": float, "examples": str}, _vagueness, "vague phrases per 100 words"),
    "assertive": Signal({"count": int, "quote": str}, _assertive, "unhedged first-person statements of action"),
}  # fmt: skip


def _listed(items: Iterable[str]) -> str:
    return "; ".join(f'"{item}"' for item in items)


def _by_count(counts: Counter[str]) -> list[tuple[str, int]]:
    """Most frequent first, then alphabetical: the same counts always print the same way."""
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def _plain(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
