import pytest

from rehearse.domain.errors import UnknownRole
from rehearse.domain.model import Question
from rehearse.domain.question_bank import default_bank

REQUIRED_ROLES = {"software_engineer", "product_manager", "data_scientist", "customer_success"}


def test_bank_has_the_required_roles_with_five_or_more_questions_each():
    bank = default_bank()
    roles = {r.id: r for r in bank.roles()}
    assert REQUIRED_ROLES <= roles.keys()
    for role in roles.values():
        assert len(role.questions) >= 5, role.id
        for question in role.questions:
            assert question.text.strip() and question.key_points, question.id


def test_question_ids_are_unique_across_the_bank():
    ids = [q.id for r in default_bank().roles() for q in r.questions]
    assert len(ids) == len(set(ids))


def test_questions_for_a_role_are_indexed_in_order():
    questions = default_bank().questions_for("product_manager", 3)
    assert [q.index for q in questions] == [0, 1, 2]


def test_unknown_role_lists_the_known_ones():
    with pytest.raises(UnknownRole, match="software_engineer"):
        default_bank().role("astronaut")


def test_every_bank_key_point_has_spoken_examples_that_are_sentences():
    for role in default_bank().roles():
        for question in role.questions:
            assert set(question.examples) == set(question.key_points), question.id
            for point, sentences in question.examples.items():
                assert len(sentences) >= 3, (question.id, point)
                assert all(len(s.split()) >= 5 for s in sentences), (question.id, point)
                assert len(set(sentences)) == len(sentences), (question.id, point)


def test_examples_for_an_unknown_key_point_are_refused():
    with pytest.raises(ValueError, match="not key points"):
        Question(id="q", text="Q?", key_points=["a"], examples={"b": ["one two three four five"]})
