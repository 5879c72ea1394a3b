import asyncio
import os
import re
from hashlib import sha256
from pathlib import Path
from uuid import uuid4

from application.ports import StoredImage

_KEY = re.compile(r"[0-9a-f]{32}\.(png|jpg|gif|webp)")


class FileSystemImageStore:
    """Pictures as files in one directory, under names this store generates.

    A client's filename never reaches the disk, and ``get``/``delete`` accept only keys of the
    generated shape, so no path can escape the directory. Files are written to a temporary name,
    synced, then renamed: a crash never leaves half an image under a real key. All file I/O runs
    in worker threads.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    async def put(self, data: bytes, *, extension: str) -> StoredImage:
        key = f"{uuid4().hex}.{extension}"
        if not _KEY.fullmatch(key):
            raise ValueError(f"unsupported image extension {extension!r}")
        await asyncio.to_thread(self._write, key, data)
        return StoredImage(key=key, size=len(data), sha256=sha256(data).hexdigest())

    async def get(self, key: str) -> bytes | None:
        path = self._path(key)
        if path is None:
            return None
        try:
            return await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            return None

    async def delete(self, key: str) -> None:
        path = self._path(key)
        if path is not None:
            await asyncio.to_thread(path.unlink, True)

    def _path(self, key: str) -> Path | None:
        return self.root / key if _KEY.fullmatch(key) else None

    def _write(self, key: str, data: bytes) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        final = self.root / key
        temporary = self.root / f".{key}.tmp"
        try:
            with open(temporary, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, final)
        finally:
            temporary.unlink(missing_ok=True)
