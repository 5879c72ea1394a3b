from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from application.audit import record_session
from application.commands import LoginCommand
from application.credentials import OpaqueTokens
from application.errors import AuthenticationFailed
from application.ports import (
    AccessToken,
    Clock,
    LoginFailures,
    PasswordHasher,
    TokenService,
    UnitOfWork,
)
from application.throttle import address_key, count, uncount
from domain.sessions import LoginSession
from domain.users import PASSWORD_MAX_BYTES, User

#: How long a session lasts without a new login (refreshing does not extend it).
DEFAULT_SESSION_LIFETIME = timedelta(days=14)


@dataclass(frozen=True, slots=True)
class LoginPolicy:
    """Login attempts are counted per username and per client address, from the first one in
    a window of ``window_seconds``. Once a counter has used its free attempts
    (``free_attempts`` per username, ``free_attempts_per_address`` per address; 0 turns the
    address counter off), each further attempt must wait ``base_delay_seconds`` after the
    previous counted one, doubled per extra attempt, up to ``max_delay_seconds``.

    The address allowance is the larger one: it slows down password spraying (one guess for
    each of many usernames) without locking out an office of users behind one address.
    """

    free_attempts: int = 5
    window_seconds: int = 900
    base_delay_seconds: int = 1
    max_delay_seconds: int = 900
    free_attempts_per_address: int = 50

    def current(self, failures: LoginFailures | None, now: datetime) -> LoginFailures | None:
        """The counter, or None once its window is over."""
        if failures is None or now - failures.first_at > timedelta(seconds=self.window_seconds):
            return None
        return failures

    def retry_after(self, failures: LoginFailures | None, now: datetime, free: int) -> int:
        """Seconds until one more attempt may be counted (0: now)."""
        failures = self.current(failures, now)
        if failures is None or failures.count < free:
            return 0
        extra = min(failures.count - free, 20)
        delay = min(self.base_delay_seconds * 2**extra, self.max_delay_seconds)
        wait = (failures.last_at + timedelta(seconds=delay) - now).total_seconds()
        return max(0, int(wait + 0.999))

    def counted(self, failures: LoginFailures | None, now: datetime) -> LoginFailures:
        """The counter with one more attempt, made at ``now``."""
        failures = self.current(failures, now)
        if failures is None:
            return LoginFailures(count=1, first_at=now, last_at=now)
        return LoginFailures(count=failures.count + 1, first_at=failures.first_at, last_at=now)


def _username_key(username: object) -> str | None:
    """The name's lookup key, or None when no user can have such a name (and a store could
    not even look it up)."""
    key = username.strip().casefold() if isinstance(username, str) else ""
    if not key or len(key) > 64 or "\x00" in key:
        return None
    try:
        key.encode("utf-8")
    except UnicodeEncodeError:
        return None
    return key


class Authenticate:
    """Username and password in, access token out, with the refresh token of a new session
    (``domain.sessions``).

    Every failure looks the same from outside (same error, about the same time): an unknown user
    is checked against a dummy hash, and a password too long for bcrypt fails without reaching
    it. A hash made with a lower cost than configured is upgraded after a successful login.

    Throttling: each attempt is counted, per username and per client address, *before* its
    password is checked, in one transaction that holds the counters (see
    ``LoginAttemptRepository``) — so concurrent guesses cannot all pass a check made before any
    of them was counted. An attempt the policy refuses is not counted and costs no hashing; a
    success forgets the username's failures and takes its own attempt off the address counter.
    """

    def __init__(
        self,
        uow: UnitOfWork,
        clock: Clock,
        hasher: PasswordHasher,
        tokens: TokenService,
        opaque: OpaqueTokens,
        policy: LoginPolicy | None = None,
        session_lifetime: timedelta = DEFAULT_SESSION_LIFETIME,
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.hasher = hasher
        self.tokens = tokens
        self.opaque = opaque
        self.policy = policy or LoginPolicy()
        self.session_lifetime = session_lifetime

    async def execute(self, command: LoginCommand) -> AccessToken:
        username = _username_key(command.username)
        if username is None:
            raise AuthenticationFailed()
        address = address_key(command.client_address)
        if not self.policy.free_attempts_per_address:
            address = None
        async with self.uow:
            now = self.clock.now()
            await self._count(f"user:{username}", self.policy.free_attempts, now)
            if address is not None:
                await self._count(address, self.policy.free_attempts_per_address, now)
            user = await self.uow.users.get_by_username(username)
            await self.uow.commit()
        if await self._password_matches(command.password, user) and user and user.active:
            return await self._succeed(user, command, address)
        raise AuthenticationFailed()  # already counted

    async def _count(self, key: str, free: int, now: datetime) -> None:
        await count(self.uow.login_attempts, self.policy, key, free, now)

    async def _password_matches(self, password: str, user: User | None) -> bool:
        if not isinstance(password, str):
            return False
        if len(password.encode("utf-8", "surrogatepass")) > PASSWORD_MAX_BYTES:
            return False
        return await self.hasher.verify(password, user.password_hash if user else None)

    async def _succeed(self, user: User, command: LoginCommand, address: str | None) -> AccessToken:
        """Forget the failures, upgrade a weak hash, and start a session (its first refresh
        token goes back with the access token)."""
        upgraded = (
            await self.hasher.hash(command.password)
            if self.hasher.needs_rehash(user.password_hash)
            else None
        )
        async with self.uow:
            await self.uow.login_attempts.clear(f"user:{user.username.key}")
            if address is not None:
                await uncount(self.uow.login_attempts, address)
            if upgraded is not None:
                fresh = await self.uow.users.get(user.id)
                if fresh is not None and fresh.password_hash == user.password_hash:
                    fresh.rehash(upgraded, at=self.clock.now())
                    await self.uow.users.save(fresh)
                    user = fresh
            refresh_token = self.opaque.new()
            session = LoginSession.start(
                user_id=user.id,
                token_version=user.token_version,
                token_hash=self.opaque.digest(refresh_token),
                device=command.device,
                at=self.clock.now(),
                lifetime=self.session_lifetime,
            )
            await self.uow.sessions.add(session)
            await record_session(self.uow, session, None, actor_id=user.id, at=session.created_at)
            await self.uow.commit()
        return replace(self.tokens.issue(user), refresh_token=refresh_token)
