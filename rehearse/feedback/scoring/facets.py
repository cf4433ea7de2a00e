"""Facets: the few kinds of thing interview key points ask for, and how people say them out loud.

A key point such as "root cause" or "names a measurable result such as latency or cost" is a descriptor; nobody
says it. Each facet maps descriptor words (its triggers) to spoken cues ("it turned out", "because", "traced it to")
and to a handful of spoken anchor sentences that stand in for example phrasings when a question has none of its
own (custom and tailored questions). The coverage model weighs these cues beside embedding similarity."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

_NUMBER = (
    r"(?:\d[\d,.]*\s?(?:%|x|k|ms|s)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|"
    r"thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|million|half|double|twice|triple|a third|a quarter)"
)
_UNIT = (
    r"(?:percent|%|points?|milliseconds?|ms|seconds?|minutes?|hours?|days?|weeks?|months?|quarters?|years?|dollars?|"
    r"k|x|times|users?|customers?|accounts?|tickets?|requests?|errors?|people|engineers?|deals?|seats?)"
)


@dataclass(frozen=True)
class Facet:
    name: str
    triggers: re.Pattern[str]  # searched in the key point's text
    cues: re.Pattern[str]  # searched in a sentence, lower case without punctuation
    anchors: tuple[str, ...]  # how a candidate makes such a point, for the embedder


def _rx(*alternatives: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{a})" for a in alternatives))


FACETS: tuple[Facet, ...] = (
    Facet(
        "baseline",
        _rx(r"\bbaseline", r"\bmeasur", r"\bbefore\b", r"\bbenchmark", r"\bstarting point", r"\bcurrent state"),
        _rx(
            rf"\b(?:took|was taking|were taking|was at|were at|sat at|ran at|averag\w*|stood at|used to take|was about|was around|was over)\b.{{0,30}}\b{_NUMBER}\b",
            r"\b(?:measured|benchmarked|profiled|timed|baseline)\b",
            r"\b(?:p ?\d\d|ninety[- ]fifth|ninety[- ]ninth|percentile)\b",
        ),
        (
            "Before we changed anything, the page took four seconds to load.",
            "I measured it first: requests were taking about two seconds at peak.",
            "We started at around forty percent, which was our baseline.",
            "When I profiled it, the job was running for six hours every night.",
        ),
    ),
    Facet(
        "result",
        _rx(r"\bresult", r"\boutcome", r"\bimpact", r"\bmeasurabl", r"\bquantif", r"\bsuccess\b", r"\bmetric", r"\bnumbers?\b", r"\bpaid off"),
        _rx(
            rf"\bfrom {_NUMBER}.{{0,30}}\bto\b.{{0,20}}{_NUMBER}",
            rf"\b(?:by|to|under|below|over|down to|up to|about|around|nearly|almost) {_NUMBER}\b.{{0,12}}\b{_UNIT}\b",
            r"\b(?:as a result|in the end|by the end|afterwards|after the (?:release|launch|change|fix|rollout))\b",
            r"\b(?:dropped|fell|cut|reduced|saved|grew|rose|increased|improved|doubled|halved|tripled|went down|went up|lifted|boosted)\b",
        ),
        (
            "As a result, load time went from four seconds to six hundred milliseconds.",
            "That cut our cloud bill by about thirty percent.",
            "In the end churn dropped by eighteen percent over the quarter.",
            "After the launch, sign ups grew from two hundred to five hundred a week.",
        ),
    ),
    Facet(
        "cause",
        _rx(r"\bcause", r"\broot\b", r"\bwhy\b", r"\breason", r"\bdiagnos", r"\bsource of", r"\bwhat made it"),
        _rx(
            r"\b(?:because|caused by|the cause|root cause|turned out|it was due to|due to|the reason|the culprit|"
            r"traced (?:it|the|this)|tracked (?:it|the) down|found that|figured out that|realized that|the problem was|"
            r"the issue was|came from|coming from|was down to|boiled down to)\b",
        ),
        (
            "I traced it and found we were running one database query per result.",
            "It turned out the cache was being cleared on every deploy.",
            "The real reason was that the retry logic hammered the database.",
            "We figured out the slowdown came from a missing index.",
        ),
    ),
    Facet(
        "change",
        _rx(r"\bchange", r"\baction", r"\bsteps?\b", r"\bfix", r"\bsolution", r"\bimplement", r"\bwhat (?:you|they) did", r"\bapproach"),
        _rx(
            r"\b(?:i|we) (?:then |also |finally |quickly )?(?:rewrote|rebuilt|added|moved|changed|replaced|introduced|"
            r"built|wrote|fixed|refactored|migrated|switched|cached|batched|split|removed|set up|created|redesigned|"
            r"implemented|rolled out|launched|tuned|optimized|optimised|automated|ran|led|started|put)\b",
            r"\bwhat i did was\b",
            r"\bthe (?:fix|change|solution) was\b",
        ),
        (
            "I rewrote it as a single batched query and added an index.",
            "So what I did was move the heavy work into a background job.",
            "We replaced the polling with a message queue.",
            "The fix was to cache the results for five minutes.",
        ),
    ),
    Facet(
        "alternatives",
        _rx(r"\balternative", r"\boptions?\b", r"\btrade-?offs?\b", r"\bcompar", r"\bconsider", r"\brejected", r"\bweigh", r"\bchose\b|\bchoice"),
        _rx(
            r"\b(?:considered|instead of|rather than|option|options|alternative|alternatives|trade off|trade-off|tradeoff|"
            r"weighed|versus|vs|the downside|on the other hand|we could have|i could have|the other approach|ruled out|"
            r"rejected|decided against|went with|chose|picked)\b",
        ),
        (
            "We looked at precomputing everything nightly, but rejected it because the data would be stale.",
            "The trade-off was speed now against a cleaner design later, and I chose speed.",
            "I compared a queue with a cron job and went with the queue because it could retry.",
            "Instead of rewriting the service, we decided to patch the hot path.",
        ),
    ),
    Facet(
        "ownership",
        _rx(r"\bown (?:contribution|role|part|work)", r"\bown role", r"\bcontribution", r"\bpersonally", r"\bresponsib", r"\bmy role\b|\brole\b", r"\bindividual"),
        _rx(
            r"\b(?:i owned|i was responsible|i was in charge|my part|my role|my job was|my piece|i personally|i led|"
            r"i drove|i took on|i took ownership|i handled|on my side|while (?:my )?(?:teammates?|colleagues?|the team|two|three) )",
            r"\b(?:teammates?|colleagues?|the team|others) (?:built|owned|handled|did|took|wrote)\b",
        ),
        (
            "I owned the migration plan, and two teammates built the backfill.",
            "My part was the scoring service; the data team handled the pipeline.",
            "I personally wrote the rollout script and ran the cutover.",
            "I led the design, while my colleague took care of the testing.",
        ),
    ),
    Facet(
        "stakeholders",
        _rx(r"\bstakeholder", r"\bcommunicat", r"\bupdate", r"\binform", r"\balign", r"\bexecutive", r"\bleadership", r"\bsponsor", r"\bexpectation"),
        _rx(
            r"\b(?:updated|update|updates|told|informed|kept (?:them|everyone|the \w+|my \w+) (?:in the loop|informed|posted|updated)|"
            r"explained|emailed|called|met with|walked (?:them|him|her) through|status|the loop|sync|briefed|presented|"
            r"set expectations|escalated|looped in)\b",
        ),
        (
            "I posted an update in the incident channel every thirty minutes.",
            "I called the customer's sponsor and walked her through the plan.",
            "I kept my manager and the support team in the loop the whole time.",
            "Every Friday I sent leadership a one page status note.",
        ),
    ),
    Facet(
        "reflection",
        _rx(r"\blearn", r"\bdifferently", r"\breflect", r"\blesson", r"\bhindsight", r"\btakeaway", r"\bnext time"),
        _rx(
            r"\b(?:i learned|we learned|i learnt|the lesson|looking back|in hindsight|next time|would have|would do|"
            r"i'd have|i'd do|i should have|we should have|taught me|my takeaway|since then i|now i always)\b",
        ),
        (
            "Looking back, I would have load tested the batch size much earlier.",
            "The lesson for me was to agree on the success metric before building anything.",
            "Next time I'd bring the customer in during the first week, not the last.",
            "It taught me to write down the rollback plan before every migration.",
        ),
    ),
    Facet(
        "evidence",
        _rx(r"\bdata\b", r"\bevidence", r"\bbenchmark", r"\bprototype", r"\banalys", r"\bexperiment", r"\btest(?:ed|s)?\b"),
        _rx(
            r"\b(?:data|numbers|dashboard|benchmark|benchmarked|prototype|prototyped|analysis|analyzed|analysed|"
            r"experiment|a b test|ab test|measured|survey|logs showed|metrics showed|spreadsheet|query|queried|ran a test)\b",
        ),
        (
            "I built a quick prototype of both designs and benchmarked them.",
            "I pulled the usage data, and it showed only five percent of users opened that page.",
            "We ran a two week A B test before deciding.",
            "The logs showed the errors all came from one region.",
        ),
    ),
    Facet(
        "deadline",
        _rx(r"\bdeadline", r"\btimeline", r"\btime (?:pressure|constraint)", r"\bconstraint", r"\bdue\b", r"\blaunch date"),
        _rx(
            r"\b(?:deadline|due|by (?:monday|tuesday|wednesday|thursday|friday|the end of)|launch date|in (?:two|three|four|five|six|\d+) (?:days|weeks)|"
            r"weeks? (?:left|away|to go)|days? (?:left|away|to go)|only (?:had|have)|short on|not enough|understaffed|"
            r"hard date|fixed date|constraint|limited)\b",
        ),
        (
            "We had six weeks until the launch date and only two engineers.",
            "The contract said it had to be live by the first of March.",
            "We were short two people and the deadline could not move.",
            "The constraint was a fixed budget and a hard date from the regulator.",
        ),
    ),
    Facet(
        "requirements",
        _rx(r"\brequirement", r"\bclarif", r"\bscope", r"\bassumption", r"\bquestions?\b", r"\bgoals?\b", r"\buse case"),
        _rx(
            r"\b(?:first i'd ask|i would ask|i'd ask|i would start by asking|clarify|requirements|how many|how much|"
            r"assume|assuming|scope|in scope|out of scope|use case|who is it for|what the goal is|the goal is|"
            r"understand what|find out what)\b",
        ),
        (
            "First I'd ask how many links we expect per day and how often they are read.",
            "I'd start by clarifying who the users are and what problem we are solving.",
            "Let's assume about a hundred million reads a day and far fewer writes.",
            "Before designing anything I would agree on what is in scope for the first version.",
        ),
    ),
    Facet(
        "customer",
        _rx(r"\bcustomer", r"\buser", r"\bclient", r"\bbuyer", r"\bprospect", r"\baccount"),
        _rx(r"\b(?:customer|customers|user|users|client|clients|buyer|buyers|prospect|prospects|account|accounts)\b"),
        (
            "I sat down with three of our biggest customers and asked what was blocking them.",
            "The users told us they could not find the export button.",
            "Their head of operations was the person who actually felt the pain.",
            "I called the account the same day and listened first.",
        ),
    ),
)
_BY_NAME = {facet.name: facet for facet in FACETS}


@cache
def facets_of(point: str) -> tuple[Facet, ...]:
    """The facets a key point asks for, by its words ("quantified result" -> result)."""
    text = point.lower()
    return tuple(facet for facet in FACETS if facet.triggers.search(text))


def facet_named(name: str) -> Facet:
    return _BY_NAME[name]


def cue_hits(point: str, sentence_norm: str) -> float:
    """The share of the point's facets whose spoken cues the sentence shows (0 when the point has no facet)."""
    facets = facets_of(point)
    if not facets:
        return 0.0
    return sum(1 for f in facets if f.cues.search(sentence_norm)) / len(facets)


def anchors_of(point: str) -> tuple[str, ...]:
    """Spoken sentences that make a point of this kind, for a question without example phrasings: the point said
    in the first person when it is written as a descriptor ("checks recent deploys first" -> "I check recent
    deploys first."), then its facets' phrasings."""
    spoken = first_person(point)
    return tuple(dict.fromkeys([*([spoken] if spoken else []), *(a for facet in facets_of(point) for a in facet.anchors)]))


_NOT_VERBS = frozenset({"process", "success", "analysis", "basis", "metrics", "results", "costs", "trade-offs",
                        "tradeoffs", "stakeholders", "customers", "users", "risks", "goals", "lessons", "numbers",
                        "options", "alternatives", "details", "steps", "actions", "outcomes", "kpis", "its", "this"})  # fmt: skip


def first_person(point: str) -> str | None:
    """A descriptor that opens with a verb in the third person, as a candidate would say it; None otherwise."""
    words = point.strip().rstrip(".").split()
    if len(words) < 3:
        return None
    verb = words[0].lower()
    if not verb.isalpha() or not verb.endswith("s") or verb.endswith(("ss", "us", "is")) or verb in _NOT_VERBS:
        return None
    if verb.endswith("ies"):
        base = verb[:-3] + "y"
    elif verb.endswith(("shes", "ches", "xes", "sses", "zes")):
        base = verb[:-2]
    else:
        base = verb[:-1]
    rest = " ".join(words[1:]).replace("their own", "my own").replace(" their ", " my ").replace(" they ", " I ")
    return f"I {base} {rest}."
