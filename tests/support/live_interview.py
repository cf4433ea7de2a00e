"""An interview over real WebRTC on a session created beforehand (the reference client's media part,
examples/wav_client.converse): tests can prepare the session's state, or create it from a chosen address, first."""

from __future__ import annotations

import aiohttp

from examples.wav_client import converse


async def create_session(http: aiohttp.ClientSession, base_url: str, questions: int = 1) -> tuple[int, dict, dict]:
    """(status, body, headers) of POST /api/sessions for a role's first questions."""
    async with http.post(f"{base_url}/api/sessions", json={"role": "software_engineer", "question_count": questions}) as r:
        return r.status, await r.json(), dict(r.headers)


async def interview(base_url: str, session: dict, wav: str, timeout_s: float = 120.0) -> list[dict]:
    """Answer every question with `wav` (looped) until `ended`; the data channel's messages, in order."""
    async with aiohttp.ClientSession() as http:
        messages, _ = await converse(http, base_url, session, wav, timeout_s=timeout_s, quiet=True)
    return messages
