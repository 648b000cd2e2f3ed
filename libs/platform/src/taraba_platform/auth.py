"""Bearer-token auth: tokens and their roles come from configuration.

`admin` may do everything; `operator` and `warehouse` only what a route allows them.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from taraba_platform.errors import ApiError
from taraba_platform.settings import Role

bearer_scheme = HTTPBearer(
    auto_error=False, scheme_name="bearerAuth", description="A token from TARABA_AUTH_TOKENS"
)


@dataclass(frozen=True)
class Principal:
    token_fingerprint: str  # a hash prefix: identifies the caller without storing the token
    role: Role


def _lookup(tokens: dict[str, Role], presented: str) -> Role | None:
    found: Role | None = None
    for token, role in tokens.items():
        # Compare every token in constant time so timing does not reveal a near miss.
        if hmac.compare_digest(token.encode(), presented.encode()):
            found = role
    return found


async def authenticated(
    request: Request,
    credentials: HTTPAuthorizationCredentials | None = Depends(bearer_scheme),
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise ApiError(401, "unauthenticated", "missing bearer token", "Authorization")
    role = _lookup(request.app.state.tokens, credentials.credentials)
    if role is None:
        raise ApiError(401, "unauthenticated", "invalid bearer token", "Authorization")
    fingerprint = hashlib.sha256(credentials.credentials.encode()).hexdigest()[:16]
    principal = Principal(token_fingerprint=fingerprint, role=role)
    request.state.principal = principal
    return principal


def require_role(*roles: Role) -> Callable[..., Awaitable[Principal]]:
    """A dependency that lets through admin and the given roles, and answers 403 otherwise."""
    allowed = {"admin", *roles}

    async def check(principal: Principal = Depends(authenticated)) -> Principal:
        if principal.role not in allowed:
            raise ApiError(
                403,
                "forbidden",
                f"role {principal.role} may not do this; needs one of {', '.join(sorted(allowed))}",
            )
        return principal

    return check
