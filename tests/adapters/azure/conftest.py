"""Local Azure servers for the adapter tests, one of each per test run: Azurite (Blob, Queue) and cosmosdb-server."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.processes import serving

ROOT = Path(__file__).resolve().parents[3]
NODE_BIN = ROOT / "node_modules" / ".bin"

# Azurite's documented development account and the Cosmos DB emulator's documented key: public, the same everywhere.
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
COSMOS_KEY = "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU9DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy+DXp5Q=="

# cosmosdb-server 1.0.1 answers a point read of a missing document with a TypeError (HTTP 500) where Cosmos DB answers
# 404; every Store.get of an absent document hits that. The handler is wrapped before the routes table captures it.
_COSMOS_LAUNCHER = """
const [root, port] = process.argv.slice(1);
const lib = require("path").join(root, "node_modules", "@vercel", "cosmosdb-server", "lib");
const readDocument = require(lib + "/handler/read-document");
const original = readDocument.default;
readDocument.default = (account, req, res, params) => {
  try {
    return original(account, req, res, params);
  } catch (err) {
    if (!(err instanceof TypeError)) throw err;
    res.statusCode = 404;
    return { code: "NotFound", message: "Entity with the specified id does not exist in the system." };
  }
};
require(lib).createHttpsServer().listen(Number(port), "127.0.0.1", () => console.log("cosmosdb-server ready on " + port));
"""


@dataclass(frozen=True)
class Azurite:
    blob_url: str
    queue_url: str
    connection_string: str


@dataclass(frozen=True)
class CosmosServer:
    """HTTPS with the package's self-signed certificate: clients pass connection_verify=False."""

    endpoint: str
    key: str


def _require_node_modules(tool: str) -> Path:
    path = NODE_BIN / tool
    if not path.exists():
        pytest.fail(f"{path} is missing: run `npm ci` in {ROOT} to install the local Azure servers (package-lock.json)")
    if shutil.which("node") is None:
        pytest.fail("`node` is not on PATH: install Node.js 20 or later to run the local Azure servers")
    return path


def _free_ports(count: int) -> list[int]:
    # All bound at once so that the kernel cannot hand out the same port twice.
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


# Modules outside this folder (tests/adapters/test_store_contract.py) import these fixtures, which gives pytest a
# second definition of each; this keeps it to one server per run, stopped by whichever fixture started it.
_running: dict[str, Any] = {}


@contextmanager
def _once(name: str, start: Callable[[], Any]) -> Iterator[Any]:
    if name in _running:
        yield _running[name]
        return
    with start() as server:
        _running[name] = server
        try:
            yield server
        finally:
            del _running[name]


@contextmanager
def _run_azurite(workdir: Path) -> Iterator[Azurite]:
    azurite = _require_node_modules("azurite")
    blob, queue, table = _free_ports(3)
    argv = [
        str(azurite), "--silent", "--inMemoryPersistence", "--extentMemoryLimit", "64", "--disableTelemetry",
        "--skipApiVersionCheck", "--blobPort", str(blob), "--queuePort", str(queue), "--tablePort", str(table),
    ]  # fmt: skip
    # --location conflicts with --inMemoryPersistence in Azurite 3.37: the working directory is the temporary folder.
    with serving("azurite", argv, [blob, queue], workdir):
        blob_url = f"http://127.0.0.1:{blob}/{AZURITE_ACCOUNT}"
        queue_url = f"http://127.0.0.1:{queue}/{AZURITE_ACCOUNT}"
        connection_string = (
            f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};AccountKey={AZURITE_KEY};"
            f"BlobEndpoint={blob_url};QueueEndpoint={queue_url};"
        )
        yield Azurite(blob_url, queue_url, connection_string)


@contextmanager
def _run_cosmos(workdir: Path) -> Iterator[CosmosServer]:
    _require_node_modules("cosmosdb-server")
    [port] = _free_ports(1)
    with serving("cosmosdb-server", ["node", "-e", _COSMOS_LAUNCHER, str(ROOT), str(port)], [port], workdir):
        yield CosmosServer(f"https://127.0.0.1:{port}/", COSMOS_KEY)


@pytest.fixture(scope="session")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Azurite]:
    with _once("azurite", lambda: _run_azurite(tmp_path_factory.mktemp("azurite"))) as server:
        yield server


@pytest.fixture(scope="session")
def cosmos_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CosmosServer]:
    with _once("cosmos", lambda: _run_cosmos(tmp_path_factory.mktemp("cosmosdb-server"))) as server:
        yield server
