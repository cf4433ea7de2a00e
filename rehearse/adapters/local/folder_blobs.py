"""Blobs in a local folder: <root>/<container>/<name>, written atomically, names kept inside the folder."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from rehearse.errors import InvalidRequest


class FolderBlobs:
    def __init__(self, root: Path) -> None:
        self._root = Path(root).resolve()

    def _path(self, container: str, name: str) -> Path:
        path = (self._root / container / name).resolve()
        if self._root / container not in path.parents:
            raise InvalidRequest(f"blob name {name!r} leaves its container")
        return path

    async def put(self, container: str, name: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        path = self._path(container, name)

        def write() -> None:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(path.name + ".partial")
            partial.write_bytes(data)
            os.replace(partial, path)

        await asyncio.to_thread(write)

    async def get(self, container: str, name: str) -> bytes | None:
        path = self._path(container, name)
        return await asyncio.to_thread(lambda: path.read_bytes() if path.is_file() else None)

    async def delete(self, container: str, name: str) -> None:
        path = self._path(container, name)
        await asyncio.to_thread(lambda: path.unlink(missing_ok=True))

    async def close(self) -> None:
        return None
