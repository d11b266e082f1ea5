"""The ``swayam`` command.

    swayam serve [--host H] [--port P]   migrate, then run the HTTP API
    swayam migrate                        bring the database schema up to date
    swayam demo                           load the demo bank (safe to repeat)
    swayam token create --user NAME [--scope customer|operator|admin] [--name LABEL]
    swayam telegram link-code --user NAME    a one-time code linking a Telegram chat
    swayam nlu parse|train|eval ...       the local NLU (from ``intents.cli``)
    swayam models train|list              the predictive models (``bot.models_cli``)

Exit codes: 0 done, 1 the command failed (the reason is on stderr), 2 bad
usage or bad ``SWAYAM_*`` settings.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from bot.settings import Settings

if TYPE_CHECKING:
    from typing import TypeAlias

    from bot.bootstrap import Container

    SubParsers: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]

Handler = Callable[[argparse.Namespace], int]

log = logging.getLogger("swayam")


class CommandError(Exception):
    """A command failed for a reason the user can act on; the message says it."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def fail(message: str) -> None:
    print(f"swayam: {message}", file=sys.stderr)


# -- settings and logging --------------------------------------------------------------


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment, or one clear line about what is wrong (exit 2)."""
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        raise CommandError(_describe(exc), code=2) from None
    if not isinstance(logging.getLevelName(settings.log_level.upper()), int):
        raise CommandError(
            f"invalid setting SWAYAM_LOG_LEVEL: {settings.log_level!r} is not one of "
            "DEBUG, INFO, WARNING, ERROR, CRITICAL",
            code=2,
        )
    return settings


def _describe(exc: ValidationError) -> str:
    # Only the variable and the complaint: never the value, which may be a secret.
    problems = []
    for error in exc.errors(include_input=False, include_url=False):
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["loc"]:
            problems.append(f"SWAYAM_{str(error['loc'][0]).upper()}: {message}")
        else:
            problems.append(message)
    return "invalid setting " + "; ".join(problems)


def configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def _database_error(exc: Exception) -> CommandError:
    orig = getattr(exc, "orig", None) or exc
    first_line = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
    return CommandError(
        f"the database failed: {first_line} (is it running, and migrated with `swayam migrate`?)"
    )


# -- commands ------------------------------------------------------------------------


def cmd_migrate(args: argparse.Namespace) -> int:
    """Bring the database schema up to date."""
    from alembic.script import ScriptDirectory

    from bot.migrate import alembic_config, upgrade

    settings = load_settings()
    configure_logging(settings)
    url = settings.database_url
    upgrade(url)
    heads = ", ".join(sorted(ScriptDirectory.from_config(alembic_config(url)).get_heads()))
    print(f"Database {settings.redacted_database_url()} is at the latest revision ({heads}).")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Migrate, then load the demo bank (changing nothing if it is already there)."""
    from bot import demo
    from bot.bootstrap import build
    from bot.migrate import upgrade

    settings = load_settings()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    upgrade(settings.database_url)

    async def run() -> tuple[demo.DemoResult, int]:
        container = build(settings)
        await container.start()
        try:
            result = await demo.load(container)
            # The operator's prediction endpoints answer from the first request:
            # a small synthetic model is trained now unless one is on disk.
            model = await container.predictions.model()
            return result, model.version
        finally:
            await container.close()

    try:
        result, model_version = asyncio.run(run())
    except demo.DemoError as exc:
        raise CommandError(str(exc)) from exc
    print(demo.render(result, url=f"http://{_display_host(settings.host)}:{settings.port}"))
    print(f"Prediction model version {model_version} is ready (`swayam models train` for more).")
    return 0


def cmd_token_create(args: argparse.Namespace) -> int:
    """Print a new API token for a user; only the token goes to stdout."""
    from bot.bootstrap import build
    from domain.identity.model import Scope

    settings = load_settings()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)

    async def run() -> str:
        container = build(settings)
        try:
            return await container.identity.create_api_token(
                args.user, Scope(args.scope), name=args.name
            )
        finally:
            await container.close()

    print(asyncio.run(run()))
    return 0


def cmd_telegram_link_code(args: argparse.Namespace) -> int:
    """Print a one-time code that links a Telegram chat to a customer."""
    from bot.bootstrap import build

    settings = load_settings()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)

    async def run() -> str:
        container = build(settings)
        try:
            user = await container.identity.get_user_by_username(args.user)
            if user is None or user.role.value != "customer":
                raise CommandError(f"no customer called '{args.user}'")
            issued = await container.telegram_links.new_code(user.id)
        finally:
            await container.close()
        minutes = round((issued.expires_at - container.clock.now()).total_seconds() / 60)
        lines = [f"Send this to the Swayam bot on Telegram: /start {issued.code}"]
        if settings.telegram_bot_username:
            lines.append(
                f"or open https://t.me/{settings.telegram_bot_username}?start={issued.code}"
            )
        lines.append(f"The code works once and expires in {minutes} minutes.")
        return "\n".join(lines)

    print(asyncio.run(run()))
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    """Chat with Swayam in the terminal as a customer."""
    from bot.bootstrap import build
    from bot.context import Customer
    from bot.migrate import upgrade
    from bot.terminal import repl

    settings = load_settings()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    upgrade(settings.database_url)

    async def run() -> None:
        container = build(settings)
        await container.start()
        try:
            user = await container.identity.get_user_by_username(args.user)
            if user is None or user.role.value != "customer":
                raise CommandError(
                    f"no customer called '{args.user}' (run `swayam demo` for asha and vikram)"
                )
            await repl(container.assistant, Customer(user.id, user.full_name, user.timezone))
        finally:
            await container.close()

    asyncio.run(run())
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Migrate, then serve the HTTP API until SIGINT or SIGTERM."""
    from bot.migrate import upgrade

    settings = load_settings()
    configure_logging(settings)
    host = args.host or settings.host
    port = settings.port if args.port is None else args.port
    log.info("database %s", settings.redacted_database_url())
    upgrade(settings.database_url)
    asyncio.run(_serve(settings, host, port))
    return 0


async def _serve(settings: Settings, host: str, port: int) -> None:
    import signal

    from aiohttp import web

    # api sits above bot in the import order, so it is only imported here.
    from api.app import create_app
    from bot.bootstrap import build
    from bot.heap import settle_for_serving

    container: Container = build(settings)
    runner = web.AppRunner(create_app(container), handle_signals=False)
    await runner.setup()  # starts the container
    settle_for_serving()  # after start-up built its long-lived heap (the NLU above all)
    try:
        site = web.TCPSite(runner, host, port)
        try:
            await site.start()
        except OSError as exc:
            raise CommandError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
        bound = runner.addresses[0][1] if runner.addresses else port
        where = f"http://{_display_host(host)}:{bound}"
        if host in ("0.0.0.0", "::", ""):
            where = f"http://{host or '0.0.0.0'}:{bound} (all interfaces; here {where})"
        print(f"Swayam is serving on {where}", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        log.info("shutting down")
    finally:
        await runner.cleanup()  # stops taking requests, then closes the container
    print("Swayam stopped.", flush=True)


def _display_host(host: str) -> str:
    if host in ("0.0.0.0", "::", ""):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


# -- the parser -------------------------------------------------------------------------


def build_parser(argv: Sequence[str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="swayam", description="Swayam, a chat-first banking assistant."
    )
    commands: SubParsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="migrate, then run the HTTP API")
    serve.add_argument("--host", help="address to listen on (default: SWAYAM_HOST)")
    serve.add_argument("--port", type=int, help="port to listen on (default: SWAYAM_PORT)")
    serve.set_defaults(handler=cmd_serve)

    migrate = commands.add_parser("migrate", help="bring the database schema up to date")
    migrate.set_defaults(handler=cmd_migrate)

    demo = commands.add_parser("demo", help="load the demo bank (safe to run again)")
    demo.set_defaults(handler=cmd_demo)

    chat = commands.add_parser("chat", help="chat with Swayam in the terminal")
    chat.add_argument("--user", default="asha", help="the customer to chat as (default: asha)")
    chat.set_defaults(handler=cmd_chat)

    token = commands.add_parser("token", help="manage API tokens")
    token_commands = token.add_subparsers(dest="token_command", required=True, metavar="ACTION")
    create = token_commands.add_parser("create", help="create an API token and print it")
    create.add_argument("--user", required=True, help="the username the token acts for")
    create.add_argument(
        "--scope",
        choices=["customer", "operator", "admin"],
        default="customer",
        help="what the token may do; at most the user's role (default: customer)",
    )
    create.add_argument("--name", help="a label to recognise the token by")
    create.set_defaults(handler=cmd_token_create)

    telegram = commands.add_parser("telegram", help="the Telegram bot")
    telegram_commands = telegram.add_subparsers(
        dest="telegram_command", required=True, metavar="ACTION"
    )
    link = telegram_commands.add_parser(
        "link-code", help="print a one-time code that links a Telegram chat to a customer"
    )
    link.add_argument("--user", required=True, help="the customer's username")
    link.set_defaults(handler=cmd_telegram_link_code)

    from bot import ledger_cli

    ledger_cli.add_commands(commands)
    from bot import models_cli

    models_cli.add_commands(commands)
    _add_nlu(commands, argv)
    return parser


def _add_nlu(commands: SubParsers, argv: Sequence[str]) -> None:
    # The NLU loads scikit-learn and spaCy, seconds of start-up that the other
    # commands should not pay, so it is imported only when asked for.
    if not argv or argv[0] != "nlu":
        commands.add_parser("nlu", help="local intent and entity recognition (parse, train, eval)")
        return
    import intents.cli

    add_commands: Callable[[SubParsers], None] | None = getattr(intents.cli, "add_commands", None)
    if add_commands is not None:
        add_commands(commands)


def main(argv: Sequence[str] | None = None) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from domain.errors import DomainError

    args_list = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(args_list).parse_args(args_list)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        fail(f"'{args.command}' is not available here")
        return 2
    try:
        return handler(args)
    except CommandError as exc:
        fail(str(exc))
        return exc.code
    except DomainError as exc:
        fail(exc.message)
        return 1
    except SQLAlchemyError as exc:
        fail(str(_database_error(exc)))
        return 1
    except ConnectionError as exc:  # the database host refused or dropped us
        fail(f"cannot reach the database: {exc}")
        return 1
    except OSError as exc:
        fail(str(exc))
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
