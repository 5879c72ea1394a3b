"""The HTTP contract of sessions, refresh and API tokens (issue 17)."""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Literal, Self
from uuid import UUID

from pydantic import Field, StringConstraints

from application.credentials import ApiTokenView, IssuedApiToken, SessionView
from application.ports import AccessToken
from application.use_cases.refresh_session import MAX_REFRESH_TOKEN_CHARS
from domain.api_tokens import MAX_DAYS
from domain.users import SCOPES
from entrypoints.rest.fields import TokenName
from entrypoints.rest.schemas import RequestModel, ResponseModel

if TYPE_CHECKING:
    ScopeName = str
else:
    #: The fixed list, as an enum in the schema; it follows ``domain.users.SCOPES``.
    ScopeName = Literal[tuple(SCOPES)]


class RefreshIn(RequestModel):
    refresh_token: Annotated[
        str, StringConstraints(min_length=1, max_length=MAX_REFRESH_TOKEN_CHARS)
    ]


class CookieSessionTokenOut(ResponseModel):
    """A login of the web page: the access token only; the refresh token is in the cookie."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth2 token type
    expires_in: int = Field(description="Seconds until the access token expires.")

    @classmethod
    def of(cls, token: AccessToken) -> Self:
        return cls(access_token=token.token, expires_in=token.expires_in)


class SessionOut(ResponseModel):
    id: UUID
    device: str | None = Field(description="The User-Agent of the login that started it.")
    created_at: datetime
    last_used_at: datetime = Field(description="The login, or the latest refresh.")
    expires_at: datetime

    @classmethod
    def of(cls, session: SessionView) -> Self:
        return cls(
            id=session.id,
            device=session.device,
            created_at=session.created_at,
            last_used_at=session.last_used_at,
            expires_at=session.expires_at,
        )


class ApiTokenCreate(RequestModel):
    name: TokenName
    scopes: list[ScopeName] = Field(min_length=1, max_length=len(SCOPES))
    expires_in_days: int | None = Field(
        default=None,
        ge=1,
        le=MAX_DAYS,
        description="Days until the token stops working; none: it works until revoked.",
    )


class ApiTokenOut(ResponseModel):
    id: UUID
    name: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None = Field(description="Written at most once a minute.")

    @classmethod
    def of(cls, token: ApiTokenView) -> Self:
        return cls(
            id=token.id,
            name=token.name,
            scopes=sorted(token.scopes),
            created_at=token.created_at,
            expires_at=token.expires_at,
            last_used_at=token.last_used_at,
        )


class ApiTokenCreated(ApiTokenOut):
    token: str = Field(description="The secret (`inv_…`): shown this once, never again.")

    @classmethod
    def issued(cls, issued: IssuedApiToken) -> Self:
        shown = ApiTokenOut.of(issued.token).model_dump()
        return cls(**shown, token=issued.secret)
