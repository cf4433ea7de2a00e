"""Blobs in a local folder: <root>/<container>/<name>, written atomically, names kept inside the folder."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from rehearse.domain.errors import InvalidRequest


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
            partial = path.with_name(path.name + ".partial")
            for attempt in range(2):
                path.parent.mkdir(parents=True, exist_ok=True)
                try:
                    partial.write_bytes(data)
                    break
                except FileNotFoundError:  # a delete pruned the empty folder between mkdir and write
                    if attempt:
                        raise
            os.replace(partial, path)

        await asyncio.to_thread(write)

    async def get(self, container: str, name: str) -> bytes | None:
        path = self._path(container, name)
        return await asyncio.to_thread(lambda: path.read_bytes() if path.is_file() else None)

    async def delete(self, container: str, name: str) -> None:
        path = self._path(container, name)
        top = self._root / container

        def remove() -> None:
            path.unlink(missing_ok=True)
            # Folders left empty go too: a deleted session leaves no folder named after it.
            folder = path.parent
            while folder != top and top in folder.parents:
                try:
                    folder.rmdir()
                except OSError:  # not empty (or already gone): stop here
                    break
                folder = folder.parent

        await asyncio.to_thread(remove)

    async def list(self, container: str, prefix: str = "") -> list[str]:
        top = self._root / container

        def names() -> list[str]:
            if not top.is_dir():
                return []
            found = (p.relative_to(top).as_posix() for p in top.rglob("*") if p.is_file() and not p.name.endswith(".partial"))
            return sorted(n for n in found if n.startswith(prefix))

        return await asyncio.to_thread(names)

    async def close(self) -> None:
        return None
