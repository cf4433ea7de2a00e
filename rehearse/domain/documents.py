"""Deterministic ids of the feedback documents: a message handled twice writes the same document, not a second one."""

from __future__ import annotations


def answer_id(session_id: str, question_id: str) -> str:
    return f"{session_id}.{question_id}.answer"


def score_id(session_id: str, question_id: str) -> str:
    return f"{session_id}.{question_id}.score"


def evaluation_id(session_id: str, question_id: str) -> str:
    return f"{session_id}.{question_id}.evaluation"


def summary_id(session_id: str, question_id: str) -> str:
    return f"{session_id}.{question_id}.summary"


def report_id(session_id: str) -> str:
    return f"{session_id}.report"
