"""The evidence lines a candidate can check against their own words: numbers said aloud, the result told apart from
the lesson, one sentence per STAR part, ownership said in the first person."""

import pytest

from rehearse.feedback.scoring.features import extract_features
from rehearse.feedback.scoring.specificity import specificity
from tests.scoring.conftest import answer_from_text, transcript_of


@pytest.mark.parametrize(
    "sentence",
    [
        "After the release, checkout errors dropped by eighteen percent.",
        "The page went from four seconds to six hundred milliseconds.",
        "Support tickets dropped by 18%.",
        "We cut the build time in half, from forty minutes to twenty.",
        "Churn fell from nine percent to six percent within a quarter.",
    ],
)
def test_spoken_and_written_quantities_are_quantified_results(sentence):
    details, results = specificity(transcript_of(sentence))
    assert details.quantified_results == 1, sentence
    assert results[0].quote.rstrip(".") == sentence.rstrip(".")


@pytest.mark.parametrize(
    "sentence",
    ["I had two teammates and four weeks.", "We were three engineers on a team of twelve.", "It was in 2021."],
)
def test_counts_that_report_no_change_are_not_results(sentence):
    assert specificity(transcript_of(sentence))[0].quantified_results == 0


def test_the_lesson_learned_is_not_quoted_as_the_result():
    text = (
        "Our nightly import kept failing on malformed rows. "
        "I was asked to make it reliable before the audit. "
        "I added a validation step that quarantined bad rows and alerted the owning team. "
        "After that, failed imports went from twice a week to zero in two months. "
        "What I learned is that you should always validate data at the boundary."
    )
    features = extract_features(answer_from_text(text), None, None)
    assert features.star.evidence["result"].startswith("After that, failed imports went from twice a week")
    assert features.lesson.startswith("What I learned is")


def test_a_lesson_alone_is_not_a_result():
    text = (
        "We were migrating the billing database. "
        "I wrote the migration plan and ran the rehearsal. "
        "The lesson I took away is to rehearse every migration on a copy of production."
    )
    star = extract_features(answer_from_text(text), None, None).star
    assert not star.result


def test_each_star_part_quotes_its_own_sentence():
    text = (
        "Last spring our mobile app crashed for users on old phones, and I had to fix it in a week, "
        "so I reproduced it on a borrowed device. "
        "I found a memory leak in the image cache and rewrote the loader. "
        "Crashes fell by seventy percent."
    )
    star = extract_features(answer_from_text(text), None, None).star
    quoted = [q for q in star.evidence.values() if q]
    assert len(quoted) == len(set(quoted)), star.evidence
