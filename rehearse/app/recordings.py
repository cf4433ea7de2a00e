"""Recorded answers over HTTP: which names exist, byte ranges for <audio> seeking, and where a transcript line is heard."""

from __future__ import annotations

import re
from typing import Any

from rehearse.domain.errors import InvalidRequest, RehearseError
from rehearse.domain.model import Recording, Segment, place_in_recording

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}-[0-9]{1,9}\.wav")
_RANGE = re.compile(r"bytes=([0-9]*)-([0-9]*)")


class UnknownRecording(RehearseError):
    code = "unknown_recording"


class RangeNotSatisfiable(RehearseError):
    code = "range_not_satisfiable"


def checked_name(name: str) -> str:
    """A recording's file name as the relay makes them (`{question_id}-{connection}.wav`); nothing that is a path."""
    if not _NAME.fullmatch(name):
        raise InvalidRequest("a recording name is `{question_id}-{connection}.wav`, as GET /api/sessions/{id} lists them")
    return name


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """First and last byte (inclusive) of a single `bytes=` range; None to send the whole file.

    Other units and several ranges get the whole file, which RFC 9110 allows; a malformed or unsatisfiable
    bytes range raises RangeNotSatisfiable."""
    if not header or not header.strip().lower().startswith("bytes=") or "," in header:
        return None
    match = _RANGE.fullmatch(header.strip().lower().replace(" ", ""))
    if match is None or match.groups() == ("", ""):
        raise RangeNotSatisfiable(f"the range {header[:100]!r} is not `bytes=first-last`, `bytes=first-` or `bytes=-suffix`")
    first, last = match.groups()
    if first == "":  # the last N bytes
        if int(last) == 0 or size == 0:
            raise RangeNotSatisfiable(f"the range {header[:100]!r} selects no byte of a {size}-byte file")
        return max(0, size - int(last)), size - 1
    start, end = int(first), (int(last) if last else size - 1)
    if start >= size or end < start:
        raise RangeNotSatisfiable(f"the range {header[:100]!r} selects no byte of a {size}-byte file")
    return start, min(end, size - 1)


def recording_view(recording: Recording) -> dict[str, Any]:
    return {
        "name": recording.name,
        "question_id": recording.question_id,
        "connection": recording.connection,
        "url": f"/api/sessions/{recording.session_id}/recordings/{recording.name}",
        "start": recording.start,
        "duration": recording.duration,
    }


def segment_view(segment: Segment, recordings: list[Recording]) -> dict[str, Any]:
    """A transcript line with where it is heard: the recording's name and the offset in it, or nulls."""
    place = place_in_recording(segment, recordings)
    return {
        **segment.model_dump(mode="json", exclude={"v", "session_id"}),
        "recording": place[0].name if place else None,
        "offset": place[1] if place else None,
    }
