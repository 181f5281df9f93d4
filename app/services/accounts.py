"""Users, their API tokens and the pages' sessions. A token is shown once, when it is made; only
its argon2 hash is kept. A token reads `dp_<prefix>_<secret>`: the prefix finds its row, the hash
checks the secret.

Signing in to the pages opens a session: a random id (the cookie's value; the table keeps its
SHA-256 only), tied to the token it was opened with. It ends after `idle_s` unused or `max_s`
after its sign-in, when its user signs out, when its token is revoked or its user disabled.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from app.errors import Conflict, NotFound, Unauthorized
from app.i18n import N_
from models import InputError, InputIssue
from models.tables import (
    ApiToken,
    Page,
    Role,
    TokenCreated,
    TokenPublic,
    User,
    UserCreate,
    UserPublic,
    WebSession,
    utc_now,
)

TOKEN_MARK = "dp"
# OWASP's minimum for argon2id (19 MiB, 2 passes): a token is random, so this is ample
_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
_VERIFIED_FOR_S = 300.0  # a verified token skips argon2 for this long (revocation still counts)


@dataclass(frozen=True)
class Principal:
    """Who is asking: a user, or the single local user when authentication is off."""

    user_id: int | None
    name: str
    role: Role
    kabupaten: str | None = None
    village_codes: frozenset[str] = field(default_factory=frozenset)


LOCAL = Principal(user_id=None, name="local", role=Role.admin)
CLI = Principal(user_id=None, name="command line", role=Role.admin)


def user_public(user: User) -> UserPublic:
    return UserPublic.model_validate(user, from_attributes=True)


def token_public(token: ApiToken) -> TokenPublic:
    return TokenPublic.model_validate(token, from_attributes=True)


def create_user(session: Session, body: UserCreate) -> User:
    if body.role == Role.planner and not body.kabupaten:
        raise InputError(
            [InputIssue(field="kabupaten", message="a planner needs the kabupaten it plans for")]
        )
    codes = village_codes(body.role, body.village_codes)
    user = User(name=body.name, role=body.role.value, kabupaten=body.kabupaten, village_codes=codes)
    session.add(user)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict(N_("A user named '%(name)s' already exists."), name=body.name) from None
    session.refresh(user)
    return user


def kemendagri_code(text: str) -> str | None:
    """`3216012001` or `32.16.01.2001` as the dotted Kemendagri code; None for anything else."""
    text = text.strip()
    digits = text.replace(".", "")
    dotted = len(text) == 13 and all(text[i] == "." for i in (2, 5, 8))
    if len(digits) != 10 or not digits.isdigit() or not (len(text) == 10 or dotted):
        return None
    return f"{digits[:2]}.{digits[2:4]}.{digits[4:6]}.{digits[6:]}"


def village_codes(role: Role, given: list[str]) -> list[str]:
    """A village office's villages as dotted Kemendagri codes (at least one, each a code)."""
    if role != Role.operator:
        return list(dict.fromkeys(given))
    if not given:
        raise InputError(
            [
                InputIssue(
                    field="village_codes",
                    message="a village office needs its village's Kemendagri code, e.g. 32.16.01.2001",
                )
            ]
        )
    issues = [
        InputIssue(
            field=f"village_codes[{i}]",
            message=f"'{code}' is not a Kemendagri village code: 10 digits, e.g. 32.16.01.2001 or 3216012001",
        )
        for i, code in enumerate(given)
        if kemendagri_code(code) is None
    ]
    if issues:
        raise InputError(issues)
    return list(dict.fromkeys(str(kemendagri_code(code)) for code in given))


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(N_("User %(user)s does not exist."), user=user_id)
    return user


def find_user(session: Session, name: str) -> User:
    user = session.scalars(select(User).where(col(User.name) == name)).first()
    if user is None:
        raise NotFound(N_("No user is named '%(name)s'."), name=name)
    return user


def list_users(session: Session, offset: int, limit: int) -> Page[UserPublic]:
    total = session.scalar(select(func.count()).select_from(User)) or 0
    users = session.scalars(select(User).order_by(col(User.id)).offset(offset).limit(limit)).all()
    return Page[UserPublic](items=[user_public(u) for u in users], total=total, offset=offset, limit=limit)


def user_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User)) or 0


def no_users_yet(engine: Engine) -> bool:
    with Session(engine) as session:
        return user_count(session) == 0


def create_token(session: Session, user: User, label: str | None) -> TokenCreated:
    """A new token for the user; the answer is the only place its secret ever appears."""
    assert user.id is not None
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, prefix=prefix, secret_hash=_HASHER.hash(secret), label=label)
    session.add(token)
    session.commit()
    session.refresh(token)
    return TokenCreated(**token_public(token).model_dump(), token=f"{TOKEN_MARK}_{prefix}_{secret}")


def list_tokens(session: Session, user_id: int) -> list[TokenPublic]:
    tokens = session.scalars(
        select(ApiToken).where(col(ApiToken.user_id) == user_id).order_by(col(ApiToken.id))
    ).all()
    return [token_public(t) for t in tokens]


def get_token(session: Session, token_id: int) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(N_("Token %(token)s does not exist."), token=token_id)
    return token


def revoke_token(session: Session, token_id: int) -> TokenPublic:
    token = get_token(session, token_id)
    if token.revoked_at is None:
        token.revoked_at = utc_now()
        session.add(token)
    # its sessions end with it (a session's every use checks its token too)
    session.execute(delete(WebSession).where(col(WebSession.token_id) == token_id))
    session.commit()
    session.refresh(token)
    _VERIFIED.forget(token_id)
    return token_public(token)


class _VerifiedTokens:
    """Tokens argon2 has accepted lately, by a digest of the whole token: a busy client is not
    hashed on every request. Bounded, and forgetful after `_VERIFIED_FOR_S`."""

    def __init__(self, capacity: int = 4096) -> None:
        self._lock = threading.Lock()
        self._seen: OrderedDict[str, tuple[int, float]] = OrderedDict()
        self._capacity = capacity

    def has(self, digest: str, token_id: int) -> bool:
        with self._lock:
            found = self._seen.get(digest)
            return found is not None and found[0] == token_id and found[1] > time.monotonic()

    def add(self, digest: str, token_id: int) -> None:
        with self._lock:
            self._seen[digest] = (token_id, time.monotonic() + _VERIFIED_FOR_S)
            self._seen.move_to_end(digest)
            while len(self._seen) > self._capacity:
                self._seen.popitem(last=False)

    def known(self, digest: str) -> bool:
        with self._lock:
            found = self._seen.get(digest)
            return found is not None and found[1] > time.monotonic()

    def forget(self, token_id: int) -> None:
        with self._lock:
            for digest in [d for d, (tid, _) in self._seen.items() if tid == token_id]:
                del self._seen[digest]


_VERIFIED = _VerifiedTokens()
_REFUSED = _VerifiedTokens()  # wrong secrets argon2 refused lately (token id 0): not hashed again


def recently_verified(presented: str) -> bool:
    """Whether this very token passed argon2 lately: the rate limiter counts a caller it knows
    by its token, and a guesser by its address."""
    digest = hashlib.sha256(presented.strip().encode()).hexdigest()
    return _VERIFIED.known(digest)


def _verified_token(session: Session, presented: str) -> tuple[ApiToken, User]:
    """The token and its user; Unauthorized for a token that is malformed, unknown, revoked or
    wrong, or whose user is disabled (the same words for each: no oracle)."""
    refused = Unauthorized(N_("The token is not valid (unknown, revoked or mistyped)."))
    mark, _, rest = presented.strip().partition("_")
    prefix, _, secret = rest.partition("_")
    if mark != TOKEN_MARK or len(prefix) != 12 or not secret:
        raise refused
    token = session.scalars(select(ApiToken).where(col(ApiToken.prefix) == prefix)).first()
    if token is None or token.revoked_at is not None:
        raise refused
    assert token.id is not None
    digest = hashlib.sha256(presented.strip().encode()).hexdigest()
    if not _VERIFIED.has(digest, token.id):
        if _REFUSED.has(digest, 0):  # the same wrong secret again: no second argon2 hash
            raise refused
        try:
            _HASHER.verify(token.secret_hash, secret)
        except (VerificationError, InvalidHashError):
            _REFUSED.add(digest, 0)
            raise refused from None
        _VERIFIED.add(digest, token.id)
    user = session.get(User, token.user_id)
    if user is None or user.disabled_at is not None:
        raise refused
    return token, user


def _principal(user: User) -> Principal:
    return Principal(
        user_id=user.id,
        name=user.name,
        role=Role(user.role),
        kabupaten=user.kabupaten,
        village_codes=frozenset(user.village_codes),
    )


def authenticate(session: Session, presented: str) -> Principal:
    """The user a bearer token belongs to; Unauthorized for a token that is malformed, unknown,
    revoked or wrong, or whose user is disabled (the same words for each: no oracle)."""
    return _principal(_verified_token(session, presented)[1])


# --- the pages' sessions --------------------------------------------------------------------

_TOUCH_EVERY = timedelta(seconds=60)  # a session's last use is written at most once a minute
_SESSIONS_SEEN = _VerifiedTokens()  # session ids found valid lately: the rate limiter's hint only


@dataclass(frozen=True)
class SessionLimits:
    idle_s: float  # unused this long: ended
    max_s: float  # this long after its sign-in: ended


def _session_digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def open_web_session(session: Session, presented: str, limits: SessionLimits) -> str:
    """Sign in with a token: a new session's id (for the cookie; only its hash is stored).
    Unauthorized as `authenticate`. Sessions past their expiry are cleared on the way."""
    token, _ = _verified_token(session, presented)
    assert token.id is not None
    now = utc_now()
    session.execute(
        delete(WebSession).where(
            or_(
                col(WebSession.created_at) < now - timedelta(seconds=limits.max_s),
                col(WebSession.last_seen_at) < now - timedelta(seconds=limits.idle_s),
            )
        )
    )
    session_id = secrets.token_urlsafe(32)
    session.add(
        WebSession(id_hash=_session_digest(session_id), token_id=token.id, created_at=now, last_seen_at=now)
    )
    session.commit()
    return session_id


def web_session_principal(session: Session, session_id: str, limits: SessionLimits) -> Principal:
    """The user of a live session; Unauthorized for one unknown, signed out, expired, or whose
    token is revoked or user disabled. Its use is recorded (at most once a minute)."""
    refused = Unauthorized(N_("The session has ended (signed out, expired or revoked): sign in again."))
    digest = _session_digest(session_id)
    row = session.get(WebSession, digest)
    if row is None:
        raise refused
    now = utc_now()
    if now - row.last_seen_at > timedelta(seconds=limits.idle_s) or now - row.created_at > timedelta(
        seconds=limits.max_s
    ):
        session.delete(row)
        session.commit()
        raise refused
    token = session.get(ApiToken, row.token_id)
    user = session.get(User, token.user_id) if token is not None else None
    if token is None or token.revoked_at is not None or user is None or user.disabled_at is not None:
        raise refused
    if now - row.last_seen_at > _TOUCH_EVERY:
        row.last_seen_at = now
        session.add(row)
        session.commit()
    _SESSIONS_SEEN.add(digest, 1)
    return _principal(user)


def close_web_session(session: Session, session_id: str) -> None:
    """Sign out: the session is deleted, its cookie opens nothing any more."""
    session.execute(delete(WebSession).where(col(WebSession.id_hash) == _session_digest(session_id)))
    session.commit()


def recently_seen_session(session_id: str) -> bool:
    """Whether this session id was found valid lately (the rate limiter counts a cookie it does
    not know as a guess at its address)."""
    return _SESSIONS_SEEN.known(_session_digest(session_id))
