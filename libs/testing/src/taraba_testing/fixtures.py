"""pytest fixtures, loaded by the root conftest.py (`pytest_plugins`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, TypeVar

import pytest
from taraba_platform.settings import ServiceSettings

from taraba_testing.helpers import TEST_TOKENS
from taraba_testing.infra import (
    RABBITMQ_URL,
    create_test_database,
    delete_namespace,
    drop_test_database,
    expire_idle_test_queues,
    new_namespace,
)

SettingsT = TypeVar("SettingsT", bound=ServiceSettings)
TEST_RETRY_DELAYS = [0.2, 0.4]


@pytest.fixture(scope="session")
def test_database() -> Iterator[str]:
    """A database provisioned and migrated for this test worker, dropped at the end."""
    expire_idle_test_queues()
    name = create_test_database()
    yield name
    drop_test_database(name)


@pytest.fixture
async def bus_namespace() -> AsyncIterator[str]:
    namespace = new_namespace()
    yield namespace
    from taraba_testing.infra import service_specs

    names = [spec.name for spec in service_specs()] + ["backbone-test"]
    await delete_namespace(namespace, names, TEST_RETRY_DELAYS)


@pytest.fixture
def make_settings(test_database: str, bus_namespace: str) -> Callable[..., Any]:
    """Build a service's settings pointed at the test database and this test's namespace."""

    def build(cls: type[SettingsT], **overrides: Any) -> SettingsT:
        values: dict[str, Any] = {
            "environment": "test",
            "db_name": test_database,
            "rabbitmq_url": RABBITMQ_URL,
            "bus_namespace": bus_namespace,
            "auth_tokens": TEST_TOKENS,
            "bus_retry_delays": TEST_RETRY_DELAYS,
            "bus_max_attempts": 3,
            "relay_poll_interval": 0.2,
            "relay_max_backoff": 0.5,
            "log_json": False,
            "db_pool_size": 3,
        }
        values.update(overrides)
        return cls(**values)

    return build
