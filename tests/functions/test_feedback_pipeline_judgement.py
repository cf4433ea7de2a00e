"""With an LLM configured, the answer's scores combine the model's judgement (local OpenAI-protocol server)."""

from __future__ import annotations

import json

import pytest

from rehearse.adapters.local.in_process_queue import InProcessQueue
from rehearse.app.feedback_pipeline import SCORES, FeedbackPipeline
from rehearse.config import build_world
from rehearse.settings import Settings
from tests.functions.test_feedback_pipeline import STRONG, run_interview
from tests.support.fake_openai import FakeOpenAI, reply
from tests.support.publisher import RecordingPublisher
from tests.support.server import EMBEDDER_DIR

FEEDBACK = {
    "strengths": ["You gave a number: 'from four seconds to one second'."],
    "improvements": ["Say what you would do differently."],
    "rewrite": {"original": "I profiled the service.", "improved": "I profiled the service first."},
    "example_phrasing": "Result: 'Load time fell from four seconds to one.'",
}


@pytest.fixture
async def llm_world(tmp_path):
    async with FakeOpenAI() as fake:
        settings = Settings(
            data_dir=tmp_path, embedder_model_dir=EMBEDDER_DIR, evaluator="openai", openai_base_url=fake.base_url,
            openai_api_key="k", openai_model="gpt-test",
        )  # fmt: skip
        queue = InProcessQueue(backoff_s=0.01)
        world = build_world(settings, RecordingPublisher(), queue)
        FeedbackPipeline(world).subscribe(queue)
        yield world, fake
        await world.close()


async def test_a_model_that_disagrees_with_the_features_lowers_the_confidence_and_says_so(llm_world):
    """The first software question asks about the candidate; STRONG tells a performance story. The model, scripted
    to call it on topic, disagrees with the measured relevance: the combined score shows the dispute."""
    world, fake = llm_world
    quote = "page load time dropped from four seconds to one second"
    verdict = {"answers_question": "yes", "reason": "a project with impact", "key_points": [
        {"point": "highlights one or two projects with clear impact", "covered": True, "quote": quote},
        {"point": "names the languages and systems used most", "covered": True, "quote": "I wrote it all in Haskell"},
    ]}
    fake.then(reply(json.dumps(FEEDBACK | {"judgement": verdict})))
    sid = await run_interview(world, [STRONG])
    [score] = await world.store.list(SCORES, sid)

    assert score["judged_by"] == "gpt-test"
    features_only, combined = score["feature_scores"], score["scores"]
    assert combined["content"]["confidence"] < features_only["content"]["confidence"]
    assert combined["content"]["evidence"][0].startswith("The model and the measured features disagree")
    assert any("quote not in the transcript" in line for line in combined["content"]["evidence"])
    relevance = score["features"]["relevance"]
    assert relevance["source"] == "combined" and relevance["disagreement"]
    judged = {p["point"]: p for p in score["features"]["key_points"]}
    assert judged["highlights one or two projects with clear impact"]["best_sentence"] == quote
    assert judged["names the languages and systems used most"]["source"] == "features"
    scored_events = [e for e in world.publisher.events if e["type"] == "answer.scored"]
    assert len(scored_events) == 2 and scored_events[-1]["score"]["scores"] == combined
