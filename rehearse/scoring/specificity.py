"""Specifics in an answer: numbers (with their units), named things, and results with a number attached."""

from __future__ import annotations

from dataclasses import dataclass

from rehearse.analysis_model import Specificity
from rehearse.scoring.text import NUMBER_WORDS, UNIT_WORDS, Token, Transcript, is_number, quote

# Words of change: a number near one of these is a measured outcome ("we cut costs by 30 percent").
RESULT_WORDS = frozenset({
    "reduced", "reduce", "reducing", "reduction", "increased", "increase", "increasing", "cut", "saved", "saving",
    "savings", "grew", "grow", "growth", "improved", "improvement", "dropped", "drop", "raised", "doubled", "tripled",
    "halved", "lowered", "boosted", "decreased", "decrease", "lifted", "lift", "uplift", "shrank", "shrunk", "sped",
    "gained", "won", "closed", "renewed", "retained", "retention", "expanded", "generated", "delivered", "hit",
    "exceeded", "beat", "went", "fell", "rose", "jumped", "faster", "slower", "fewer", "less", "lower", "higher",
    "cheaper", "quicker", "smaller", "bigger", "more", "churn", "revenue", "conversion", "launched", "shipped",
    "recovered", "eliminated", "avoided", "prevented", "converted", "signed", "upgraded", "added",
})  # fmt: skip
_RESULT_REACH = 8  # tokens between a number and its result word, within one sentence
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
    """At most one per sentence: a number within reach of a word of change, in the same sentence."""
    results: list[QuantifiedResult] = []
    seen_sentences: set[int] = set()
    for number in numbers:
        sentence_index = transcript.tokens[number.first].sentence
        if sentence_index in seen_sentences or _is_year(transcript.tokens[number.first]):
            continue
        sentence = transcript.sentences[sentence_index]
        lo = max(sentence.first, number.first - _RESULT_REACH)
        hi = min(sentence.last, number.last + _RESULT_REACH)
        if any(t.norm in RESULT_WORDS for t in transcript.tokens[lo : hi + 1]):
            seen_sentences.add(sentence_index)
            results.append(
                QuantifiedResult(sentence_index, number, quote(transcript, sentence.first, sentence.last, max_words=18))
            )
    return results


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
    summary = Specificity(numbers=len(numbers), named_things=len(names), quantified_results=len(results), examples=examples)
    return summary, results


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
