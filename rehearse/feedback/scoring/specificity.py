"""Specifics in an answer: numbers (with their units), named things, and results with a number attached."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rehearse.domain.analysis_model import Specificity
from rehearse.feedback.scoring.text import NUMBER_WORDS, UNIT_WORDS, Token, Transcript, is_number, quote

# Verbs of change: a number in the same clause as one of these is a measured outcome ("we cut costs by 30 percent").
CHANGE_WORDS = frozenset({
    "reduced", "reduce", "reducing", "cut", "cutting", "saved", "saving", "saves", "grew", "grown", "increased",
    "increase", "increasing", "improved", "improving", "dropped", "drop", "dropping", "raised", "doubled", "tripled",
    "quadrupled", "halved", "lowered", "boosted", "decreased", "lifted", "shrank", "shrunk", "sped", "gained", "won",
    "closed", "renewed", "retained", "expanded", "generated", "delivered", "exceeded", "beat", "fell", "rose", "jumped",
    "climbed", "recovered", "eliminated", "avoided", "prevented", "converted", "signed", "upgraded", "launched",
    "shipped", "reached", "hit", "brought", "trimmed", "slashed", "freed", "went", "came", "stayed",
})  # fmt: skip
# Comparatives report a change only with a ratio ("30% fewer", "two times faster") or a "than": "three smaller pull
# requests" counts pull requests.
COMPARATIVES = frozenset({
    "faster", "slower", "fewer", "less", "lower", "higher", "cheaper", "quicker", "smaller", "bigger", "more", "better",
    "shorter", "longer",
})  # fmt: skip
_RATIO_UNITS = frozenset({"percent", "%", "times", "x", "points", "fold"})
# "went" and "came" say nothing of a change on their own: "we went to three meetings".
_NEEDS_DIRECTION = frozenset({"went", "came", "stayed"})
_DIRECTIONS = frozenset({"from", "down", "up", "to", "under", "below", "over", "above"})
# Outcome phrases: the sentence reports what happened after the work, so its number is the outcome.
OUTCOME_PHRASES = re.compile(
    r"\b(?:as a result|in the end|by the end|afterwards|after (?:the|that|this|our|my) (?:release|launch|change|fix|rollout|"
    r"migration|rewrite|switch|update|deploy|redesign)|after (?:we|i) (?:shipped|launched|released|rolled|deployed|"
    r"fixed|switched|changed)|which (?:meant|led to|resulted in|saved|cut)|that (?:meant|led to|resulted in|saved)|"
    r"resulted in|now (?:it|the \w+) (?:takes|loads|runs|is)|since then)\b"
)
_FROM_TO = re.compile(r"\bfrom\b.*\bto\b")
_NUMBER_GLUE = frozenset({"and", "point"})  # "two hundred and fifty", "three point five"
_NOT_NAMES = frozenset({"i", "i'm", "i've", "i'd", "i'll", "ok", "okay", "yeah", "so", "and", "but", "the", "a"})
# Lower-case recognizers (and people) write product and tech names without capitals.
KNOWN_NAMES = frozenset({
    "python", "java", "javascript", "typescript", "golang", "rust", "kotlin", "swift", "scala", "sql", "postgres",
    "postgresql", "mysql", "redis", "kafka", "kubernetes", "docker", "terraform", "aws", "gcp", "azure", "react",
    "django", "flask", "spark", "airflow", "snowflake", "bigquery", "tableau", "looker", "excel", "salesforce",
    "hubspot", "zendesk", "jira", "gainsight", "pandas", "pytorch", "tensorflow", "sklearn", "scikit-learn", "xgboost",
    "graphql", "grpc", "nginx", "linux", "elasticsearch", "mongodb", "dynamodb", "cassandra", "s3", "lambda",
    "datadog", "grafana", "prometheus", "pagerduty", "splunk", "figma", "amplitude", "mixpanel", "slack", "github",
})  # fmt: skip


@dataclass(frozen=True)
class NumberMention:
    first: int
    last: int
    text: str  # "30 percent", "two weeks", "$2 million"


@dataclass(frozen=True)
class QuantifiedResult:
    sentence: int
    number: NumberMention
    quote: str


def find_numbers(transcript: Transcript) -> list[NumberMention]:
    """Runs of number tokens, with the unit after them: "two hundred and fifty users" is one mention."""
    tokens = transcript.tokens
    mentions: list[NumberMention] = []
    i = 0
    while i < len(tokens):
        if not is_number(tokens, i):
            i += 1
            continue
        last = _number_run_end(transcript, i)
        unit = transcript.neighbour(last, 1)
        shown_last = last + 1 if unit is not None and unit.norm in UNIT_WORDS else last
        mentions.append(NumberMention(first=i, last=last, text=quote(transcript, i, shown_last, max_words=6)))
        i = last + 1
    return mentions


def find_quantified_results(transcript: Transcript, numbers: list[NumberMention]) -> list[QuantifiedResult]:
    """At most one per sentence: a number in a sentence that reports a change (a verb of change, "from X to Y", a
    ratio with a comparative) or an outcome ("after the release, the page loaded in 600 ms")."""
    results: list[QuantifiedResult] = []
    seen_sentences: set[int] = set()
    for number in numbers:
        sentence_index = transcript.tokens[number.first].sentence
        if sentence_index in seen_sentences or _is_year(transcript.tokens[number.first]):
            continue
        sentence = transcript.sentences[sentence_index]
        if _reports_change(transcript, sentence.first, sentence.last, number):
            seen_sentences.add(sentence_index)
            results.append(
                QuantifiedResult(sentence_index, number, quote(transcript, sentence.first, sentence.last, max_words=18))
            )
    return results


def _reports_change(transcript: Transcript, first: int, last: int, number: NumberMention) -> bool:
    tokens = transcript.tokens[first : last + 1]
    norms = [t.norm for t in tokens]
    text = " ".join(norms)
    if OUTCOME_PHRASES.search(text):
        return True
    for i, word in enumerate(norms):
        if word in CHANGE_WORDS:
            if word not in _NEEDS_DIRECTION or (i + 1 < len(norms) and norms[i + 1] in _DIRECTIONS):
                return True
        if word in COMPARATIVES:
            following = norms[i + 1] if i + 1 < len(norms) else ""
            ratio_before = any(n in _RATIO_UNITS or n.endswith("%") for n in norms[max(0, i - 2) : i])
            if following == "than" or ratio_before:
                return True
    at = number.first - first
    return bool(_FROM_TO.search(" ".join(norms[max(0, at - 6) : at + 12])))


def find_named_things(transcript: Transcript) -> list[str]:
    """Capitalised words inside a sentence (names, products, acronyms) and known tech names; runs count once."""
    names: list[str] = []
    run: list[Token] = []
    for token in transcript.tokens:
        if _looks_named(transcript, token):
            if run and (run[-1].index != token.index - 1 or run[-1].comma_after or run[-1].ends_sentence):
                names.append(" ".join(t.word for t in run))
                run = []
            run.append(token)
        elif run:
            names.append(" ".join(t.word for t in run))
            run = []
    if run:
        names.append(" ".join(t.word for t in run))
    unique: dict[str, str] = {}
    for name in names:
        unique.setdefault(name.lower(), name)
    return list(unique.values())


def specificity(transcript: Transcript) -> tuple[Specificity, list[QuantifiedResult]]:
    numbers = find_numbers(transcript)
    results = find_quantified_results(transcript, numbers)
    names = find_named_things(transcript)
    examples = [r.quote for r in results[:3]] + [n.text for n in numbers[:4]] + names[:4]
    summary = Specificity(
        numbers=len(numbers), named_things=len(names), quantified_results=len(results), examples=examples,
        concrete_share=_concrete_share(transcript, numbers),
    )  # fmt: skip
    return summary, results


def _concrete_share(transcript: Transcript, numbers: list[NumberMention]) -> float:
    """The share of sentences with a number (not a year alone) or a name in them."""
    if not transcript.sentences:
        return 0.0
    concrete = {transcript.tokens[n.first].sentence for n in numbers if not _is_year(transcript.tokens[n.first])}
    concrete |= {t.sentence for t in transcript.tokens if _looks_named(transcript, t)}
    return round(len(concrete) / len(transcript.sentences), 3)


def _number_run_end(transcript: Transcript, i: int) -> int:
    last = i
    j = i + 1
    tokens = transcript.tokens
    while j < len(tokens) and tokens[j].sentence == tokens[i].sentence and not tokens[last].ends_sentence:
        if is_number(tokens, j) or tokens[j].norm in ("percent", "%"):
            last = j
        elif _glues_a_number(tokens, last, j):
            last = j
        else:
            break
        j += 1
    return last


def _glues_a_number(tokens: tuple[Token, ...], last: int, j: int) -> bool:
    """ "two hundred and fifty", "three point five": but "$2 million and three weeks" are two mentions."""
    glue = tokens[j].norm
    if glue not in _NUMBER_GLUE or j + 1 >= len(tokens) or not is_number(tokens, j + 1) or tokens[last].comma_after:
        return False
    if glue == "point":
        return True
    return glue == "and" and tokens[last].norm in ("hundred", "thousand") and NUMBER_WORDS.get(tokens[j + 1].norm, 100) < 100


def _is_year(token: Token) -> bool:
    return token.norm.isdigit() and len(token.norm) == 4 and token.norm.startswith(("19", "20"))


def _looks_named(transcript: Transcript, token: Token) -> bool:
    word = token.word
    if not word or token.norm in _NOT_NAMES or token.is_hesitation:
        return False
    if token.norm in KNOWN_NAMES:
        return True
    if len(word) >= 2 and word.isupper() and word.isalpha():
        return True  # an acronym: AWS, SQL, NPS
    previous = transcript.neighbour(token.index, -1)
    opens_sentence = previous is None or previous.raw.endswith(":")
    return word[0].isupper() and not opens_sentence
