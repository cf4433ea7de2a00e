"""The rewrite rules and the text tools under them: what is padding, what is meaning, how a sentence gets tighter."""

from __future__ import annotations

import pytest

from rehearse.feedback.evaluation.rewrite import DETAIL_PLACEHOLDER, faithful, rewrite_answer, tighten, weakest_sentence
from rehearse.feedback.evaluation.wording import hedge_in, sentences_of, shorten, strip_padding
from tests.evaluation.factories import strong_features, weak_features


@pytest.mark.parametrize(
    ("said", "plain"),
    [
        ("Um, so I think we, like, rewrote the pipeline.", "We rewrote the pipeline."),
        ("When I joined, I think the team had no tests.", "When I joined, the team had no tests."),
        ("I went, um, to the team lead.", "I went to the team lead."),
        ("I'm not sure, but it was probably fine.", "It was fine."),
        ("It was kind of slow.", "It was slow."),
    ],
)
def test_fillers_and_hedges_come_out_and_commas_stay_right(said, plain):
    assert strip_padding(said)[0] == plain


@pytest.mark.parametrize(
    "meant", ["What kind of tool would you use?", "I would like to lead that.", "Do you know the answer?", "So far it works."]
)
def test_words_that_carry_meaning_stay(meant):
    assert strip_padding(meant) == (meant, [])


@pytest.mark.parametrize(
    ("quoted", "hedge"),
    [("I think my task was, you", "I think"), ("kind of make them faster", "kind of"), ("we could, maybe, try", "maybe")],
)
def test_the_hedge_is_found_inside_a_quote_with_context(quoted, hedge):
    assert hedge_in(quoted) == hedge


def test_i_think_about_is_thinking_not_hedging():
    assert strip_padding("I think about our users every day.")[1] == []


def test_passive_by_me_becomes_first_person_active():
    assert tighten("The migration was led by me in 2023.") == "I led the migration in 2023."
    assert tighten("The dashboard was built by me.") == "I built the dashboard."


def test_wordy_phrases_and_stutters_are_tightened():
    assert tighten("I I added caching in order to cut latency.") == "I added caching to cut latency."
    assert tighten("What I did was I wrote a runbook.") == "I wrote a runbook."
    assert tighten("Our releases took like two weeks.") == "Our releases took two weeks."  # never a word not said


def test_a_very_long_sentence_is_split_in_two():
    long = (
        "I met with the three teams that owned the services to understand where the time went, "
        "and then I wrote a plan that moved the slowest checks to a nightly job that nobody had to wait for."
    )
    assert tighten(long) == (
        "I met with the three teams that owned the services to understand where the time went. "
        "Then I wrote a plan that moved the slowest checks to a nightly job that nobody had to wait for."
    )


def test_an_unpunctuated_transcript_is_cut_into_sentences():
    run_on = " ".join(["we looked at the logs for a while"] * 3 + ["and then we found the slow query in the billing service"])
    pieces = sentences_of(run_on)
    assert len(pieces) > 1 and " ".join(pieces) == run_on


def test_ties_go_to_the_earlier_sentence():
    assert weakest_sentence(["Um, I did it.", "Uh, we did it."]) == "Um, I did it."


def test_a_clean_answer_without_numbers_gets_a_detail_placeholder():
    features = strong_features(specificity=weak_features().specificity.model_copy(update={"numbers": 0}))
    rewrite = rewrite_answer("I wrote the plan. I ran it.", features)
    assert rewrite is not None and rewrite.improved == f"I wrote the plan {DETAIL_PLACEHOLDER}."


def test_shorten_cuts_at_a_word_and_closes_the_quote():
    cut = shorten("You named a measurable result: 'we cut costs by thirty percent across the company'.", 60)
    assert len(cut) < 60 and cut.endswith("…'") and " ".join(cut.split()) == cut


@pytest.mark.parametrize(
    "said",
    [
        "Um, so basically I kind of, like, rewrote the whole import job, and then, you know, it was just way faster.",
        "The rollout was decided by the team and I sort of helped with the testing I guess.",
        "I think we, um, we moved the cache in front of the database, and so the page, like, loaded quicker.",
    ],
)
def test_the_rewrite_keeps_to_one_sentence_of_the_candidates_own_words(said):
    rewrite = rewrite_answer(said + " Our team had five engineers.", weak_features())
    assert rewrite is not None and rewrite.original == said
    assert faithful(rewrite.original, rewrite.improved), rewrite.improved


def test_faithful_refuses_invented_words_and_joined_sentences():
    assert faithful("I rewrote the loader.", "I rewrote the loader.")
    assert not faithful("I rewrote the loader.", "I single-handedly rewrote the loader.")
    assert not faithful("We shipped it. It worked. Users liked it.", "We shipped it, it worked and users liked it. More.")
