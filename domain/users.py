"""Users, roles and what each role may do.

Permissions are decided here, not in a web router, so the REST API and the CLI enforce exactly
the same rules: a use case receives the acting ``Principal`` and asks it for a permission.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Self
from uuid import UUID, uuid4

from domain.errors import InvalidValue, PermissionDenied, ScopeMissing
from domain.events import AccessRevoked, DomainEvent
from domain.values import optional_text

#: bcrypt only looks at the first 72 bytes (and bcrypt 5 refuses more): the limit is in UTF-8
#: bytes, not characters, so 19 four-byte emoji are already too long.
PASSWORD_MAX_BYTES = 72
PASSWORD_MIN_CHARS = 8
_USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class Permission(StrEnum):
    READ_ITEMS = "read items"
    WRITE_ITEMS = "create and update items"
    ADJUST_STOCK = "adjust stock"
    RESERVE_STOCK = "reserve stock"
    DELETE_ITEMS = "delete items"
    MANAGE_USERS = "manage users"
    MANAGE_LOCATIONS = "manage locations"
    MANAGE_WEBHOOKS = "manage webhooks"
    READ_EVENTS = "read live events"
    READ_AUDIT = "read the audit trail"
    #: See and end one's own sessions, create and revoke one's own API tokens. No scope grants
    #: it: an API token cannot mint further tokens or keep a stolen session alive.
    MANAGE_OWN_ACCESS = "manage your own sessions and API tokens"


class Role(StrEnum):
    ADMIN = "admin"
    CLERK = "clerk"
    VIEWER = "viewer"

    @classmethod
    def parse(cls, raw: "str | Role") -> "Role":
        try:
            return cls(raw.lower() if isinstance(raw, str) else raw)
        except ValueError:
            raise InvalidValue("role", "must be one of admin, clerk, viewer") from None

    @property
    def permissions(self) -> frozenset[Permission]:
        return _PERMISSIONS[self]


_VIEWER = frozenset({Permission.READ_ITEMS, Permission.READ_EVENTS, Permission.MANAGE_OWN_ACCESS})
_CLERK = _VIEWER | {Permission.WRITE_ITEMS, Permission.ADJUST_STOCK, Permission.RESERVE_STOCK}
_PERMISSIONS = {
    Role.VIEWER: _VIEWER,
    Role.CLERK: _CLERK,
    Role.ADMIN: _CLERK
    | {
        Permission.DELETE_ITEMS,
        Permission.MANAGE_USERS,
        Permission.MANAGE_LOCATIONS,
        Permission.READ_AUDIT,
        Permission.MANAGE_WEBHOOKS,
    },
}


#: The scopes an API token may carry, each with the permissions it allows (never more than the
#: user's role has). Adding a scope is one line here.
SCOPES: Mapping[str, frozenset[Permission]] = {
    "items:read": frozenset({Permission.READ_ITEMS}),
    "items:write": frozenset({Permission.WRITE_ITEMS, Permission.DELETE_ITEMS}),
    "stock:write": frozenset({Permission.ADJUST_STOCK}),
    "reservations:write": frozenset({Permission.RESERVE_STOCK}),
    "locations:write": frozenset({Permission.MANAGE_LOCATIONS}),
    "users:admin": frozenset({Permission.MANAGE_USERS}),
    "events:read": frozenset({Permission.READ_EVENTS}),
    "audit:read": frozenset({Permission.READ_AUDIT}),
    #: Not ``users:admin``: an integration that registers its webhook need not manage users,
    #: and a user-admin token should not start receiving every event.
    "webhooks:admin": frozenset({Permission.MANAGE_WEBHOOKS}),
}


def parse_scopes(raw: Iterable[str]) -> frozenset[str]:
    """One or more scopes from ``SCOPES``; an API token without any could do nothing."""
    if isinstance(raw, str) or not isinstance(raw, Iterable):
        raise InvalidValue("scopes", "must be a list of scopes")
    scopes = frozenset(raw)
    unknown = sorted(str(scope) for scope in scopes if scope not in SCOPES)
    if unknown:
        raise InvalidValue("scopes", f"unknown {', '.join(unknown)}; known: {', '.join(SCOPES)}")
    if not scopes:
        raise InvalidValue("scopes", "must name at least one scope")
    return scopes


@dataclass(frozen=True, slots=True)
class Username:
    """Shown as typed, unique regardless of case (``Alice`` and ``alice`` are one user)."""

    value: str

    @classmethod
    def parse(cls, raw: str) -> Self:
        if not isinstance(raw, str):
            raise InvalidValue("username", "must be text")
        text = raw.strip()
        if not _USERNAME.fullmatch(text):
            raise InvalidValue(
                "username",
                "must be 1-64 characters of letters, digits, '.', '_', '@' or '-',"
                " starting with a letter or digit",
            )
        return cls(text)

    @property
    def key(self) -> str:
        return self.value.casefold()

    def __str__(self) -> str:
        return self.value


def validate_new_password(password: str) -> str:
    """The rules for a password a user chooses (not for one typed at login)."""
    if not isinstance(password, str):
        raise InvalidValue("password", "must be text")
    if "\x00" in password:
        raise InvalidValue("password", "must not contain NUL characters")
    try:
        encoded = password.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidValue("password", "must be valid Unicode text") from None
    if len(password) < PASSWORD_MIN_CHARS:
        raise InvalidValue("password", f"must be at least {PASSWORD_MIN_CHARS} characters")
    if len(encoded) > PASSWORD_MAX_BYTES:
        raise InvalidValue(
            "password", f"must be at most {PASSWORD_MAX_BYTES} bytes in UTF-8 (bcrypt's limit)"
        )
    return password


def parse_email(raw: str | None) -> str | None:
    email = optional_text("email", raw, max_length=254)
    if email is not None and not _EMAIL.fullmatch(email):
        raise InvalidValue("email", "must look like name@example.org")
    return email


@dataclass(eq=False)
class User:
    id: UUID
    username: Username
    password_hash: str
    role: Role
    created_at: datetime
    updated_at: datetime
    email: str | None = None
    full_name: str | None = None
    active: bool = True
    token_version: int = 1
    #: Recorded by the methods below, published by the unit of work after commit.
    events: list[DomainEvent] = field(default_factory=list, repr=False)

    @classmethod
    def register(
        cls,
        *,
        username: Username,
        password_hash: str,
        role: Role,
        at: datetime,
        email: str | None = None,
        full_name: str | None = None,
    ) -> "User":
        return cls(
            id=uuid4(),
            username=username,
            password_hash=password_hash,
            role=role,
            email=parse_email(email),
            full_name=optional_text("full_name", full_name, max_length=200),
            created_at=at,
            updated_at=at,
        )

    def change_password_hash(self, password_hash: str, *, at: datetime) -> None:
        """A new password also invalidates every token issued before it."""
        self.password_hash = password_hash
        self._revoke_tokens("password changed", at=at)

    def rehash(self, password_hash: str, *, at: datetime) -> None:
        """Same password, stronger hash: tokens stay valid."""
        self.password_hash = password_hash
        self.updated_at = at

    def set_role(self, role: Role, *, at: datetime) -> None:
        if role is not self.role:
            self.role = role
            # A demoted user must not keep the powers their old tokens carried.
            self._revoke_tokens("role changed", at=at)

    def set_active(self, active: bool, *, at: datetime) -> None:
        if active != self.active:
            self.active = active
            self._revoke_tokens("activated" if active else "deactivated", at=at)

    def _revoke_tokens(self, reason: str, *, at: datetime) -> None:
        """Void every token issued so far, and say so: live sessions anywhere must end."""
        self.token_version += 1
        self.updated_at = at
        self.events.append(
            AccessRevoked(
                occurred_at=at, user_id=self.id, token_version=self.token_version, reason=reason
            )
        )

    def principal(self) -> "Principal":
        return Principal(user_id=self.id, username=self.username.value, role=self.role)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is acting: the identity a use case checks permissions against.

    ``scopes`` is None for a person signed in with their password (the role decides alone) and
    the scopes of the API token otherwise: a permission then needs both the user's *current*
    role and a scope, so demoting a user narrows their tokens at once.
    """

    user_id: UUID
    username: str
    role: Role
    scopes: frozenset[str] | None = None

    def can(self, permission: Permission) -> bool:
        if permission not in self.role.permissions:
            return False
        return self.scopes is None or any(permission in SCOPES[s] for s in self.scopes)

    def require(self, permission: Permission) -> None:
        if permission not in self.role.permissions:
            raise PermissionDenied(permission.value, self.role.value)
        if not self.can(permission):
            raise ScopeMissing(permission.value, self.role.value)
