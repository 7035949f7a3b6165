"""The fgdm command: serve, migrate, create-user, demo, backup, restore, purge, legal-hold."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from sqlmodel import Session

from fgdm.accounts import service as accounts_service
from fgdm.accounts.models import StaffRole
from fgdm.config import ConfigError, Settings
from fgdm.db import make_engine
from fgdm.security.actor import Actor


def _fail(message: str) -> int:
    print(f"fgdm: {message}", file=sys.stderr)
    return 1


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    """Checks it is safe to start, then serves with uvicorn."""
    import uvicorn

    from fgdm import logs, migrations_check

    settings.check_safe_to_start()
    engine = make_engine(settings.database_url)
    try:
        migrations_check.require_current(engine, settings)
    finally:
        engine.dispose()
    settings.resolved_secret_key()  # creates the development key once, before workers fork
    uvicorn.run(
        "fgdm.main:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        proxy_headers=True,
        forwarded_allow_ips=args.forwarded_allow_ips,
        server_header=False,
        log_config=logs.log_config(),
        access_log=False,
    )
    return 0


def cmd_migrate(settings: Settings, _args: argparse.Namespace) -> int:
    """Brings the database up to the newest migration."""
    from fgdm import migrations_check

    migrations_check.upgrade(settings)
    print("fgdm: the database is up to date.")
    return 0


def _read_passphrase() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("Passphrase: ")
        second = getpass.getpass("Passphrase again: ")
        if first != second:
            raise ValueError("the two passphrases are not the same")
        return first
    return sys.stdin.readline().rstrip("\n")


def cmd_create_user(settings: Settings, args: argparse.Namespace) -> int:
    """Creates a staff account; the passphrase comes from standard input or a prompt."""
    from fgdm import migrations_check

    engine = make_engine(settings.database_url)
    migrations_check.require_current(engine, settings)
    try:
        passphrase = _read_passphrase()
    except ValueError as exc:
        return _fail(str(exc))
    actor = Actor(user=None, ip_address="cli", request_id="cli", settings=settings)
    with Session(engine) as session:
        team_id = None
        if args.team:
            team_id = accounts_service.get_or_create_team(session, name=args.team).id
        try:
            user = accounts_service.create_user(
                session,
                actor=actor,
                login=args.email,
                display_name=args.name,
                passphrase=passphrase,
                staff_role=StaffRole(args.role),
                team_id=team_id,
            )
        except accounts_service.AccountError as exc:
            return _fail(exc.message)
        session.commit()
        print(f"fgdm: created {user.staff_role.value} account {user.login}.")
    engine.dispose()
    return 0


def cmd_demo(settings: Settings, _args: argparse.Namespace) -> int:
    """Loads the fictional demo (once) and prints its sign-ins."""
    from fgdm import demo, migrations_check

    if settings.is_production:
        return _fail("demo data cannot be loaded in production (FGDM_ENV=production).")
    engine = make_engine(settings.database_url)
    migrations_check.require_current(engine, settings)
    with Session(engine) as session:
        created = demo.load(session, settings=settings)
        session.commit()
    engine.dispose()
    print("fgdm: demo data " + ("loaded." if created else "was already there; kept as it is."))
    print(demo.describe_logins())
    return 0


def cmd_backup(settings: Settings, args: argparse.Namespace) -> int:
    """Writes a consistent copy of the database to a new file."""
    from fgdm import backup

    try:
        path = backup.backup(settings, Path(args.path))
    except backup.BackupError as exc:
        return _fail(str(exc))
    print(f"fgdm: backup written to {path} (readable by its owner only).")
    return 0


def cmd_restore(settings: Settings, args: argparse.Namespace) -> int:
    """Restores a backup into the database DATABASE_URL names, then migrates it."""
    from fgdm import backup

    try:
        counts = backup.restore(settings, Path(args.path), replace=args.replace)
    except backup.BackupError as exc:
        return _fail(str(exc))
    rows = sum(c.rows for c in counts)
    audit = next((c.rows for c in counts if c.table == "audit_event"), 0)
    print(
        f"fgdm: restored {len(counts)} tables, {rows} rows "
        f"({audit} audit entries); the database is up to date."
    )
    return 0


def cmd_purge(settings: Settings, args: argparse.Namespace) -> int:
    """Erases what has been kept past its retention period (see docs/data.md)."""
    from fgdm import migrations_check, retention

    engine = make_engine(settings.database_url)
    migrations_check.require_current(engine, settings)
    with Session(engine) as session:
        report = retention.purge(session, settings=settings, dry_run=args.dry_run)
        if not args.dry_run:
            session.commit()
    engine.dispose()
    print("fgdm: " + ("would erase (dry run, nothing changed):" if args.dry_run else "erased:"))
    for line in report.lines():
        print("  " + line)
    return 0


def cmd_legal_hold(settings: Settings, args: argparse.Namespace) -> int:
    """Puts a family group on legal hold, or releases it."""
    from fgdm import migrations_check, retention

    engine = make_engine(settings.database_url)
    migrations_check.require_current(engine, settings)
    try:
        with Session(engine) as session:
            if args.release:
                retention.release_legal_hold(
                    session, settings=settings, family_group_id=args.family_group
                )
            else:
                retention.set_legal_hold(
                    session,
                    settings=settings,
                    family_group_id=args.family_group,
                    reason=args.reason,
                )
            session.commit()
    except retention.RetentionError as exc:
        return _fail(str(exc))
    finally:
        engine.dispose()
    state = "released from legal hold" if args.release else "on legal hold"
    print(f"fgdm: family group {args.family_group} is {state}.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fgdm", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the web app")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument(
        "--forwarded-allow-ips",
        default="127.0.0.1",
        help="proxies whose X-Forwarded-For is trusted (comma-separated)",
    )
    serve.set_defaults(func=cmd_serve)

    migrate = sub.add_parser("migrate", help="bring the database up to date")
    migrate.set_defaults(func=cmd_migrate)

    create = sub.add_parser("create-user", help="create a staff account")
    create.add_argument("email")
    create.add_argument("--role", required=True, choices=[r.value for r in StaffRole])
    create.add_argument("--name", required=True)
    create.add_argument("--team", default="", help="the team's name (created if new)")
    create.set_defaults(func=cmd_create_user)

    demo = sub.add_parser("demo", help="load fictional demo data (not in production)")
    demo.set_defaults(func=cmd_demo)

    backup = sub.add_parser("backup", help="write a consistent copy of the database to PATH")
    backup.add_argument("path")
    backup.set_defaults(func=cmd_backup)

    restore = sub.add_parser(
        "restore", help="restore a backup into the database DATABASE_URL names, then migrate"
    )
    restore.add_argument("path")
    restore.add_argument(
        "--replace",
        action="store_true",
        help="overwrite a database that already has tables (stop the app first)",
    )
    restore.set_defaults(func=cmd_restore)

    purge = sub.add_parser(
        "purge", help="erase what has been kept past its retention period (run daily)"
    )
    purge.add_argument("--dry-run", action="store_true", help="only say what would be erased")
    purge.set_defaults(func=cmd_purge)

    hold = sub.add_parser("legal-hold", help="keep a closed family group past its retention")
    hold.add_argument("family_group", type=int, help="the family group's number")
    group = hold.add_mutually_exclusive_group(required=True)
    group.add_argument("--reason", help="why it is held, for example the court case")
    group.add_argument("--release", action="store_true", help="end the hold")
    hold.set_defaults(func=cmd_legal_hold)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings()
        return args.func(settings, args)
    except ConfigError as exc:
        return _fail(str(exc))


if __name__ == "__main__":
    sys.exit(main())
