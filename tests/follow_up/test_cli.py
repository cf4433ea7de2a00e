"""`rehearse follow-up QUESTION_JSON ANSWER`: the decision as JSON, with the inputs of `rehearse score`."""

from __future__ import annotations

import json

from rehearse.cli import main
from tests.follow_up.conftest import COMPLETE_STORY, NO_RESULT

QUESTION = json.dumps({"text": "Tell me about a hard project you worked on.", "kind": "behavioral"})


def run(capsys, *argv: str) -> tuple[int, dict | None, str]:
    code = main(["follow-up", *argv])
    out, err = capsys.readouterr()
    return code, json.loads(out) if out else None, err


def test_prints_the_follow_up_for_an_answer_without_a_result(tmp_path, capsys):
    path = tmp_path / "answer.txt"
    path.write_text(NO_RESULT)
    code, out, _ = run(capsys, QUESTION, str(path), "--no-models")

    assert code == 0 and out is not None
    assert set(out["follow_up"]) == {"text", "targets", "reason"} and out["follow_up"]["targets"] == "result"


def test_prints_null_for_a_complete_answer_or_when_the_target_was_asked(tmp_path, capsys):
    path = tmp_path / "answer.txt"
    path.write_text(COMPLETE_STORY)
    assert run(capsys, QUESTION, str(path), "--no-models")[1] == {"follow_up": None}
    path.write_text(NO_RESULT)
    assert run(capsys, QUESTION, str(path), "--no-models", "--asked", '["result"]', "--max-follow-ups", "2")[1] == {"follow_up": None}
    assert run(capsys, QUESTION, str(path), "--no-models", "--max-follow-ups", "0")[1] == {"follow_up": None}


def test_a_bank_question_brings_its_probes_and_kind(tmp_path, capsys, embedder, monkeypatch):
    monkeypatch.setattr("rehearse.cli.load_models", lambda _dir: (embedder, None))  # the session's, its cache warm
    path = tmp_path / "answer.txt"
    path.write_text("I owned the scoring service for our fraud checks, while two teammates owned the feature store.")
    code, out, _ = run(capsys, '{"id": "swe-02"}', str(path))

    assert code == 0 and out is not None and out["follow_up"] is not None
    assert out["follow_up"]["targets"] != "key_point:separates own contribution from the team's work"


def test_bad_asked_says_what_is_expected(tmp_path, capsys):
    path = tmp_path / "answer.txt"
    path.write_text(NO_RESULT)
    code, _, err = run(capsys, QUESTION, str(path), "--no-models", "--asked", '{"result": 1}')
    assert code == 2 and "--asked must be a JSON list" in err
