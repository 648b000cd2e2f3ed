"""Alembic plumbing shared by every service's `migrations/env.py`, and a programmatic runner.

Migrations are their own step (`make migrate`, the compose `migrate` job), never run at service
start. Each service keeps its `alembic_version` in its own schema, so services migrate in any
order and independently.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command, context
from alembic.config import Config
from sqlalchemy.ext.asyncio import create_async_engine


def run_env(schema: str, target_metadata: sa.MetaData | None = None) -> None:
    """The body of a service's env.py: online migrations over asyncpg into `schema`."""
    config = context.config
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("sqlalchemy.url is not set; run migrations through taraba-migrate")

    def do_run(connection: sa.Connection) -> None:
        # The schema exists already: provisioning creates it, owned by the service's role.
        connection.execute(sa.text(f'SET search_path TO "{schema}"'))
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            version_table_schema=schema,
            include_schemas=False,
            transaction_per_migration=True,
        )
        with context.begin_transaction():
            context.run_migrations()

    async def run_async() -> None:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as connection:
                await connection.run_sync(do_run)
                await connection.commit()
        finally:
            await engine.dispose()

    asyncio.run(run_async())


def upgrade(service_dir: Path | str, url: str, revision: str = "head") -> None:
    """Run `alembic upgrade` for the service in `service_dir` (where its alembic.ini is).

    Call it from a thread when an event loop is already running: env.py runs its own loop.
    """
    service_dir = Path(service_dir)
    cfg = Config(str(service_dir / "alembic.ini"))
    cfg.set_main_option("script_location", str(service_dir / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url)
    cfg.attributes["configure_logger"] = False
    command.upgrade(cfg, revision)


def main(argv: list[str] | None = None) -> int:
    """`taraba-migrate SERVICE_DIR [URL]`: upgrade one service's schema to head."""
    import argparse

    parser = argparse.ArgumentParser(prog="taraba-migrate")
    parser.add_argument("service_dir", help="e.g. services/stock-svc")
    parser.add_argument("--url", help="defaults to the service's own role and database")
    parser.add_argument("--revision", default="head")
    args = parser.parse_args(argv)
    url = args.url or _default_url(Path(args.service_dir))
    upgrade(args.service_dir, url, args.revision)
    return 0


def _default_url(service_dir: Path) -> str:
    from taraba_platform.settings import ServiceSettings

    name = service_dir.resolve().name
    settings: Any = ServiceSettings(service_name=name)
    return str(settings.sqlalchemy_url)
