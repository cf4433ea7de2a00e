from rehearse.feedback.scoring.fillers import filler_counts, find_fillers
from tests.scoring.conftest import transcript_of


def fillers_in(text: str) -> list[str]:
    return [f.kind for f in find_fillers(transcript_of(text))]


def test_like_as_a_verb_is_not_a_filler():
    assert fillers_in("I like Python.") == []
    assert fillers_in("We would like to ship it sooner.") == []


def test_like_set_off_by_commas_is_a_filler():
    assert fillers_in("It was, like, really slow.") == ["like"]


def test_like_as_a_preposition_is_not_a_filler():
    assert fillers_in("We needed something like a database.") == []
    assert fillers_in("It looks like a queue problem.") == []
    assert fillers_in("Like I said, we shipped it.") == []


def test_like_before_an_intensifier_or_an_approximate_number_is_a_filler():
    assert fillers_in("It was like really slow and we had like thirty people.") == ["like", "like"]


def test_kind_of_naming_a_kind_is_not_a_filler_but_softening_is():
    assert fillers_in("What kind of tool do you use?") == []
    assert fillers_in("It is a kind of tool for tracing.") == []
    assert fillers_in("It was kind of slow.") == ["kind of"]


def test_you_know_as_a_filler_and_as_a_verb():
    assert fillers_in("You know, we had a problem.") == ["you know"]
    assert fillers_in("Do you know the answer?") == []
    assert fillers_in("As you know, the API is old.") == []


def test_i_mean_as_a_filler_and_as_a_verb():
    assert fillers_in("I mean, it was fine.") == ["i mean"]
    assert fillers_in("I mean to say it worked.") == []
    assert fillers_in("That is what I mean by scale.") == []


def test_right_as_a_tag_question_but_not_as_an_adjective():
    assert fillers_in("We shipped it on time, right?") == ["right"]
    assert fillers_in("That was the right decision.") == []
    assert fillers_in("Right now we use Kafka.") == []


def test_actually_only_when_set_off():
    assert fillers_in("Actually, the real issue was memory.") == ["actually"]
    assert fillers_in("What actually happened was a leak.") == []


def test_hesitations_and_always_fillers_are_counted():
    assert fillers_in("Um, it basically, uh, literally broke. Hmm.") == ["um", "basically", "uh", "literally", "hmm"]


def test_recognizer_fillers_are_merged_without_double_counting():
    found = find_fillers(transcript_of("Um, we shipped it, um, on time."))
    # The recognizer kept three "um" (two are the ones in the words) and one "uh" the text lost.
    counts = filler_counts(found, ["um", "um", "um", "uh"])
    assert counts == {"um": 3, "uh": 1}
