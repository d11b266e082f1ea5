"""The identity service against real SQLite and PostgreSQL databases."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, update

from bot.bootstrap import Container, settings_view
from domain.clock import ManualClock
from domain.errors import Conflict, Forbidden, InvalidInput, Locked, NotFound, Unauthenticated
from domain.identity.model import Scope
from domain.identity.passwords import Passwords
from domain.identity.service import IdentityService
from domain.identity.tokens import TokenPair, hash_token
from domain.schema import auth_tokens, users

PASSWORD = "correct horse battery"


@pytest.fixture
def identity(container: Container) -> IdentityService:
    return container.identity


@pytest.fixture
async def asha(identity: IdentityService) -> str:
    return await identity.create_user("asha", "Asha Rao", PASSWORD)


async def token_row(container: Container, token: str) -> object:
    async with container.db.reading() as conn:
        return (
            await conn.execute(
                select(auth_tokens).where(auth_tokens.c.token_hash == hash_token(token))
            )
        ).one()


async def refused(code: str, call: object) -> Unauthenticated:
    assert asyncio.iscoroutine(call)
    with pytest.raises(Unauthenticated) as info:
        await call
    assert info.value.code == code
    return info.value


# -- users -------------------------------------------------------------------


async def test_creates_a_customer_with_the_default_timezone(
    identity: IdentityService, asha: str
) -> None:
    assert asha.startswith("usr_")
    user = await identity.get_user_by_username("asha")
    assert user is not None
    assert (user.id, user.full_name, user.role, user.timezone) == (
        asha,
        "Asha Rao",
        Scope.CUSTOMER,
        "Asia/Kolkata",
    )


async def test_stores_only_an_argon2id_hash_of_the_password(
    container: Container, asha: str
) -> None:
    async with container.db.reading() as conn:
        stored = (
            await conn.execute(select(users.c.password_hash).where(users.c.id == asha))
        ).scalar_one()
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


async def test_usernames_are_case_insensitive(identity: IdentityService, asha: str) -> None:
    assert (await identity.get_user_by_username(" ASHA ")) is not None
    await identity.login("Asha", PASSWORD)


async def test_a_taken_username_is_a_conflict(identity: IdentityService, asha: str) -> None:
    with pytest.raises(Conflict) as info:
        await identity.create_user("ASHA", "Another Asha", "another password")
    assert info.value.code == "username_taken"


@pytest.mark.parametrize(
    ("username", "full_name", "password", "timezone", "code"),
    [
        ("as", "Asha", PASSWORD, None, "invalid_username"),
        ("a" * 33, "Asha", PASSWORD, None, "invalid_username"),
        ("asha rao", "Asha", PASSWORD, None, "invalid_username"),
        ("asha-rao", "Asha", PASSWORD, None, "invalid_username"),
        ("asha", "Asha", "short", None, "weak_password"),
        ("asha", "Asha", "x" * 2000, None, "invalid_password"),
        ("asha", "  ", PASSWORD, None, "invalid_full_name"),
        ("asha", "Asha", PASSWORD, "Mars/Olympus", "invalid_timezone"),
    ],
)
async def test_bad_user_details_are_refused_and_create_nothing(
    identity: IdentityService,
    username: str,
    full_name: str,
    password: str,
    timezone: str | None,
    code: str,
) -> None:
    with pytest.raises(InvalidInput) as info:
        await identity.create_user(username, full_name, password, timezone=timezone)
    assert info.value.code == code
    assert await identity.list_users() == []


async def test_lists_users_by_username_optionally_by_role(identity: IdentityService) -> None:
    await identity.create_user("zoe", "Zoe", PASSWORD)
    await identity.create_user("op.ravi", "Ravi", PASSWORD, role=Scope.OPERATOR)
    await identity.create_user("asha", "Asha", PASSWORD, timezone="Europe/London")
    assert [u.username for u in await identity.list_users()] == ["asha", "op.ravi", "zoe"]
    operators = await identity.list_users(Scope.OPERATOR)
    assert [(u.username, u.role) for u in operators] == [("op.ravi", Scope.OPERATOR)]


async def test_an_unknown_username_has_no_user(identity: IdentityService) -> None:
    assert await identity.get_user_by_username("nobody") is None


# -- sign-in -----------------------------------------------------------------


async def test_signs_in_and_authenticates_with_the_access_token(
    container: Container, identity: IdentityService, asha: str
) -> None:
    pair = await identity.login("asha", PASSWORD)
    assert pair.token_type == "Bearer"
    assert pair.expires_in == 900
    assert pair.access_token.startswith("swa_")
    assert pair.refresh_token.startswith("swr_")
    principal = await identity.authenticate(pair.access_token)
    assert (principal.user_id, principal.username, principal.full_name) == (
        asha,
        "asha",
        "Asha Rao",
    )
    assert principal.role is Scope.CUSTOMER
    assert principal.scope is Scope.CUSTOMER
    assert principal.timezone == "Asia/Kolkata"
    access = await token_row(container, pair.access_token)
    refresh = await token_row(container, pair.refresh_token)
    assert principal.token_id == access.id  # type: ignore[attr-defined]
    assert principal.family_id == access.family_id == refresh.family_id  # type: ignore[attr-defined]


async def test_each_sign_in_opens_a_new_family(identity: IdentityService, asha: str) -> None:
    one = await identity.authenticate((await identity.login("asha", PASSWORD)).access_token)
    two = await identity.authenticate((await identity.login("asha", PASSWORD)).access_token)
    assert one.family_id != two.family_id


async def test_a_wrong_password_and_an_unknown_user_are_refused_alike(
    identity: IdentityService, asha: str
) -> None:
    wrong = await refused("invalid_credentials", identity.login("asha", "wrong password"))
    unknown = await refused("invalid_credentials", identity.login("nobody", PASSWORD))
    assert wrong.message == unknown.message


async def test_locks_the_account_on_the_fifth_failure_in_a_row(
    identity: IdentityService, asha: str
) -> None:
    for _ in range(4):
        await refused("invalid_credentials", identity.login("asha", "wrong password"))
    with pytest.raises(Locked) as info:
        await identity.login("asha", "wrong password")
    assert info.value.code == "account_locked"
    assert info.value.retry_after == 900
    assert "15 minutes" in info.value.message


async def test_a_locked_account_refuses_even_the_right_password_until_the_lock_ends(
    identity: IdentityService, clock: ManualClock, asha: str
) -> None:
    for _ in range(4):
        await refused("invalid_credentials", identity.login("asha", "wrong password"))
    with pytest.raises(Locked):
        await identity.login("asha", "wrong password")
    clock.advance(timedelta(seconds=600))
    with pytest.raises(Locked) as info:
        await identity.login("asha", PASSWORD)
    assert info.value.retry_after == 300
    clock.advance(timedelta(seconds=300))
    await identity.login("asha", PASSWORD)


async def test_after_a_lock_ends_the_count_starts_again(
    identity: IdentityService, clock: ManualClock, asha: str
) -> None:
    for _ in range(5):
        with pytest.raises((Unauthenticated, Locked)):
            await identity.login("asha", "wrong password")
    clock.advance(timedelta(seconds=900))
    await refused("invalid_credentials", identity.login("asha", "wrong password"))


async def test_a_successful_sign_in_resets_the_failure_count(
    identity: IdentityService, asha: str
) -> None:
    for _ in range(4):
        await refused("invalid_credentials", identity.login("asha", "wrong password"))
    await identity.login("asha", PASSWORD)
    for _ in range(4):
        await refused("invalid_credentials", identity.login("asha", "wrong password"))
    await identity.login("asha", PASSWORD)


async def test_parallel_wrong_guesses_all_count_towards_the_lock(
    identity: IdentityService, asha: str
) -> None:
    results = await asyncio.gather(
        *(identity.login("asha", f"wrong password {n}") for n in range(5)),
        return_exceptions=True,
    )
    assert sum(isinstance(r, Locked) for r in results) == 1
    with pytest.raises(Locked):
        await identity.login("asha", PASSWORD)


async def test_upgrades_an_outdated_password_hash_on_sign_in(
    container: Container, identity: IdentityService
) -> None:
    user_id = await identity.create_user("asha", "Asha Rao", PASSWORD)
    stronger = Passwords(PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1))
    upgraded = IdentityService(
        container.db, container.clock, settings_view(container.settings), passwords=stronger
    )
    await upgraded.login("asha", PASSWORD)
    async with container.db.reading() as conn:
        stored = (
            await conn.execute(select(users.c.password_hash).where(users.c.id == user_id))
        ).scalar_one()
    assert not stronger.needs_rehash(stored)
    await upgraded.login("asha", PASSWORD)


# -- refresh -----------------------------------------------------------------


async def test_refresh_rotates_to_a_new_pair_in_the_same_family(
    container: Container, identity: IdentityService, asha: str
) -> None:
    first = await identity.login("asha", PASSWORD)
    second = await identity.refresh(first.refresh_token)
    assert second.access_token != first.access_token
    assert second.refresh_token != first.refresh_token
    old = await identity.authenticate(first.access_token)
    new = await identity.authenticate(second.access_token)
    assert new.family_id == old.family_id
    spent = await token_row(container, first.refresh_token)
    assert spent.used_at is not None  # type: ignore[attr-defined]
    third = await identity.refresh(second.refresh_token)
    await identity.authenticate(third.access_token)


async def test_reusing_a_spent_refresh_token_revokes_the_whole_family(
    identity: IdentityService, asha: str
) -> None:
    first = await identity.login("asha", PASSWORD)
    second = await identity.refresh(first.refresh_token)
    await refused("refresh_token_reused", identity.refresh(first.refresh_token))
    await refused("token_revoked", identity.authenticate(first.access_token))
    await refused("token_revoked", identity.authenticate(second.access_token))
    await refused("token_revoked", identity.refresh(second.refresh_token))


async def test_reuse_in_one_session_leaves_other_sessions_alone(
    identity: IdentityService, asha: str
) -> None:
    phone = await identity.login("asha", PASSWORD)
    laptop = await identity.login("asha", PASSWORD)
    await identity.refresh(phone.refresh_token)
    await refused("refresh_token_reused", identity.refresh(phone.refresh_token))
    await identity.authenticate(laptop.access_token)
    await identity.refresh(laptop.refresh_token)


async def test_concurrent_refreshes_with_one_token_let_exactly_one_through(
    identity: IdentityService, asha: str
) -> None:
    pair = await identity.login("asha", PASSWORD)
    results = await asyncio.gather(
        *(identity.refresh(pair.refresh_token) for _ in range(4)), return_exceptions=True
    )
    winners = [r for r in results if isinstance(r, TokenPair)]
    losers = [r for r in results if isinstance(r, Unauthenticated)]
    assert len(winners) == 1
    assert len(losers) == 3
    assert losers[0].code == "refresh_token_reused"
    # The losers' attempts count as reuse: the family, winner included, is revoked.
    await refused("token_revoked", identity.authenticate(winners[0].access_token))


async def test_an_expired_refresh_token_is_refused(
    identity: IdentityService, clock: ManualClock, asha: str
) -> None:
    pair = await identity.login("asha", PASSWORD)
    clock.advance(timedelta(days=30, seconds=1))
    await refused("token_expired", identity.refresh(pair.refresh_token))


async def test_refresh_accepts_only_refresh_tokens(identity: IdentityService, asha: str) -> None:
    pair = await identity.login("asha", PASSWORD)
    await refused("invalid_token", identity.refresh(pair.access_token))
    await refused("invalid_token", identity.refresh("swr_not-a-real-token"))
    await refused("invalid_token", identity.refresh(""))


# -- authentication ----------------------------------------------------------


async def test_an_access_token_expires_after_its_ttl(
    identity: IdentityService, clock: ManualClock, asha: str
) -> None:
    pair = await identity.login("asha", PASSWORD)
    clock.advance(timedelta(seconds=899))
    await identity.authenticate(pair.access_token)
    clock.advance(timedelta(seconds=1))
    await refused("token_expired", identity.authenticate(pair.access_token))
    renewed = await identity.refresh(pair.refresh_token)
    await identity.authenticate(renewed.access_token)


@pytest.mark.parametrize("token", ["", "garbage", "swa_unknown", "swk_unknown", "swa_" + "x" * 200])
async def test_unknown_tokens_are_invalid(identity: IdentityService, token: str) -> None:
    await refused("invalid_token", identity.authenticate(token))


async def test_refresh_tokens_are_not_accepted_as_credentials(
    identity: IdentityService, asha: str
) -> None:
    pair = await identity.login("asha", PASSWORD)
    await refused("invalid_token", identity.authenticate(pair.refresh_token))


async def test_a_demoted_user_keeps_only_the_scope_of_the_new_role(
    container: Container, identity: IdentityService
) -> None:
    user_id = await identity.create_user("op.ravi", "Ravi", PASSWORD, role=Scope.OPERATOR)
    pair = await identity.login("op.ravi", PASSWORD)
    assert (await identity.authenticate(pair.access_token)).scope is Scope.OPERATOR
    async with container.db.writing() as conn:
        await conn.execute(update(users).where(users.c.id == user_id).values(role="customer"))
    assert (await identity.authenticate(pair.access_token)).scope is Scope.CUSTOMER


# -- sign-out ----------------------------------------------------------------


async def test_logout_ends_only_the_callers_session(identity: IdentityService, asha: str) -> None:
    phone = await identity.login("asha", PASSWORD)
    laptop = await identity.login("asha", PASSWORD)
    await identity.logout(await identity.authenticate(phone.access_token))
    await refused("token_revoked", identity.authenticate(phone.access_token))
    await refused("token_revoked", identity.refresh(phone.refresh_token))
    await identity.authenticate(laptop.access_token)


async def test_logout_all_revokes_every_session_and_api_token(
    identity: IdentityService, asha: str
) -> None:
    bob = await identity.create_user("bob", "Bob", PASSWORD)
    phone = await identity.login("asha", PASSWORD)
    laptop = await identity.login("asha", PASSWORD)
    key = await identity.create_api_token("asha", Scope.CUSTOMER)
    bobs = await identity.login("bob", PASSWORD)
    await identity.logout_all(asha)
    for token in (phone.access_token, laptop.access_token, key):
        await refused("token_revoked", identity.authenticate(token))
    await refused("token_revoked", identity.refresh(laptop.refresh_token))
    assert (await identity.authenticate(bobs.access_token)).user_id == bob
    await identity.login("asha", PASSWORD)


# -- API tokens --------------------------------------------------------------


async def test_an_api_token_authenticates_with_its_own_scope(
    identity: IdentityService,
) -> None:
    await identity.create_user("root", "Admin", PASSWORD, role=Scope.ADMIN)
    token = await identity.create_api_token("root", Scope.OPERATOR, name="nightly report")
    assert token.startswith("swk_")
    principal = await identity.authenticate(token)
    assert (principal.role, principal.scope) == (Scope.ADMIN, Scope.OPERATOR)
    assert principal.family_id is None


async def test_an_api_token_scope_may_not_exceed_the_role(
    identity: IdentityService, asha: str
) -> None:
    for scope in (Scope.OPERATOR, Scope.ADMIN):
        with pytest.raises(Forbidden) as info:
            await identity.create_api_token("asha", scope)
        assert info.value.code == "scope_exceeds_role"


async def test_an_api_token_for_an_unknown_user_is_not_found(identity: IdentityService) -> None:
    with pytest.raises(NotFound) as info:
        await identity.create_api_token("nobody", Scope.CUSTOMER)
    assert info.value.code == "user_not_found"


async def test_an_api_token_without_ttl_never_expires_and_with_one_does(
    identity: IdentityService, clock: ManualClock, asha: str
) -> None:
    forever = await identity.create_api_token("asha", Scope.CUSTOMER)
    hour = await identity.create_api_token("asha", Scope.CUSTOMER, ttl_s=3600)
    clock.advance(timedelta(days=3650))
    await identity.authenticate(forever)
    await refused("token_expired", identity.authenticate(hour))


async def test_an_api_token_needs_a_positive_ttl(identity: IdentityService, asha: str) -> None:
    with pytest.raises(InvalidInput) as info:
        await identity.create_api_token("asha", Scope.CUSTOMER, ttl_s=0)
    assert info.value.code == "invalid_ttl"


async def test_logout_with_an_api_token_revokes_only_that_token(
    identity: IdentityService, asha: str
) -> None:
    session = await identity.login("asha", PASSWORD)
    one = await identity.create_api_token("asha", Scope.CUSTOMER)
    two = await identity.create_api_token("asha", Scope.CUSTOMER)
    await identity.logout(await identity.authenticate(one))
    await refused("token_revoked", identity.authenticate(one))
    await identity.authenticate(two)
    await identity.authenticate(session.access_token)
