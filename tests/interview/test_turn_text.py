"""How the transcript of the phrase before a pause reads: finished, unfinished, or no help."""

from __future__ import annotations

import pytest

from rehearse.interview.turn_text import text_verdict, trusted_text


@pytest.mark.parametrize(
    "text",
    [
        "So we rolled it back and...",
        "So we rolled it back and",
        "What I would do differently is...",
        "I think the main reason was that the",
        "We tried a few options, like,",
        "So the first thing I did was, um",
        "Then we, uh",
        "Because the deadline was",
        "My first step was, you know,",
        "We split the work into",
        "and then we—",
    ],
)
def test_a_phrase_that_trails_off_is_unfinished(text):
    assert text_verdict(text) == "unfinished"


@pytest.mark.parametrize(
    "text",
    [
        "That is basically how we handled it.",
        "In the end the client renewed for another two years.",
        "So yeah, that's about it.",
        "I did that.",
        "Does that answer your question?",
        "We shipped it in six weeks!",
        "\u201cIt worked.\u201d",
    ],
)
def test_a_complete_sentence_is_finished(text):
    assert text_verdict(text) == "finished"


@pytest.mark.parametrize("text", ["", "   ", "...", "we shipped it in six weeks"])
def test_no_words_or_no_punctuation_is_no_help(text):
    assert text_verdict(text) == "unknown"


def test_a_clause_opening_that_is_unfinished_and_a_final_that_is_not():
    assert text_verdict("I think the main reason was that.") == "unfinished"
    assert text_verdict("I would never do that.") == "finished"


def test_a_number_can_end_a_sentence():
    assert text_verdict("We cut the costs by about 30%.") == "finished"
    assert text_verdict("It took 2 weeks, not 3.") == "finished"


def test_words_the_recognizer_invented_in_the_pause_are_not_read():
    words = [("to", 0.9), ("a", 0.95), ("new", 0.9), ("database.", 0.8), ("So,", 0.6), ("yeah.", 0.7), ("I'm", 0.1), ("sorry.", 0.05)]
    assert trusted_text(words) == "to a new database. So, yeah."
    assert text_verdict(trusted_text([("the", 0.9), ("team.", 0.9), ("and", 0.12)])) == "finished"
    assert trusted_text([("and", 0.1)]) == ""
