"""Plain-text tools for feedback: an answer's sentences, the fillers and hedges in them, short quotes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from rehearse.domain.analysis_model import AnswerText
from rehearse.domain.fillers import HESITATIONS

# After these words "kind of" / "sort of" mean a type of thing ("what kind of tool"), not a hedge.
_DETERMINERS = frozenset(
    {"what", "which", "this", "that", "the", "a", "an", "any", "some", "every", "one", "no", "same", "other", "each",
     "my", "our", "your", "their", "his", "her", "its", "these", "those", "all", "different", "right", "wrong"}
)  # fmt: skip
# "I think about users" is about thinking, not a hedge.
_THINKING_ABOUT = frozenset({"about", "of", "through", "over", "back", "ahead", "carefully", "hard", "differently"})
# Openers a candidate says before the first real word of a sentence.
_OPENERS = HESITATIONS | {"so", "well", "yeah", "okay", "ok", "like"}


@dataclass(frozen=True)
class Padding:
    """A phrase that adds no meaning to an answer: a filler ('um', 'you know') or a hedge ('I think', 'maybe')."""

    phrase: str
    kind: Literal["filler", "hedge"]
    not_after: frozenset[str] = frozenset()  # the phrase means something real after these words
    not_before: frozenset[str] = frozenset()  # ... or before these ("so far", "so that")
    at_start_only: bool = False  # only a filler when it opens the sentence ("So, we ..."), not inside it
    comma_after: bool = False  # only a filler when a comma follows ("like," is a filler, "like" a verb)


def _fillers() -> list[Padding]:
    hesitations = [Padding(h, "filler") for h in sorted(HESITATIONS)]
    return hesitations + [
        Padding("you know", "filler", not_after=frozenset({"do", "did", "if", "as", "what", "whether", "don't", "you"})),
        Padding("i mean", "filler", not_after=frozenset({"what", "do", "did", "you"})),
        Padding("basically", "filler"),
        Padding("literally", "filler"),
        Padding("like", "filler", comma_after=True),
        Padding(
            "so", "filler", at_start_only=True, not_before=frozenset({"far", "that", "much", "many", "long", "few", "little"})
        ),
        Padding("well", "filler", at_start_only=True, comma_after=True),
        Padding("yeah", "filler", at_start_only=True),
        Padding("okay", "filler", at_start_only=True),
    ]


def _hedges() -> list[Padding]:
    determiners = _DETERMINERS
    return [
        Padding("i'm not sure but", "hedge"),
        Padding("i am not sure but", "hedge"),
        Padding("i think that", "hedge"),
        Padding("i think", "hedge", not_after=frozenset({"what", "do", "did"}), not_before=_THINKING_ABOUT),
        Padding("i believe that", "hedge"),
        Padding("i believe", "hedge", not_before=_THINKING_ABOUT | {"in"}),
        Padding("i don't know", "hedge", comma_after=True),
        Padding("or something", "hedge"),
        Padding("i guess that", "hedge"),
        Padding("i guess", "hedge"),
        Padding("i feel like", "hedge"),
        Padding("i feel that", "hedge"),
        Padding("i would say that", "hedge"),
        Padding("i would say", "hedge"),
        Padding("i'd say", "hedge"),
        Padding("i suppose", "hedge"),
        Padding("more or less", "hedge"),
        Padding("a little bit", "hedge"),
        Padding("kind of", "hedge", not_after=determiners),
        Padding("sort of", "hedge", not_after=determiners),
        Padding("maybe", "hedge"),
        Padding("probably", "hedge"),
        Padding("perhaps", "hedge"),
        Padding("possibly", "hedge"),
        Padding("somewhat", "hedge"),
        Padding("hopefully", "hedge"),
    ]


# Longest first, so "i think that" is taken whole before "i think" could match inside it.
PADDING: tuple[Padding, ...] = tuple(sorted(_fillers() + _hedges(), key=lambda p: -len(p.phrase)))


def _pattern(padding: Padding) -> re.Pattern[str]:
    words = r",?\s+".join(re.escape(w) for w in padding.phrase.split())
    comma = r"\s*," if padding.comma_after else ""
    # pre/post capture the commas around the phrase so the tidy text keeps the right one.
    return re.compile(rf"(?P<pre>\s*,)?\s*(?<![\w'])(?P<core>{words}{comma})(?![\w'])(?P<post>\s*,)?", re.IGNORECASE)


_PATTERNS = {p: _pattern(p) for p in PADDING}
_WORD = re.compile(r"[\w']+")


def transcript_of(answer: AnswerText) -> str:
    """The answer's text; the joined words when only word timings are known."""
    return answer.text.strip() or " ".join(w.w for w in answer.words).strip()


def words_of(text: str) -> list[str]:
    return text.split()


def _plain(word: str) -> str:
    return "".join(_WORD.findall(word.lower()))


def _counts(padding: Padding, before: str, after: str) -> bool:
    previous = [_plain(w) for w in before.split() if _plain(w)]
    following = [_plain(w) for w in after.split()[:1]]
    if padding.at_start_only and any(w not in _OPENERS for w in previous):
        return False
    if following and following[0] in padding.not_before:
        return False
    return not (previous and previous[-1] in padding.not_after)


def strip_padding(sentence: str) -> tuple[str, list[str]]:
    """The sentence without its fillers and hedges, and the phrases taken out (as the candidate said them)."""
    removed: list[str] = []
    text = sentence
    for padding in PADDING:

        def cut(m: re.Match[str], padding: Padding = padding) -> str:
            if not _counts(padding, m.string[: m.start()], m.string[m.end() :]):
                return m.group(0)
            removed.append(m.group("core").rstrip(" ,"))
            # A phrase between two commas was an aside: drop both. Otherwise keep the clause's comma before it.
            keep_comma = m.group("pre") and not (m.group("post") or padding.comma_after)
            return ", " if keep_comma else " "

        text = _PATTERNS[padding].sub(cut, text)
    return (tidy(text) if removed else sentence), removed


def padding_in(sentence: str) -> list[str]:
    return strip_padding(sentence)[1]


def hedge_in(said: str) -> str:
    """The hedge in a quote of it with its context ('I think my task was, you' -> 'I think'); else its first words."""
    found = [
        (m.start("core"), m.group("core").rstrip(" ,"))
        for padding in PADDING
        if padding.kind == "hedge"
        for m in _PATTERNS[padding].finditer(said)
        if _counts(padding, said[: m.start()], said[m.end() :])
    ]
    return min(found, key=lambda f: (f[0], -len(f[1])))[1] if found else quote(said, 4)


def tidy(text: str) -> str:
    """Spaces and commas put right, 'i' capitalised, a capital first letter and a closing full stop."""
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\s+([,.;:!?])", r"\1", text)
    text = re.sub(r",(\s*,)+", ",", text)
    text = re.sub(r",\s*([.;:!?])", r"\1", text)
    text = text.lstrip(",;: ").rstrip(",;: ")
    text = re.sub(r"\bi\b", "I", text)
    text = re.sub(r"\bi'(m|ve|d|ll)\b", r"I'\1", text)
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=\S)")
_JOINERS = frozenset({"and", "so", "but", "then", "because"})
RUN_ON_WORDS = 30  # an unpunctuated transcript is cut into pieces about this long
_MIN_PIECE_WORDS = 10


def _split_run_on(sentence: str) -> list[str]:
    """Cuts a long unpunctuated stretch (the streaming recognizer writes no full stops) before its joining words."""
    words = words_of(sentence)
    if len(words) <= RUN_ON_WORDS:
        return [sentence]
    pieces: list[list[str]] = [[]]
    for word in words:
        if _plain(word) in _JOINERS and len(pieces[-1]) >= _MIN_PIECE_WORDS:
            pieces.append([])
        pieces[-1].append(word)
    if len(pieces) > 1 and len(pieces[-1]) < _MIN_PIECE_WORDS:  # a short tail belongs to the piece before it
        pieces[-2] += pieces.pop()
    return [" ".join(p) for p in pieces]


def sentences_of(text: str) -> list[str]:
    pieces = [p.strip() for p in _SENTENCE_END.split(text.strip()) if p.strip()]
    return [s for piece in pieces for s in _split_run_on(piece)]


def quote(text: str, max_words: int = 12) -> str:
    """A short quote of the candidate: at most max_words words, without its closing punctuation."""
    words = words_of(text.strip().strip("'\""))
    short = " ".join(words[:max_words])
    short = short.rstrip(".,;:!?")
    return short + "…" if len(words) > max_words else short


def shorten(text: str, limit: int) -> str:
    """The text cut at a word boundary to fewer than `limit` characters, with a closing quote if one is left open."""
    if len(text) < limit:
        return text
    cut = text[: limit - 3].rsplit(" ", 1)[0].rstrip(".,;:!? ") + "…"
    opened = len(re.findall(r"(?:^|\s)'", cut))
    closed = len(re.findall(r"\w'(?=[\s.,;:!?…]|$)", cut))
    return cut + "'" if opened > closed else cut


def distinct_said(phrases: list[str]) -> list[tuple[str, int]]:
    """Each phrase once, case-insensitively, as first said and in the order said, with how often it was said."""
    counts: dict[str, tuple[str, int]] = {}
    for phrase in phrases:
        key = phrase.strip().lower()
        said, count = counts.get(key, (phrase.strip(), 0))
        counts[key] = (said, count + 1)
    return list(counts.values())


def number(value: float) -> str:
    """4.0 -> '4', 4.46 -> '4.5': how the feedback says a rate."""
    rounded = round(value, 1)
    return str(int(rounded)) if rounded == int(rounded) else f"{rounded:.1f}"
