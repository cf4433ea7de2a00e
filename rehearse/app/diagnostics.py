"""Connection diagnostics from the page: a validated, size-limited summary of its WebRTC statistics, kept as a blob.

A support engineer reads `diagnostics/{session_id}/{timestamp}-{reason}.json` to see why a session was laggy."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from rehearse.app.world import World
from rehearse.domain.errors import InvalidRequest
from rehearse.domain.parsing import problems
from rehearse.interview.link_quality import LinkFigures

CONTAINER = "diagnostics"
MAX_BYTES = 32 * 1024  # a summary, not a stats dump: the page's upload is about 2 KiB

_State = Literal["idle", "connecting", "good", "poor", "lost", "ended"]
_Name = Field(default=None, max_length=40)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CandidatePair(_Strict):
    """The selected ICE candidate pair: host / srflx / prflx / relay, and the transport."""

    local_type: str | None = _Name
    remote_type: str | None = _Name
    protocol: str | None = _Name
    state: str | None = _Name


class Traffic(_Strict):
    packets_sent: int | None = Field(default=None, ge=0)
    packets_received: int | None = Field(default=None, ge=0)
    packets_lost: int | None = Field(default=None)  # RTP may report negative loss after duplicates
    bytes_sent: int | None = Field(default=None, ge=0)
    bytes_received: int | None = Field(default=None, ge=0)


class ConnectionChange(_Strict):
    state: _State
    at: int = Field(ge=0)  # the page's clock, Unix ms


class DiagnosticsUpload(_Strict):
    """Version 1 of the page's upload (docs/protocol.md, "POST /api/sessions/{id}/diagnostics")."""

    v: Literal[1]
    reason: Literal["state_change", "ended", "pagehide", "resume"]
    state: _State
    at: int = Field(ge=0)
    link: LinkFigures = Field(default_factory=LinkFigures)
    candidate_pair: CandidatePair | None = None
    traffic: Traffic = Field(default_factory=Traffic)
    ice_connection_state: str | None = _Name
    connection_state: str | None = _Name
    connection_changes: list[ConnectionChange] = Field(default_factory=list, max_length=200)
    resumes: int = Field(default=0, ge=0)
    user_agent: str = Field(default="", max_length=512)


def parse_upload(body: object) -> DiagnosticsUpload:
    try:
        return DiagnosticsUpload.model_validate(body)
    except ValidationError as exc:
        raise InvalidRequest(f"diagnostics: {problems(exc, limit=1)} (see docs/protocol.md)") from None


def blob_name(session_id: str, received: datetime, reason: str) -> str:
    return f"{session_id}/{received.strftime('%Y%m%dT%H%M%S.%fZ')}-{reason}.json"


async def store_diagnostics(world: World, session_id: str, upload: DiagnosticsUpload) -> str:
    """Write the upload, stamped with the session and the server's time; returns the blob's name."""
    received = datetime.now(UTC)
    document = {"session_id": session_id, "received_at": received.isoformat(), **upload.model_dump(mode="json")}
    name = blob_name(session_id, received, upload.reason)
    await world.blobs.put(CONTAINER, name, json.dumps(document, indent=1).encode(), content_type="application/json")
    return name
