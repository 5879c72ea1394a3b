from hashlib import sha256
from uuid import uuid4

from application.ports import StoredImage


class InMemoryImageStore:
    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}

    async def put(self, data: bytes, *, extension: str) -> StoredImage:
        key = f"{uuid4().hex}.{extension}"
        self.blobs[key] = bytes(data)
        return StoredImage(key=key, size=len(data), sha256=sha256(data).hexdigest())

    async def get(self, key: str) -> bytes | None:
        return self.blobs.get(key)

    async def delete(self, key: str) -> None:
        self.blobs.pop(key, None)
