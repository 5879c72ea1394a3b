import os
import secrets
import time
from pathlib import Path


def load_or_create_secret(path: Path) -> str:
    """The development signing secret, generated once and kept in the data directory, so tokens
    survive restarts and every worker of one installation signs with the same key.

    Created with ``O_EXCL`` and mode 0600: when several workers start at once, one writes it and
    the others read what it wrote.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_existing(path)
    secret = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secret)
    return secret


def _read_existing(path: Path) -> str:
    for _ in range(100):
        text = path.read_text(encoding="ascii").strip()
        if text:
            return text
        time.sleep(0.01)  # the creator is between open() and write()
    raise RuntimeError(f"{path} exists but is empty; delete it to generate a new secret")
