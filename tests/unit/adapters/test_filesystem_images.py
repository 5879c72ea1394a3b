"""Pictures on disk: generated keys only, no path escapes, atomic writes."""

from hashlib import sha256
from pathlib import Path

import pytest

from adapters.images import FileSystemImageStore

DATA = b"\x89PNG\r\n\x1a\n" + b"\x01" * 100


@pytest.fixture
def images(tmp_path: Path) -> FileSystemImageStore:
    return FileSystemImageStore(tmp_path / "images")


async def test_put_get_delete(images: FileSystemImageStore) -> None:
    stored = await images.put(DATA, extension="png")
    assert stored.key.endswith(".png")
    assert len(stored.key) == 36
    assert stored.size == len(DATA)
    assert stored.sha256 == sha256(DATA).hexdigest()
    assert await images.get(stored.key) == DATA
    assert sorted(p.name for p in images.root.iterdir()) == [stored.key]  # no temporary left
    await images.delete(stored.key)
    assert await images.get(stored.key) is None
    await images.delete(stored.key)  # deleting twice is fine


async def test_keys_are_generated_and_unique(images: FileSystemImageStore) -> None:
    keys = {(await images.put(DATA, extension="gif")).key for _ in range(5)}
    assert len(keys) == 5


@pytest.mark.parametrize("extension", ["svg", "../png", "png/../../x", "", "PNG"])
async def test_unknown_extensions_are_refused(images: FileSystemImageStore, extension: str) -> None:
    with pytest.raises(ValueError, match="extension"):
        await images.put(DATA, extension=extension)
    assert not images.root.exists() or list(images.root.iterdir()) == []


@pytest.mark.parametrize(
    "key",
    [
        "../secret_key",
        "../../etc/passwd",
        "/etc/passwd",
        "..",
        "",
        "0" * 32 + ".png/../../x",
        "0" * 32 + ".png\x00",
        ".0123456789abcdef0123456789abcdef.png.tmp",
    ],
)
async def test_keys_of_another_shape_are_ignored(
    images: FileSystemImageStore, tmp_path: Path, key: str
) -> None:
    secret = tmp_path / "secret_key"
    secret.write_text("top secret")
    (tmp_path / "images").mkdir()
    assert await images.get(key) is None
    await images.delete(key)
    assert secret.read_text() == "top secret"


async def test_a_failed_write_leaves_no_temporary_file(
    images: FileSystemImageStore, tmp_path: Path
) -> None:
    images.root.mkdir(parents=True)
    stored = await images.put(DATA, extension="png")
    # Make the final name a directory: the rename fails after the temporary file was written.
    blocked = FileSystemImageStore(images.root)
    key = stored.key
    (images.root / key).unlink()
    (images.root / key).mkdir()
    with pytest.raises(IsADirectoryError):
        blocked._write(key, DATA)
    assert sorted(p.name for p in images.root.iterdir()) == [key]
