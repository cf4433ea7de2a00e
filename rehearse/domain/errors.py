"""Precise exceptions raised by the core; the edges map each to one HTTP/JSON error."""


class RehearseError(Exception):
    """Base class: every subclass has a stable machine-readable code and an HTTP status for the edge."""

    code = "error"
    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidRequest(RehearseError):
    code = "invalid_request"
    status = 400


class InvalidJson(RehearseError):
    code = "invalid_json"
    status = 400


class InvalidSdp(RehearseError):
    code = "invalid_sdp"
    status = 400


class InvalidToken(RehearseError):
    code = "invalid_token"
    status = 401


class UnknownSession(RehearseError):
    code = "unknown_session"
    status = 404


class UnknownRole(RehearseError):
    code = "unknown_role"
    status = 404


class SessionEnded(RehearseError):
    code = "session_ended"
    status = 409


class SessionBusy(RehearseError):
    code = "session_busy"
    status = 409


class BodyTooLarge(RehearseError):
    code = "body_too_large"
    status = 413


class UnsupportedMediaType(RehearseError):
    code = "unsupported_media_type"
    status = 415


class ConcurrencyConflict(RehearseError):
    """A document changed since it was read (etag mismatch); the caller re-reads and retries."""

    code = "conflict"
    status = 409


class ModelUnavailable(RehearseError):
    """A speech model is missing or corrupt; the message says how to rebuild it."""

    code = "model_unavailable"
    status = 503
