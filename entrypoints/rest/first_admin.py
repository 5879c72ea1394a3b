"""The first admin of a new installation, created when the service starts, and what the operator
is told about it.

A password set in ``INVENTORY_ADMIN_PASSWORD`` applies to that first start only: once the store
has users it changes nothing, and the log says so (a reader who sets it later, expecting a new
password, would otherwise only see logins fail). A password the service generates is shown
once on the console in development; in production, where console output ends up in kept
container logs, it goes to a file only the service's user can read, and the log names the file.
"""

import logging
import os
import sys
from pathlib import Path

from entrypoints.container import Container
from entrypoints.settings import Settings

logger = logging.getLogger("inventory")

#: In the data directory; the operator reads it, logs in, changes the password, deletes it.
FIRST_ADMIN_FILE_NAME = "first-admin-password"
IGNORED = (
    "INVENTORY_ADMIN_PASSWORD is set but ignored: the store already has users, and it only sets"
    " the first admin's password on a first start with an empty store. Change a password with"
    " `inventory users set-password USERNAME` or PUT /api/v1/users/me/password"
)


async def bootstrap(container: Container) -> None:
    """First start with no users: create the admin from the settings, or with a generated
    password (never stored in clear in the database); later starts say why a configured
    password is ignored."""
    settings = container.settings()
    configured = settings.admin_password.get_secret_value() if settings.admin_password else None
    result = await container.bootstrap_admin().execute(settings.admin_username, configured)
    if result is None:
        if configured is not None:
            logger.warning(IGNORED)
        return
    name = result.user.username.value
    if result.generated_password is None:
        logger.info("created admin `%s` from INVENTORY_ADMIN_PASSWORD", name)
    elif settings.env == "production":
        _keep_in_file(settings, name, result.generated_password)
    else:
        _show_once(name, result.generated_password)


def password_file(settings: Settings) -> Path:
    return settings.data_dir / FIRST_ADMIN_FILE_NAME


def _keep_in_file(settings: Settings, name: str, password: str) -> None:
    path = password_file(settings)
    try:
        write_private(path, password + "\n")
    except OSError as error:
        logger.error(
            "created admin `%s` with a generated password, but could not write it to %s (%s):"
            " set a new one with `inventory users set-password %s`",
            name,
            path,
            error.strerror or error,
            name,
        )
        return
    logger.warning(
        "created admin `%s` with a generated password, written to %s (readable by this user"
        " only): log in, change it with PUT /api/v1/users/me/password, then delete the file",
        name,
        path,
    )


def write_private(path: Path, text: str) -> None:
    """``text`` in ``path``, readable and writable by the owner only (0600), from the moment
    the file exists; an existing file is replaced and narrowed to 0600 too."""
    path.parent.mkdir(parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW
    descriptor = os.open(path, flags, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        os.fchmod(file.fileno(), 0o600)
        file.write(text)


def _show_once(name: str, password: str) -> None:
    print(
        f"\n*** Created the first admin user {name!r} with the password:\n\n    {password}\n\n"
        "It is not shown again. Log in and change it with\n"
        "    PUT /api/v1/users/me/password"
        ' {"current_password": "...", "new_password": "..."}\n'
        "or set INVENTORY_ADMIN_PASSWORD before the first start next time.\n",
        file=sys.stderr,
        flush=True,
    )
