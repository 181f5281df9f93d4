"""/users, /tokens, /audit (admins) and /me (anyone signed in)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from app.db import SessionDep
from app.services import accounts, audit
from app.web.auth import AuditDep, PrincipalDep
from app.web.responses import ItemId, Limit, Offset, OptionalId
from models.tables import (
    AuditEventPublic,
    Page,
    TokenCreate,
    TokenCreated,
    TokenPublic,
    UserCreate,
    UserPublic,
)

router = APIRouter(tags=["accounts"])


@router.get("/me", summary="Who the token belongs to")
def me(who: PrincipalDep) -> dict[str, object]:
    return {
        "user_id": who.user_id,
        "name": who.name,
        "role": who.role.value,
        "kabupaten": who.kabupaten,
        "village_codes": sorted(who.village_codes),
    }


@router.post("/users", status_code=status.HTTP_201_CREATED, summary="Create a user (admin)")
def create_user(body: UserCreate, session: SessionDep, response: Response, audit_log: AuditDep) -> UserPublic:
    """A planner needs its kabupaten; a village operator its villages' codes."""
    user = accounts.create_user(session, body)
    audit_log("user.create", f"user/{user.id}", name=user.name, role=user.role)
    response.headers["Location"] = f"/users/{user.id}"
    return accounts.user_public(user)


@router.get("/users", summary="List users (admin)")
def list_users(session: SessionDep, offset: Offset = 0, limit: Limit = 100) -> Page[UserPublic]:
    return accounts.list_users(session, offset, limit)


@router.get("/users/{user_id}", summary="A user (admin)")
def get_user(user_id: ItemId, session: SessionDep) -> UserPublic:
    return accounts.user_public(accounts.get_user(session, user_id))


@router.post(
    "/users/{user_id}/tokens",
    status_code=status.HTTP_201_CREATED,
    summary="Make an API token for a user (admin); shown once",
)
def create_token(
    user_id: ItemId, body: TokenCreate, session: SessionDep, audit_log: AuditDep
) -> TokenCreated:
    """The answer carries the token: it is never shown again (only its hash is kept)."""
    created = accounts.create_token(session, accounts.get_user(session, user_id), body.label)
    audit_log("token.create", f"token/{created.id}", user_id=user_id, prefix=created.prefix)
    return created


@router.get("/users/{user_id}/tokens", summary="A user's tokens, without their secrets (admin)")
def list_tokens(user_id: ItemId, session: SessionDep) -> list[TokenPublic]:
    accounts.get_user(session, user_id)
    return accounts.list_tokens(session, user_id)


@router.post("/tokens/{token_id}/revoke", summary="Revoke a token (admin): refused from now on")
def revoke_token(token_id: ItemId, session: SessionDep, audit_log: AuditDep) -> TokenPublic:
    revoked = accounts.revoke_token(session, token_id)
    audit_log("token.revoke", f"token/{token_id}", user_id=revoked.user_id, prefix=revoked.prefix)
    return revoked


@router.get("/audit", summary="The audit trail, newest first (admin)")
def audit_trail(
    session: SessionDep,
    action: Annotated[str | None, Query(max_length=80, description="e.g. scenario.archive")] = None,
    user_id: OptionalId = None,
    offset: Offset = 0,
    limit: Limit = 100,
) -> Page[AuditEventPublic]:
    return audit.page(session, offset, limit, action, user_id)
