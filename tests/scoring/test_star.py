from rehearse.feedback.scoring.features import analyse_text, extract_features
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


def test_signposts_without_content_earn_no_structure_credit():
    from rehearse.feedback.scoring import extract_features, load_rubric, score_answer

    bare = answer_from_text("First, the baseline. Then, the root cause. Finally, the result. As a result, impact.")
    told = answer_from_text(
        "First, I measured the checkout page: it took four seconds. Then I found one query per cart item. "
        "Finally, I batched the queries, and the page loaded in under one second."
    )
    bare_features = extract_features(bare, None, None)
    assert bare_features.star.action is False and bare_features.star.result is False
    bare_score = score_answer(bare, bare_features, load_rubric()).structure.score
    told_score = score_answer(told, extract_features(told, None, None), load_rubric()).structure.score
    assert bare_score <= 40 < told_score
