"""The follow-up evaluation set (eval/follow_up_set.yaml) stays what eval/follow_ups.py reports on. No models needed."""

from collections import Counter

import pytest
import yaml

from eval.follow_ups import GAPS, HELDOUT2, KEY_POINT, KINDS, SET, SPLITS, WeakestPoint, bank_questions, load_set, sweep
from rehearse.domain.question_bank import default_bank


@pytest.fixture(scope="module")
def raw() -> list[dict]:
    return [item for path in (SET, HELDOUT2) for item in yaml.safe_load(path.read_text(encoding="utf-8"))["answers"]]


@pytest.fixture(scope="module")
def answers():
    return load_set()


def test_ids_are_unique_and_kinds_and_splits_known(raw):
    ids = [a["id"] for a in raw]
    assert len(ids) == len(set(ids)), [i for i, n in Counter(ids).items() if n > 1]
    for item in raw:
        assert item["kind"] in KINDS, item["id"]
        assert item["split"] in SPLITS, item["id"]
        assert ("question_id" in item) != ("question" in item), f"{item['id']}: a bank question_id or a custom question"


def test_split_sizes_and_kinds(answers):
    splits = Counter(a.split for a in answers)
    assert splits["dev"] >= 32 and splits["heldout"] >= 24 and splits["heldout2"] >= 24, splits
    kinds = Counter(a.kind for a in answers)
    assert kinds["complete"] >= 12, kinds
    assert set(kinds) == set(KINDS), set(KINDS) - set(kinds)
    assert sum(a.question.id == "custom" for a in answers) >= 4


def test_every_role_is_in_both_splits(answers):
    roles = {r.id for r in default_bank().roles()}
    for split in SPLITS:
        assert {a.role for a in answers if a.split == split} >= roles, split


@pytest.mark.parametrize("split", ["heldout", "heldout2"])
def test_heldout_asks_other_bank_questions_than_dev(answers, split):
    dev = {a.question.id for a in answers if a.split == "dev" and a.question.id != "custom"}
    heldout = {a.question.id for a in answers if a.split == split and a.question.id != "custom"}
    assert not dev & heldout, dev & heldout


def test_the_second_heldout_part_repeats_no_answer(answers):
    texts = [a.answer.text for a in answers]
    assert len(texts) == len(set(texts))


def test_answers_have_realistic_lengths(answers):
    for a in answers:
        assert 60 <= len(a.answer.text.split()) <= 200, a.id


def test_labels_name_exact_key_points_and_known_gaps(answers):
    for a in answers:
        points = set(a.question.key_points)
        assert set(a.covered) <= points, (a.id, set(a.covered) - points)
        assert len(set(a.acceptable_targets)) == len(a.acceptable_targets), a.id
        for target in a.acceptable_targets:
            if target.startswith(KEY_POINT):
                point = target[len(KEY_POINT) :]
                assert point in points, (a.id, point)
                assert point not in a.covered, f"{a.id}: {point!r} is both covered and a gap"
            else:
                assert target in GAPS, (a.id, target)


def test_expectations_match_the_kind(answers):
    for a in answers:
        if a.kind == "complete":
            assert not a.follow_up_expected and not a.acceptable_targets, a.id
            # A complete answer makes every point an interviewer could ask about.
            probes = a.question.probes
            wanted = [p for p in a.question.key_points if not probes or probes.get(p)]
            assert set(a.covered) == set(wanted), (a.id, set(wanted) - set(a.covered))
        else:
            assert a.follow_up_expected and a.acceptable_targets, a.id
        if a.kind == "off_topic":
            assert a.acceptable_targets == ("relevance",), a.id
            assert a.answers_question in bank_questions() and a.answers_question != a.question.id, a.id
        if a.kind == "we_no_i":
            assert "ownership" in a.acceptable_targets, a.id
            assert " I " not in f" {a.answer.text} ", a.id
        if a.kind == "no_result":
            assert "result" in a.acceptable_targets, a.id
        if a.kind == "recognizer":
            text = a.answer.text
            assert text == text.lower() and not any(c in text for c in '.,;:!?"'), a.id
            assert " um " in f" {text} ", a.id


def test_answers_carry_their_question(answers):
    for a in answers:
        assert a.answer.question_text == a.question.text
        assert a.answer.key_points == a.question.key_points
        assert a.answer.role == a.role
        assert a.answer.question_id == (None if a.question.id == "custom" else a.question.id)


def test_the_sweep_counts_targets_complete_answers_and_repeats(answers):
    """`--sweep` asks about an answer's weakest point below each threshold: a low weakest point that the labels accept
    is targeted, one on a complete answer leaves it not alone, one the answer made is a repeat."""
    partial = next(a for a in answers if a.kind == "partial")
    complete = next(a for a in answers if a.kind == "complete")
    weakest = [
        WeakestPoint(partial, 0.3, acceptable=True, covered=False),
        WeakestPoint(partial, 0.5, acceptable=False, covered=True),
        WeakestPoint(complete, 0.45, acceptable=False, covered=True),
    ]
    lines = {line["below"]: line for line in sweep("dev", weakest)}
    assert lines[0.25] == {**lines[0.25], "targeted": 0.0, "complete_left_alone": 1.0, "repeats": 0, "n_incomplete": 2}
    assert lines[0.35] == {**lines[0.35], "targeted": 0.5, "complete_left_alone": 1.0, "repeats": 0}
    assert lines[0.5] == {**lines[0.5], "targeted": 0.5, "complete_left_alone": 0.0, "repeats": 1}
    assert lines[0.55] == {**lines[0.55], "targeted": 0.5, "complete_left_alone": 0.0, "repeats": 2}
