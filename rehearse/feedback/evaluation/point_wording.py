"""A key point inside a sentence addressed to the candidate.

The bank writes key points as what a good answer does ("summarizes current role and scope briefly", "acknowledged
the merits of the other view"), so "Also cover summarizes current role..." does not read. A point that opens with
such a verb is turned round: `imperative` ("summarize your current role and scope briefly") for advice, `done`
("You summarized...") for praise. A point that is a noun phrase ("baseline measurement", custom questions) is not a
verb phrase: both return None and the caller keeps its noun wording."""

from __future__ import annotations

import re

# Third person singular to the base form where the spelling rules do not give it.
_BASE = {"does": "do", "has": "have", "is": "be", "goes": "go", "focuses": "focus", "ties": "tie", "lies": "lie", "dies": "die"}
# Past tenses that open a point ("acknowledged the merits..."): only these, since "quantified result" is a noun phrase.
_PAST_OPENERS = {
    "acknowledged": "acknowledge", "committed": "commit", "maintained": "maintain", "offered": "offer",
    "presented": "present", "recommended": "recommend", "used": "use", "double-checked": "double-check",
    "explained": "explain", "described": "describe", "handled": "handle", "owned": "own", "led": "lead",
    "made": "make", "built": "build", "chose": "choose", "gave": "give", "kept": "keep", "set": "set",
}  # fmt: skip
_IRREGULAR_PAST = {
    "build": "built", "choose": "chose", "give": "gave", "keep": "kept", "know": "knew", "meet": "met", "sell": "sold",
    "set": "set", "reset": "reset", "write": "wrote", "understand": "understood", "forecast": "forecast", "lead": "led",
    "make": "made", "take": "took", "find": "found", "run": "ran", "tell": "told", "bring": "brought", "teach": "taught",
    "think": "thought", "hold": "held", "put": "put", "cut": "cut", "do": "did", "have": "had", "go": "went",
    "get": "got", "see": "saw", "say": "said", "pay": "paid", "spend": "spent", "send": "sent", "win": "won",
    "lose": "lost", "begin": "began", "speak": "spoke", "grow": "grew", "split": "split", "let": "let", "hit": "hit",
}  # fmt: skip
_DOUBLED = frozenset({"plan", "spot", "commit", "stop", "admit", "drop", "ship", "map", "step", "pin", "scan", "submit", "occur", "refer", "prefer", "control"})
# A first word ending in "s" that is no verb: "analysis of...", "status page", "process changes".
_NOT_VERB_ENDINGS = ("ss", "us", "is", "'s")
# A second word after which the first is a plural noun, not a verb: "tests and monitoring", "names of stakeholders".
_NOT_AFTER_VERB = frozenset({"and", "or", "of", "versus", "vs", "&"})
_WORD = re.compile(r"^[a-z]+(?:-[a-z]+)?$")
# The candidate is "you" once the point speaks to them.
_PRONOUNS = {"their": "your", "they": "you", "they're": "you're", "they've": "you've", "they'd": "you'd", "theirs": "yours"}


# A later verb joined by "and"/"or" ("chooses a store and justifies it") is turned too when it is one of these, or
# when what follows it reads as its object or manner ("and moves quickly"); "names the languages and systems used
# most" and "presented findings with visuals and caveats" keep their nouns.
_JOINED_VERBS = frozenset({
    "justifies", "executes", "reduces", "moves", "removes", "re-forecasts", "acknowledges", "keeps", "schedules",
    "tracks", "reviews", "measures", "explains", "describes", "shares", "owns", "leads", "builds", "fixes", "learns",
    "adapts", "improves", "adjusts", "delivers", "follows", "checks", "asks", "listens", "documents",
    "communicates", "monitors", "validates", "updates", "agrees", "sets", "defines", "plans", "writes",
})  # fmt: skip
_OBJECT_OPENERS = frozenset({
    "the", "a", "an", "it", "them", "your", "its", "any", "each", "every", "what", "how", "why", "quickly", "early",
    "clearly", "honestly", "regularly",
})  # fmt: skip
_JOINS = frozenset({"and", "or"})


def imperative(point: str) -> str | None:
    """"summarizes current role" -> "summarize current role"; None for a point that does not open with a verb."""
    parsed = _parse(point)
    return None if parsed is None else " ".join(parsed[0])


def done(point: str) -> str | None:
    """"explains how they measured it" -> "explained how you measured it" (after "You"); None as for `imperative`."""
    parsed = _parse(point)
    if parsed is None:
        return None
    words, verbs = parsed
    return " ".join(_past(w) if i in verbs else w for i, w in enumerate(words))


def _parse(point: str) -> tuple[list[str], set[int]] | None:
    """The point's words addressed to the candidate with its verbs in their base form, and the verbs' positions; None
    when it does not open with a verb."""
    words = point.strip().rstrip(".").split()
    if len(words) < 2:
        return None
    first = words[0].lower()
    joined_opener = words[1] == "and" and len(words) > 2 and words[2] in _JOINED_VERBS  # "builds and executes a plan"
    if not _WORD.match(first) or (words[1].lower().strip(",") in _NOT_AFTER_VERB and not joined_opener):
        return None
    if first in _PAST_OPENERS:
        opener = _PAST_OPENERS[first]
    elif _third_person(first):
        opener = _base(first)
    else:
        return None
    words = [opener, *(_PRONOUNS.get(w, w) for w in words[1:])]
    if words[1] == "own":  # "separates own contribution" -> "separate your own contribution"
        words.insert(1, "your")
    verbs = {0}
    for i in range(2, len(words)):
        after_join = words[i - 1] in _JOINS or (words[i - 1].endswith("ly") and i >= 3 and words[i - 2] in _JOINS)
        following = words[i + 1] if i + 1 < len(words) else ""
        if after_join and _third_person(words[i]) and (words[i] in _JOINED_VERBS or following in _OBJECT_OPENERS):
            verbs.add(i)
            words[i] = _base(words[i])
    return words, verbs


def _third_person(word: str) -> bool:
    return bool(_WORD.match(word)) and word.endswith("s") and not word.endswith(_NOT_VERB_ENDINGS)


def _base(verb: str) -> str:
    if verb in _BASE:
        return _BASE[verb]
    if verb.endswith("ies"):
        return verb[:-3] + "y"
    if verb.endswith(("sses", "shes", "ches", "xes", "zzes", "oes")):
        return verb[:-2]
    return verb[:-1]


def _past(base: str) -> str:
    head, _, last = base.rpartition("-")  # "double-check" -> "double-checked"
    prefix = f"{head}-" if head else ""
    if last in _IRREGULAR_PAST:
        return prefix + _IRREGULAR_PAST[last]
    if last in _DOUBLED:
        return prefix + last + last[-1] + "ed"
    if last.endswith("e"):
        return prefix + last + "d"
    if last.endswith("y") and len(last) > 1 and last[-2] not in "aeiou":
        return prefix + last[:-1] + "ied"
    return prefix + last + "ed"
