"""Attaching, replacing, reading and removing an item's picture."""

from uuid import uuid4

import pytest

from adapters.memory import InMemoryImageStore
from application.commands import AttachImageCommand
from application.errors import PayloadTooLarge, UnsupportedMedia
from domain.errors import InvalidValue, NotFound, PermissionDenied, VersionMismatch
from domain.events import ItemUpdated
from domain.users import Principal
from entrypoints.container import Container
from tests.unit.use_cases.conftest import create_item, recorded, store

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x01" * 32


def blobs(container: Container) -> dict[str, bytes]:
    image_store = container.image_store()
    assert isinstance(image_store, InMemoryImageStore)
    return image_store.blobs


def attach(actor: Principal, item: object, data: bytes, **kw: object) -> AttachImageCommand:
    return AttachImageCommand(actor=actor, item=item, data=data, **kw)  # type: ignore[arg-type]


async def test_attach_get_replace_and_remove(
    container: Container, clerk: Principal, viewer: Principal
) -> None:
    item = await create_item(container, clerk)
    async with recorded(container) as events:
        with_png = await container.attach_image().execute(attach(clerk, item.id, PNG))
    assert with_png.image is not None
    assert with_png.image.content_type == "image/png"
    assert with_png.image.size == len(PNG)
    assert with_png.image.key.endswith(".png")
    assert with_png.version == 2
    assert [type(e) for e in events] == [ItemUpdated]
    assert events[0].changed == ("image",)  # type: ignore[attr-defined]
    content = await container.get_image().execute(viewer, item.id)
    assert content.data == PNG
    assert content.image == with_png.image

    with_jpeg = await container.attach_image().execute(
        attach(clerk, item.id, JPEG, expected_version=2)
    )
    assert with_jpeg.image is not None
    assert with_jpeg.image.content_type == "image/jpeg"
    assert list(blobs(container)) == [with_jpeg.image.key]  # the PNG is gone

    removed = await container.remove_image().execute(clerk, item.id, expected_version=3)
    assert removed.image is None
    assert blobs(container) == {}
    assert store(container).items[item.id].image is None
    with pytest.raises(NotFound):
        await container.get_image().execute(viewer, item.id)
    with pytest.raises(NotFound):
        await container.remove_image().execute(clerk, item.id)


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"", InvalidValue),
        (b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", UnsupportedMedia),
        (b"<html><body>hi</body></html>", UnsupportedMedia),
        (b"GIF89a" + b"\x00" * (5 * 1024 * 1024), PayloadTooLarge),
    ],
)
async def test_bad_uploads_are_refused_before_anything_is_stored(
    container: Container, clerk: Principal, data: bytes, error: type[Exception]
) -> None:
    item = await create_item(container, clerk)
    with pytest.raises(error):
        await container.attach_image().execute(attach(clerk, item.id, data))
    assert blobs(container) == {}
    assert store(container).items[item.id].version == 1


async def test_payload_limit_comes_from_settings(container: Container, clerk: Principal) -> None:
    item = await create_item(container, clerk)
    limit = container.settings().max_image_bytes
    with pytest.raises(PayloadTooLarge) as caught:
        await container.attach_image().execute(attach(clerk, item.id, PNG + b"\x00" * limit))
    assert caught.value.limit == limit


async def test_a_failed_attach_leaves_no_orphan_image(
    container: Container, clerk: Principal, viewer: Principal
) -> None:
    item = await create_item(container, clerk)
    await container.attach_image().execute(attach(clerk, item.id, PNG))
    kept = dict(blobs(container))
    async with recorded(container) as events:
        with pytest.raises(VersionMismatch):
            await container.attach_image().execute(attach(clerk, item.id, JPEG, expected_version=1))
        with pytest.raises(NotFound):
            await container.attach_image().execute(attach(clerk, uuid4(), JPEG))
        with pytest.raises(PermissionDenied):
            await container.attach_image().execute(attach(viewer, item.id, JPEG))
    assert events == []
    assert blobs(container) == kept
    assert (await container.get_image().execute(viewer, item.id)).data == PNG


async def test_remove_image_checks_permission_and_version(
    container: Container, clerk: Principal, viewer: Principal
) -> None:
    item = await create_item(container, clerk)
    await container.attach_image().execute(attach(clerk, item.id, PNG))
    with pytest.raises(PermissionDenied):
        await container.remove_image().execute(viewer, item.id)
    with pytest.raises(VersionMismatch):
        await container.remove_image().execute(clerk, item.id, expected_version=1)
    assert len(blobs(container)) == 1


async def test_get_image_when_the_bytes_are_missing(
    container: Container, clerk: Principal, viewer: Principal
) -> None:
    item = await create_item(container, clerk)
    attached = await container.attach_image().execute(attach(clerk, item.id, PNG))
    assert attached.image is not None
    blobs(container).clear()
    with pytest.raises(NotFound):
        await container.get_image().execute(viewer, item.id)


async def test_archiving_keeps_the_image_and_purging_deletes_it(
    container: Container, clerk: Principal, admin: Principal
) -> None:
    item = await create_item(container, clerk)
    await container.attach_image().execute(attach(clerk, item.id, PNG))
    await container.archive_item().execute(admin, item.id)
    assert len(blobs(container)) == 1
    await container.purge_item().execute(admin, item.id)
    assert blobs(container) == {}
