import json
import subprocess
import sys
from pathlib import Path

import pytest

from rehearse.cli import main
from rehearse.domain.analysis_model import DIMENSIONS
from rehearse.feedback.scoring.rubric import load_rubric

ROOT = Path(__file__).resolve().parents[2]
QUESTION = json.dumps(
    {"text": "Tell me about a hard project.", "key_points": ["names a measurable result such as latency or cost"]}
)
ANSWER = "At my last job, I rewrote our checkout queries. As a result, we cut latency by 60 percent."


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["score", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def segment(seq: int, words: list[tuple[str, float, float]], question_id: str = "q1") -> dict:
    return {
        "seq": seq,
        "question_id": question_id,
        "text": " ".join(w for w, _, _ in words),
        "words": [{"w": w, "start": s, "end": e, "conf": 0.9} for w, s, e in words],
        "fillers": ["um"],
    }


def test_scores_a_text_file(tmp_path, capsys):
    path = tmp_path / "answer.txt"
    path.write_text(ANSWER)
    code, out, _ = run(capsys, QUESTION, str(path), "--no-models")
    report = json.loads(out)
    assert code == 0
    assert set(report["scores"]) == set(DIMENSIONS)
    assert set(report["scores"]["content"]) == {"score", "confidence", "level", "evidence"}
    weights = load_rubric().overall  # default.yaml `overall`: content counts three times
    assert report["overall"] == round(sum(weights[d] * report["scores"][d]["score"] for d in DIMENSIONS) / sum(weights.values()))
    assert report["rubric"] == {"id": "default", "version": "2.0.0"}
    assert report["features"]["duration_estimated"] is True
    assert report["features"]["coverage"] is None


def test_scores_a_json_transcript_from_the_session_api_with_a_role(tmp_path, capsys):
    first = segment(
        1,
        [
            ("At", 0.0, 0.2),
            ("my", 0.3, 0.5),
            ("last", 0.6, 0.8),
            ("job,", 0.9, 1.1),
            ("I", 1.2, 1.3),
            ("led", 1.4, 1.6),
            ("it.", 1.7, 1.9),
        ],
    )
    second = segment(2, [("We", 4.0, 4.2), ("cut", 4.3, 4.5), ("costs", 4.6, 4.9), ("by", 5.0, 5.1), ("half.", 5.2, 5.5)])
    path = tmp_path / "session.json"
    path.write_text(json.dumps({"v": 1, "session_id": "s_1", "transcript": [second, first]}))
    question_file = tmp_path / "question.json"
    question_file.write_text(QUESTION)
    code, out, _ = run(capsys, str(question_file), str(path), "--role", "product_manager", "--no-models")
    report = json.loads(out)
    assert code == 0
    assert report["rubric"]["id"] == "product_manager"
    features = report["features"]
    assert features["duration_estimated"] is False
    assert features["duration_s"] == 5.5
    assert features["pauses"]["count"] == 1 and features["pauses"]["longest_s"] == 2.1
    assert features["fillers"] == {"um": 2}


def test_scores_a_plain_word_list(tmp_path, capsys):
    words = [{"w": w, "start": i * 0.4, "end": i * 0.4 + 0.3} for i, w in enumerate(ANSWER.split())]
    path = tmp_path / "words.json"
    path.write_text(json.dumps(words))
    code, out, _ = run(capsys, QUESTION, str(path), "--no-models")
    assert code == 0
    assert json.loads(out)["features"]["word_count"] == len(ANSWER.split())


def test_missing_models_warn_and_still_score(tmp_path, capsys):
    path = tmp_path / "answer.txt"
    path.write_text(ANSWER)
    code, out, err = run(capsys, QUESTION, str(path), "--models-dir", str(tmp_path / "nothing-here"))
    assert code == 0
    assert "key-point coverage and tone are skipped" in err and "make models" in err
    assert json.loads(out)["features"]["coverage"] is None


def test_bad_input_exits_2_with_a_message(tmp_path, capsys):
    answer = tmp_path / "answer.txt"
    answer.write_text(ANSWER)
    bad_words = tmp_path / "bad.json"
    bad_words.write_text(json.dumps([{"w": "hi", "start": "soon"}]))
    two_questions = tmp_path / "two.json"
    two_questions.write_text(json.dumps({"transcript": [segment(1, [("Hi.", 0, 1)], "q1"), segment(2, [("Yo.", 2, 3)], "q2")]}))
    cases = [
        ((QUESTION, str(tmp_path / "missing.txt")), "ANSWER file"),
        (("{not json", str(answer)), "QUESTION_JSON is not valid JSON"),
        (('{"key_points": []}', str(answer)), 'non-empty "text"'),
        ((QUESTION, str(bad_words)), "word 0 of the word list"),
        ((QUESTION, str(two_questions)), "--question-id"),
    ]
    for argv, message in cases:
        code, out, err = run(capsys, *argv, "--no-models")
        assert code == 2, argv
        assert out == ""
        assert message in err and err.startswith("rehearse score: error:")


def test_python_dash_m_rehearse_runs_the_score_command(tmp_path):
    path = tmp_path / "answer.txt"
    path.write_text(ANSWER)
    done = subprocess.run(
        [sys.executable, "-m", "rehearse", "score", QUESTION, str(path), "--no-models"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "overall" in json.loads(done.stdout)


def test_uses_the_local_models_when_they_are_built(tmp_path, capsys, embedder):
    path = tmp_path / "answer.txt"
    path.write_text(ANSWER)
    code, out, _ = run(capsys, QUESTION, str(path))
    features = json.loads(out)["features"]
    assert code == 0
    assert features["coverage"] is not None
    assert len(features["key_points"]) == 1


def test_a_bank_question_by_id_brings_its_key_points_examples_and_rubric(tmp_path, capsys):
    path = tmp_path / "answer.txt"
    path.write_text(ANSWER)
    code, out, _ = run(capsys, '{"id": "swe-04"}', str(path), "--no-models")
    assert code == 0
    report = json.loads(out)
    assert report["rubric"]["id"] == "software_engineer"


@pytest.mark.parametrize(
    ("question", "complaint"),
    [
        ('{"id": "nope-99"}', "not a bank question"),
        ('{"text": "Q?", "key_points": ["a"], "examples": {"b": ["x"]}}', "not key points"),
        ('{"text": "Q?", "key_points": ["a"], "examples": {"a": "x"}}', "lists of spoken sentences"),
    ],
)
def test_bad_question_fields_are_named(tmp_path, capsys, question, complaint):
    path = tmp_path / "answer.txt"
    path.write_text(ANSWER)
    code, _, err = run(capsys, question, str(path), "--no-models")
    assert code != 0 and complaint in err
