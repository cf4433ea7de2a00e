"""Rewrites one weak sentence of an answer: fillers and hedges out, tighter, first person and active where a rule allows."""

from __future__ import annotations

import re

from rehearse.domain.analysis_model import AnswerFeatures, Rewrite
from rehearse.feedback.evaluation.wording import padding_in, sentences_of, strip_padding, tidy, words_of

RESULT_PLACEHOLDER = "[the result, e.g. 'which cut release time from two weeks to three days']"
DETAIL_PLACEHOLDER = "[a number, e.g. 'for 40 customers' or 'in two weeks']"
LONG_SENTENCE_WORDS = 28  # longer than this, the rewrite splits the sentence in two
_MIN_SPLIT_WORDS = 8

# Wordy phrases and their plain forms.
_TIGHTER: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), plain)
    for pattern, plain in (
        (r"\bin order to\b", "to"),
        (r"\bdue to the fact that\b", "because"),
        (r"\bat this point in time\b", "now"),
        (r"\bat the end of the day,?\s*", ""),
        (r"\bthe thing is,?\s*(that\s+)?", ""),
        (r"\bwhat (?:i|we) did was,?\s+(i|we)\b", r"\1"),
        # "took like two weeks": a filler before a number; the rewrite drops it rather than put words in their mouth.
        (r"\blike (?=(?:\d|a few|several|one|two|three|four|five|six|seven|eight|nine|ten|twenty|fifty|a hundred)\b)", ""),
        # Transcripts keep stutters ("I I went"); the rewrite says each word once.
        (r"\b(i|we|the|a|an|and|so|to|it|my|our)(?:\s+\1\b)+", r"\1"),
    )
)

# Past participle -> simple past, for "X was built by me" -> "I built X".
_IRREGULAR_PAST = {
    "begun": "began", "brought": "brought", "built": "built", "chosen": "chose", "cut": "cut", "done": "did",
    "drawn": "drew", "driven": "drove", "found": "found", "given": "gave", "held": "held", "kept": "kept",
    "known": "knew", "led": "led", "made": "made", "put": "put", "run": "ran", "seen": "saw", "sent": "sent",
    "set": "set", "shown": "showed", "spent": "spent", "spoken": "spoke", "taken": "took", "taught": "taught",
    "thought": "thought", "won": "won", "written": "wrote",
}  # fmt: skip
_PASSIVE_BY_ME = re.compile(r"^(?P<what>.+?)\s+(?:was|were)\s+(?P<verb>[a-z]+)\s+by me\b(?P<rest>.*)$", re.IGNORECASE)
_LOWER_OPENERS = frozenset({"the", "a", "an", "this", "that", "these", "those", "our", "my", "its", "their", "each", "every"})


def _active(sentence: str) -> str:
    """'The migration was led by me.' -> 'I led the migration.'; anything else is left as it is."""
    m = _PASSIVE_BY_ME.match(sentence.rstrip(".!?"))
    if not m:
        return sentence
    participle = m.group("verb").lower()
    past = _IRREGULAR_PAST.get(participle, participle if participle.endswith("ed") else None)
    if past is None:
        return sentence
    what = m.group("what")
    first, _, others = what.partition(" ")
    if first.lower() in _LOWER_OPENERS:
        what = " ".join(filter(None, [first.lower(), others]))
    return f"I {past} {what}{m.group('rest')}."


def _split_long(sentence: str) -> str:
    """A sentence over LONG_SENTENCE_WORDS words becomes two, cut at its first joining 'and' after a few words."""
    words = words_of(sentence)
    if len(words) <= LONG_SENTENCE_WORDS:
        return sentence
    for i in range(_MIN_SPLIT_WORDS, len(words) - _MIN_SPLIT_WORDS):
        previous, word = words[i - 1], words[i].lower()
        if word == "and" and (previous.endswith(",") or words[i + 1].lower() in {"then", "so"}):
            head = " ".join(words[:i]).rstrip(",")
            tail = " ".join(words[i + 1 :])
            return f"{tidy(head)} {tidy(tail)}"
    return sentence


def tighten(sentence: str) -> str:
    """The sentence without fillers, hedges and wordy phrases; active and split in two where simple rules allow."""
    text, _ = strip_padding(sentence)
    for pattern, plain in _TIGHTER:
        text = pattern.sub(plain, text)
    return _split_long(_active(tidy(text)))


def weakest_sentence(sentences: list[str]) -> str | None:
    """The sentence with the most fillers and hedges; without any, the longest; ties go to the earlier one."""
    if not sentences:
        return None
    ranked = sorted(enumerate(sentences), key=lambda item: (-len(padding_in(item[1])), -len(words_of(item[1])), item[0]))
    return ranked[0][1]


def _with_placeholder(sentence: str, placeholder: str) -> str:
    return f"{sentence.rstrip('.!?')} {placeholder}."


# Words a rule may bring in: "I" for "by me", "because" for "due to the fact that", "now" for "at this point in time".
_MAY_ADD = frozenset({"i", "because", "now", "to"})
_PLACEHOLDER = re.compile(r"\[[^\]]*\]")


def _said_words(text: str) -> list[str]:
    return [w for w in (re.sub(r"[^a-z0-9'%$]", "", w.lower()) for w in _PLACEHOLDER.sub(" ", text).split()) if w]


def faithful(original: str, improved: str) -> bool:
    """The improved sentence says nothing the candidate did not: every word of it (bracketed placeholders aside) is
    one of the original's, or one a rule may add, and it is no more than one sentence longer (a split, never a join)."""
    available = _said_words(original)
    for word in _said_words(improved):
        if word in available:
            available.remove(word)
        elif word not in _MAY_ADD:
            return False
    return len(re.findall(r"[.!?](?:\s|$)", _PLACEHOLDER.sub("", improved))) <= 2


def rewrite_answer(text: str, features: AnswerFeatures) -> Rewrite | None:
    """One weak sentence of the candidate's own words and its better version, or None when no sentence is worth
    changing. The rewrite only removes, tightens and splits: it never joins two sentences and never invents."""
    original = weakest_sentence(sentences_of(text))
    if original is None:
        return None
    improved = tighten(original)
    if not faithful(original, improved):
        improved = tidy(strip_padding(original)[0])
    changed = improved != tidy(original)
    if not features.star.result:
        improved = _with_placeholder(improved, RESULT_PLACEHOLDER)
    elif not changed and features.specificity.numbers == 0 and features.specificity.quantified_results == 0:
        improved = _with_placeholder(improved, DETAIL_PLACEHOLDER)
    elif not changed:
        return None
    return Rewrite(original=original, improved=improved)
