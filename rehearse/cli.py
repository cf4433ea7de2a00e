"""The command line: `python -m rehearse score QUESTION_JSON ANSWER` scores one answer and prints the scores as JSON;
`python -m rehearse follow-up QUESTION_JSON ANSWER` prints the follow-up the interviewer would ask, or null."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from rehearse.domain.analysis_model import DIMENSIONS, AnswerText, Word
from rehearse.domain.follow_ups import DEPTH, KEY_POINT, OWNERSHIP, RELEVANCE, RESULT, SPECIFICS, FollowUp
from rehearse.domain.model import Question
from rehearse.domain.parsing import problems
from rehearse.ports import Embedder, ToneModel

USAGE_ERROR = 2
_MAX_INPUT_BYTES = 10 * 1024 * 1024
_GAP_TARGETS = frozenset({RESULT, OWNERSHIP, SPECIFICS, RELEVANCE, DEPTH})


class InputError(Exception):
    """Bad command-line input; the message says what is wrong and what is expected."""


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    try:
        return args.run(args)
    except InputError as error:
        print(f"rehearse {args.command}: error: {error}", file=sys.stderr)
        return USAGE_ERROR


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rehearse", description="Rehearse: live AI mock interviews.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    score = commands.add_parser(
        "score",
        help="score one answer and print the scores as JSON",
        description="Score one answer against the rubric and print scores, evidence and features as JSON.",
    )
    _answer_arguments(score)
    score.set_defaults(run=_score)
    follow_up = commands.add_parser(
        "follow-up",
        help="print the follow-up question the interviewer would ask after one answer, as JSON",
        description='Decide whether to ask one follow-up after an answer: prints {"follow_up": null} or '
        '{"follow_up": {"text", "targets", "reason"}}. The inputs are those of `rehearse score`.',
    )
    _answer_arguments(follow_up)
    follow_up.add_argument(
        "--asked",
        help='JSON list of the follow-ups already asked for this question: {"text", "targets"} objects, or targets '
        '("result", "key_point:<point>") or texts',
    )
    follow_up.add_argument("--max-follow-ups", type=int, default=1, help="at most this many per question (default 1; 0: none)")
    follow_up.add_argument("--seed", help="varies the wording, like a session id (default: the answer's text)")
    follow_up.add_argument(
        "--llm", action="store_true", help="let the configured LLM (REHEARSE_EVALUATOR=openai) choose and word it"
    )
    follow_up.set_defaults(run=_follow_up)
    return parser


def _answer_arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument("question", metavar="QUESTION_JSON", help='JSON text or a JSON file: {"text": ..., "key_points": [...]}')
    command.add_argument(
        "answer",
        metavar="ANSWER",
        help='a text file, or a JSON transcript: a list of words [{"w","start","end","conf"}], {"words": [...]}, '
        'or {"transcript": [segments]} as GET /api/sessions/{id} returns it',
    )
    command.add_argument("--role", help="the role whose rubric applies (default: the default rubric)")
    command.add_argument("--question-id", help="which question's segments to score when the transcript holds several")
    command.add_argument("--no-models", action="store_true", help="skip the embedder and tone model (no coverage, no tone)")
    command.add_argument(
        "--models-dir", type=Path, help="the sentence embedder's directory (default: REHEARSE_DATA_DIR/models/minilm)"
    )


def _score(args: argparse.Namespace) -> int:
    from rehearse.feedback.scoring import extract_features, load_rubric, score_answer

    question = read_question(args.question)
    role = args.role or question.get("role")
    answer = read_answer(Path(args.answer), question, args.question_id or question.get("id"), role)
    embedder, tone = (None, None) if args.no_models else load_models(args.models_dir)
    rubric = load_rubric(role)
    features = extract_features(answer, embedder, tone)
    scores = score_answer(answer, features, rubric)
    report = {
        "scores": {d: getattr(scores, d).model_dump(mode="json") for d in DIMENSIONS},
        "overall": scores.overall(),
        "features": {**features.model_dump(mode="json"), "duration_estimated": not _timed(answer)},
        "rubric": rubric.ref().model_dump(mode="json"),
    }
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


def _follow_up(args: argparse.Namespace) -> int:
    from rehearse.feedback.follow_up import choose_follow_up, decide_follow_up

    if not 0 <= args.max_follow_ups <= 3:
        raise InputError(f"--max-follow-ups must be between 0 and 3, got {args.max_follow_ups}")
    fields = read_question(args.question)
    role = args.role or fields.get("role")
    answer = read_answer(Path(args.answer), fields, args.question_id or fields.get("id"), role)
    question = _question_of(fields)
    asked = _read_asked(args.asked) if args.asked else []
    embedder = None if args.no_models else load_models(args.models_dir)[0]
    limits = {"asked": asked, "max_follow_ups": args.max_follow_ups, "embedder": embedder, "seed": args.seed}
    if not args.llm:
        follow_up = decide_follow_up(question, answer, **limits)
        print(json.dumps({"follow_up": follow_up.to_json() if follow_up else None}, indent=2, ensure_ascii=False))
        return 0
    import asyncio

    from rehearse.config import build_follow_up_advisor
    from rehearse.settings import Settings

    settings = Settings()
    advisor = build_follow_up_advisor(settings)
    if advisor is None:
        raise InputError("--llm needs an LLM: set REHEARSE_EVALUATOR=openai and its endpoint (see README)")
    chosen, source, note = asyncio.run(
        choose_follow_up(question, answer, advisor=advisor, timeout_s=settings.follow_up_llm_timeout_s, **limits)
    )
    report = {"follow_up": chosen.to_json() if chosen else None, "source": source, "note": note}
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


def _question_of(fields: dict[str, Any]) -> Question:
    try:
        return Question(
            id=str(fields.get("id") or "question"),
            text=fields["text"],
            key_points=fields.get("key_points", []),
            examples=fields.get("examples", {}),
            probes=fields.get("probes", {}),
            kind=fields.get("kind"),
        )
    except ValidationError as e:
        raise InputError(f"QUESTION_JSON is not a valid question: {problems(e, whole='question', limit=3)}") from None


def _read_asked(value: str) -> list[FollowUp]:
    """--asked: {"text", "targets"} objects, or strings that are targets ("result", "key_point:...") or texts."""
    try:
        items = json.loads(value)
    except json.JSONDecodeError as error:
        raise InputError(f"--asked is not valid JSON ({error.msg})") from None
    if not isinstance(items, list):
        raise InputError('--asked must be a JSON list, e.g. ["result"] or [{"text": "...", "targets": "result"}]')
    asked = []
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("text", ""), str) and isinstance(item.get("targets", ""), str):
            asked.append(FollowUp(text=item.get("text", ""), targets=item.get("targets", ""), reason="asked"))
        elif isinstance(item, str) and (item in _GAP_TARGETS or item.startswith(KEY_POINT)):
            asked.append(FollowUp(text="", targets=item, reason="asked"))
        elif isinstance(item, str):
            asked.append(FollowUp(text=item, targets="", reason="asked"))
        else:
            raise InputError(f'every entry of --asked must be a string or {{"text", "targets"}}, got {item!r}')
    return asked


def read_question(value: str) -> dict[str, Any]:
    """A JSON object given inline or as a file path, with a non-empty "text" and optional "key_points" and "examples"
    (spoken phrasings per key point). {"id": "swe-04"} alone names a bank question: its text, key points and
    examples fill in whatever the object leaves out."""
    text = value if value.lstrip().startswith("{") else _read_file(Path(value), "QUESTION_JSON")
    try:
        question = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(f"QUESTION_JSON is not valid JSON ({error.msg} at line {error.lineno} column {error.colno})") from None
    if isinstance(question, dict) and isinstance(question.get("id"), str):
        question = _with_bank_question(question)
    if not isinstance(question, dict) or not isinstance(question.get("text"), str) or not question["text"].strip():
        raise InputError(
            'QUESTION_JSON must be an object with a non-empty "text", e.g. {"text": "Tell me about...", "key_points": ["..."]}'
        )
    points = question.get("key_points", [])
    if not isinstance(points, list) or not all(isinstance(p, str) for p in points):
        raise InputError('"key_points" in QUESTION_JSON must be a list of strings')
    if not isinstance(question.get("role", ""), str):
        raise InputError('"role" in QUESTION_JSON must be a role id such as "software_engineer"')
    examples = question.get("examples", {})
    if not isinstance(examples, dict) or not all(
        isinstance(k, str) and isinstance(v, list) and all(isinstance(e, str) for e in v) for k, v in examples.items()
    ):
        raise InputError('"examples" in QUESTION_JSON must map key points to lists of spoken sentences')
    if unknown := [k for k in examples if k.strip() not in {p.strip() for p in points}]:
        raise InputError(f'"examples" in QUESTION_JSON names points that are not key points: {unknown[:3]}')
    return question


def _with_bank_question(question: dict[str, Any]) -> dict[str, Any]:
    from rehearse.domain.question_bank import default_bank

    bank = {q.id: (q, role.id) for role in default_bank().roles() for q in role.questions}
    found, role = bank.get(question["id"], (None, None))
    if found is None:
        if question.get("text"):
            return question  # an id of the caller's own, not a bank question
        raise InputError(f'QUESTION_JSON "id" {question["id"]!r} is not a bank question (e.g. {sorted(bank)[0]!r})')
    filled = {
        "text": found.text, "key_points": list(found.key_points), "examples": dict(found.examples), "role": role,
        "probes": dict(found.probes), "kind": found.kind,
    }  # fmt: skip
    if "key_points" in question and "examples" not in question:
        filled["examples"] = {}  # the caller's own key points: the bank's phrasings belong to the bank's points
    if "key_points" in question and "probes" not in question:
        filled["probes"] = {}
    return filled | question


def read_answer(path: Path, question: dict[str, Any], question_id: str | None = None, role: str | None = None) -> AnswerText:
    """An answer from a text file or from a JSON transcript with word timings."""
    content = _read_file(path, "ANSWER")
    base = {
        "question_text": question["text"], "key_points": question.get("key_points", []), "role": role,
        "key_point_examples": question.get("examples", {}), "question_id": question.get("id"),
    }  # fmt: skip
    stripped = content.lstrip()
    if path.suffix.lower() != ".json" and not stripped.startswith(("[", "{")):
        if not stripped:
            raise InputError(f"ANSWER file {path} is empty")
        return AnswerText(**base, text=content.strip())
    try:
        data = json.loads(content)
    except json.JSONDecodeError as error:
        raise InputError(
            f"ANSWER file {path} is not valid JSON ({error.msg} at line {error.lineno} column {error.colno})"
        ) from None
    return _answer_from_json(data, base, question_id)


def _answer_from_json(data: Any, base: dict[str, Any], question_id: str | None) -> AnswerText:
    if isinstance(data, list):
        return AnswerText(**base, words=_words(data, "the word list"))
    if isinstance(data, dict) and isinstance(data.get("transcript"), list):
        return _answer_from_segments(data["transcript"], base, question_id)
    if isinstance(data, dict) and isinstance(data.get("words"), list):
        words = _words(data["words"], '"words"')
        return AnswerText(**base, words=words, text=str(data.get("text", "")), fillers=_strings(data.get("fillers", [])))
    if isinstance(data, dict) and isinstance(data.get("text"), str):
        return AnswerText(**base, text=data["text"], fillers=_strings(data.get("fillers", [])))
    raise InputError('a JSON ANSWER must be a list of words, {"words": [...]}, {"transcript": [segments]} or {"text": "..."}')


def _answer_from_segments(segments: list[Any], base: dict[str, Any], question_id: str | None) -> AnswerText:
    if not all(isinstance(s, dict) for s in segments):
        raise InputError('every entry of "transcript" must be a segment object with "text" and "words"')
    question_ids = sorted({str(s["question_id"]) for s in segments if "question_id" in s})
    if question_id is not None and question_ids:
        segments = [s for s in segments if str(s.get("question_id")) == question_id]
        if not segments:
            raise InputError(f"no segments for question {question_id!r}; the transcript has {', '.join(question_ids)}")
    elif len(question_ids) > 1:
        raise InputError(f"the transcript holds answers to {', '.join(question_ids)}; pick one with --question-id")
    if not segments:
        raise InputError('"transcript" has no segments')
    segments = sorted(segments, key=lambda s: s.get("seq", 0))
    words: list[Word] = []
    for s in segments:
        words += _words(s.get("words", []), f"segment {s.get('seq', '?')}")
    text = " ".join(str(s.get("text", "")).strip() for s in segments).strip()
    fillers = [f for s in segments for f in _strings(s.get("fillers", []))]
    # A segment without words leaves the timings incomplete: score the text alone rather than a partial clock.
    if any(not s.get("words") for s in segments):
        words = []
    if not words and not text:
        raise InputError("the transcript's segments have neither words nor text")
    return AnswerText(**base, words=words, text=text, fillers=fillers)


def _words(items: list[Any], where: str) -> list[Word]:
    words = []
    for i, item in enumerate(items):
        if isinstance(item, dict) and "w" not in item:
            item = {**item, "w": item.get("word", item.get("text"))}
        try:
            words.append(Word.model_validate(item))
        except ValidationError:
            raise InputError(
                f'word {i} of {where} must look like {{"w": "word", "start": 1.2, "end": 1.5, "conf": 0.9}}, got {item!r}'
            ) from None
    return words


def _strings(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def _read_file(path: Path, name: str) -> str:
    try:
        if path.stat().st_size > _MAX_INPUT_BYTES:
            raise InputError(f"{name} file {path} is larger than {_MAX_INPUT_BYTES // (1024 * 1024)} MiB")
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{name} file {path} does not exist") from None
    except IsADirectoryError:
        raise InputError(f"{name} {path} is a directory, not a file") from None
    except UnicodeDecodeError:
        raise InputError(f"{name} file {path} is not UTF-8 text") from None
    except OSError as error:
        raise InputError(f"cannot read {name} file {path}: {error.strerror}") from None


def _timed(answer: AnswerText) -> bool:
    from rehearse.feedback.scoring.text import split_answer

    return split_answer(answer).timed


def load_models(models_dir: Path | None) -> tuple[Embedder | None, ToneModel | None]:
    """The local embedder and tone model; a warning on stderr and (None, None) when they are not built."""
    from rehearse.config import build_scoring_models

    return build_scoring_models(models_dir or _default_model_dir(), warn=_warn)


def _default_model_dir() -> Path:
    try:
        from rehearse.settings import Settings

        return Settings().embedder_dir
    except Exception:  # settings that do not validate (a bad env var) must not hide the model; use the default place
        return Path(".rehearse-data") / "models" / "minilm"


def _warn(message: str) -> None:
    print(f"rehearse: warning: {message}", file=sys.stderr)
