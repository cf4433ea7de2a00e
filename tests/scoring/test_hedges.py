from rehearse.feedback.scoring.hedges import find_hedges
from tests.scoring.conftest import transcript_of


def hedges_in(text: str) -> list[str]:
    return [h.kind for h in find_hedges(transcript_of(text))]


def test_i_think_before_a_clause_is_a_hedge():
    assert hedges_in("I think we should rewrite it.") == ["i think"]


def test_thinking_about_something_is_not_a_hedge():
    assert hedges_in("I think about users every day.") == []
    assert hedges_in("What I think about first is scale.") == []


def test_i_believe_in_is_not_a_hedge_but_i_believe_that_is():
    assert hedges_in("I believe in code reviews.") == []
    assert hedges_in("I believe that it was the cache.") == ["i believe"]


def test_single_word_and_phrase_hedges():
    text = "Maybe it was the cache. I guess we could probably retry. I'm not sure it helps, perhaps."
    assert hedges_in(text) == ["maybe", "i guess", "probably", "not sure", "perhaps"]


def test_kind_of_softening_is_a_hedge_and_naming_a_kind_is_not():
    assert hedges_in("It was kind of slow.") == ["kind of"]
    assert hedges_in("What kind of tool is it?") == []


def test_hedges_are_listed_with_their_quote():
    (hedge,) = find_hedges(transcript_of("Honestly, I think we should move to Postgres soon. It is faster."))
    assert hedge.quote == "I think we should move to Postgres soon"


def test_i_would_say_is_a_hedge_but_i_would_like_is_not():
    assert hedges_in("I would say it worked.") == ["i'd say"]
    assert hedges_in("I would like to lead it.") == []
