from pathlib import Path

import pytest

from rehearse.domain.analysis_model import DIMENSIONS
from rehearse.feedback.scoring.rubric import RUBRIC_DIR, InvalidRubric, SignalRule, load_rubric

DEFAULT_TEXT = (RUBRIC_DIR / "default.yaml").read_text()


def test_the_default_rubric_has_every_dimension_and_describes_0_50_100():
    rubric = load_rubric(None)
    assert (rubric.id, rubric.ref().version) == ("default", rubric.version)
    for dimension in DIMENSIONS:
        assert set(rubric.dimensions[dimension].levels) >= {0, 50, 100}


def test_a_role_rubric_overrides_the_default_and_keeps_the_rest():
    default, engineer = load_rubric(None), load_rubric("software_engineer")
    assert engineer.id == "software_engineer"
    assert engineer.dimensions["content"].signals["specificity"].weight == 28
    assert default.dimensions["content"].signals["specificity"].weight == 20
    assert engineer.dimensions["content"].signals["coverage"] == default.dimensions["content"].signals["coverage"]
    assert engineer.dimensions["clarity"].signals["pace"].target == (120, 175)
    assert engineer.dimensions["confidence"] == default.dimensions["confidence"]


def test_every_role_in_the_question_bank_has_a_valid_rubric():
    roles = [p.stem for p in (RUBRIC_DIR.parent / "questions").glob("*.json")]
    assert roles
    assert all(load_rubric(role).id == role for role in roles)


def test_an_unknown_role_or_a_path_falls_back_to_the_default():
    assert load_rubric("astronaut").id == "default"
    assert load_rubric("../questions/sales").id == "default"


def test_rubrics_are_cached():
    assert load_rubric("product_manager") is load_rubric("product_manager")


def test_curves_are_piecewise_linear_and_flat_beyond_their_ends():
    rule = SignalRule(weight=1, curve=((0, 0), (10, 100), (20, 50)))
    assert [rule.normalise(x) for x in (-5, 0, 5, 10, 15, 20, 99)] == [0, 0, 50, 100, 75, 50, 50]


def write_rubric(folder: Path, text: str, name: str = "default") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.yaml").write_text(text)
    return folder


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("      coverage:\n", "      covrage:\n"), "unknown signal 'covrage'"),
        (("Covered {covered} of {total}", "Covered {covred} of {total}"), "unknown field(s) ['covred']"),
        (("[[0, 5], [0.3, 20]", "[[0, 5], [0, 20]"), "curve x values must strictly increase"),
        (("{per_min:.1f} fillers per minute", "{breakdown:.1f} fillers per minute"), "cannot be filled"),
        (("Covered {covered} of", "Covered {covered of"), "not a valid template"),
        (("  confidence:\n    description", "  poise:\n    description"), "dimensions"),
    ],
)
def test_an_invalid_rubric_names_the_file_and_the_problem(tmp_path, change, message):
    folder = write_rubric(tmp_path / "rubrics", DEFAULT_TEXT.replace(*change, 1))
    with pytest.raises(InvalidRubric) as raised:
        load_rubric(None, folder)
    assert str(folder / "default.yaml") in str(raised.value)
    assert message in str(raised.value)


def test_an_enterprise_can_change_weights_in_yaml_alone(tmp_path):
    folder = write_rubric(tmp_path / "rubrics", DEFAULT_TEXT)
    write_rubric(
        folder,
        "extends: default\nid: acme\nversion: '7'\ndimensions:\n  clarity:\n    signals:\n      pace:\n        weight: 0\n",
        "acme",
    )
    rubric = load_rubric("acme", folder)
    assert (rubric.id, rubric.version) == ("acme", "7")
    assert rubric.dimensions["clarity"].signals["pace"].weight == 0


def test_a_ceiling_caps_the_dimension_and_says_why_first():
    from rehearse.feedback.scoring import extract_features, score_answer
    from tests.scoring.conftest import answer_from_text

    abstract = answer_from_text(
        "I always try to understand the problem before I act. I talk to the people involved and listen carefully. "
        "Then we agree on a plan together and follow it through until things are in a good place again."
    )
    clarity = score_answer(abstract, extract_features(abstract, None, None), load_rubric()).clarity
    assert clarity.score <= 62
    assert clarity.evidence[0].startswith("Little to picture: 0% of sentences give a concrete detail")


def test_a_ceiling_must_be_a_curve(tmp_path):
    (tmp_path / "default.yaml").write_text(
        (RUBRIC_DIR / "default.yaml").read_text().replace("ceiling: [[0, 62], [0.1, 75], [0.2, 90], [0.3, 100]]", "ceiling: [[0.3, 62], [0.1, 75]]")
    )
    with pytest.raises(InvalidRubric, match="ceiling"):
        load_rubric(folder=tmp_path)
