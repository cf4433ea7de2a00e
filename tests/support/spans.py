"""Spans for tests: an OpenTelemetry SDK provider in this test process that keeps finished spans in memory.

The global provider can be set only once per process, so it is installed on first use and records only inside
`recording()`: tests that do not ask for spans pay for no-op spans, as production does with traces off."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from rehearse.adapters.telemetry import session_id_processor


class _Recorder(SpanProcessor):
    def __init__(self) -> None:
        self.exporter = InMemorySpanExporter()
        self.on = False

    def on_end(self, span: ReadableSpan) -> None:
        if self.on:
            self.exporter.export((span,))


_recorder: _Recorder | None = None


def _install() -> _Recorder:
    global _recorder
    if _recorder is None:
        provider = trace.get_tracer_provider()
        if not isinstance(provider, TracerProvider):
            provider = TracerProvider()
            trace.set_tracer_provider(provider)
        provider.add_span_processor(session_id_processor())  # as rehearse.adapters.telemetry sets up every provider
        _recorder = _Recorder()
        provider.add_span_processor(_recorder)
    return _recorder


@contextmanager
def recording() -> Iterator[InMemorySpanExporter]:
    """Spans finished inside the block: exporter.get_finished_spans()."""
    recorder = _install()
    recorder.exporter.clear()
    recorder.on = True
    try:
        yield recorder.exporter
    finally:
        recorder.on = False


def hex_trace(span: ReadableSpan) -> str:
    return format(span.context.trace_id, "032x")
