from rehearse.scoring.features import analyse_text, extract_features
from tests.scoring.conftest import answer_from_text

IN_ORDER = (
    "At my last job, our checkout service was timing out during sales. "
    "I was responsible for fixing it before Black Friday. "
    "I profiled the service and rewrote the slowest query. "
    "As a result, we cut errors by 60 percent."
)
OUT_OF_ORDER = (
    "As a result, we cut errors by 60 percent. "
    "I profiled the service and rewrote the slowest query. "
    "At my last job, our checkout service was timing out during sales. "
    "I was responsible for fixing it before Black Friday."
)


def test_a_star_answer_in_order_is_detected_with_its_sentences():
    star = extract_features(answer_from_text(IN_ORDER), None, None).star
    assert (star.situation, star.task, star.action, star.result) == (True, True, True, True)
    assert star.in_order
    assert star.evidence["task"] == "I was responsible for fixing it before Black Friday"
    assert star.evidence["result"] == "As a result, we cut errors by 60 percent"


def test_the_same_parts_out_of_order_are_detected_but_not_in_order():
    answer = answer_from_text(OUT_OF_ORDER)
    star = extract_features(answer, None, None).star
    assert (star.situation, star.task, star.action, star.result) == (True, True, True, True)
    assert not star.in_order
    assert analyse_text(answer).star_order_agreement < 0.5


def test_an_answer_without_a_story_has_no_parts():
    star = extract_features(answer_from_text("Caching is useful. Databases are hard."), None, None).star
    assert not any((star.situation, star.task, star.action, star.result))
    assert not star.in_order


def test_we_cut_costs_without_a_number_is_an_action_and_with_one_a_result():
    roles = analyse_text(answer_from_text("We cut the scope to one screen. We cut costs by 30 percent.")).roles
    assert [r.primary for r in roles] == ["action", "result"]
