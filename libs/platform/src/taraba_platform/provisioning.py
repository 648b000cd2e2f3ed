"""Create the database, one login role and one schema per service, with strict ownership.

Each service's role owns its schema and nothing else; no other role gets USAGE on it, so a
query into another service's tables fails on permissions, not merely by convention.
"""

from __future__ import annotations

import contextlib
import tomllib
from dataclasses import dataclass
from pathlib import Path

import asyncpg


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    package: str
    schema: str
    port: int

    @property
    def role(self) -> str:
        return self.name.replace("-", "_")


def load_service_specs(path: Path) -> list[ServiceSpec]:
    """Read `deploy/services.toml`, the one list of services, ports and schemas."""
    data = tomllib.loads(path.read_text())
    return [ServiceSpec(**entry) for entry in data["service"]]


def _ident(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise ValueError(f"unsafe identifier {name!r}")
    return f'"{name}"'


async def provision(
    admin_dsn: str,
    database: str,
    services: list[ServiceSpec],
    passwords: dict[str, str] | None = None,
) -> None:
    """Idempotent: safe to run on every `make run` and by concurrent test workers."""
    passwords = passwords or {}
    admin = await asyncpg.connect(admin_dsn)
    try:
        if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database):
            with contextlib.suppress(asyncpg.DuplicateDatabaseError):
                await admin.execute(f"CREATE DATABASE {_ident(database)}")
        for spec in services:
            role = _ident(spec.role)
            # Another worker may create it at the same moment: that is fine.
            with contextlib.suppress(asyncpg.UniqueViolationError, asyncpg.DuplicateObjectError):
                await admin.execute(
                    f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = "
                    f"'{spec.role}') THEN CREATE ROLE {role} LOGIN; END IF; END $$"
                )
            password = passwords.get(spec.name)
            if password:
                await admin.execute(f"ALTER ROLE {role} PASSWORD '{password.replace(chr(39), '')}'")
    finally:
        await admin.close()

    db_dsn = admin_dsn.rsplit("/", 1)[0] + f"/{database}"
    conn = await asyncpg.connect(db_dsn)
    try:
        await conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        for spec in services:
            role, schema = _ident(spec.role), _ident(spec.schema)
            await conn.execute(f"GRANT CONNECT ON DATABASE {_ident(database)} TO {role}")
            await conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema} AUTHORIZATION {role}")
            await conn.execute(f"ALTER SCHEMA {schema} OWNER TO {role}")
            await conn.execute(f"REVOKE ALL ON SCHEMA {schema} FROM PUBLIC")
            await conn.execute(
                f"ALTER ROLE {role} IN DATABASE {_ident(database)} SET search_path = {schema}"
            )
    finally:
        await conn.close()
