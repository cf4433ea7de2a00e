"""The one vocabulary of hesitations: the spellings recognizers use, and the name each is reported under. The
transcript keeps them as evidence; the scorer counts them (rehearse/feedback/scoring/fillers.py)."""

from __future__ import annotations

import re

HESITATION_NAMES = {
    "um": "um", "uhm": "um", "umm": "um",
    "uh": "uh", "uhh": "uh",
    "er": "er", "erm": "er",
    "ah": "ah",
    "hmm": "hmm", "hm": "hmm", "mm": "hmm",
}  # fmt: skip
HESITATIONS = frozenset(HESITATION_NAMES)

_WORD = re.compile(r"[a-z']+")


def normalize_word(word: str) -> str:
    found = _WORD.findall(word.lower())
    return "".join(found)


def hesitations_in(words: list[str] | tuple[str, ...]) -> list[str]:
    return [n for n in (normalize_word(w) for w in words) if n in HESITATIONS]


# The streaming pass turns breath and noise into "ah"/"er"; only its clear hesitations count as evidence.
STREAMING_EVIDENCE = frozenset({"um", "uh", "uhm", "erm"})


def merge_fillers(accurate: list[str], streaming: list[str]) -> list[str]:
    """The accurate pass tends to drop 'um'/'uh'; keep whichever pass heard more of each."""
    return most_of(accurate, [f for f in streaming if f in STREAMING_EVIDENCE])


def most_of(*heard: list[str]) -> list[str]:
    """Each hesitation as often as the reading that heard it most, in name order."""
    merged: list[str] = []
    for filler in sorted(set().union(*heard)):
        merged += [filler] * max(h.count(filler) for h in heard)
    return merged
