"""How a follow-up sounds: the bank's probe for a key point, or one built from the point's words; short, spoken, one
question, quoting the candidate's own words where they were found."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

from rehearse.domain.follow_ups import OWNERSHIP, RELEVANCE, RESULT, SPECIFICS, targeted_point
from rehearse.domain.model import Question
from rehearse.feedback.follow_up.gaps import Gap

_RESULT = ("What was the result, in numbers?", "How did it turn out in the end, in numbers?")
_RESULT_QUOTED = ("You mentioned {quote}. What changed because of it, in numbers?", "You mentioned {quote}. How did that turn out, in numbers?")
_OWNERSHIP = ("You said 'we' a lot. What was your own part in it?", "You said 'we' throughout. What did you do yourself?")
_SPECIFICS = ("Can you give me one concrete example, with a name or a number?", "Could you walk me through one concrete example of that?")
_TOPICS = ("You named a few topics there. Could you walk me through how it actually worked?", "Could you put that into sentences: what did you actually do, step by step?")
_SPECIFICS_QUOTED = ("You said '{quote}'. Can you give me one concrete example?", "You said '{quote}'. What was that, specifically?")

# Key points begin with a verb in the third person ("explains the trade-off ..."). Those that tell something become
# "Could you <verb> ...?"; those that do something become "How did/do/would you <verb> ...?" after the question's kind.
_TELLING = frozenset({
    "explain", "describe", "clarify", "summarize", "summarise", "name", "state", "list", "identify", "highlight",
    "quantify", "define", "compare", "justify", "reflect", "report", "share", "separate", "connect", "propose",
    "outline", "detail", "give", "cite", "walk", "articulate", "contrast", "estimate", "specify",
})  # fmt: skip
_SAY_INSTEAD = {"mention": "tell me about", "discuss": "tell me about", "talk": "tell me", "note": "tell me about"}
_IRREGULAR = {
    "does": "do", "has": "have", "is": "be", "goes": "go", "focuses": "focus", "biases": "bias", "ties": "tie",
    "lies": "lie", "dies": "die",
}  # fmt: skip
# Verbs that follow "and" in key points ("qualifies rigorously and removes stale deals").
_VERBS = _TELLING | {
    "execute", "keep", "remove", "acknowledge", "track", "reduce", "move", "re-forecast", "schedule", "build", "tie",
    "follow", "set", "agree", "respond", "communicate", "escalate", "measure", "document", "use", "check", "review",
    "monitor", "adjust", "learn", "plan", "test", "iterate", "decide", "lead", "rebuild", "commit", "act", "update",
    "forecast",
}  # fmt: skip
_PRONOUNS = {
    "they": "you", "their": "your", "theirs": "yours", "themselves": "yourself", "themself": "yourself",
    "they're": "you're", "they've": "you've", "they'd": "you'd", "they'll": "you'll",
}  # fmt: skip
# A bare noun after a telling verb takes "your": "summarizes current role" -> "summarize your current role".
_NO_POSSESSIVE = frozenset({
    "a", "an", "the", "your", "their", "his", "her", "one", "two", "what", "how", "why", "when", "which", "who",
    "whether", "where", "to", "on", "about", "with", "and", "any", "some", "all", "each", "every", "both", "this",
    "that", "these", "those", "at", "for", "by", "in", "from", "it", "its", "them", "they", "options", "alternatives",
    "user", "users", "customer", "customers", "requirements", "risky", "tests", "decision", "deal", "analytics",
})  # fmt: skip
_POSSESSIVE_AFTER = frozenset({"summarize", "summarise", "connect", "highlight", "separate"})
_WOULD = re.compile(r"\b(?:would you|imagine|suppose|what if|if you)\b|^you (?:are|get|have)\b")
_DID = re.compile(r"\b(?:tell me about a|describe a time|a time (?:when|you)|have you ever|did you|walk me through (?:a|the|one))\b")


def follow_up_text(gap: Gap, question: Question, seed: str) -> str:
    """The spoken follow-up for a gap; the same gap, question and seed always give the same words."""
    point = targeted_point(gap.targets)
    if point is not None:
        probes = question.probes.get(point) or [built_probe(point, tense_of(question))]
        return pick(probes, seed, gap.targets)
    if gap.targets == RELEVANCE:
        return f"Let me bring you back to the question: {question.text.strip()}"
    if gap.targets == RESULT:
        return pick(_RESULT_QUOTED, seed, gap.targets).format(quote=gap.quote) if gap.quote else pick(_RESULT, seed, gap.targets)
    if gap.targets == OWNERSHIP:
        return pick(_OWNERSHIP, seed, gap.targets)
    if gap.targets == SPECIFICS and gap.wording == "topics":
        return pick(_TOPICS, seed, gap.targets)
    if gap.targets == SPECIFICS:
        return pick(_SPECIFICS_QUOTED, seed, gap.targets).format(quote=gap.quote) if gap.quote else pick(_SPECIFICS, seed, gap.targets)
    raise ValueError(f"no wording for follow-up target {gap.targets!r}")


def pick(options: Sequence[str], seed: str, salt: str) -> str:
    """One of the options, chosen by a stable hash (not Python's hash(), which changes per process)."""
    digest = hashlib.sha256(f"{seed}\x00{salt}".encode()).digest()
    return options[int.from_bytes(digest[:8], "big") % len(options)]


def tense_of(question: Question) -> str:
    """"did" for a story of the candidate's, "would" for a scenario, "do" for how they work."""
    if question.kind == "behavioral":
        return "did"
    if question.kind == "situational":
        return "would"
    if question.kind == "technical":
        return "do"
    text = question.text.lower()
    return "would" if _WOULD.search(text) else "did" if _DID.search(text) else "do"


def built_probe(point: str, tense: str = "do") -> str:
    """A question from a key point's words: "explains the specific constraint that made it hard" -> "Could you explain
    the specific constraint that made it hard?"; "keeps stakeholders updated" -> "How would you keep stakeholders
    updated?"; "acknowledged the merits of the other view" -> "Could you say more about how you acknowledged ...?"."""
    words = point.strip().rstrip(".!?").split()
    if not words:
        raise ValueError("a key point needs words to become a question")
    verb = words[0].lower()
    base = _base_form(verb)
    rest = _with_own(_second_person(words[1:], telling=base in _TELLING or base in _SAY_INSTEAD))
    rest = _coordinated_verbs(rest) if base is not None else rest
    if verb.endswith("ed") and len(verb) >= 4:
        return _question(f"Could you say more about how you {verb}", rest)
    if base is None:
        return _question("Could you say more about", _second_person(words, telling=False))
    if base in _SAY_INSTEAD:
        return _question(f"Could you {_SAY_INSTEAD[base]}", _possessive(rest, _SAY_INSTEAD[base]))
    if base in _TELLING:
        return _question(f"Could you {base}", _possessive(rest, base))
    return _question(f"How {tense} you {base}", rest)


def _base_form(verb: str) -> str | None:
    """The infinitive of a verb in the third person singular, or None when the word is not one."""
    if verb in _IRREGULAR:
        return _IRREGULAR[verb]
    if not verb.replace("-", "").isalpha() or not verb.endswith("s") or verb.endswith("ss") or len(verb) < 4:
        return None
    if verb.endswith("ies"):
        return verb[:-3] + "y"
    if verb.endswith(("sses", "shes", "ches", "xes", "zzes")):
        return verb[:-2]
    return verb[:-1]


def _second_person(words: list[str], *, telling: bool) -> list[str]:
    """The candidate as "you". "them" is the candidate only in what they tell ("explains what motivates them"), and
    never after a verb in the past ("who used them"): elsewhere it is other people ("sponsors them to leadership")."""
    out = []
    for i, word in enumerate(words):
        lower = word.lower()
        if lower == "them":
            before = words[i - 1].lower() if i else ""
            out.append("you" if telling and before.endswith("s") and not before.endswith("ss") else word)
        else:
            out.append(_PRONOUNS.get(lower, word))
    return out


def _coordinated_verbs(rest: list[str]) -> list[str]:
    """"build and executes a plan" -> "build and execute a plan": a verb joined by "and" takes the same form."""
    out = list(rest)
    for i in range(1, len(out)):
        after_and = out[i - 1].lower() == "and" or (i > 1 and out[i - 2].lower() == "and" and out[i - 1].endswith("ly"))
        if after_and and (base := _base_form(out[i].lower())) in _VERBS:
            out[i] = base
    return out


def _with_own(rest: list[str]) -> list[str]:
    """"own contribution" -> "your own contribution" where no possessive comes before it."""
    out: list[str] = []
    for word in rest:
        if word == "own" and (not out or out[-1] not in ("your", "my", "our")):
            out.append("your")
        out.append(word)
    return out


def _possessive(rest: list[str], verb: str) -> list[str]:
    if verb in _POSSESSIVE_AFTER and rest and rest[0].lower() not in _NO_POSSESSIVE and rest[0] != "your":
        return ["your", *rest]
    return rest


def _question(head: str, rest: list[str]) -> str:
    text = " ".join([head, *rest]).strip().rstrip(",;:")
    return text[0].upper() + text[1:] + "?"
