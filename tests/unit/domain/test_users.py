"""Users, roles and permissions, and the rules for passwords."""

from datetime import UTC, datetime, timedelta

import pytest

from domain.errors import InvalidValue, PermissionDenied
from domain.events import AccessRevoked
from domain.images import ImageType, detect_image_type
from domain.users import (
    PASSWORD_MAX_BYTES,
    Permission,
    Principal,
    Role,
    User,
    Username,
    parse_email,
    validate_new_password,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)
T1 = T0 + timedelta(hours=1)


def make_user(role: Role = Role.CLERK) -> User:
    return User.register(
        username=Username.parse("Alice"),
        password_hash="hash",
        role=role,
        at=T0,
        email=" alice@example.org ",
        full_name="  Alice A. ",
    )


# -- permissions -----------------------------------------------------------------------------

_EVERYONE = {Permission.READ_ITEMS, Permission.READ_EVENTS, Permission.MANAGE_OWN_ACCESS}
EXPECTED = {
    Role.VIEWER: _EVERYONE,
    Role.CLERK: _EVERYONE
    | {Permission.WRITE_ITEMS, Permission.ADJUST_STOCK, Permission.RESERVE_STOCK},
    Role.ADMIN: set(Permission),
}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("permission", list(Permission))
def test_principal_require_follows_the_role(role: Role, permission: Permission) -> None:
    principal = make_user(role).principal()
    allowed = permission in EXPECTED[role]
    assert principal.can(permission) is allowed
    if allowed:
        principal.require(permission)
    else:
        with pytest.raises(PermissionDenied) as caught:
            principal.require(permission)
        assert caught.value.code == "permission_denied"
        assert role.value in caught.value.message
        assert permission.value in caught.value.message


@pytest.mark.parametrize(("raw", "role"), [("admin", Role.ADMIN), ("CLERK", Role.CLERK)])
def test_role_parse(raw: str, role: Role) -> None:
    assert Role.parse(raw) is role
    assert Role.parse(role) is role


@pytest.mark.parametrize("raw", ["root", "", "admins"])
def test_unknown_roles_are_refused(raw: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        Role.parse(raw)
    assert caught.value.field == "role"


# -- usernames -------------------------------------------------------------------------------


def test_usernames_keep_their_case_but_compare_without_it() -> None:
    alice = Username.parse("  Alice.Smith@corp ")
    assert alice.value == "Alice.Smith@corp"
    assert str(alice) == "Alice.Smith@corp"
    assert alice.key == Username.parse("alice.smith@CORP").key == "alice.smith@corp"


@pytest.mark.parametrize(
    "raw", ["", " ", "-alice", ".alice", "al ice", "x" * 65, "émile", "a\x00", "a/b", 5]
)
def test_bad_usernames_are_refused(raw: object) -> None:
    with pytest.raises(InvalidValue) as caught:
        Username.parse(raw)  # type: ignore[arg-type]
    assert caught.value.field == "username"


def test_username_length_limit_is_inclusive() -> None:
    assert Username.parse("a" * 64).value == "a" * 64


# -- passwords -------------------------------------------------------------------------------


def test_a_good_password_is_returned_unchanged() -> None:
    assert validate_new_password(" correct horse ") == " correct horse "
    assert validate_new_password("x" * PASSWORD_MAX_BYTES) == "x" * PASSWORD_MAX_BYTES
    assert validate_new_password("é" * 36)  # 72 bytes exactly


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short", "at least 8"),
        ("", "at least 8"),
        ("x" * (PASSWORD_MAX_BYTES + 1), "72 bytes"),
        ("\N{GRINNING FACE}" * 19, "72 bytes"),  # 19 characters, 76 bytes
        ("é" * 37, "72 bytes"),
        ("nul\x00inside", "NUL"),
        ("\ud800" * 10, "valid Unicode"),
        (None, "must be text"),
        (b"bytes-password", "must be text"),
    ],
)
def test_bad_new_passwords_are_refused(password: object, reason: str) -> None:
    with pytest.raises(InvalidValue, match=reason) as caught:
        validate_new_password(password)  # type: ignore[arg-type]
    assert caught.value.field == "password"


# -- users -----------------------------------------------------------------------------------


def test_register_cleans_contact_details() -> None:
    user = make_user()
    assert user.email == "alice@example.org"
    assert user.full_name == "Alice A."
    assert user.active
    assert user.token_version == 1
    assert user.principal() == Principal(user_id=user.id, username="Alice", role=Role.CLERK)


@pytest.mark.parametrize("email", ["nope", "a@b", "a b@c.d", "x" * 250 + "@e.org"])
def test_bad_emails_are_refused(email: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        parse_email(email)
    assert caught.value.field == "email"


def test_blank_email_means_none() -> None:
    assert parse_email("  ") is None
    assert parse_email(None) is None


def test_password_change_bumps_the_token_version_but_rehash_does_not() -> None:
    user = make_user()
    user.rehash("stronger", at=T1)
    assert (user.password_hash, user.token_version, user.updated_at) == ("stronger", 1, T1)
    user.change_password_hash("new", at=T1)
    assert (user.password_hash, user.token_version) == ("new", 2)


def test_role_and_active_changes_bump_the_token_version_only_when_they_change() -> None:
    user = make_user()
    user.set_role(Role.CLERK, at=T1)
    user.set_active(True, at=T1)
    assert user.token_version == 1
    assert user.updated_at == T0
    user.set_role(Role.VIEWER, at=T1)
    assert (user.role, user.token_version, user.updated_at) == (Role.VIEWER, 2, T1)
    user.set_active(False, at=T1)
    assert (user.active, user.token_version) == (False, 3)


def test_every_token_version_change_is_announced_with_the_new_version() -> None:
    user = make_user()
    user.rehash("stronger", at=T1)
    user.set_role(Role.CLERK, at=T1)
    user.set_active(True, at=T1)
    assert user.events == []

    user.change_password_hash("new", at=T1)
    user.set_role(Role.VIEWER, at=T1)
    user.set_active(False, at=T1)
    user.set_active(True, at=T1)

    assert user.events == [
        AccessRevoked(occurred_at=T1, user_id=user.id, token_version=version, reason=reason)
        for version, reason in [
            (2, "password changed"),
            (3, "role changed"),
            (4, "deactivated"),
            (5, "activated"),
        ]
    ]


# -- images ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 8, ImageType.PNG),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 12, ImageType.JPEG),
        (b"GIF87a", ImageType.GIF),
        (b"GIF89a....", ImageType.GIF),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", ImageType.WEBP),
    ],
)
def test_images_are_recognised_by_their_bytes(head: bytes, kind: ImageType) -> None:
    assert detect_image_type(head) is kind


@pytest.mark.parametrize(
    "head",
    [
        b"",
        b"<svg xmlns='http://www.w3.org/2000/svg'>",
        b"<?xml version='1.0'?><svg>",
        b"<html><script>alert(1)</script>",
        b"%PDF-1.7",
        b"RIFF\x00\x00\x00\x00WAVE",
        b"RIFF\x00\x00",
        b"\x89PNG",
        b"GIF88a",
    ],
)
def test_anything_else_is_not_an_image(head: bytes) -> None:
    assert detect_image_type(head) is None


def test_image_types_have_extensions() -> None:
    assert {kind.extension for kind in ImageType} == {"png", "jpg", "gif", "webp"}
