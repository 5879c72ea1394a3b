"""Which pictures an item may carry, recognised from their bytes.

The client's filename and declared content type are never trusted: a file is a PNG because it
starts like one. SVG is refused on purpose (it can carry script), as is anything unrecognised.
"""

from enum import StrEnum


class ImageType(StrEnum):
    PNG = "image/png"
    JPEG = "image/jpeg"
    GIF = "image/gif"
    WEBP = "image/webp"

    @property
    def extension(self) -> str:
        return {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}[
            self.value
        ]


def detect_image_type(head: bytes) -> ImageType | None:
    """Recognise an image from its first bytes (16 are enough)."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return ImageType.PNG
    if head.startswith(b"\xff\xd8\xff"):
        return ImageType.JPEG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return ImageType.GIF
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return ImageType.WEBP
    return None
