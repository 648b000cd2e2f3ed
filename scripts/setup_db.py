"""Create the `taraba` database, each service's role and schema, and migrate every service.

Idempotent: `make run` runs it every time. The admin connection comes from
TARABA_DB_ADMIN_URL (default postgresql://postgres@127.0.0.1:5432/postgres).
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from taraba_platform.migrations import upgrade
from taraba_platform.provisioning import load_service_specs, provision

ROOT = Path(__file__).resolve().parents[1]


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
    except OSError as exc:
        print(f"cannot reach PostgreSQL at {admin_dsn}: {exc}", file=sys.stderr)
        return 1
    for spec in specs:
        url = f"postgresql+asyncpg://{spec.role}@{host}:{port}/{database}"
        upgrade(ROOT / "services" / spec.name, url)
        print(f"[db] {spec.name}: schema {spec.schema} migrated", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
