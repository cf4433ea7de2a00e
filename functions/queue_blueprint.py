"""The feedback pipeline as queue-triggered Azure Functions (v2 blueprints): decode, call the shared handler."""

from __future__ import annotations

import json
import logging

import azure.functions as func

from functions.host_world import host_world
from rehearse.app.feedback_pipeline import FeedbackPipeline
from rehearse.domain.events import QUEUE_FOR

bp = func.Blueprint()
log = logging.getLogger("rehearse.functions")
CONNECTION = "AzureWebJobsStorage"


def _pipeline() -> FeedbackPipeline:
    return FeedbackPipeline(host_world())


def _decode(msg: func.QueueMessage) -> dict:
    # a message that is not JSON raises: after maxDequeueCount the host moves it to <queue>-poison
    return json.loads(msg.get_body().decode("utf-8"))


@bp.queue_trigger(arg_name="msg", queue_name=QUEUE_FOR["answer.completed"], connection=CONNECTION)
async def score_answer(msg: func.QueueMessage) -> None:
    await _pipeline().score_answer(_decode(msg))


@bp.queue_trigger(arg_name="msg", queue_name=QUEUE_FOR["answer.scored"], connection=CONNECTION)
async def evaluate_answer(msg: func.QueueMessage) -> None:
    await _pipeline().evaluate_answer(_decode(msg))


@bp.queue_trigger(arg_name="msg", queue_name=QUEUE_FOR["question.closed"], connection=CONNECTION)
async def summarize_question(msg: func.QueueMessage) -> None:
    await _pipeline().summarize_question(_decode(msg))


@bp.queue_trigger(arg_name="msg", queue_name=QUEUE_FOR["interview.ended"], connection=CONNECTION)
async def finalize_report(msg: func.QueueMessage) -> None:
    await _pipeline().finalize_report(_decode(msg))
