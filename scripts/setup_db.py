"""Prepare the infrastructure for every service, idempotently (`make migrate`, `make run`):

1. the `taraba` database, each service's role and schema, then each service's migrations;
2. on RabbitMQ, each consuming service's queues and bindings, so that events published before
   a consumer first starts wait in its queue instead of landing in `taraba.unrouted`.

The admin connection comes from TARABA_DB_ADMIN_URL (default
postgresql://postgres@127.0.0.1:5432/postgres).
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import asyncpg
from taraba_platform.migrations import upgrade
from taraba_platform.provisioning import load_service_specs, provision
from taraba_platform.topology_cli import declare_service_queues

ROOT = Path(__file__).resolve().parents[1]


def say(text: str) -> None:
    print(f"[setup] {text}", file=sys.stderr)


def main() -> int:
    admin_dsn = os.environ.get(
        "TARABA_DB_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
    )
    database = os.environ.get("TARABA_DB_NAME", "taraba")
    host = os.environ.get("TARABA_DB_HOST", "127.0.0.1")
    port = os.environ.get("TARABA_DB_PORT", "5432")
    specs = load_service_specs(ROOT / "deploy" / "services.toml")
    try:
        asyncio.run(provision(admin_dsn, database, specs))
    except (
        OSError,
        asyncpg.InvalidPasswordError,
        asyncpg.InvalidAuthorizationSpecificationError,
    ) as exc:
        say(f"cannot log in to PostgreSQL as {admin_dsn}: {exc}")
        say(
            "Taraba's local setup expects trusted logins on 127.0.0.1 (scripts/infra.sh sets "
            "that up when it installs PostgreSQL), or set TARABA_DB_ADMIN_URL with a password."
        )
        return 1
    for spec in specs:
        url = f"postgresql+asyncpg://{spec.role}@{host}:{port}/{database}"
        upgrade(ROOT / "services" / spec.name, url)
        say(f"{spec.name}: schema {spec.schema} migrated")
    declared = asyncio.run(declare_service_queues([(s.name, s.package) for s in specs]))
    say(f"queues and bindings declared for: {', '.join(declared) or 'none'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
