"""Where spans go (REHEARSE_TRACES): nowhere, stdout, an OTLP/HTTP collector, or Application Insights.

Each exporter, and the OpenTelemetry SDK itself, is imported only when chosen: with traces off a process (and the
Functions host's cold start) loads none of it, and every span of rehearse.tracing stays a no-op."""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Literal

from rehearse.tracing import SESSION_ID, current_session_id

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import SpanProcessor

log = logging.getLogger("rehearse.telemetry")

Exporter = Literal["none", "console", "otlp", "azure"]
CONNECTION_STRING = "APPLICATIONINSIGHTS_CONNECTION_STRING"

_set_up: Exporter | None = None


def setup_tracing(exporter: Exporter, service: str, otlp_endpoint: str | None = None) -> bool:
    """Install the tracer provider for this process once; True when spans are now exported.

    `service` names the process in the traces (service.name, the cloud role name in Application Insights)."""
    global _set_up
    if exporter == "none":
        return False
    if _set_up is not None:
        if _set_up != exporter:
            log.warning("tracing already goes to %s; REHEARSE_TRACES=%s is ignored in this process", _set_up, exporter)
        return True
    if exporter == "azure":
        _setup_azure_monitor(service)
    else:
        _setup_sdk(exporter, service, otlp_endpoint)
    _set_up = exporter
    log.info("traces of %s go to %s", service, exporter)
    return True


def _setup_sdk(exporter: Exporter, service: str, otlp_endpoint: str | None) -> None:
    from opentelemetry import trace
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    provider.add_span_processor(session_id_processor())
    if exporter == "console":
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        # printed as each span ends: the console is for reading along while trying things out
        provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter()))
    elif exporter == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        # no endpoint: the exporter's own default, from OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT or localhost:4318
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=otlp_endpoint) if otlp_endpoint else OTLPSpanExporter()))
    else:
        raise ValueError(f"REHEARSE_TRACES={exporter!r}: use none, console, otlp or azure")
    trace.set_tracer_provider(provider)


def _setup_azure_monitor(service: str) -> None:
    if not os.environ.get(CONNECTION_STRING):
        raise ValueError(f"REHEARSE_TRACES=azure needs {CONNECTION_STRING} (the Application Insights connection string)")
    # Traces only: the Functions host already forwards logs, and Container Apps ships stdout to Log Analytics.
    # An operator who wants the distro's logs or metrics as well sets OTEL_LOGS_EXPORTER / OTEL_METRICS_EXPORTER.
    os.environ.setdefault("OTEL_LOGS_EXPORTER", "none")
    os.environ.setdefault("OTEL_METRICS_EXPORTER", "none")
    from azure.monitor.opentelemetry import configure_azure_monitor
    from opentelemetry.sdk.resources import Resource

    # The ingestion token comes from APPLICATIONINSIGHTS_AUTHENTICATION_STRING (the managed identity; local auth is
    # off on the component), which the exporter reads itself.
    configure_azure_monitor(
        resource=Resource.create({"service.name": service}),
        span_processors=[session_id_processor()],
        enable_live_metrics=False,
    )


def session_id_processor() -> SpanProcessor:
    """Stamps `rehearse.session_id` on spans that other libraries open inside a Rehearse span (Azure SDK, HTTP)."""
    from opentelemetry.sdk.trace import SpanProcessor

    class _SessionIdProcessor(SpanProcessor):
        def on_start(self, span, parent_context=None) -> None:
            if span.attributes is not None and SESSION_ID in span.attributes:
                return
            session_id = current_session_id(parent_context)
            if session_id is not None:
                span.set_attribute(SESSION_ID, session_id)

    return _SessionIdProcessor()
