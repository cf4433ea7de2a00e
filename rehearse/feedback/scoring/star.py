"""STAR structure: which sentences set the situation, state the task, describe actions and report results, and in what order."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rehearse.domain.analysis_model import StarStructure
from rehearse.feedback.scoring.substance import content_stems
from rehearse.feedback.scoring.text import Transcript, quote

PARTS = ("situation", "task", "action", "result")
_MIN_PART_WORDS = 2  # content words a sentence needs to stand as a part of the story
_TIE_PRIORITY = {"result": 0, "task": 1, "situation": 2, "action": 3}  # when two cues start at the same word

_SITUATION = [
    r"^(?:the )?(?:situation|context|background)\b",  # a part the speaker names ("Situation: the release was due")
    r"\b(?:at|in|during) my (?:last|previous|current|old|first|former|prior) (?:job|role|company|team|position|employer|internship)\b",
    r"\bat my (?:last|previous|current|old|first|former|prior)\b",
    r"\bwhen i (?:was|worked|joined|started|first)\b",
    r"\b(?:a few|a couple of|two|three|four|five|several|some|\d+) (?:years|months|weeks) ago\b",
    r"\blast (?:year|quarter|spring|summer|fall|autumn|winter|month)\b",
    r"\bback in\b",
    r"\bin (?:19|20)\d\d\b",
    r"\bi (?:was|worked) (?:at|as|on|in|with|a|an|the|part|one|working|leading)\b",
    r"\bthe (?:situation|context|background|problem|issue|setting) (?:was|is)\b",
    r"\bone of our\b",
    r"\bi joined\b",
]
# Circumstance in general ("we had", "there was"): a situation only when nothing else in the sentence says more,
# since "we had zero downtime" reports a result and "there was a job that checked" an action.
_WEAK_SITUATION = [
    r"\b(?:our|my) (?!(?:part|role|job|goal|task|responsibility|result|outcome|impact|lesson|takeaway|point)\b)(?:\w+ ){0,2}(?:was|were|had|has|is)\b",
    r"\bwe (?:were|had)\b",
    r"\bthere (?:was|were)\b",
]
_TASK = [
    r"^(?:the |my )?task\b",
    r"\b(?:i|we) (?:needed|had|wanted|have|need|was asked|were asked|was tasked|were tasked|was expected|were expected) to\b",
    r"\b(?:my|our|the) (?:goal|job|task|mission|objective|responsibility|role|assignment|mandate|challenge|ask|brief|priority) (?:was|is|became)\b",
    r"\bi was (?:responsible|in charge|accountable|the owner|asked|tasked)\b",
    r"\bit was (?:my|our) (?:job|responsibility|task|call)\b",
    r"\bi (?:owned|took ownership|volunteered)\b",
]
_RESULT = [
    r"^(?:the |and the )?(?:result|outcome)\b",
    r"\b(?:we|i) (?:shipped|launched|delivered|released|finished) (?:it |the \w+ )?(?:on time|early|ahead of)\b",
    r"\bas a result\b",
    r"\b(?:which|that|this|it) (?:led|resulted|meant|allowed|enabled|saved|cut|reduced|increased|improved|brought)\b",
    r"\bresult(?:ed|ing)? in\b",
    r"\bin the end\b",
    r"\bended up\b",
    r"\b(?:the|our|my) (?:result|outcome|impact|payoff)s? (?:was|were|is)\b",
    r"\bby the end\b",
    r"\bsince then\b",
    r"\bafter (?:the|that|this|our|my) (?:release|launch|change|fix|rollout|migration|rewrite|switch|redesign)\b",
    r"\bafter (?:we|i) (?:shipped|launched|released|rolled|deployed|fixed|switched)\b",
    r"\b(?:they|the team|the customer|the client|the account|it|latency|revenue|churn|costs?|conversion|errors|"
    r"complaints|usage|sales|signups|retention|tickets|incidents|uptime) (?:\w+ )?"
    r"(?:reduced|cut|increased|improved|saved|grew|doubled|tripled|halved|lowered|boosted|dropped|fell|rose|renewed|"
    r"signed|expanded|stayed|upgraded|recovered|went from|went down|went up|reached|jumped)\b",
]
# What the candidate learned or would do differently: a reflection, which is not the result ("I learned a lot"
# reports no outcome), so these sentences never stand as the story's result.
_LESSON = re.compile(
    r"\b(?:(?:i|we) (?:learned|learnt|realized|realised)|looking back|next time|in hindsight|the (?:main |big |key )?lesson|"
    r"if i (?:did|had to do|were to do|could do) (?:it|this|that) (?:again|over)|(?:i|i'd|we) would (?:have|do)|"
    r"i'd (?:have|do)|i should have|we should have|(?:it|that|this) taught (?:me|us)|my (?:main |big )?takeaway|"
    r"what i took away|since then i|now i always)\b"
)
# "we cut costs" is an action unless a number says how much: with one, it reports the result.
_FIRST_PERSON_CHANGE = re.compile(
    r"\b(?:we|i) (?:reduced|cut|increased|improved|saved|grew|doubled|tripled|halved|lowered|boosted|raised|shipped|"
    r"launched|delivered|hit|exceeded|won|closed|brought)\b"
)
# One alternation per part: a regex search finds the leftmost match of any alternative, which is the cue's offset.
_PART_CUES = {
    "situation": re.compile("|".join(f"(?:{p})" for p in _SITUATION)),
    "task": re.compile("|".join(f"(?:{p})" for p in _TASK)),
    "result": re.compile("|".join(f"(?:{p})" for p in _RESULT)),
}
_WEAK_SITUATION_CUE = re.compile("|".join(f"(?:{p})" for p in _WEAK_SITUATION))

_ACTION_ADVERBS = (
    "then|also|first|quickly|personally|immediately|eventually|finally|actually|just|carefully|directly|proactively|"
    "initially|later|next|again|both|all|each|still|deliberately|really"
)
_FIRST_PERSON_VERB = re.compile(rf"\b(?P<who>i|we)(?: (?:{_ACTION_ADVERBS}))? (?P<verb>[a-z']+)\b")
_PLAN = re.compile(rf"\b(?P<who>i|we)(?:'d| would| will|'ll)(?: (?:{_ACTION_ADVERBS}))? (?P<verb>[a-z']+)\b")
IRREGULAR_ACTIONS = frozenset({
    "built", "led", "wrote", "ran", "made", "took", "set", "met", "sat", "gave", "found", "brought", "drove", "began",
    "chose", "got", "put", "sent", "spoke", "told", "went", "did", "held", "kept", "sought", "broke", "rewrote", "spent",
    "taught", "shut", "split", "rebuilt", "dug", "paired", "flew", "stood", "drew", "won", "cut", "fought", "wound",
})  # fmt: skip
# "-ed" verbs that report a state of mind or a circumstance, not something the speaker did.
_NOT_ACTIONS = frozenset({
    "needed", "wanted", "wished", "liked", "loved", "hoped", "hated", "guessed", "seemed", "used", "supposed",
    "expected", "learned", "realized", "joined", "felt", "tried", "worried", "wondered", "believed", "assumed",
    "thought", "had", "was", "were", "disagreed", "agreed", "enjoyed", "preferred", "inherited", "struggled",
})  # fmt: skip
_NOT_PLANS = frozenset(
    {
        "say",
        "like",
        "love",
        "think",
        "guess",
        "probably",
        "maybe",
        "be",
        "have",
        "need",
        "want",
        "hope",
        "imagine",
        "prefer",
        "feel",
    }
)


@dataclass(frozen=True)
class SentenceRole:
    sentence: int
    primary: str | None  # the part whose cue comes first in the sentence
    parts: frozenset[str]  # every part with a cue in the sentence


def is_action_verb(verb: str) -> bool:
    return verb in IRREGULAR_ACTIONS or (verb.endswith("ed") and len(verb) > 3 and verb not in _NOT_ACTIONS)


def first_person_action(sentence_norm: str, who: tuple[str, ...] = ("i", "we")) -> int | None:
    """Character offset of the first "I built"/"we decided"/"I'd start" in a normalised sentence, or None."""
    offsets = []
    for match in _FIRST_PERSON_VERB.finditer(sentence_norm):
        if match["who"] in who and is_action_verb(match["verb"]):
            offsets.append(match.start())
            break
    for match in _PLAN.finditer(sentence_norm):
        if match["who"] in who and match["verb"] not in _NOT_PLANS:
            offsets.append(match.start())
            break
    return min(offsets, default=None)


def sentence_norms(transcript: Transcript) -> list[str]:
    """Each sentence in lower case without punctuation or hesitations, for cue patterns."""
    return [" ".join(t.norm for t in transcript.in_sentence(s) if not t.is_hesitation) for s in transcript.sentences]


def lesson_sentence(transcript: Transcript, norms: list[str]) -> str:
    """The first sentence that says what the candidate learned or would do differently, or ''."""
    for sentence, norm in zip(transcript.sentences, norms, strict=True):
        if _LESSON.search(norm):
            return quote(transcript, sentence.first, sentence.last, max_words=20)
    return ""


def sentence_roles(transcript: Transcript, norms: list[str], quantified_sentences: set[int]) -> list[SentenceRole]:
    roles = []
    for sentence, norm in zip(transcript.sentences, norms, strict=True):
        # A signpost with nothing after it ("As a result, impact.") tells no part of a story.
        cues = _cue_offsets(norm, sentence.index in quantified_sentences) if len(content_stems(norm)) >= _MIN_PART_WORDS else {}
        if _LESSON.search(norm):
            # A reflection is no outcome, whatever numbers or change words it quotes ("next time I'd cut it by half").
            cues.pop("result", None)
        primary = min(cues, key=lambda part: (cues[part], _TIE_PRIORITY[part])) if cues else None
        roles.append(SentenceRole(sentence=sentence.index, primary=primary, parts=frozenset(cues)))
    return roles


def star_structure(transcript: Transcript, roles: list[SentenceRole]) -> StarStructure:
    first_seen = _first_sentence_per_part(roles)
    present = [part for part in PARTS if part in first_seen]
    starts = [first_seen[part] for part in present]
    in_order = len(present) >= 2 and starts == sorted(starts) and order_agreement(roles) >= 0.8
    evidence = {}
    prompted = {}  # a part whose first sentence came after a follow-up was not told before it
    for part in present:
        sentence = transcript.sentences[first_seen[part]]
        evidence[part] = quote(transcript, sentence.first, sentence.last, max_words=20)
        if after := transcript.sentence_after_follow_up(sentence):
            prompted[part] = after
    return StarStructure(
        situation="situation" in first_seen,
        task="task" in first_seen,
        action="action" in first_seen,
        result="result" in first_seen,
        in_order=in_order,
        evidence=evidence,
        after_follow_up=prompted,
    )


def order_agreement(roles: list[SentenceRole]) -> float:
    """Share of pairs of labelled sentences whose parts come in STAR order (1.0 = never goes back)."""
    ranks = [PARTS.index(r.primary) for r in roles if r.primary is not None]
    pairs = concordant = 0
    for i, earlier in enumerate(ranks):
        for later in ranks[i + 1 :]:
            if earlier == later:
                continue
            pairs += 1
            concordant += earlier < later
    return round(concordant / pairs, 3) if pairs else 1.0


def _cue_offsets(norm: str, has_quantified_result: bool) -> dict[str, int]:
    cues: dict[str, int] = {}
    for part, pattern in _PART_CUES.items():
        if found := pattern.search(norm):
            cues[part] = found.start()
    action = first_person_action(norm)
    if action is not None:
        cues["action"] = action
    if has_quantified_result:
        # A measured outcome counts as a result cue where a first-person change verb reports it, else from the middle
        # of the sentence, so that an earlier cue (a situation with a number in it) still leads.
        change = _FIRST_PERSON_CHANGE.search(norm)
        cues["result"] = min(cues.get("result", len(norm)), change.start() if change else len(norm) // 2)
    if "situation" not in cues and (weak := _WEAK_SITUATION_CUE.search(norm)):
        # Placed after every other cue: it leads the sentence only when it is the sentence's only cue.
        cues["situation"] = len(norm) + weak.start() if cues else weak.start()
    return cues


def _first_sentence_per_part(roles: list[SentenceRole]) -> dict[str, int]:
    """Where each part first shows: as a sentence's primary role if it ever is one, else as a secondary cue in a
    sentence that no other part stands on. Each part has a sentence of its own, or it is missing: one sentence
    quoted as both the situation and the action shows neither."""
    first: dict[str, int] = {}
    for role in roles:
        if role.primary is not None:
            first.setdefault(role.primary, role.sentence)
    taken = set(first.values())
    for part in PARTS:
        if part in first:
            continue
        for role in roles:
            if part in role.parts and role.sentence not in taken:
                first[part] = role.sentence
                taken.add(role.sentence)
                break
    return first
