"""Users, sign-in, token rotation and authentication.

Sign-in issues a short-lived access token and a long-lived refresh token that
share a *family*. Each refresh spends the refresh token and issues a new pair
in the same family; presenting a spent refresh token again means it was
copied, so the whole family is revoked and every holder must sign in again.

Password hashing runs in a worker thread and never inside a write
transaction: SQLite has one writer, and it must not wait on argon2.
"""

from __future__ import annotations

import asyncio
import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import and_, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from domain.clock import Clock
from domain.db import Database, Writes, retrying
from domain.errors import Conflict, Forbidden, InvalidInput, Locked, NotFound, Unauthenticated
from domain.identity import devices
from domain.identity.devices import Device
from domain.identity.model import Principal, Scope, UserRecord
from domain.identity.passwords import Passwords
from domain.identity.tokens import TokenKind, TokenPair, hash_token, kind_of, new_token
from domain.ids import new_id
from domain.ledger import events as ledger_events
from domain.ledger import store as ledger
from domain.schema import auth_tokens, telegram_link_codes, telegram_links, users

USERNAME = re.compile(r"[a-z0-9_.]{3,32}")
MIN_PASSWORD = 8
# Argon2 takes any length, but nobody needs more and hashing megabytes is a DoS.
MAX_PASSWORD = 1024
MAX_FULL_NAME = 200
MAX_TOKEN_NAME = 100

_INVALID_CREDENTIALS = "That username and password don't match. Check them and try again."
_SIGN_IN_AGAIN = "Please sign in again."


def _invalid_token() -> Unauthenticated:
    return Unauthenticated("invalid_token", f"That token isn't valid. {_SIGN_IN_AGAIN}")


def _expired() -> Unauthenticated:
    return Unauthenticated("token_expired", f"Your session has expired. {_SIGN_IN_AGAIN}")


def _revoked() -> Unauthenticated:
    return Unauthenticated("token_revoked", f"That session was signed out. {_SIGN_IN_AGAIN}")


def _reused() -> Unauthenticated:
    return Unauthenticated(
        "refresh_token_reused",
        "That refresh token was already used, so for your safety this session"
        f" has been signed out everywhere. {_SIGN_IN_AGAIN}",
    )


def _locked(seconds: float) -> Locked:
    wait = max(1, math.ceil(seconds))
    minutes = max(1, math.ceil(wait / 60))
    return Locked(
        "account_locked",
        "Too many failed sign-in attempts, so the account is locked for now."
        f" Try again in {minutes} minute{'s' if minutes != 1 else ''}.",
        retry_after=wait,
    )


def normalise_username(username: str) -> str:
    """Usernames are case-insensitive: 'Asha' and 'asha' are one user."""
    return username.strip().lower()


def _check_username(username: str) -> str:
    name = normalise_username(username)
    if not USERNAME.fullmatch(name):
        raise InvalidInput(
            "invalid_username",
            "A username needs 3 to 32 characters: lowercase letters, digits, '_' or '.'.",
        )
    return name


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput("weak_password", f"A password needs at least {MIN_PASSWORD} characters.")
    if len(password) > MAX_PASSWORD:
        raise InvalidInput(
            "invalid_password", f"A password may have at most {MAX_PASSWORD} characters."
        )


def _check_full_name(full_name: str) -> str:
    name = full_name.strip()
    if not name or len(name) > MAX_FULL_NAME or not name.isprintable():
        raise InvalidInput(
            "invalid_full_name",
            f"Give a full name of 1 to {MAX_FULL_NAME} printable characters.",
        )
    return name


def _check_timezone(timezone: str) -> str:
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(
            "invalid_timezone", f"'{timezone}' is not a time zone I know, like Asia/Kolkata."
        ) from exc
    return timezone


def _user_record(row: Any) -> UserRecord:
    return UserRecord(
        id=row.id,
        username=row.username,
        full_name=row.full_name,
        role=Scope(row.role),
        timezone=row.timezone,
    )


class IdentityService:
    """The one way in: create users, sign in, refresh, authenticate, sign out."""

    @dataclass(frozen=True, slots=True)
    class Config:
        access_ttl_s: int
        refresh_ttl_s: int
        max_failed_logins: int
        lockout_s: int
        default_timezone: str

    def __init__(
        self,
        db: Database,
        clock: Clock,
        config: Config,
        *,
        passwords: Passwords | None = None,
    ) -> None:
        self._db = db
        self._clock = clock
        self._config = config
        self._passwords = passwords or Passwords()

    # -- users -------------------------------------------------------------

    async def create_user(
        self,
        username: str,
        full_name: str,
        password: str,
        role: Scope = Scope.CUSTOMER,
        timezone: str | None = None,
    ) -> str:
        """Add a user; returns the new ``usr_...`` id."""
        name = _check_username(username)
        full = _check_full_name(full_name)
        _check_password(password)
        zone = _check_timezone(timezone or self._config.default_timezone)
        password_hash = await asyncio.to_thread(self._passwords.hash, password)
        user_id = new_id("usr")
        taken = Conflict("username_taken", f"The username '{name}' is taken; choose another.")
        try:
            async with self._db.writing() as conn:
                if await self._user_row(conn, name) is not None:
                    raise taken
                await conn.execute(
                    insert(users).values(
                        id=user_id,
                        username=name,
                        full_name=full,
                        role=role.value,
                        password_hash=password_hash,
                        timezone=zone,
                        failed_logins=0,
                        created_at=self._clock.now(),
                    )
                )
        except IntegrityError as exc:  # lost a race with the same username
            raise taken from exc
        return user_id

    async def get_user_by_username(self, username: str) -> UserRecord | None:
        async with self._db.reading() as conn:
            row = await self._user_row(conn, normalise_username(username))
        return None if row is None else _user_record(row)

    async def list_users(self, role: Scope | None = None) -> list[UserRecord]:
        """Every user (or those with one role), by username."""
        query = select(
            users.c.id, users.c.username, users.c.full_name, users.c.role, users.c.timezone
        ).order_by(users.c.username)
        if role is not None:
            query = query.where(users.c.role == role.value)
        async with self._db.reading() as conn:
            rows = (await conn.execute(query)).all()
        return [_user_record(row) for row in rows]

    # -- sign-in -----------------------------------------------------------

    async def login(self, username: str, password: str, device: Device | None = None) -> TokenPair:
        """Check a password and open a new session (a token family).

        With ``device``, a customer's sign-in from a device not seen before raises
        a ``security.new_device_login`` event in the same transaction.
        """
        name = normalise_username(username)
        async with self._db.reading() as conn:
            user = await self._user_row(conn, name)
        if user is None or len(password) > MAX_PASSWORD:
            await asyncio.to_thread(self._passwords.dummy_verify, password[:MAX_PASSWORD])
            raise Unauthenticated("invalid_credentials", _INVALID_CREDENTIALS)
        now = self._clock.now()
        if user.locked_until is not None and user.locked_until > now:
            # Refused before checking the password: a lock that a correct
            # guess could lift would not stop guessing.
            raise _locked((user.locked_until - now).total_seconds())
        ok = await asyncio.to_thread(self._passwords.verify, user.password_hash, password)
        if not ok:
            locked_for = await retrying(lambda: self._record_failure(user.id))
            if locked_for is not None:
                raise _locked(locked_for)
            raise Unauthenticated("invalid_credentials", _INVALID_CREDENTIALS)
        rehash = None
        if self._passwords.needs_rehash(user.password_hash):
            rehash = await asyncio.to_thread(self._passwords.hash, password)
        return await retrying(lambda: self._open_session(user, rehash, device))

    async def _record_failure(self, user_id: str) -> float | None:
        """Count a failed sign-in; lock the account on the last allowed one.

        Returns how many seconds the account is now locked for, or None.
        """
        now = self._clock.now()
        async with self._db.writing() as conn:
            # Incremented in SQL, not read-modify-write, so parallel guesses all count.
            failures = (
                await conn.execute(
                    update(users)
                    .where(users.c.id == user_id)
                    .values(failed_logins=users.c.failed_logins + 1)
                    .returning(users.c.failed_logins)
                )
            ).scalar_one()
            locks = failures >= self._config.max_failed_logins
            if locks:
                until = now + timedelta(seconds=self._config.lockout_s)
                await conn.execute(
                    update(users)
                    .where(users.c.id == user_id)
                    .values(failed_logins=0, locked_until=until)
                )
            await ledger.append(conn, [ledger_events.login(user_id, ok=False, locked=locks)], now)
        return float(self._config.lockout_s) if locks else None

    async def _open_session(
        self, user: Any, rehash: str | None, device: Device | None = None
    ) -> TokenPair:
        now = self._clock.now()
        async with self._db.writing() as conn:
            # Re-checked under the write lock: a parallel guess may have just locked it.
            locked_until = (
                await conn.execute(select(users.c.locked_until).where(users.c.id == user.id))
            ).scalar_one()
            if locked_until is not None and locked_until > now:
                raise _locked((locked_until - now).total_seconds())
            values: dict[str, Any] = {"failed_logins": 0, "locked_until": None}
            if rehash is not None:
                values["password_hash"] = rehash
            await conn.execute(update(users).where(users.c.id == user.id).values(**values))
            family_id = new_id("fam")
            pair = await self._issue_pair(conn, user.id, Scope(user.role), family_id)
            if device is not None and Scope(user.role) is Scope.CUSTOMER:
                # The outbox before the audit log: appending to the log takes its lock last.
                await devices.remember(conn, user.id, device, now)
            await ledger.append(
                conn, [ledger_events.login(user.id, ok=True, family_id=family_id)], now
            )
            return pair

    async def _issue_pair(
        self, conn: Writes, user_id: str, scope: Scope, family_id: str
    ) -> TokenPair:
        access = new_token(TokenKind.ACCESS)
        refresh = new_token(TokenKind.REFRESH)
        now = self._clock.now()
        await conn.execute(
            insert(auth_tokens),
            [
                self._token_row(
                    user_id,
                    TokenKind.ACCESS,
                    access,
                    scope,
                    family_id,
                    None,
                    now,
                    self._config.access_ttl_s,
                ),
                self._token_row(
                    user_id,
                    TokenKind.REFRESH,
                    refresh,
                    scope,
                    family_id,
                    None,
                    now,
                    self._config.refresh_ttl_s,
                ),
            ],
        )
        return TokenPair(access, refresh, expires_in=self._config.access_ttl_s)

    @staticmethod
    def _token_row(
        user_id: str,
        kind: TokenKind,
        token: str,
        scope: Scope,
        family_id: str | None,
        name: str | None,
        now: datetime,
        ttl_s: int | None,
    ) -> dict[str, Any]:
        return {
            "id": new_id("tok"),
            "user_id": user_id,
            "kind": kind.value,
            "token_hash": hash_token(token),
            "scope": scope.value,
            "family_id": family_id,
            "name": name,
            "created_at": now,
            "expires_at": None if ttl_s is None else now + timedelta(seconds=ttl_s),
        }

    # -- refresh -----------------------------------------------------------

    async def refresh(self, refresh_token: str) -> TokenPair:
        """Spend a refresh token for a new pair in the same family."""
        if kind_of(refresh_token) is not TokenKind.REFRESH:
            raise _invalid_token()
        token_hash = hash_token(refresh_token)
        outcome = await retrying(lambda: self._rotate(token_hash))
        if isinstance(outcome, Unauthenticated):
            raise outcome
        return outcome

    async def _rotate(self, token_hash: str) -> TokenPair | Unauthenticated:
        # Errors are returned, not raised, so a reuse's revocation still commits.
        now = self._clock.now()
        async with self._db.writing() as conn:
            row = (
                await conn.execute(
                    select(auth_tokens, users.c.role)
                    .join(users, users.c.id == auth_tokens.c.user_id)
                    .where(
                        auth_tokens.c.token_hash == token_hash,
                        auth_tokens.c.kind == TokenKind.REFRESH.value,
                    )
                )
            ).one_or_none()
            if row is None:
                return _invalid_token()
            if row.revoked_at is not None:
                return _revoked()
            if row.used_at is None and row.expires_at is not None and row.expires_at <= now:
                return _expired()
            spent = 0
            if row.used_at is None:
                # Conditional on still being unspent: of two concurrent refreshes
                # with one token, the database lets exactly one through.
                spent = (
                    await conn.execute(
                        update(auth_tokens)
                        .where(
                            auth_tokens.c.id == row.id,
                            auth_tokens.c.used_at.is_(None),
                            auth_tokens.c.revoked_at.is_(None),
                        )
                        .values(used_at=now)
                    )
                ).rowcount
            if spent != 1:
                # Already spent (now or earlier): someone else holds a copy.
                await self._revoke(conn, auth_tokens.c.family_id == row.family_id, now)
                return _reused()
            scope = min(Scope(row.scope), Scope(row.role), key=lambda s: s.rank)
            return await self._issue_pair(conn, row.user_id, scope, row.family_id)

    # -- authentication ----------------------------------------------------

    async def authenticate(self, token: str) -> Principal:
        """The caller behind an access or API token (one indexed query)."""
        kind = kind_of(token)
        if kind is None or kind is TokenKind.REFRESH:
            # A refresh token is only good at the refresh endpoint.
            raise _invalid_token()
        async with self._db.lookup() as conn:
            row = (
                await conn.execute(
                    select(
                        auth_tokens.c.id,
                        auth_tokens.c.scope,
                        auth_tokens.c.family_id,
                        auth_tokens.c.expires_at,
                        auth_tokens.c.revoked_at,
                        users.c.id.label("user_id"),
                        users.c.username,
                        users.c.full_name,
                        users.c.role,
                        users.c.timezone,
                    )
                    .join(users, users.c.id == auth_tokens.c.user_id)
                    .where(
                        auth_tokens.c.token_hash == hash_token(token),
                        auth_tokens.c.kind == kind.value,
                    )
                )
            ).one_or_none()
        if row is None:
            raise _invalid_token()
        if row.revoked_at is not None:
            raise _revoked()
        if row.expires_at is not None and row.expires_at <= self._clock.now():
            raise _expired()
        role = Scope(row.role)
        return Principal(
            user_id=row.user_id,
            username=row.username,
            full_name=row.full_name,
            role=role,
            # A user demoted since the token was issued keeps only the new role.
            scope=min(Scope(row.scope), role, key=lambda s: s.rank),
            timezone=row.timezone,
            token_id=row.id,
            family_id=row.family_id,
        )

    # -- sign-out ----------------------------------------------------------

    async def logout(self, principal: Principal) -> None:
        """End the caller's session: its token family, or just the API token."""
        if principal.family_id is not None:
            where = auth_tokens.c.family_id == principal.family_id
        else:
            where = auth_tokens.c.id == principal.token_id
        await self._revoke_where(where)

    async def logout_all(self, user_id: str) -> None:
        """Sign out every session and channel: all tokens, Telegram chats and link codes."""

        async def attempt() -> None:
            now = self._clock.now()
            async with self._db.writing() as conn:
                await self._revoke(conn, auth_tokens.c.user_id == user_id, now)
                unlinked = await conn.execute(
                    delete(telegram_links)
                    .where(telegram_links.c.customer_id == user_id)
                    .returning(telegram_links.c.chat_id)
                )
                await ledger.append(
                    conn,
                    [ledger_events.telegram_unlinked(user_id, int(c)) for c in unlinked.scalars()],
                    now,
                )
                await conn.execute(
                    update(telegram_link_codes)
                    .where(
                        telegram_link_codes.c.customer_id == user_id,
                        telegram_link_codes.c.used_at.is_(None),
                    )
                    .values(used_at=now)
                )

        await retrying(attempt)

    async def _revoke_where(self, where: Any) -> None:
        async def attempt() -> None:
            async with self._db.writing() as conn:
                await self._revoke(conn, where, self._clock.now())

        await retrying(attempt)

    @staticmethod
    async def _revoke(conn: Writes, where: Any, now: datetime) -> None:
        await conn.execute(
            update(auth_tokens)
            .where(and_(where, auth_tokens.c.revoked_at.is_(None)))
            .values(revoked_at=now)
        )

    # -- API tokens --------------------------------------------------------

    async def create_api_token(
        self,
        username: str,
        scope: Scope,
        name: str | None = None,
        ttl_s: int | None = None,
    ) -> str:
        """A long-lived token for scripts and the CLI; shown once, stored hashed."""
        if ttl_s is not None and ttl_s <= 0:
            raise InvalidInput(
                "invalid_ttl", "A token lifetime must be a positive number of seconds."
            )
        if name is not None:
            name = name.strip() or None
            if name is not None and (len(name) > MAX_TOKEN_NAME or not name.isprintable()):
                raise InvalidInput(
                    "invalid_token_name",
                    f"A token name needs 1 to {MAX_TOKEN_NAME} printable characters.",
                )
        user_name = normalise_username(username)
        token = new_token(TokenKind.API)
        async with self._db.writing() as conn:
            user = await self._user_row(conn, user_name)
            if user is None:
                raise NotFound("user_not_found", f"There is no user called '{user_name}'.")
            role = Scope(user.role)
            if not role.allows(scope):
                raise Forbidden(
                    "scope_exceeds_role",
                    f"'{user_name}' is a {role.value}, so a token for them can't have"
                    f" the {scope.value} scope.",
                )
            now = self._clock.now()
            row = self._token_row(user.id, TokenKind.API, token, scope, None, name, now, ttl_s)
            await conn.execute(insert(auth_tokens).values(row))
            await ledger.append(
                conn, [ledger_events.token_created(user.id, row["id"], scope.value)], now
            )
        return token

    # -- queries -----------------------------------------------------------

    @staticmethod
    async def _user_row(conn: Writes, username: str) -> Any:
        return (await conn.execute(select(users).where(users.c.username == username))).one_or_none()
