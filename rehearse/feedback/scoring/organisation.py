"""How an answer is organised sentence by sentence: signposts that order it, digressions that break it, assertive statements."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rehearse.feedback.scoring.hedges import Hedge
from rehearse.feedback.scoring.star import first_person_action
from rehearse.feedback.scoring.substance import has_substance
from rehearse.feedback.scoring.text import Transcript, quote

# Markers that order a walkthrough or a story, counted where they open a sentence (within its first words).
_SIGNPOSTS = re.compile(
    r"^(?:\w+ ){0,2}?(?P<marker>first of all|first|firstly|to start|to begin|second|secondly|third|thirdly|then|next|"
    r"after that|afterwards|finally|lastly|in the end|to summarize|to sum up|in summary|in short|overall|as a result|"
    r"the result|the outcome|my approach|step one|step two|the first|the second|the last)\b"
)
# Backtracking and asides: the shape of an answer that goes round in circles.
_DIGRESSIONS = re.compile(
    r"\b(?:oh and|oh also|oh wait|anyway|anyways|i forgot to mention|i should mention|i should have mentioned|"
    r"i forgot|going back|back to the|before that|actually wait|wait no|where was i|but yeah|so yeah|"
    r"let me back up|by the way|side note|that reminds me|as i was saying|i'm getting ahead|but before|"
    r"i'll come back|i mean anyway|oh right|or rather)\b"
)


@dataclass(frozen=True)
class Organisation:
    signposts: list[str]  # the marker words, in order
    digressions: list[str]  # quotes
    assertive: list[str]  # quotes of unhedged first-person statements of action


def organisation(transcript: Transcript, norms: list[str], hedges: list[Hedge], borrowed: set[str] | None = None) -> Organisation:
    """`borrowed`: the key points' word stems. A signpost counts only where its sentence says something of its own:
    "First, the root cause." orders nothing."""
    borrowed = borrowed or set()
    hedged_sentences = {transcript.tokens[h.first].sentence for h in hedges}
    signposts: list[str] = []
    digressions: list[str] = []
    assertive: list[str] = []
    for sentence, norm in zip(transcript.sentences, norms, strict=True):
        if (marker := _SIGNPOSTS.match(norm)) and has_substance(norm[marker.end() :], borrowed):
            signposts.append(marker["marker"])
        for found in _DIGRESSIONS.finditer(norm):
            digressions.append(found.group(0))
        if sentence.index not in hedged_sentences and first_person_action(norm, who=("i",)) is not None:
            assertive.append(quote(transcript, sentence.first, sentence.last, max_words=12))
    return Organisation(signposts=signposts, digressions=digressions, assertive=assertive)
