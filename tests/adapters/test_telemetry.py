"""REHEARSE_TRACES picks where spans go; each exporter runs for real in a fresh process (the tracer provider is global,
set once per process) and sends to stdout or to a server on 127.0.0.1."""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from rehearse.adapters.telemetry import setup_tracing
from tests.support.otlp import running_collector
from tests.support.server import ROOT

# One trace as the relay makes it: the offer, and a phrase's store write under it.
_PROBE = """
import sys
from opentelemetry import trace
from rehearse import tracing
from rehearse.adapters.telemetry import setup_tracing
from rehearse.settings import Settings

settings = Settings()
print("exporting" if setup_tracing(settings.traces, "rehearse-probe", settings.otlp_endpoint) else "off", flush=True)
with tracing.span("relay.offer", "s_probe", kind="server"):
    with tracing.span("store.record_segment", None, seq=7):
        pass
flush = getattr(trace.get_tracer_provider(), "force_flush", None)
if flush is not None:
    flush()
print("modules", "opentelemetry.sdk" in sys.modules, "azure.monitor.opentelemetry" in sys.modules, flush=True)
"""


def run_probe(tmp_path, **env: str) -> str:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("REHEARSE_", "OTEL_", "APPLICATIONINSIGHTS_"))}
    environment.update(PYTHONPATH=str(ROOT), TMPDIR=str(tmp_path), REHEARSE_DATA_DIR=str(tmp_path), **env)
    done = subprocess.run([sys.executable, "-c", _PROBE], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_with_traces_off_nothing_is_set_up_or_imported(tmp_path):
    out = run_probe(tmp_path)
    assert out.splitlines()[0] == "off"
    assert out.splitlines()[-1] == "modules False False"


def test_console_prints_each_span_with_the_session_id(tmp_path):
    out = run_probe(tmp_path, REHEARSE_TRACES="console")
    assert out.startswith("exporting\n")
    printed = re.findall(r"(?ms)^\{\n.*?^\}$", out)  # the console exporter prints one JSON object per span
    spans = {s["name"]: s for s in map(json.loads, printed)}
    assert set(spans) == {"relay.offer", "store.record_segment"}
    assert all(s["attributes"]["rehearse.session_id"] == "s_probe" for s in spans.values())
    assert spans["store.record_segment"]["parent_id"] == spans["relay.offer"]["context"]["span_id"]
    assert spans["relay.offer"]["resource"]["attributes"]["service.name"] == "rehearse-probe"
    assert out.splitlines()[-1] == "modules True False"


def test_otlp_sends_the_spans_to_the_collector(tmp_path):
    with running_collector() as collector:
        run_probe(tmp_path, REHEARSE_TRACES="otlp", REHEARSE_OTLP_ENDPOINT=collector.url)
        spans = collector.wait_for(lambda got: len(got) >= 2, timeout_s=10)
    by_name = {s.name: s for s in spans}
    assert set(by_name) == {"relay.offer", "store.record_segment"}
    assert by_name["store.record_segment"].parent_span_id == by_name["relay.offer"].span_id
    assert by_name["store.record_segment"].attributes == {"rehearse.session_id": "s_probe", "rehearse.seq": 7}
    assert by_name["relay.offer"].service == "rehearse-probe"


class _Ingestion:
    """Application Insights' ingestion endpoint as far as the exporter needs it: POST /v2.1/track, accept all."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        self.got = threading.Event()
        ingestion = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                ingestion.bodies.append(body)
                if self.path.endswith("/v2.1/track"):
                    ingestion.got.set()
                count = body.count(b'"iKey"') or 1
                reply = json.dumps({"itemsReceived": count, "itemsAccepted": count, "errors": []}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"


def test_azure_sends_the_spans_to_application_insights(tmp_path):
    ingestion = _Ingestion()
    try:
        out = run_probe(
            tmp_path,
            REHEARSE_TRACES="azure",
            APPLICATIONINSIGHTS_CONNECTION_STRING=f"InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint={ingestion.url}",
            # nothing may leave this machine: no control plane, no SDK statistics, no cloud metadata lookups
            APPLICATIONINSIGHTS_CONTROLPLANE_DISABLED="true",
            APPLICATIONINSIGHTS_STATSBEAT_DISABLED_ALL="true",
            APPLICATIONINSIGHTS_SDKSTATS_DISABLED="true",
            OTEL_EXPERIMENTAL_RESOURCE_DETECTORS="otel",
            # the distro's default sampler admits a few traces per second, earned over time: none yet at start-up
            OTEL_TRACES_SAMPLER="always_on",
        )
        assert ingestion.got.wait(10)
    finally:
        ingestion.server.shutdown()
    assert out.splitlines()[-1] == "modules True True"
    items = [json.loads(line) for body in ingestion.bodies for line in _envelopes(body)]
    spans = {i["data"]["baseData"]["name"]: i for i in items if i["data"]["baseType"] in ("RequestData", "RemoteDependencyData")}
    assert {"relay.offer", "store.record_segment"} <= set(spans)
    assert all(s["data"]["baseData"]["properties"]["rehearse.session_id"] == "s_probe" for s in spans.values())
    assert spans["relay.offer"]["data"]["baseType"] == "RequestData"  # a server span is a request in Application Insights
    assert spans["relay.offer"]["tags"]["ai.cloud.role"] == "rehearse-probe"


def _envelopes(body: bytes) -> list[str]:
    text = body.decode()
    return [json.dumps(e) for e in json.loads(text)] if text.lstrip().startswith("[") else [line for line in text.splitlines() if line.strip()]


def test_azure_without_a_connection_string_says_what_to_set(monkeypatch):
    monkeypatch.delenv("APPLICATIONINSIGHTS_CONNECTION_STRING", raising=False)
    with pytest.raises(ValueError, match="APPLICATIONINSIGHTS_CONNECTION_STRING"):
        setup_tracing("azure", "rehearse-relay")


def test_the_functions_app_imports_no_exporter():
    """The host imports function_app on every cold start: tracing must add no SDK or Azure Monitor import to it."""
    probe = "import sys, function_app; print(sorted(m for m in ('opentelemetry.sdk', 'azure.monitor.opentelemetry') if m in sys.modules))"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("REHEARSE_")}
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env={**environment, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]"


def test_both_azure_apps_send_their_traces_to_application_insights():
    modules = ROOT / "infra" / "bicep" / "modules"
    functions = (modules / "functions.bicep").read_text()
    relay = (modules / "relay.bicep").read_text()
    assert re.search(r"(?m)^\s*REHEARSE_TRACES: 'azure'$", functions)
    assert re.search(r"(?m)^\s*APPLICATIONINSIGHTS_CONNECTION_STRING: appInsightsConnectionString$", functions)
    assert re.search(r"name: 'REHEARSE_TRACES'\n\s*value: 'azure'", relay)
    assert re.search(r"name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'\n\s*value: appInsightsConnectionString", relay)
    # pages on another origin send their traceparent with the offer: the relay's CORS policy must allow the header
    assert re.search(r"allowedHeaders: \[[^\]]*'traceparent'", relay)
