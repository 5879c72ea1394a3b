import asyncio
import errno
import logging
import os
import re
import tempfile
from hashlib import sha256
from pathlib import Path
from uuid import uuid4

from application.errors import InsufficientStorage, StorageUnavailable
from application.ports import StoredImage
from domain.errors import CodedError

_KEY = re.compile(r"[0-9a-f]{32}\.(png|jpg|gif|webp)")
#: A full disk or quota: 507, an operator frees space. Anything else (read-only, permissions,
#: a missing mount, I/O errors): 503, an operator fixes the directory.
_FULL = frozenset({errno.ENOSPC, errno.EDQUOT})
logger = logging.getLogger(__name__)


def storage_error(action: str, root: Path, error: OSError) -> CodedError:
    """The domain error for a failed file operation, logged with its cause: the response says
    only that storage is unavailable or full, the log says which directory and why."""
    logger.error("cannot %s in the images directory %s: %s", action, root, error)
    if error.errno in _FULL:
        return InsufficientStorage()
    return StorageUnavailable()


class FileSystemImageStore:
    """Pictures as files in one directory, under names this store generates.

    A client's filename never reaches the disk, and ``get``/``delete`` accept only keys of the
    generated shape, so no path can escape the directory. Files are written to a temporary name,
    synced, then renamed: a crash never leaves half an image under a real key. All file I/O runs
    in worker threads. A directory that cannot be written (read-only, full, missing) raises
    ``StorageUnavailable`` or ``InsufficientStorage`` with the OS error as its cause, never a
    bare ``OSError``.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    async def put(self, data: bytes, *, extension: str) -> StoredImage:
        key = f"{uuid4().hex}.{extension}"
        if not _KEY.fullmatch(key):
            raise ValueError(f"unsupported image extension {extension!r}")
        try:
            await asyncio.to_thread(self._write, key, data)
        except OSError as error:
            raise storage_error("store a picture", self.root, error) from error
        return StoredImage(key=key, size=len(data), sha256=sha256(data).hexdigest())

    async def get(self, key: str) -> bytes | None:
        path = self._path(key)
        if path is None:
            return None
        try:
            return await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            return None
        except OSError as error:
            raise storage_error("read a picture", self.root, error) from error

    async def delete(self, key: str) -> None:
        """Best effort: callers delete after their change is committed (or while undoing it),
        so a file that cannot be removed is logged and left behind rather than failing them."""
        path = self._path(key)
        if path is None:
            return
        try:
            await asyncio.to_thread(path.unlink, True)
        except OSError as error:
            logger.warning("could not remove the picture %s, left behind: %s", path, error)

    async def check_writable(self) -> None:
        """A readiness probe: the directory exists (or can be made) and takes a new file."""
        try:
            await asyncio.to_thread(self._touch)
        except OSError as error:
            raise storage_error("create a file", self.root, error) from error

    def _path(self, key: str) -> Path | None:
        return self.root / key if _KEY.fullmatch(key) else None

    def _touch(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        descriptor, name = tempfile.mkstemp(dir=self.root, prefix=".ready-")
        os.close(descriptor)
        os.unlink(name)

    def _write(self, key: str, data: bytes) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        final = self.root / key
        temporary = self.root / f".{key}.tmp"
        # Exclusive: never write through whatever might already have that name. If this fails,
        # nothing was created and there is nothing to clean up.
        handle = open(temporary, "xb")  # noqa: SIM115 - closed below, before the rename
        try:
            with handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, final)
        except BaseException:
            _remove_quietly(temporary)
            raise


def _remove_quietly(path: Path) -> None:
    """Cleanup after a failed write must not replace the error that made it fail (on a
    read-only filesystem the removal fails too, and used to hide the real cause)."""
    try:
        path.unlink(missing_ok=True)
    except OSError as error:
        logger.warning("could not remove the temporary file %s: %s", path, error)
