"""A real TURN server (Debian's coturn) on 127.0.0.1 with the shared-secret scheme the Azure deployment uses."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

from tests.support.server import free_port

TURNSERVER = shutil.which("turnserver") or "/usr/bin/turnserver"


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def running_turn_server(secret: str, log_path: Path):
    """Yields the port of a coturn listening on UDP and TCP; loopback peers allowed, as every test peer is local."""
    port = free_port()
    relay_min = 40000 + (port % 200) * 100
    args = [
        TURNSERVER,
        "-n",  # no configuration file: everything is on the command line
        "--listening-ip=127.0.0.1",
        f"--listening-port={port}",
        "--relay-ip=127.0.0.1",
        f"--min-port={relay_min}",
        f"--max-port={relay_min + 99}",
        "--use-auth-secret",
        f"--static-auth-secret={secret}",
        "--realm=rehearse",
        "--fingerprint",
        "--no-tls",
        "--no-dtls",
        "--no-cli",
        "--no-multicast-peers",
        "--allow-loopback-peers",
        "--simple-log",
        f"--log-file={log_path}",
        f"--db={log_path.with_suffix('.db')}",  # its own user database, not the system's /var/lib/turn
    ]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 10
        while not _listening(port):
            if proc.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"turnserver did not start: {log_path.read_text()[-1500:] if log_path.exists() else ''}")
            time.sleep(0.05)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
