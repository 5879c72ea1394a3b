"""Pictures when the disk misbehaves (issue 12, item 6): the store raises ``StorageUnavailable``
or ``InsufficientStorage`` with the real OS error as its cause, logs that cause, and never lets
its own cleanup hide it. Faults of a real read-only or full filesystem are in
``tests/integration/test_image_storage_faults.py``."""

import errno
import logging
from pathlib import Path

import pytest

from adapters.images import FileSystemImageStore
from adapters.images.filesystem import storage_error
from application.errors import InsufficientStorage, StorageUnavailable

DATA = b"\x89PNG\r\n\x1a\n" + b"\x01" * 100
KEY = "0123456789abcdef0123456789abcdef.png"


@pytest.fixture
def blocked(tmp_path: Path) -> FileSystemImageStore:
    """A store whose directory cannot exist: its parent is a regular file."""
    (tmp_path / "not-a-directory").write_text("")
    return FileSystemImageStore(tmp_path / "not-a-directory" / "images")


async def test_a_directory_that_cannot_be_made_is_unavailable_and_the_cause_is_logged(
    blocked: FileSystemImageStore, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR), pytest.raises(StorageUnavailable) as caught:
        await blocked.put(DATA, extension="png")
    assert caught.value.code == "storage_unavailable"
    assert isinstance(caught.value.__cause__, NotADirectoryError)
    assert str(blocked.root) not in caught.value.message  # the client is not told the path
    logged = caplog.text
    assert str(blocked.root) in logged
    assert "Not a directory" in logged


async def test_readiness_probe_creates_the_directory_and_leaves_nothing(tmp_path: Path) -> None:
    images = FileSystemImageStore(tmp_path / "images")
    await images.check_writable()
    assert list(images.root.iterdir()) == []


async def test_readiness_probe_fails_when_nothing_can_be_written(
    blocked: FileSystemImageStore,
) -> None:
    with pytest.raises(StorageUnavailable):
        await blocked.check_writable()


def test_a_failed_open_is_the_error_raised_and_is_not_masked_by_cleanup(tmp_path: Path) -> None:
    """The temporary name is taken by a directory: ``open`` fails. The old ``finally`` then
    tried to remove the directory, failed too, and raised that error instead."""
    images = FileSystemImageStore(tmp_path)
    squatter = tmp_path / f".{KEY}.tmp"
    squatter.mkdir()
    with pytest.raises(FileExistsError) as caught:  # open(..., 'x') on a taken name
        images._write(KEY, DATA)
    assert caught.value.filename == str(squatter)
    assert caught.value.__context__ is None  # nothing was raised while handling another error
    assert squatter.is_dir()  # not ours: left alone
    assert not (tmp_path / KEY).exists()


@pytest.mark.parametrize(
    ("number", "kind"),
    [
        (errno.ENOSPC, InsufficientStorage),
        (errno.EDQUOT, InsufficientStorage),
        (errno.EROFS, StorageUnavailable),
        (errno.EACCES, StorageUnavailable),
        (errno.EPERM, StorageUnavailable),
        (errno.ENOTDIR, StorageUnavailable),
        (errno.EIO, StorageUnavailable),
    ],
)
def test_os_errors_map_to_full_or_unavailable(
    number: int, kind: type[Exception], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cause = OSError(number, errno.errorcode[number], str(tmp_path / "x"))
    with caplog.at_level(logging.ERROR):
        assert isinstance(storage_error("store a picture", tmp_path, cause), kind)
    assert errno.errorcode[number] in caplog.text


async def test_a_picture_that_cannot_be_read_is_unavailable(tmp_path: Path) -> None:
    images = FileSystemImageStore(tmp_path)
    (tmp_path / KEY).mkdir()  # reading it fails with EISDIR, not "not found"
    with pytest.raises(StorageUnavailable):
        await images.get(KEY)
    assert await images.get("fedcba9876543210fedcba9876543210.png") is None


async def test_a_picture_that_cannot_be_removed_is_logged_and_left(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Deletion follows a committed change (or undoes a failed one): it must not fail it."""
    images = FileSystemImageStore(tmp_path)
    (tmp_path / KEY).mkdir()
    (tmp_path / KEY / "inside").write_text("")
    with caplog.at_level(logging.WARNING):
        await images.delete(KEY)
    assert (tmp_path / KEY).is_dir()
    assert "left behind" in caplog.text
