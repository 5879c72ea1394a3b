from dataclasses import dataclass
from datetime import timedelta

from application.errors import AuthenticationFailed, TooManyAttempts
from application.ports import (
    AccessToken,
    Clock,
    LoginFailures,
    PasswordHasher,
    TokenService,
    UnitOfWork,
)
from domain.users import PASSWORD_MAX_BYTES, User


@dataclass(frozen=True, slots=True)
class LoginPolicy:
    """After ``free_attempts`` failures within ``window_seconds``, each further attempt must wait
    ``base_delay_seconds`` doubled per extra failure, up to ``max_delay_seconds``."""

    free_attempts: int = 5
    window_seconds: int = 900
    base_delay_seconds: int = 1
    max_delay_seconds: int = 900

    def retry_after(self, failures: LoginFailures | None, now_seconds: float) -> int:
        if failures is None or failures.count < self.free_attempts:
            return 0
        extra = min(failures.count - self.free_attempts, 20)
        delay = min(self.base_delay_seconds * 2**extra, self.max_delay_seconds)
        wait = failures.last_at.timestamp() + delay - now_seconds
        return max(0, int(wait + 0.999))


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class Authenticate:
    """Username and password in, access token out.

    Every failure looks the same from outside (same error, about the same time): an unknown user
    is checked against a dummy hash, and a password too long for bcrypt fails without reaching
    it. Repeated failures for one username are throttled. A hash made with a lower cost than
    configured is upgraded after a successful login.
    """

    def __init__(
        self,
        uow: UnitOfWork,
        clock: Clock,
        hasher: PasswordHasher,
        tokens: TokenService,
        policy: LoginPolicy | None = None,
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.hasher = hasher
        self.tokens = tokens
        self.policy = policy or LoginPolicy()

    async def execute(self, username: str, password: str) -> AccessToken:
        key = username.strip().casefold() if isinstance(username, str) else ""
        if not key or len(key) > 64 or "\x00" in key or not _encodable(key):
            # No user can have such a name (and a store could not even look it up).
            raise AuthenticationFailed()
        now = self.clock.now()
        async with self.uow:
            failures = await self.uow.login_attempts.get(key)
            if failures and now - failures.first_at > timedelta(seconds=self.policy.window_seconds):
                failures = None
            wait = self.policy.retry_after(failures, now.timestamp())
            if wait:
                raise TooManyAttempts(wait)
            user = await self.uow.users.get_by_username(key)
        if await self._password_matches(password, user) and user is not None and user.active:
            return await self._succeed(user, password)
        await self._fail(key)
        raise AuthenticationFailed()

    async def _password_matches(self, password: str, user: User | None) -> bool:
        if not isinstance(password, str):
            return False
        if len(password.encode("utf-8", "surrogatepass")) > PASSWORD_MAX_BYTES:
            return False
        return await self.hasher.verify(password, user.password_hash if user else None)

    async def _succeed(self, user: User, password: str) -> AccessToken:
        upgraded = (
            await self.hasher.hash(password)
            if self.hasher.needs_rehash(user.password_hash)
            else None
        )
        async with self.uow:
            await self.uow.login_attempts.clear(user.username.key)
            if upgraded is not None:
                fresh = await self.uow.users.get(user.id)
                if fresh is not None and fresh.password_hash == user.password_hash:
                    fresh.rehash(upgraded, at=self.clock.now())
                    await self.uow.users.save(fresh)
                    user = fresh
            await self.uow.commit()
        return self.tokens.issue(user)

    async def _fail(self, key: str) -> None:
        async with self.uow:
            failures = await self.uow.login_attempts.get(key)
            now = self.clock.now()
            if failures and now - failures.first_at > timedelta(seconds=self.policy.window_seconds):
                await self.uow.login_attempts.clear(key)
            await self.uow.login_attempts.record_failure(key, now)
            await self.uow.commit()
