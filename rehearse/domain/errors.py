"""Precise exceptions raised by the core; the edges map each to one HTTP/JSON error."""


class RehearseError(Exception):
    """Base class: every subclass has a stable machine-readable code; the HTTP edge maps codes to statuses
    (rehearse/app/http_api.py, HTTP_STATUS), so the core knows nothing of HTTP."""

    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidRequest(RehearseError):
    code = "invalid_request"


class InvalidJson(RehearseError):
    code = "invalid_json"


class InvalidSdp(RehearseError):
    code = "invalid_sdp"


class InvalidToken(RehearseError):
    code = "invalid_token"


class UnknownSession(RehearseError):
    code = "unknown_session"


class UnknownRole(RehearseError):
    code = "unknown_role"


class SessionEnded(RehearseError):
    code = "session_ended"


class SessionBusy(RehearseError):
    code = "session_busy"


class BodyTooLarge(RehearseError):
    code = "body_too_large"


class UnsupportedMediaType(RehearseError):
    code = "unsupported_media_type"


class ConcurrencyConflict(RehearseError):
    """A document changed since it was read (etag mismatch); the caller re-reads and retries."""

    code = "conflict"


class ModelUnavailable(RehearseError):
    """A speech model is missing or corrupt; the message says how to rebuild it."""

    code = "model_unavailable"
