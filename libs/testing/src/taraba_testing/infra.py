"""Real PostgreSQL and RabbitMQ for tests: a fresh database per run, a namespace per test."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import uuid

import aio_pika
import asyncpg
from taraba_platform.bus import Topology
from taraba_platform.migrations import upgrade
from taraba_platform.provisioning import ServiceSpec, load_service_specs, provision

from taraba_testing.helpers import repo_root

# The same variable as `make run` uses (TARABA_DB_ADMIN_URL); TARABA_TEST_ADMIN_DSN overrides it.
ADMIN_DSN = os.environ.get("TARABA_TEST_ADMIN_DSN") or os.environ.get(
    "TARABA_DB_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
RABBITMQ_URL = os.environ.get("TARABA_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/")
TEST_NAMESPACE_PREFIX = "t-"


def service_specs() -> list[ServiceSpec]:
    return load_service_specs(repo_root() / "deploy" / "services.toml")


def db_url(database: str, role: str) -> str:
    host = ADMIN_DSN.split("@", 1)[1].rsplit("/", 1)[0]
    return f"postgresql+asyncpg://{role}@{host}/{database}"


def create_test_database() -> str:
    """Provision a new database with every service's role and schema, migrated to head."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"taraba_test_{worker}_{uuid.uuid4().hex[:8]}"
    specs = service_specs()
    asyncio.run(provision(ADMIN_DSN, name, specs))
    for spec in specs:
        upgrade(repo_root() / "services" / spec.name, db_url(name, spec.role))
    return name


def drop_test_database(name: str) -> None:
    async def drop() -> None:
        conn = await asyncpg.connect(ADMIN_DSN)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    asyncio.run(drop())


def expire_idle_test_queues() -> None:
    """Best effort: a policy that removes test queues left idle (a crashed run's leftovers)."""
    ctl = shutil.which("rabbitmqctl")
    if ctl is None:
        return
    subprocess.run(
        [
            ctl,
            "set_policy",
            "--apply-to",
            "queues",
            "taraba-test-expiry",
            f"^{TEST_NAMESPACE_PREFIX}",
            '{"expires": 900000}',
        ],
        capture_output=True,
        timeout=30,
        check=False,
    )


def new_namespace() -> str:
    return f"{TEST_NAMESPACE_PREFIX}{uuid.uuid4().hex[:10]}."


async def delete_namespace(namespace: str, services: list[str], retry_delays: list[float]) -> None:
    """Delete what a test declared in its namespace (queues of `services`, the exchanges)."""
    topo = Topology(namespace)
    try:
        connection = await aio_pika.connect(RABBITMQ_URL, timeout=5)
    except Exception:
        return
    try:
        names = [topo.unrouted_queue]
        for service in services:
            names += [topo.service_queue(service), topo.dead_letter_queue(service)]
            names += [topo.retry_queue(service, delay) for delay in retry_delays]
        for name in names:
            channel = await connection.channel()
            with contextlib.suppress(Exception):
                await channel.queue_delete(name)
            if not channel.is_closed:
                await channel.close()
        for exchange in (topo.events_exchange, topo.unrouted_exchange, topo.dead_letter_exchange):
            channel = await connection.channel()
            with contextlib.suppress(Exception):
                await channel.exchange_delete(exchange)
            if not channel.is_closed:
                await channel.close()
    finally:
        await connection.close()
