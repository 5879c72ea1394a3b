"""Registering users, the first admin, passwords, roles and reading accounts."""

import asyncio
from uuid import uuid4

import pytest

from application.commands import RegisterUserCommand, UpdateUserCommand
from application.errors import AuthenticationFailed, Conflict
from domain.errors import AlreadyExists, InvalidValue, NotFound, PermissionDenied
from domain.users import Principal, Role, User
from entrypoints.container import Container
from tests.logins import log_in
from tests.unit.use_cases.conftest import PASSWORD, register, store

# -- register --------------------------------------------------------------------------------


async def test_the_first_admin_needs_no_actor(container: Container) -> None:
    user = await register(container, "Root", "admin", actor=None)
    assert user.role is Role.ADMIN
    assert user.password_hash.startswith("$2b$04$")
    assert PASSWORD not in user.password_hash
    assert store(container).users[user.id].username.value == "Root"


async def test_without_an_actor_only_the_first_admin_may_be_created(
    container: Container,
) -> None:
    with pytest.raises(PermissionDenied):
        await register(container, "clerk", "clerk", actor=None)
    assert store(container).users == {}
    await register(container, "root", "admin", actor=None)
    with pytest.raises(PermissionDenied):
        await register(container, "second", "admin", actor=None)
    assert len(store(container).users) == 1


async def test_admins_register_users_and_others_may_not(
    container: Container, root: User, clerk: Principal
) -> None:
    created = await register(container, "Bob", "clerk", actor=root.principal())
    assert created.role is Role.CLERK
    with pytest.raises(PermissionDenied):
        await register(container, "eve", "viewer", actor=clerk)
    assert len(store(container).users) == 2


async def test_usernames_are_unique_regardless_of_case(container: Container, root: User) -> None:
    with pytest.raises(AlreadyExists) as caught:
        await register(container, "ROOT", "viewer", actor=root.principal())
    assert caught.value.code == "already_exists"
    assert len(store(container).users) == 1


async def test_a_registration_is_checked_before_any_password_is_given(
    container: Container, root: User, clerk: Principal
) -> None:
    check = container.check_registration()
    await check.execute(root.principal(), "bob", "clerk")
    with pytest.raises(AlreadyExists):
        await check.execute(root.principal(), " ROOT ", "viewer")
    with pytest.raises(PermissionDenied):
        await check.execute(clerk, "bob", "viewer")
    with pytest.raises(PermissionDenied):
        await check.execute(None, "second", "admin")  # the store has its first admin
    with pytest.raises(InvalidValue):
        await check.execute(root.principal(), "bad name", "viewer")
    assert len(store(container).users) == 1


async def test_on_an_empty_store_only_the_first_admin_passes_the_check(
    container: Container,
) -> None:
    check = container.check_registration()
    await check.execute(None, "root", "admin")
    with pytest.raises(PermissionDenied):
        await check.execute(None, "vic", "viewer")
    assert store(container).users == {}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"password": "short"}, "password"),
        ({"password": "\N{GRINNING FACE}" * 19}, "password"),
        ({"username": "bad name"}, "username"),
        ({"role": "owner"}, "role"),
        ({"email": "not-an-email"}, "email"),
    ],
)
async def test_bad_registrations_change_nothing(
    container: Container, root: User, overrides: dict[str, str], field: str
) -> None:
    values = {"username": "carol", "password": PASSWORD, "role": "viewer"} | overrides
    with pytest.raises(InvalidValue) as caught:
        await container.register_user().execute(
            RegisterUserCommand(actor=root.principal(), **values)
        )
    assert caught.value.field == field
    assert len(store(container).users) == 1


# -- bootstrap -------------------------------------------------------------------------------


async def test_bootstrap_generates_a_password_once(container: Container) -> None:
    result = await container.bootstrap_admin().execute("admin", None)
    assert result is not None
    assert result.user.role is Role.ADMIN
    assert result.generated_password is not None
    assert len(result.generated_password) >= 16
    token = await log_in(container, "admin", result.generated_password)
    assert token.token
    assert await container.bootstrap_admin().execute("admin", None) is None
    assert await container.bootstrap_admin().execute("other", "another password") is None
    assert len(store(container).users) == 1


async def test_bootstrap_with_a_configured_password(container: Container) -> None:
    result = await container.bootstrap_admin().execute("boss", PASSWORD)
    assert result is not None
    assert result.generated_password is None
    assert (await log_in(container, "BOSS", PASSWORD)).token


async def test_bootstrap_refuses_a_bad_configured_password(container: Container) -> None:
    with pytest.raises(InvalidValue):
        await container.bootstrap_admin().execute("boss", "short")
    assert store(container).users == {}


# -- passwords -------------------------------------------------------------------------------


async def test_change_own_password(container: Container, root: User) -> None:
    me = root.principal()
    old_token = (await log_in(container, "root", PASSWORD)).token
    await container.change_own_password().execute(me, PASSWORD, "a brand new secret")
    stored = store(container).users[root.id]
    assert stored.token_version == root.token_version + 1
    with pytest.raises(AuthenticationFailed):
        await container.resolve_principal().execute(old_token)
    with pytest.raises(AuthenticationFailed):
        await log_in(container, "root", PASSWORD)
    assert await log_in(container, "root", "a brand new secret")


@pytest.mark.parametrize(
    ("current", "new", "error"),
    [
        ("wrong password", "a brand new secret", AuthenticationFailed),
        ("x" * 73, "a brand new secret", AuthenticationFailed),
        (PASSWORD, PASSWORD, InvalidValue),
        (PASSWORD, "short", InvalidValue),
        (PASSWORD, "x" * 73, InvalidValue),
    ],
)
async def test_change_own_password_refusals_change_nothing(
    container: Container, root: User, current: str, new: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        await container.change_own_password().execute(root.principal(), current, new)
    stored = store(container).users[root.id]
    assert (stored.password_hash, stored.token_version) == (root.password_hash, 1)


async def test_admin_sets_another_users_password(
    container: Container, root: User, clerk: Principal
) -> None:
    bob = await register(container, "bob", "clerk", actor=root.principal())
    await container.set_user_password().execute(root.principal(), "BOB", "reset password 1")
    assert store(container).users[bob.id].token_version == 2
    assert await log_in(container, "bob", "reset password 1")
    with pytest.raises(PermissionDenied):
        await container.set_user_password().execute(clerk, "bob", "reset password 2")
    with pytest.raises(NotFound):
        await container.set_user_password().execute(root.principal(), "nobody", "reset password 3")
    with pytest.raises(InvalidValue):
        await container.set_user_password().execute(root.principal(), str(bob.id), "short")
    assert store(container).users[bob.id].token_version == 2


# -- update user -----------------------------------------------------------------------------


async def test_update_user_changes_role_active_and_contact(
    container: Container, root: User
) -> None:
    bob = await register(container, "bob", "viewer", actor=root.principal())
    updated = await container.update_user().execute(
        UpdateUserCommand(
            actor=root.principal(),
            user_id=bob.id,
            role="CLERK",
            email=" bob@example.org ",
            full_name=" Bob B ",
        )
    )
    assert (updated.role, updated.email, updated.full_name) == (
        Role.CLERK,
        "bob@example.org",
        "Bob B",
    )
    assert updated.token_version == 2
    cleared = await container.update_user().execute(
        UpdateUserCommand(actor=root.principal(), user_id=str(bob.id), email=None, active=False)
    )
    assert (cleared.email, cleared.full_name, cleared.active) == (None, "Bob B", False)
    stored = store(container).users[bob.id]
    assert (stored.active, stored.token_version) == (False, 3)


async def test_the_last_active_admin_cannot_be_demoted_or_deactivated(
    container: Container, root: User
) -> None:
    update = container.update_user()
    with pytest.raises(Conflict) as caught:
        await update.execute(
            UpdateUserCommand(actor=root.principal(), user_id=root.id, role="clerk")
        )
    assert caught.value.code == "conflict"
    with pytest.raises(Conflict):
        await update.execute(
            UpdateUserCommand(actor=root.principal(), user_id=root.id, active=False)
        )
    stored = store(container).users[root.id]
    assert (stored.role, stored.active, stored.token_version) == (Role.ADMIN, True, 1)

    second = await register(container, "second", "admin", actor=root.principal())
    demoted = await update.execute(
        UpdateUserCommand(actor=root.principal(), user_id=root.id, role="viewer")
    )
    assert demoted.role is Role.VIEWER
    with pytest.raises(Conflict):
        await update.execute(
            UpdateUserCommand(actor=second.principal(), user_id=second.id, active=False)
        )


async def test_an_inactive_admin_does_not_count_as_the_other_admin(
    container: Container, root: User
) -> None:
    other = await register(container, "other", "admin", actor=root.principal())
    update = container.update_user()
    await update.execute(UpdateUserCommand(actor=root.principal(), user_id=other.id, active=False))
    with pytest.raises(Conflict):
        await update.execute(
            UpdateUserCommand(actor=root.principal(), user_id=root.id, role="clerk")
        )


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"role": "god"}, InvalidValue),
        ({"active": "yes"}, InvalidValue),
        ({"email": "nope"}, InvalidValue),
        ({"full_name": "x" * 201}, InvalidValue),
        ({"user_id": uuid4()}, NotFound),
        ({"user_id": "ghost"}, NotFound),
    ],
)
async def test_update_user_refusals_change_nothing(
    container: Container, root: User, overrides: dict[str, object], error: type[Exception]
) -> None:
    bob = await register(container, "bob", "viewer", actor=root.principal())
    values: dict[str, object] = {"user_id": bob.id} | overrides
    with pytest.raises(error):
        await container.update_user().execute(
            UpdateUserCommand(actor=root.principal(), **values)  # type: ignore[arg-type]
        )
    stored = store(container).users[bob.id]
    assert (stored.role, stored.active, stored.email, stored.token_version) == (
        Role.VIEWER,
        True,
        None,
        1,
    )


async def test_only_admins_update_users(container: Container, root: User, clerk: Principal) -> None:
    with pytest.raises(PermissionDenied):
        await container.update_user().execute(
            UpdateUserCommand(actor=clerk, user_id=root.id, role="viewer")
        )


# -- reading users ---------------------------------------------------------------------------


async def test_users_read_themselves_and_admins_read_everyone(
    container: Container, root: User
) -> None:
    bob = await register(container, "bob", "viewer", actor=root.principal())
    me = bob.principal()
    assert (await container.get_user().execute(me, bob.id)).id == bob.id
    assert (await container.get_user().execute(me, str(bob.id))).id == bob.id
    with pytest.raises(PermissionDenied):
        await container.get_user().execute(me, root.id)
    assert (await container.get_user().execute(root.principal(), "BOB")).id == bob.id
    with pytest.raises(NotFound):
        await container.get_user().execute(root.principal(), uuid4())

    page = await container.list_users().execute(root.principal(), limit=1)
    assert (page.total, [u.username.value for u in page.items]) == (2, ["bob"])
    page = await container.list_users().execute(root.principal(), offset=1, limit=1)
    assert [u.username.value for u in page.items] == ["root"]
    with pytest.raises(PermissionDenied):
        await container.list_users().execute(me)
    with pytest.raises(InvalidValue):
        await container.list_users().execute(root.principal(), limit=0)


async def test_concurrent_bootstraps_create_one_admin(container: Container) -> None:
    results = await asyncio.gather(
        *(container.bootstrap_admin().execute(f"admin{n}", None) for n in range(3))
    )
    created = [result for result in results if result is not None]
    assert len(created) == 1
    assert len(store(container).users) == 1


async def test_users_read_themselves_by_any_spelling(container: Container, root: User) -> None:
    bob = await register(container, "Bob", "viewer", actor=root.principal())
    me = bob.principal()
    assert (await container.get_user().execute(me, str(bob.id).upper())).id == bob.id
    assert (await container.get_user().execute(me, " BOB ")).id == bob.id
    with pytest.raises(PermissionDenied):
        await container.get_user().execute(me, "root")
