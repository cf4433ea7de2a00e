"""A real TURN server (Debian's coturn) on 127.0.0.1 with the shared-secret scheme the Azure deployment uses."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.processes import serving
from tests.support.server import free_port

TURNSERVER = shutil.which("turnserver") or "/usr/bin/turnserver"


@contextmanager
def turnserver(workdir: Path, port: int, *options: str) -> Iterator[int]:
    """coturn with these options, on loopback, logging to <workdir>/turnserver.log, until it answers on `port`."""
    argv = [
        TURNSERVER,
        *options,
        "--listening-ip=127.0.0.1",
        "--relay-ip=127.0.0.1",
        "--simple-log",
        "--log-file=stdout",
        f"--db={workdir / 'turn.db'}",  # its own user database, not the system's /var/lib/turn
    ]
    with serving("turnserver", argv, [port], workdir):
        yield port


@contextmanager
def running_turn_server(secret: str, workdir: Path) -> Iterator[int]:
    """Yields the port of a coturn listening on UDP and TCP; loopback peers allowed, as every test peer is local."""
    port = free_port()
    relay_min = 40000 + (port % 200) * 100
    options = [
        "-n",  # no configuration file: everything is on the command line
        f"--listening-port={port}",
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
    ]
    with turnserver(workdir, port, *options):
        yield port
