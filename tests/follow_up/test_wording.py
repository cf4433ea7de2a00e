"""Follow-up wording: the bank's probes, questions built from key points, quotes of the candidate's own words."""

from __future__ import annotations

import re

import pytest

from rehearse.domain.model import Question
from rehearse.domain.question_bank import default_bank
from rehearse.feedback.follow_up.gaps import Gap, probeable
from rehearse.feedback.follow_up.wording import built_probe, follow_up_text, tense_of

BANK = [q for role in default_bank().roles() for q in role.questions]
# Every key point of the bank, as a custom question's would be: without the bank's probes.
POINTS = sorted({(p, tense_of(q)) for q in BANK for p in q.key_points if probeable(q.model_copy(update={"probes": {}}), p)})


@pytest.mark.parametrize(("point", "tense"), POINTS)
def test_every_bank_key_point_becomes_one_short_spoken_question(point, tense):
    text = built_probe(point, tense)

    assert text[0].isupper() and text.endswith("?") and text.count("?") == 1
    assert len(text.split()) <= 25
    assert not re.search(r"\b(?:they|their|themselves)\b", text)  # the candidate is "you"
    assert re.match(r"^(?:Could you|How (?:did|do|would) you)\b", text)
    # A verb joined by "and" takes the same form as the first: "build and execute", never "build and executes".
    assert not re.search(r"\b(?:How (?:did|do|would) you|Could you) \w+ and (?!\w+ing\b)(\w+(?<!ss)s)\b (?:a|the|to)\b", text)


@pytest.mark.parametrize(
    ("point", "tense", "question"),
    [
        ("explains the specific constraint that made it hard", "did", "Could you explain the specific constraint that made it hard?"),
        ("separates own contribution from the team's work", "did", "Could you separate your own contribution from the team's work?"),
        ("reflects on what they would do differently", "did", "Could you reflect on what you would do differently?"),
        ("keeps stakeholders updated during the incident", "would", "How would you keep stakeholders updated during the incident?"),
        ("acknowledged the merits of the other view", "did", "Could you say more about how you acknowledged the merits of the other view?"),
        ("summarizes current role and scope briefly", "did", "Could you summarize your current role and scope briefly?"),
        ("explains what motivates them about selling", "did", "Could you explain what motivates you about selling?"),
        ("names products shipped and who used them", "did", "Could you name products shipped and who used them?"),
        ("qualifies rigorously and removes stale deals", "do", "How do you qualify rigorously and remove stale deals?"),
        ("ties choices back to company goals", "would", "How would you tie choices back to company goals?"),
    ],
)
def test_a_key_point_becomes_a_question_in_the_second_person(point, tense, question):
    assert built_probe(point, tense) == question


def test_the_tense_follows_the_kind_of_question_or_its_words():
    assert tense_of(Question(id="q", text="Tell me about a time you failed.")) == "did"
    assert tense_of(Question(id="q", text="Imagine the site is down. What would you do?")) == "would"
    assert tense_of(Question(id="q", text="How do you test code?")) == "do"
    assert tense_of(Question(id="q", text="How do you test code?", kind="behavioral")) == "did"


def test_a_bank_probe_is_chosen_by_the_seed_and_stays_the_same_for_the_same_seed():
    question = Question(id="q", text="Tell me about a project.", key_points=["names a result"], probes={"names a result": ["A?", "B?", "C?"]})
    gap = Gap("key_point:names a result", "missing")
    chosen = {follow_up_text(gap, question, seed=f"s{i}") for i in range(20)}

    assert chosen == {"A?", "B?", "C?"}
    assert follow_up_text(gap, question, seed="s1") == follow_up_text(gap, question, seed="s1")


def test_the_relevance_follow_up_repeats_the_question():
    question = Question(id="q", text="Tell me about a project you led.")
    assert follow_up_text(Gap("relevance", "other question"), question, "") == "Let me bring you back to the question: Tell me about a project you led."


def test_a_quote_is_used_only_when_the_gap_carries_one():
    question = Question(id="q", text="Tell me about a project.")
    assert "the rollback" in follow_up_text(Gap("result", "no result", quote="the rollback"), question, "x")
    assert "'" not in follow_up_text(Gap("result", "no result"), question, "x")


def test_probes_must_belong_to_key_points():
    with pytest.raises(ValueError, match="probes for points that are not key points"):
        Question(id="q", text="Tell me about a project.", key_points=["names a result"], probes={"names a cause": ["Why?"]})
