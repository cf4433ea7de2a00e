"""Tokens and sentences of a spoken answer, from the recognizer's timed words or from plain text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rehearse.domain.analysis_model import AnswerText, Word
from rehearse.domain.fillers import HESITATIONS

# Whisper punctuates, but a streaming recognizer or a pasted transcript may not: then sentences are cut at pauses.
# Either way a run-on is cut before a conjunction once it has grown long, so that STAR roles and key-point
# similarity work on clauses; the speaker's own sentence lengths are kept apart for clarity.
_FALLBACK_PAUSE_S = 0.5
_RUN_ON_WORDS = 24
_CUT_AFTER_WORDS = 8
_CLOCK_SLACK_S = 0.05  # recognizers may overlap neighbouring words by a few milliseconds
_CUT_BEFORE = frozenset({"and", "so", "but", "then", "because"})

_ABBREVIATIONS = frozenset({"e.g", "i.e", "mr", "mrs", "ms", "dr", "vs", "approx", "u.s", "etc.,"})
_CLOSERS = "\"')]}\u201d\u2019"
_OPENERS = "\"'([{\u201c\u2018"
_DASHES = re.compile(r"\s*(\u2014|\u2013|--|\s-\s)\s*")
_WORD_CHARS = re.compile(r"[A-Za-z0-9$%]")
_PUNCTUATION = re.compile(r"[.,!?;:]")

NUMBER_WORDS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "hundreds": 100, "thousand": 1000,
    "thousands": 1000, "million": 10**6, "millions": 10**6, "billion": 10**9, "dozen": 12, "dozens": 12, "half": 0.5,
}  # fmt: skip
# "one" is a pronoun as often as a number ("one of the", "no one"): it counts only before a unit or another number.
UNIT_WORDS = frozenset({
    "percent", "percentage", "points", "point", "x", "times", "dollars", "dollar", "euros", "pounds", "k",
    "seconds", "second", "minutes", "minute", "hours", "hour", "days", "day", "weeks", "week", "months", "month",
    "quarters", "quarter", "years", "year", "milliseconds", "ms", "people", "engineers", "customers", "users",
    "accounts", "seats", "requests", "servers", "teams", "sprints", "releases", "deals", "tickets", "incidents",
})  # fmt: skip
SUBJECT_PRONOUNS = frozenset({"i", "we", "you", "they", "he", "she", "i'd", "we'd", "you'd", "they'd", "people"})


@dataclass(frozen=True)
class Token:
    """One spoken word. `norm` is lower case without surrounding punctuation; the flags keep the punctuation's meaning."""

    index: int
    raw: str
    word: str
    norm: str
    sentence: int
    start: float | None = None
    end: float | None = None
    comma_after: bool = False
    ends_sentence: bool = False
    question_mark: bool = False

    @property
    def is_hesitation(self) -> bool:
        return self.norm in HESITATIONS


@dataclass(frozen=True)
class Sentence:
    index: int
    first: int  # token index, inclusive
    last: int  # token index, inclusive
    text: str


@dataclass(frozen=True)
class Transcript:
    """The answer cut into tokens and sentences; `timed` when every token has a recognizer timing."""

    tokens: tuple[Token, ...]
    sentences: tuple[Sentence, ...]  # clauses for analysis: punctuated sentences, run-ons cut at conjunctions
    timed: bool
    punctuated: bool  # the recognizer punctuated the text, so spoken_sentence_words is the speaker's own
    spoken_sentence_words: tuple[int, ...] = ()  # words per sentence as punctuated; empty without punctuation
    # (n, index of the first token said after follow-up n), in the order asked; empty when none was asked. A follow-up
    # ends the sentence before it, so every sentence was said either before it or after it.
    follow_up_starts: tuple[tuple[int, int], ...] = ()

    def after_follow_up(self, token_index: int) -> int:
        """The follow-up (its n) that the token was said after, or 0 when it was said before any."""
        n = 0
        for follow_up, first in self.follow_up_starts:
            if token_index >= first:
                n = follow_up
        return n

    def sentence_after_follow_up(self, sentence: Sentence) -> int:
        return self.after_follow_up(sentence.first)

    def in_sentence(self, sentence: Sentence) -> tuple[Token, ...]:
        return self.tokens[sentence.first : sentence.last + 1]

    def neighbour(self, index: int, offset: int) -> Token | None:
        """The token `offset` places away within the same sentence, or None."""
        j = index + offset
        if not 0 <= j < len(self.tokens) or self.tokens[j].sentence != self.tokens[index].sentence:
            return None
        return self.tokens[j]

    @property
    def spoken_words(self) -> list[Token]:
        """Words that count towards length and pace: every token but the hesitations (um, uh)."""
        return [t for t in self.tokens if not t.is_hesitation]


def normalize(word: str) -> str:
    """Lower case, curly quotes straightened, surrounding punctuation removed ("Python." -> "python", "30%" stays)."""
    word = word.replace("\u2019", "'").replace("\u2018", "'").lower()
    return word.strip('.,!?;:"()[]{}\u201c\u201d*-\u2026')


def is_number(tokens: tuple[Token, ...], index: int) -> bool:
    """Digits ("30", "30%", "$2m", "3.5x", "2019") and number words; "one" only before a unit or another number."""
    norm = tokens[index].norm
    if any(ch.isdigit() for ch in norm):
        return True
    if norm in NUMBER_WORDS:
        return True
    if norm == "one" and index + 1 < len(tokens):
        following = tokens[index + 1].norm
        return following in UNIT_WORDS or following in NUMBER_WORDS
    return False


def split_answer(answer: AnswerText) -> Transcript:
    """Tokens and sentences of the answer: from its timed words when there are any, else from its text."""
    timed = _valid_timings(answer.words)
    pieces: list[tuple[str, float | None, float | None]]
    if answer.words:
        pieces = [(w.w.strip(), w.start if timed else None, w.end if timed else None) for w in answer.words]
    else:
        pieces = [(piece, None, None) for piece in _DASHES.sub(", ", answer.text).split()]
    starts = _follow_up_starts(answer, pieces)
    words = _attach_punctuation(pieces)
    ends = [_ends_sentence(raw) for raw, _, _ in words]
    for _, first in starts:
        if 0 < first < len(ends):  # the candidate's turn ended where the follow-up was asked
            ends[first - 1] = True
    punctuated = any(_PUNCTUATION.search(raw) for raw, _, _ in words)
    spoken = _sentence_word_counts(words, ends) if punctuated else ()
    tokens = _tokens(words, _clause_ends(words, ends, cut_at_pauses=timed and not punctuated))
    return Transcript(
        tokens=tuple(tokens),
        sentences=_sentences(tokens),
        timed=timed,
        punctuated=punctuated,
        spoken_sentence_words=spoken,
        follow_up_starts=starts,
    )


def _follow_up_starts(answer: AnswerText, pieces: list[tuple[str, float | None, float | None]]) -> tuple[tuple[int, int], ...]:
    """Where the words said after each follow-up begin, as token indices: the words' index when the answer has words,
    else the text's offset, counted in the pieces that become tokens (a bare punctuation mark joins the word before)."""
    starts = []
    for turn in sorted(answer.follow_ups, key=lambda t: t.n):
        if answer.words:
            boundary = min(turn.from_word, len(pieces))
        else:
            boundary = min(len(_DASHES.sub(", ", answer.text[: turn.from_char]).split()), len(pieces))
        starts.append((turn.n, sum(1 for raw, _, _ in pieces[:boundary] if _WORD_CHARS.search(raw))))
    return tuple(starts)


def _valid_timings(words: list[Word]) -> bool:
    """Timings are usable when they move forward: a transcript of zeros, or one whose clock restarted after a
    reconnect, is text without timings (a wrong clock would invent pauses and paces)."""
    if len(words) < 2 or words[-1].end <= words[0].start:
        return False
    in_order = all(b.start >= a.start - _CLOCK_SLACK_S for a, b in zip(words, words[1:], strict=False))
    return in_order and all(w.end >= w.start for w in words)


def _attach_punctuation(pieces: list[tuple[str, float | None, float | None]]) -> list[tuple[str, float | None, float | None]]:
    """A bare punctuation mark from the recognizer ("," as its own word) belongs to the word before it."""
    words: list[tuple[str, float | None, float | None]] = []
    for raw, start, end in pieces:
        if _WORD_CHARS.search(raw):
            words.append((raw, start, end))
        elif words:
            previous, first, last = words[-1]
            words[-1] = (previous + raw, first, last)
    return words


def _ends_sentence(raw: str) -> bool:
    tail = raw.rstrip(_CLOSERS)
    if tail.endswith(("?", "!", "\u2026")):
        return True
    return tail.endswith(".") and normalize(tail.rstrip(".")) not in _ABBREVIATIONS


def _clause_ends(words: list[tuple[str, float | None, float | None]], ends: list[bool], cut_at_pauses: bool) -> list[bool]:
    """The sentence ends, plus cuts inside run-ons: before a conjunction, at a pause (unpunctuated speech), or at
    _RUN_ON_WORDS words. Sentences of ordinary length are left whole."""
    clause_ends = list(ends)
    lengths = _containing_sentence_lengths(ends)
    since_end = 0
    for i in range(len(words) - 1):
        since_end += 1
        if ends[i]:
            since_end = 0
            continue
        _, _, end = words[i]
        following, next_start, _ = words[i + 1]
        paused = cut_at_pauses and next_start is not None and end is not None and next_start - end >= _FALLBACK_PAUSE_S
        run_on = lengths[i] > _RUN_ON_WORDS
        before_conjunction = run_on and since_end >= _CUT_AFTER_WORDS and normalize(following) in _CUT_BEFORE
        if paused or before_conjunction or since_end >= _RUN_ON_WORDS:
            clause_ends[i] = True
            since_end = 0
    return clause_ends


def _containing_sentence_lengths(ends: list[bool]) -> list[int]:
    """For each word, how many words its (punctuated) sentence has."""
    lengths: list[int] = []
    start = 0
    for i, ends_here in enumerate(ends):
        if ends_here or i == len(ends) - 1:
            lengths += [i - start + 1] * (i - start + 1)
            start = i + 1
    return lengths


def _sentence_word_counts(words: list[tuple[str, float | None, float | None]], ends: list[bool]) -> tuple[int, ...]:
    counts, current = [], 0
    for (raw, _, _), ends_here in zip(words, ends, strict=True):
        current += normalize(raw) not in HESITATIONS
        if ends_here:
            counts.append(current)
            current = 0
    if current:
        counts.append(current)
    return tuple(c for c in counts if c)


def _tokens(words: list[tuple[str, float | None, float | None]], ends: list[bool]) -> list[Token]:
    tokens = []
    sentence = 0
    for i, ((raw, start, end), ends_sentence) in enumerate(zip(words, ends, strict=True)):
        tail = raw.rstrip(_CLOSERS)
        tokens.append(
            Token(
                index=i,
                raw=raw,
                word=raw.strip(_OPENERS).rstrip(_CLOSERS).rstrip(".,!?;:\u2026"),
                norm=normalize(raw),
                sentence=sentence,
                start=start,
                end=end,
                comma_after=tail.endswith((",", ";", ":")),
                ends_sentence=ends_sentence,
                question_mark=tail.endswith("?"),
            )
        )
        sentence += ends_sentence
    return tokens


def _sentences(tokens: list[Token]) -> tuple[Sentence, ...]:
    sentences: list[Sentence] = []
    first = 0
    for i, token in enumerate(tokens):
        if token.ends_sentence or i == len(tokens) - 1:
            text = " ".join(t.raw for t in tokens[first : i + 1])
            sentences.append(Sentence(index=len(sentences), first=first, last=i, text=text))
            first = i + 1
    return tuple(sentences)


def quote(transcript: Transcript, first: int, last: int, max_words: int = 14) -> str:
    """The spoken words from token `first` to `last` (inclusive), cut to max_words, without trailing punctuation."""
    words = [t.raw for t in transcript.tokens[first : min(last, first + max_words - 1) + 1]]
    text = " ".join(words).strip().rstrip(".,;:!?")
    return text + ("..." if last - first + 1 > max_words else "")
