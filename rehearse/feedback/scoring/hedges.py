"""Hedges used as hedges ("I think we should", "maybe", "kind of slow"), not their literal uses ("I think about users")."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from rehearse.feedback.scoring.text import Token, Transcript, quote

# Words that make "kind of"/"sort of" a noun phrase: "what kind of tool", "that sort of thing".
_NOUN_DETERMINERS = frozenset({
    "a", "an", "the", "this", "that", "these", "those", "what", "which", "any", "some", "every", "each", "one", "same",
    "different", "another", "no", "my", "our", "your", "their", "his", "her", "its", "whatever", "similar", "right",
    "wrong", "first", "only", "exact", "particular", "new", "other", "usual", "certain",
})  # fmt: skip
# Common nouns after a bare "kind of": without a determiner "kind of tool" is still a kind, not a softener.
_KIND_OF_NOUNS = frozenset({
    "thing", "things", "person", "people", "problem", "problems", "work", "tool", "tools", "role", "team", "project",
    "question", "approach", "company", "product", "situation", "stuff", "job", "issue", "feature", "system", "data",
    "customer", "manager", "leader", "engineer", "environment", "culture", "experience", "decision", "model",
})  # fmt: skip
_NOUN_SUFFIXES = ("tion", "ment", "ness", "ity", "ship", "ism", "ist")

# "I think"/"I believe" followed by these words describes thinking, not an opinion held loosely.
_THINKING_ABOUT = frozenset({
    "about", "of", "through", "over", "in", "up", "back", "carefully", "deeply", "hard", "differently", "aloud",
    "out", "ahead", "long", "twice", "big", "outside",
})  # fmt: skip
_ASKING_WORDS = frozenset({"what", "how"})  # "what I think about", "how I think"
_QUOTE_WORDS_AFTER = 6  # enough of what follows the hedge to show what it softened
_SINGLE_WORD_HEDGES = {
    "maybe": "maybe",
    "perhaps": "perhaps",
    "probably": "probably",
    "possibly": "possibly",
    "hopefully": "hopefully",
    "somewhat": "somewhat",
}
_NOT_SURE_ADVERBS = frozenset(
    {"really", "entirely", "totally", "quite", "completely", "exactly", "too", "so", "100", "hundred", "percent"}
)

HEDGE_KINDS = (
    "i think", "i believe", "i guess", "i suppose", "i feel like", "i'd say", "maybe", "perhaps", "probably",
    "possibly", "hopefully", "somewhat", "kind of", "sort of", "not sure", "i don't know", "or something",
    "more or less",
)  # fmt: skip


@dataclass(frozen=True)
class Hedge:
    kind: str  # one of HEDGE_KINDS
    first: int  # token index where the hedge starts
    last: int  # token index where the hedge phrase ends
    quote: str  # the hedge and the words after it, as spoken


def is_softener(transcript: Transcript, index: int) -> bool:
    """ "kind of"/"sort of" softening what follows ("kind of slow", "I sort of led") rather than naming a kind."""
    token = transcript.tokens[index]
    of = transcript.neighbour(index, 1)
    if token.norm not in ("kind", "sort") or of is None or of.norm != "of" or token.comma_after:
        return False
    before = transcript.neighbour(index, -1)
    if before is not None and before.norm in _NOUN_DETERMINERS and not before.comma_after:
        return False
    after = transcript.neighbour(index, 2)
    if after is None:
        return True
    return not (after.norm in _KIND_OF_NOUNS or after.norm.endswith(_NOUN_SUFFIXES))


def find_hedges(transcript: Transcript) -> list[Hedge]:
    hedges: list[Hedge] = []
    tokens = transcript.tokens
    skip_until = -1
    for i in range(len(tokens)):
        if i <= skip_until:
            continue
        found = _hedge_at(transcript, i)
        if found is None:
            continue
        kind, first, last = found
        hedges.append(Hedge(kind=kind, first=first, last=last, quote=_hedge_quote(transcript, first, last)))
        skip_until = last
    return hedges


def hedge_breakdown(hedges: list[Hedge]) -> Counter[str]:
    return Counter(h.kind for h in hedges)


def _hedge_at(transcript: Transcript, i: int) -> tuple[str, int, int] | None:
    """(kind, first, last) when a hedge starts at token i."""
    token = transcript.tokens[i]
    after = transcript.neighbour(i, 1)
    after2 = transcript.neighbour(i, 2)
    norm = token.norm
    if norm in _SINGLE_WORD_HEDGES:
        return _SINGLE_WORD_HEDGES[norm], i, i
    if norm in ("kind", "sort") and is_softener(transcript, i):
        return f"{norm} of", i, i + 1
    if norm == "i'm" and _not_sure_at(transcript, i + 1):
        return "not sure", i, _not_sure_end(transcript, i + 1)
    if norm == "not" and _not_sure_at(transcript, i):
        return "not sure", i, _not_sure_end(transcript, i)
    if norm in ("i'd", "i") and after is not None:
        return _first_person_hedge(transcript, i, after, after2)
    if (
        norm == "or"
        and after is not None
        and after.norm in ("something", "whatever")
        and (after.ends_sentence or after.comma_after or after2 is None)
    ):
        return "or something", i, i + 1
    if norm == "more" and after is not None and after.norm == "or" and after2 is not None and after2.norm == "less":
        return "more or less", i, i + 2
    return None


def _first_person_hedge(transcript: Transcript, i: int, after: Token, after2: Token | None) -> tuple[str, int, int] | None:
    token = transcript.tokens[i]
    if token.norm == "i'd" or (after.norm == "would" and after2 is not None):
        say = after if token.norm == "i'd" else after2
        if say is not None and say.norm == "say":
            return "i'd say", i, say.index
        return None
    if after.norm in ("think", "believe") and _holds_an_opinion(transcript, i, after):
        return f"i {after.norm}", i, i + 1
    if after.norm in ("guess", "suppose"):
        return f"i {after.norm}", i, i + 1
    if after.norm in ("feel", "felt") and after2 is not None and after2.norm == "like" and not after.comma_after:
        return "i feel like", i, i + 2
    if after.norm in ("don't", "dont") and after2 is not None and after2.norm == "know":
        return "i don't know", i, i + 2
    return None


def _holds_an_opinion(transcript: Transcript, i: int, verb: Token) -> bool:
    """ "I think we should" holds an opinion loosely; "what I think about", "I think about users" do not."""
    before = transcript.neighbour(i, -1)
    if before is not None and before.norm in _ASKING_WORDS:
        return False
    following = transcript.neighbour(verb.index, 1)
    if following is None or verb.comma_after:
        return True  # "..., I think." / "I think, ..."
    if verb.norm == "believe" and following.norm == "in":
        return False
    return following.norm not in _THINKING_ABOUT


def _not_sure_at(transcript: Transcript, i: int) -> bool:
    if i >= len(transcript.tokens) or transcript.tokens[i].norm != "not":
        return False
    return _not_sure_end(transcript, i) > i


def _not_sure_end(transcript: Transcript, i: int) -> int:
    """Index of "sure"/"certain" in "not (really|100 percent) sure", or i when it is not there."""
    for offset in range(1, 4):
        token = transcript.neighbour(i, offset)
        if token is None:
            return i
        if token.norm in ("sure", "certain"):
            return token.index
        if token.norm not in _NOT_SURE_ADVERBS:
            return i
    return i


def _hedge_quote(transcript: Transcript, first: int, last: int) -> str:
    sentence = transcript.sentences[transcript.tokens[first].sentence]
    return quote(transcript, first, min(last + _QUOTE_WORDS_AFTER, sentence.last), max_words=10)
