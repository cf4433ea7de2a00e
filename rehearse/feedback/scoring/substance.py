"""Whether a sentence says something: a statement with a subject and words of its own, not a list of labels.

A key point or a signpost earns credit only from a sentence with substance, so "Baseline measurement, root cause,
change made." (the key points read out) and "First, second, finally." (signposts alone) earn none."""

from __future__ import annotations

import re
from collections.abc import Iterable

# Words that carry no content of their own: function words, light verbs, signposts and the words people use to
# talk ABOUT an answer ("the result", "the impact") rather than to give one.
STOPWORDS = frozenset("""
a an the and or but so then than that this these those there here it its it's of to in on at by for with from as
into onto over under about up down out off again very really just also too quite pretty well yeah yes no not
i me my mine we us our ours you your they them their he him his she her who whom which what when where why how
is am are was were be been being have has had having do does did doing done get got gets getting make made making
go went going gone can could would should will shall may might must i'm i've i'd i'll we're we've we'd we'll
they're they've it'll that's there's what's let's don't didn't doesn't wasn't weren't isn't aren't won't can't
first firstly second secondly third thirdly next finally lastly last then after afterwards before start begin
also overall summary short sum basically actually literally honestly obviously clearly simply kind sort like
thing things stuff lot lots all any some every each other another such same own way ways part point points
result results outcome outcomes impact impacts lesson lessons learning learnings story example situation task
action actions approach steps step communication ownership teamwork leadership collaboration alignment
cover covered covering mention mentioned talk talked talking discuss discussed address addressed explain explained
describe described sure want wanted think thought know knew mean meant say said tell told remember important key
focus focused good great nice definitely
um uh er erm ah hmm mm okay ok so-called etc
""".split())  # fmt: skip
_SUBJECTS = frozenset({"i", "we", "they", "he", "she", "it", "you", "i'd", "we'd", "they'd", "i'm", "we're", "they're",
                       "i've", "we've", "they've", "i'll", "we'll", "there", "that", "this", "which", "who", "it's",
                       "that's", "there's", "he's", "she's", "you're", "you'd", "you'll", "me", "im", "ive", "id",
                       "its", "thats", "theres", "team", "everyone", "nobody"})  # fmt: skip
_AUXILIARIES = frozenset({"is", "was", "were", "are", "had", "has", "have", "did", "do", "does", "would", "will",
                          "could", "can", "should", "took", "made", "got", "went", "came", "kept", "became"})  # fmt: skip
_MIN_OWN_WORDS = 2
_WORD = re.compile(r"[a-z0-9$%][a-z0-9$%'\-.]*")


def stem(word: str) -> str:
    """A crude English stem, enough to match "measured"/"measurement"/"measuring" and "caused"/"causes"."""
    word = word.lower().strip(".'-")
    for suffix in ("ements", "ement", "ments", "ment", "ations", "ation", "ings", "ing", "ies", "ied", "ed", "es", "s", "ly"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            word = word[: -len(suffix)]
            break
    return word.rstrip("e") if len(word) > 4 else word


def content_stems(text: str) -> set[str]:
    """The stems of the words in `text` that carry content."""
    return {stem(w) for w in _WORD.findall(text.lower()) if w not in STOPWORDS and len(w) > 1}


def has_substance(sentence_norm: str, borrowed: Iterable[str] = ()) -> bool:
    """A statement (a subject or a verb form) with at least two content words of its own, beyond `borrowed`
    (the stems of the question's key points and of the rubric's vocabulary). The point's own words in the first
    person ("I'd check recent deploys and configuration changes first") are a claim, not an account: the words
    that make a point are the candidate's own ("the first thing I look at is what shipped in the last hour")."""
    words = sentence_norm.split()
    if not words:
        return False
    statement = any(w in _SUBJECTS or w in _AUXILIARIES for w in words) or any(
        w.endswith("ed") and len(w) > 4 for w in words
    )
    if not statement:
        return False
    own = {stem(w) for w in words if w not in STOPWORDS and len(w) > 1} - set(borrowed)
    return len(own) >= _MIN_OWN_WORDS
