"""Filler words in context: "it was, like, really slow" has one, "I like Python" and "like a database" have none."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from rehearse.domain.fillers import HESITATION_NAMES
from rehearse.feedback.scoring.hedges import is_softener
from rehearse.feedback.scoring.text import NUMBER_WORDS, SUBJECT_PRONOUNS, Token, Transcript, is_number

ALWAYS_FILLERS = frozenset({"basically", "literally"})

# "like" after these is a verb: "I like", "we'd like", "would like to", "don't like".
_LIKE_AS_VERB_AFTER = SUBJECT_PRONOUNS | {
    "would", "to", "don't", "didn't", "do", "does", "did", "doesn't", "not", "who", "users", "customers", "teams",
    "engineers", "might", "really", "also", "always", "still", "genuinely", "truly", "personally", "actually",
}  # fmt: skip
# "like" after these is a preposition: "looks like", "something like", "just like", "feel like".
_LIKE_AS_PREPOSITION_AFTER = frozenset({
    "look", "looks", "looked", "looking", "sound", "sounds", "sounded", "feel", "feels", "felt", "seem", "seems",
    "seemed", "something", "anything", "nothing", "things", "stuff", "just", "more", "much", "exactly", "lot",
    "tools", "companies", "products", "languages", "frameworks", "ones", "one", "of",
})  # fmt: skip
# Words that follow a filler "like" but never a prepositional one: "like really slow", "and like we shipped".
_AFTER_FILLER_LIKE = frozenset({
    "really", "so", "very", "totally", "super", "just", "literally", "basically", "actually", "kind", "sort", "i",
    "we", "they", "he", "she", "you", "it's", "there", "everything", "everyone", "all", "yeah", "oh", "completely",
    "extremely", "insanely", "crazy", "um", "uh", "honestly",
})  # fmt: skip
_AFTER_LIKE_I_SAID = frozenset({"said", "mentioned", "say", "was", "explained"})
_APPROXIMATE = frozenset({"a", "an"})  # "like a hundred", "like a couple"
_QUANTITY_AFTER_A = frozenset({"couple", "few", "dozen", "hundred", "thousand", "million", "half"})
# "you know" after these is the verb: "as you know", "do you know", "let you know".
_KNOW_AS_VERB_AFTER = frozenset(
    {
        "do",
        "did",
        "don't",
        "didn't",
        "if",
        "as",
        "would",
        "you'd",
        "what",
        "let",
        "might",
        "may",
        "should",
        "to",
        "will",
        "so",
        "that",
        "make",
    }
)
_AFTER_FILLER_YOU_KNOW = frozenset({"like", "um", "uh", "so", "basically", "i", "we", "it's", "they", "he", "she", "and", "but"})
# "I mean" followed by these means "intend/signify": "I mean to say", "what I mean is", "I mean it".
_MEAN_AS_VERB_BEFORE = frozenset({"to", "it", "that", "is", "by", "what", "this"})
_CONJUNCTIONS = frozenset({"and", "but", "so", "like", "um", "uh", "because"})


@dataclass(frozen=True)
class Filler:
    kind: str  # "um", "like", "you know", ...
    first: int
    last: int


def find_fillers(transcript: Transcript) -> list[Filler]:
    found: list[Filler] = []
    skip_until = -1
    for i, token in enumerate(transcript.tokens):
        if i <= skip_until:
            continue
        filler = _filler_at(transcript, i, token)
        if filler is not None:
            found.append(filler)
            skip_until = filler.last
    return found


def filler_counts(fillers: list[Filler], recognizer_fillers: list[str]) -> Counter[str]:
    """Per kind, the larger of the fillers in the words and the hesitations the recognizer kept aside.

    The recognizer's list repeats hesitations that may also be in the words, so adding both would count them twice;
    taking the larger count per kind keeps every hesitation it heard without doubling the ones in the text."""
    in_words = Counter(f.kind for f in fillers)
    kept = Counter(HESITATION_NAMES.get(f.lower().strip(".,"), f.lower().strip(".,")) for f in recognizer_fillers if f.strip())
    return Counter({kind: max(in_words[kind], kept[kind]) for kind in sorted(set(in_words) | set(kept))})


def _filler_at(transcript: Transcript, i: int, token: Token) -> Filler | None:
    norm = token.norm
    if norm in HESITATION_NAMES:
        return Filler(HESITATION_NAMES[norm], i, i)
    if norm in ALWAYS_FILLERS:
        return Filler(norm, i, i)
    if norm == "like" and _is_filler_like(transcript, i):
        return Filler("like", i, i)
    if norm == "you" and _is_filler_you_know(transcript, i):
        return Filler("you know", i, i + 1)
    if norm == "i" and _is_filler_i_mean(transcript, i):
        return Filler("i mean", i, i + 1)
    if norm in ("kind", "sort") and is_softener(transcript, i):
        return Filler(f"{norm} of", i, i + 1)
    if norm == "actually" and _is_set_off(transcript, i):
        return Filler("actually", i, i)
    if norm == "right" and _is_filler_right(transcript, i):
        return Filler("right", i, i)
    return None


def _is_set_off(transcript: Transcript, i: int) -> bool:
    """Opens the sentence or stands between commas: "Actually, ...", "..., actually, ..."."""
    token = transcript.tokens[i]
    before = transcript.neighbour(i, -1)
    return before is None or token.comma_after or (before.comma_after and token.ends_sentence)


def _is_filler_like(transcript: Transcript, i: int) -> bool:
    token = transcript.tokens[i]
    before = transcript.neighbour(i, -1)
    before2 = transcript.neighbour(i, -2)
    after = transcript.neighbour(i, 1)
    after2 = transcript.neighbour(i, 2)
    set_off_before = before is not None and (before.comma_after or before.is_hesitation)
    if after is not None and after.norm in SUBJECT_PRONOUNS and after2 is not None and after2.norm in _AFTER_LIKE_I_SAID:
        return False  # "like I said"
    if before is not None and not set_off_before:
        if before.norm in _LIKE_AS_VERB_AFTER:
            return False
        if before.norm in _LIKE_AS_PREPOSITION_AFTER and not token.comma_after:
            return False
        if before2 is not None and before2.norm == "would" and before.norm == "i":
            return False
    if token.comma_after:
        return True  # "it was like, really slow"
    if after is None:
        return set_off_before  # "..., like." trails off; "the one I like." is a verb
    if _approximates_a_number(transcript, after, after2):
        return True  # "we had like thirty people"
    return after.norm in _AFTER_FILLER_LIKE


def _approximates_a_number(transcript: Transcript, after: Token, after2: Token | None) -> bool:
    if is_number(transcript.tokens, after.index):
        return True
    return after.norm in _APPROXIMATE and after2 is not None and (after2.norm in _QUANTITY_AFTER_A or after2.norm in NUMBER_WORDS)


def _is_filler_you_know(transcript: Transcript, i: int) -> bool:
    know = transcript.neighbour(i, 1)
    if know is None or know.norm != "know" or transcript.tokens[i].comma_after:
        return False
    before = transcript.neighbour(i, -1)
    if before is not None and not before.comma_after and before.norm in _KNOW_AS_VERB_AFTER:
        return False
    if know.comma_after or know.ends_sentence:
        return True  # "you know, we..." / "... the usual, you know."
    after = transcript.neighbour(i, 2)
    if after is None:
        return before is not None and before.comma_after
    return after.norm in _AFTER_FILLER_YOU_KNOW


def _is_filler_i_mean(transcript: Transcript, i: int) -> bool:
    mean = transcript.neighbour(i, 1)
    if mean is None or mean.norm != "mean" or transcript.tokens[i].comma_after:
        return False
    before = transcript.neighbour(i, -1)
    if before is not None and before.norm in ("what", "which", "that", "if", "do", "did"):
        return False
    after = transcript.neighbour(i, 2)
    if after is not None and after.norm in _MEAN_AS_VERB_BEFORE and not mean.comma_after:
        return False
    if mean.comma_after or mean.ends_sentence:
        return True
    return before is None or before.comma_after or before.norm in _CONJUNCTIONS


def _is_filler_right(transcript: Transcript, i: int) -> bool:
    """A tag question ("..., right?") or a sentence opener ("Right, so ..."); never "the right decision"."""
    token = transcript.tokens[i]
    before = transcript.neighbour(i, -1)
    if token.question_mark:
        return before is None or before.comma_after or before.norm not in ("that", "that's", "it", "is", "was", "all", "it's")
    if token.comma_after:
        return before is None or before.comma_after
    return False
