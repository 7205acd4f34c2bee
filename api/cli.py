"""The `throughgate` command: migrate, serve, create organisations, accounts and clients.

Every worker of `serve` imports this module (it is the program's main module), so a command
imports the tools that only it uses (Alembic, rich's progress bars, the demo data) when it
runs: each would otherwise sit in every worker's memory.
"""

import asyncio
import csv
import json
import signal
import sys
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
import uvicorn
from pydantic import ValidationError
from sqlmodel import select

from api import tenancy
from api.auth.principal import Principal
from api.auth.scopes import ROLE_SCOPES
from api.db import create_engine, session_factory
from api.errors import DomainError
from api.main import create_app
from api.models import Organisation
from api.models.accounts import SetPasswordToken, UserInvite
from api.models.base import utc_today
from api.models.enums import Role
from api.schema.schema import SDL_PATH, sdl
from api.services import accounts, audit, directory, erasure, logins
from api.settings import get_settings
from api.worker import Context, Worker, load_jobs

if TYPE_CHECKING:
    from alembic.config import Config

T = TypeVar("T")

app = typer.Typer(
    help="Throughgate: mentoring through the gate. Settings come from the environment.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def _check_settings() -> None:
    """A wrong setting is one clear line on stderr, not a traceback."""
    try:
        get_settings()
    except ValidationError as exc:
        for error in exc.errors():
            name = str(error["loc"][0]).upper() if error["loc"] else "settings"
            message = str(error["msg"]).removeprefix("Value error, ")
            typer.echo(f"configuration error: {name}: {message}", err=True)
        raise typer.Exit(2) from None


# Beside the package in a checkout; in the working directory when the package is installed
# into a virtualenv (the container image copies `migrations/` to its working directory).
MIGRATIONS = next(
    (
        path
        for path in (Path(__file__).resolve().parent.parent / "migrations", Path("migrations"))
        if (path / "env.py").exists()
    ),
    Path("migrations"),
)


def alembic_config(database_url: str) -> "Config":
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["database_url"] = database_url
    return config


def _run(work: Callable[[Any], Awaitable[T]]) -> T:
    """Run one use case with a database session; domain errors go to stderr, exit 1."""

    async def main() -> T:
        engine = create_engine(get_settings())
        try:
            async with session_factory(engine)() as db:
                tenancy.span_organisations(db, "the command line administers every organisation")
                return await work(db)
        finally:
            await engine.dispose()

    try:
        return asyncio.run(main())
    except DomainError as exc:
        typer.echo(f"error: {exc.detail or exc.title}", err=True)
        raise typer.Exit(1) from exc


def _print(obj: dict[str, Any]) -> None:
    typer.echo(json.dumps(obj, default=str))


@app.command()
def migrate(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Bring the database schema up to date (Alembic)."""
    from alembic import command

    command.upgrade(alembic_config(get_settings().database_url), revision)
    typer.echo(f"database at {revision}", err=True)


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
) -> None:
    """Serve the API with uvicorn."""
    settings = get_settings()
    settings.signing_key_map  # noqa: B018  (fail now, and create a dev key once, before workers)
    uvicorn.run(
        "api.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=None,
        proxy_headers=False,  # the app itself trusts only THROUGHGATE_TRUSTED_PROXIES
        # A worker answers the supervisor's health check only once its imports are done. On a
        # busy host that takes longer than uvicorn's default 5 s, and the supervisor would kill
        # the starting worker and start another, over and over.
        timeout_worker_healthcheck=60,
    )


@app.command()
def worker(
    once: Annotated[bool, typer.Option(help="Run every job until idle, then exit.")] = False,
) -> None:
    """Run the dispatcher and other background jobs on their own (for deployments with
    several API processes; set THROUGHGATE_WORKER_IN_SERVE=false on those)."""
    settings = get_settings()

    async def main() -> None:
        engine = create_engine(settings)
        runner = Worker(Context(session_factory(engine), settings), list(load_jobs().values()))
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, runner.stop)
        try:
            if once:
                await runner.drain()
                await runner.context.close()
            else:
                await runner.run()
        finally:
            await engine.dispose()

    asyncio.run(main())


@app.command("create-org")
def create_org(name: str) -> None:
    """Create an organisation (a mentoring provider)."""
    org = _run(lambda db: accounts.create_organisation(db, name))
    _print({"id": org.id, "name": org.name})


@app.command("create-user")
def create_user(
    org: Annotated[str, typer.Option(help="Organisation id or exact name.")],
    email: Annotated[str, typer.Option()],
    role: Annotated[Role, typer.Option()],
    password: Annotated[
        str | None, typer.Option(help="At least 12 characters; prompted for when omitted.")
    ] = None,
    person: Annotated[
        uuid.UUID | None, typer.Option(help="The person a mentor or mentee account belongs to.")
    ] = None,
) -> None:
    """Create a login for a person or a member of staff."""
    if password is None:
        if not sys.stdin.isatty():
            typer.echo("error: --password is needed when not at a terminal", err=True)
            raise typer.Exit(2)
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)

    async def work(db: Any) -> Any:
        organisation = await accounts.find_organisation(db, org)
        return await accounts.create_user(
            db, organisation, email=email, role=role, password=password, person_id=person
        )

    user = _run(work)
    _print(
        {
            "id": user.id,
            "org_id": user.org_id,
            "email": user.email,
            "role": user.role,
            "person_id": user.person_id,
        }
    )


@app.command("create-client")
def create_client(
    org: Annotated[str, typer.Option(help="Organisation id or exact name.")],
    name: Annotated[str, typer.Option()],
    role: Annotated[Role, typer.Option()],
) -> None:
    """Create a machine client; its secret is printed once and never stored in clear."""

    async def work(db: Any) -> Any:
        organisation = await accounts.find_organisation(db, org)
        return await accounts.create_client(db, organisation, name=name, role=role)

    client, secret = _run(work)
    _print(
        {
            "id": client.id,
            "org_id": client.org_id,
            "name": client.name,
            "role": client.role,
            "client_id": client.client_id,
            "client_secret": secret,
        }
    )


# --- logins: people's and machines' -------------------------------------------------------

users_app = typer.Typer(help="People's logins: list, invite, disable, enable, reset a password.")
clients_app = typer.Typer(help="Machine clients: list, disable, enable, rotate a secret, revoke.")
app.add_typer(users_app, name="users")
app.add_typer(clients_app, name="clients")
audit_app = typer.Typer(help="The audit trail: check each organisation's hash chain.")
app.add_typer(audit_app, name="audit")
OrgOption = Annotated[str, typer.Option("--org", help="Organisation id or exact name.")]
UserRef = Annotated[str, typer.Argument(help="The login's id or email.")]
ClientRef = Annotated[str, typer.Argument(help="The client's id or client_id.")]


def _admin(org_id: uuid.UUID, command: str) -> Principal:
    """The command line acting as the organisation's administrator."""
    return Principal(
        org_id=org_id, role=Role.admin, scopes=ROLE_SCOPES[Role.admin], subject=f"cli:{command}"
    )


def _as_admin(org_ref: str, command: str, work: Callable[[Any, Principal], Awaitable[T]]) -> T:
    async def run(db: Any) -> T:
        org = await accounts.find_organisation(db, org_ref)
        return await work(db, _admin(org.id, command))

    return _run(run)


@users_app.command("list")
def users_list(org: OrgOption, role: Annotated[Role | None, typer.Option()] = None) -> None:
    """Every login of the organisation, one JSON object a line."""
    rows = _as_admin(org, "users-list", lambda db, admin: logins.all_users(db, admin, role=role))
    for row in rows:
        _print(logins.present_user(row).model_dump(mode="json"))


@users_app.command("invite")
def users_invite(
    org: OrgOption,
    email: Annotated[str, typer.Option()],
    role: Annotated[Role, typer.Option()],
    person: Annotated[
        uuid.UUID | None, typer.Option(help="The person a mentor or mentee login belongs to.")
    ] = None,
) -> None:
    """A login without a password, and the one-time token its owner sets one with."""
    hours = get_settings().setup_token_hours

    async def work(db: Any, admin: Principal) -> Any:
        data = UserInvite(email=email, role=role, person_id=person)
        return await logins.invite_user(db, admin, data, hours=hours)

    user, token = _as_admin(org, "users-invite", work)
    _print({**logins.present_user(user).model_dump(mode="json"), **_token(token)})


@users_app.command("disable")
def users_disable(org: OrgOption, user: UserRef) -> None:
    """No more logins; every token of it stops working at once."""
    _user_switch(org, user, enabled=False)


@users_app.command("enable")
def users_enable(org: OrgOption, user: UserRef) -> None:
    """It may log in again."""
    _user_switch(org, user, enabled=True)


def _user_switch(org: str, ref: str, *, enabled: bool) -> None:
    async def work(db: Any, admin: Principal) -> Any:
        found = await logins.find_user(db, admin, ref)
        return await logins.set_enabled(db, admin, found.id, enabled=enabled)

    row = _as_admin(org, "users-enable" if enabled else "users-disable", work)
    _print(logins.present_user(row).model_dump(mode="json"))


@users_app.command("reset-password")
def users_reset_password(org: OrgOption, user: UserRef) -> None:
    """The password stops working, every token is revoked; prints the one-time token."""
    hours = get_settings().setup_token_hours

    async def work(db: Any, admin: Principal) -> Any:
        found = await logins.find_user(db, admin, user)
        return found.id, await logins.reset_password(db, admin, found.id, hours=hours)

    user_id, token = _as_admin(org, "users-reset-password", work)
    _print({"id": user_id, **_token(token)})


def _token(token: SetPasswordToken) -> dict[str, Any]:
    return {"set_password_token": token.token, "expires_at": token.expires_at}


@clients_app.command("list")
def clients_list(org: OrgOption) -> None:
    """Every machine client of the organisation, one JSON object a line."""
    for row in _as_admin(org, "clients-list", logins.all_clients):
        _print(logins.present_client(row).model_dump(mode="json"))


@clients_app.command("disable")
def clients_disable(org: OrgOption, client: ClientRef) -> None:
    """No more tokens; its tokens stop working at once."""
    _client_change(org, client, "disable")


@clients_app.command("enable")
def clients_enable(org: OrgOption, client: ClientRef) -> None:
    """It may get tokens again (not once revoked)."""
    _client_change(org, client, "enable")


@clients_app.command("revoke")
def clients_revoke(org: OrgOption, client: ClientRef) -> None:
    """For good: it never gets a token again."""
    _client_change(org, client, "revoke")


@clients_app.command("rotate-secret")
def clients_rotate_secret(org: OrgOption, client: ClientRef) -> None:
    """A new secret, printed once; the old one and its tokens stop working at once."""
    row, secret = _client_change(org, client, "rotate-secret")
    _print({**logins.present_client(row).model_dump(mode="json"), "client_secret": secret})


def _client_change(org: str, ref: str, change: str) -> Any:
    async def work(db: Any, admin: Principal) -> Any:
        found = await logins.find_client(db, admin, ref)
        if change == "rotate-secret":
            return await logins.rotate_secret(db, admin, found.id)
        if change == "revoke":
            return await logins.revoke_client(db, admin, found.id)
        return await logins.set_client_enabled(db, admin, found.id, enabled=change == "enable")

    result = _as_admin(org, f"clients-{change}", work)
    if change != "rotate-secret":
        _print(logins.present_client(result).model_dump(mode="json"))
    return result


@audit_app.command("verify")
def audit_verify(
    org: Annotated[
        str | None,
        typer.Option(help="One organisation's chain, by id or exact name (default: all)."),
    ] = None,
) -> None:
    """Walk each organisation's audit hash chain and report the first broken link (exit 1).

    Prints one line per organisation with its head (`head_seq`, `head_hash`): keep those
    somewhere else, and a later run shows whether events were cut from the end."""

    async def work(db: Any) -> list[audit.ChainReport]:
        if org is not None:
            ids = [(await accounts.find_organisation(db, org)).id]
        else:
            ids = list((await db.exec(select(Organisation.id))).all())
        return [await audit.verify(db, org_id) for org_id in sorted(ids)]

    broken = False
    for report in _run(work):
        _print(
            {
                "org_id": report.org_id,
                "events": report.events,
                "head_seq": report.head_seq,
                "head_hash": report.head_hash,
                "unchained": report.unchained,
                "ok": report.broken is None,
            }
        )
        if report.broken is not None:
            broken = True
            link = report.broken
            typer.echo(
                f"broken: organisation {report.org_id}, event {link.seq}"
                f"{f' ({link.event_id})' if link.event_id else ''}: {link.reason}",
                err=True,
            )
    if broken:
        raise typer.Exit(1)


@app.command()
def retention(
    org: Annotated[
        str | None, typer.Option(help="Organisation id or exact name; every one when omitted.")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option(help="List what would be erased; erase nothing.")
    ] = False,
) -> None:
    """Erase the personal data of records past their organisation's retention period (kept
    `retention_years` after the last relationship or referral ended); legal holds are
    skipped. One JSON line per record, then a summary."""
    from rich.console import Console
    from rich.progress import track

    async def work(db: Any) -> dict[str, Any]:
        if org is None:
            orgs = list((await db.exec(select(Organisation).order_by(Organisation.name))).all())
        else:
            orgs = [await accounts.find_organisation(db, org)]
        today = utc_today()
        plans = [(o.id, o.name, await erasure.due_for_erasure(db, o, today)) for o in orgs]
        summary = {"dry_run": dry_run, "organisations": len(orgs), "due": 0, "held": 0}
        summary |= {"erased": 0, "skipped": 0}
        work_list = [(org_id, name, due) for org_id, name, dues in plans for due in dues]
        steps = track(
            work_list,
            description="Erasing" if not dry_run else "Listing",
            disable=not sys.stderr.isatty() or len(work_list) < 20,
            console=Console(stderr=True),
        )
        for org_id, name, due in steps:
            line = {
                "org": name,
                "person_id": str(due.person_id),
                "kind": due.kind,
                "last_ended_on": due.last_ended_on.isoformat(),
            }
            if due.held:
                summary["held"] += 1
                _print({**line, "action": "held"})
                continue
            summary["due"] += 1
            if dry_run:
                _print({**line, "action": "would_erase"})
                continue
            done = await erasure.erase_due(db, _admin(org_id, "retention"), due)
            summary["erased" if done else "skipped"] += 1
            _print({**line, "action": "erased" if done else "skipped"})
        return summary

    summary = _run(work)
    _print({"summary": summary})
    typer.echo(
        f"{summary['due']} due, {summary['erased']} erased, {summary['held']} on legal hold"
        + (" (dry run: nothing erased)" if dry_run else ""),
        err=True,
    )


@app.command("import-services")
def import_services(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    org: Annotated[str, typer.Option(help="Organisation id or exact name.")],
    dry_run: Annotated[bool, typer.Option(help="Check every row; import nothing.")] = False,
) -> None:
    """Import a services directory from CSV or JSON: every row is valid, or nothing changes."""
    from api import directory_import

    try:
        rows = directory_import.read_rows(file)
    except (ValueError, csv.Error, UnicodeDecodeError) as exc:
        typer.echo(f"error: cannot read {file}: {exc}", err=True)
        raise typer.Exit(1) from exc
    report = directory_import.validate(rows, show_progress=sys.stderr.isatty())
    if report.errors:
        for error in report.errors:
            typer.echo(f"row {error['row']}: {error['field']}: {error['message']}", err=True)
        typer.echo(
            f"error: {len({e['row'] for e in report.errors})} of {len(rows.items)} rows are "
            "invalid; nothing was imported",
            err=True,
        )
        raise typer.Exit(1)
    if dry_run:
        _print({"valid": len(report.valid), "imported": 0, "dry_run": True})
        return

    async def work(db: Any) -> Any:
        organisation = await accounts.find_organisation(db, org)
        return await directory.import_services(
            db, _admin(organisation.id, "import-services"), report.valid
        )

    imported = _run(work)
    _print({"valid": len(report.valid), "imported": len(imported), "dry_run": False})


@app.command("seed-demo")
def seed_demo() -> None:
    """Fill a demo organisation with believable data (skipped when it already exists)."""
    from api import demo

    if get_settings().env == "production":
        typer.echo("error: seed-demo is for development databases only", err=True)
        raise typer.Exit(1)
    result = _run(demo.seed)
    _print(result)


@app.command("export-openapi")
def export_openapi(
    path: Annotated[Path, typer.Argument()] = Path("openapi/openapi.json"),
) -> None:
    """Write the OpenAPI document the app serves (commit it when the API changes)."""
    path.write_text(json.dumps(create_app().openapi(), indent=2, sort_keys=True) + "\n")
    typer.echo(f"wrote {path}", err=True)


@app.command("export-graphql")
def export_graphql(path: Annotated[Path, typer.Argument()] = SDL_PATH) -> None:
    """Write the GraphQL schema (SDL) the app serves (commit it when the schema changes)."""
    path.write_text(sdl())
    typer.echo(f"wrote {path}", err=True)
