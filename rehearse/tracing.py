"""Spans for every hop of an interview, each carrying the session id, and W3C trace context carried in dicts.

Only the OpenTelemetry API is used here. Until an SDK is set up (rehearse.adapters.telemetry) every span is a no-op,
yet trace context still flows: a traceparent received from the page is the one passed on to the queue."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from typing import Any, Literal, TypeVar

from opentelemetry import context as _context
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import Span, SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

__all__ = ["SESSION_ID", "TRACEPARENT", "Context", "current_context", "current_session_id", "extract", "inject", "span", "traceparent"]

SESSION_ID = "rehearse.session_id"
TRACEPARENT = "traceparent"

_Carrier = TypeVar("_Carrier", bound=MutableMapping[str, Any])

Kind = Literal["internal", "server", "client", "producer", "consumer"]
_KINDS = {
    "internal": SpanKind.INTERNAL,
    "server": SpanKind.SERVER,
    "client": SpanKind.CLIENT,
    "producer": SpanKind.PRODUCER,
    "consumer": SpanKind.CONSUMER,
}
# The session id also travels in the context, so spans opened below one (the recognizer's, the Azure SDK's) know it.
_SESSION_KEY = _context.create_key(SESSION_ID)
# A proxy: it follows whichever tracer provider is set up later, or stays a no-op.
_tracer = trace.get_tracer("rehearse")
# The W3C propagator itself rather than opentelemetry.propagate, whose import scans installed packages for plugins.
_propagator = TraceContextTextMapPropagator()


@contextmanager
def span(name: str, session_id: str | None, *, parent: Context | None = None, kind: Kind = "internal", **attrs: Any) -> Iterator[Span]:
    """A span named `name`, current inside the block, with `rehearse.session_id` and `rehearse.<attr>` attributes.

    `parent` is a context from extract() or current_context(); by default the current one. A session id of None
    takes the one of the enclosing span. An exception leaving the block is recorded on the span and re-raised."""
    base = parent if parent is not None else _context.get_current()
    if session_id is None:
        session_id = _context.get_value(_SESSION_KEY, base)
    attributes = {f"rehearse.{key}": value for key, value in attrs.items() if value is not None}
    if session_id is not None:
        attributes[SESSION_ID] = session_id
        base = _context.set_value(_SESSION_KEY, session_id, base)
    token = _context.attach(base)
    try:
        with _tracer.start_as_current_span(name, kind=_KINDS[kind], attributes=attributes) as current:
            yield current
    finally:
        _context.detach(token)


def current_context() -> Context:
    """The current context, to parent spans started later from elsewhere (another task, a callback)."""
    return _context.get_current()


def current_session_id(context: Context | None = None) -> str | None:
    value = _context.get_value(_SESSION_KEY, context)
    return value if isinstance(value, str) else None


def traceparent() -> str | None:
    """The current span as a W3C traceparent header value, or None outside any span."""
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    return carrier.get(TRACEPARENT)


def inject(carrier: _Carrier) -> _Carrier:
    """Put the current traceparent into carrier (a queue message, headers); outside any span it is left unchanged."""
    value = traceparent()
    if value is not None:
        carrier[TRACEPARENT] = value
    return carrier


def extract(carrier: object) -> Context:
    """The context a carrier's traceparent names, to parent the spans that handle it.

    A carrier without one (an older message, a client that sends none) or with a malformed one gives an empty
    context: the handler's span then starts a trace of its own."""
    if not isinstance(carrier, Mapping):
        return Context()
    value = carrier.get(TRACEPARENT)
    if not isinstance(value, str):
        return Context()
    return _propagator.extract({TRACEPARENT: value}, context=Context())
