"""Does the transcript of the phrase just spoken read as a finished sentence? The recognizer's final for the phrase
before a pause is the second opinion beside the end-of-turn audio model: "So we rolled it back and..." is not over,
however finished it sounds; "That is basically how we handled it." is, however flat the voice."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

TextVerdict = Literal["finished", "unfinished", "unknown"]

# A sentence does not end on these: conjunctions, hesitations, articles and determiners, prepositions, auxiliaries
# and subject pronouns. ("it", "that", "then", "there" can end one: "I fixed it.", "I did that.")
_CONTINUES = frozenset(
    """
    and or but so because cause since although though whereas unless until whether if when while where which who whose
    than like um uh er erm hmm mm ah the a an my our your their his her its this these those every each some any no
    to of for with without from in on at by about into onto over under between through after before during as via
    is was were are am be been being has have had do did does will would can could should might must may
    i we you they he she i'm we're they're you're he's she's i've we've i'd we'd i'll we'll let's not very really
    also just even
    """.split()
)
_HANGING = ("...", "…", ",", "-", "–", "—", ":", ";")
_TERMINAL = (".", "?", "!")
# "...the main reason was that": a clause-opening "that" after a verb of saying, thinking or being.
_THAT_OPENS_AFTER = frozenset("is was are were be think thought say said mean meant know knew found realized realised noticed felt believe guess hope".split())
_WORD = re.compile(r"[a-z0-9'%$]+")


def text_verdict(text: str) -> TextVerdict:
    """unfinished: the last word cannot end a sentence, or the recognizer wrote the phrase as trailing off ("is...",
    "and,"); finished: it ends a sentence with terminal punctuation; unknown: no words, or no punctuation to go by."""
    stripped = text.strip().strip("\"')]\u201d\u2019")
    words = _WORD.findall(stripped.lower().replace("’", "'"))
    if not words:
        return "unknown"
    if words[-1] in _CONTINUES or stripped.endswith(_HANGING):
        return "unfinished"
    if words[-1] == "that" and len(words) > 1 and words[-2] in _THAT_OPENS_AFTER:
        return "unfinished"
    return "finished" if stripped.endswith(_TERMINAL) else "unknown"


TRUSTED_CONFIDENCE = 0.2  # below this, a word at a phrase's end is usually one the recognizer invented in the pause


def trusted_text(words: Sequence[tuple[str, float]]) -> str:
    """The phrase without the low-confidence words at its end ("...to a new database. So, yeah. I'm sorry." said
    only up to "yeah."): a recognizer fills a trailing silence with words nobody said."""
    kept = list(words)
    while kept and kept[-1][1] < TRUSTED_CONFIDENCE:
        kept.pop()
    return " ".join(w for w, _ in kept)
