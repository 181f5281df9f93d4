"""The audit trail: one row per write (who, when, what, from where), readable by admins."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from app.services.accounts import Principal
from models.tables import AuditEvent, AuditEventPublic, Page


def record(
    session: Session,
    who: Principal,
    action: str,
    target: str,
    client: str | None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Write one event in its own transaction, after the write it records has committed, on
    the caller's session: a request never holds two database connections at once (with many
    requests in flight, waiting for a second one while holding the first starves the pool)."""
    session.add(
        AuditEvent(
            user_id=who.user_id,
            user_name=who.name,
            action=action,
            target=target,
            client=client,
            detail=detail or {},
        )
    )
    # the event changes no row the request has read: those stay loaded, not read again
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire


def page(
    session: Session,
    offset: int,
    limit: int,
    action: str | None = None,
    user_id: int | None = None,
) -> Page[AuditEventPublic]:
    """Newest first, optionally one action or one user's."""
    where = []
    if action:
        where.append(col(AuditEvent.action) == action)
    if user_id is not None:
        where.append(col(AuditEvent.user_id) == user_id)
    total = session.scalar(select(func.count()).select_from(AuditEvent).where(*where)) or 0
    events = session.scalars(
        select(AuditEvent).where(*where).order_by(col(AuditEvent.id).desc()).offset(offset).limit(limit)
    ).all()
    items = [AuditEventPublic.model_validate(e, from_attributes=True) for e in events]
    return Page[AuditEventPublic](items=items, total=total, offset=offset, limit=limit)
