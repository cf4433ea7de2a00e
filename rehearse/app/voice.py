"""The interviewer's voice at start-up: what it says in every interview is synthesized ahead, and the model loaded."""

from __future__ import annotations

from rehearse.interview.conductor import ACKNOWLEDGEMENTS, CLOSING_REMARK
from rehearse.ports import Synthesizer


async def prepare_voice(synthesizer: Synthesizer) -> None:
    for text in (*ACKNOWLEDGEMENTS, CLOSING_REMARK):
        await synthesizer.prepare(text)
