"""Outside input into models: one wording for what a validation error found, and a model's JSON without the code
fence some endpoints wrap it in."""

from __future__ import annotations

import re

from pydantic import ValidationError

_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL)


def problems(error: ValidationError, whole: str = "body", limit: int | None = 5) -> str:
    """'where: what' for each error (the first `limit`), joined by '; '; `whole` names the input itself."""
    found = error.errors() if limit is None else error.errors()[:limit]
    return "; ".join(f"{'.'.join(str(part) for part in e['loc']) or whole}: {e['msg']}" for e in found)


def unfenced(content: str) -> str:
    """JSON a model wrapped in ```json ... ``` (compatible endpoints that ignore response_format often do)."""
    return _FENCE.sub(r"\1", content)
