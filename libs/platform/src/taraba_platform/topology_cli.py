"""`taraba-declare-queues`: declare each consuming service's queues and bindings.

A deployment step (run with the migrations), so events published before a consumer first
starts wait in its queue instead of landing in `taraba.unrouted`:

    taraba-declare-queues emag-gateway=emag_gateway stock-svc=stock_svc ...

A service is named with its Python package; one whose package has no `consumers.SUBSCRIPTIONS`
consumes nothing and gets no queue. Broker settings come from the TARABA_* variables.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys
from typing import Any

from taraba_platform.bus import Bus
from taraba_platform.consumer import Consumer
from taraba_platform.settings import ServiceSettings


async def declare_service_queues(
    services: list[tuple[str, str]], settings: ServiceSettings | None = None
) -> list[str]:
    """Declare the queues of every (service name, package) that subscribes to something."""
    settings = settings or ServiceSettings()
    bus = Bus(
        settings.rabbitmq_url,
        namespace=settings.bus_namespace,
        connection_name="taraba-declare-queues",
    )
    await bus.connect()
    declared: list[str] = []
    try:
        for name, package in services:
            try:
                module = importlib.import_module(f"{package}.consumers")
            except ModuleNotFoundError as exc:
                if exc.name != f"{package}.consumers":
                    raise
                continue
            subscriptions: list[Any] = module.SUBSCRIPTIONS
            consumer = Consumer(
                bus=bus,
                service=name,
                schema="",
                session_factory=None,  # type: ignore[arg-type]
                subscriptions=subscriptions,
                retry_delays=settings.bus_retry_delays,
                delivery_limit=settings.bus_delivery_limit,
            )
            await consumer.declare_only()
            declared.append(name)
    finally:
        await bus.close()
    return declared


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="taraba-declare-queues",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("services", nargs="+", metavar="NAME=PACKAGE")
    args = parser.parse_args(argv)
    pairs: list[tuple[str, str]] = []
    for item in args.services:
        name, sep, package = item.partition("=")
        if not sep or not name or not package:
            parser.error(f"{item!r} is not NAME=PACKAGE")
        pairs.append((name, package))
    declared = asyncio.run(declare_service_queues(pairs))
    print(f"queues declared for: {', '.join(declared) or 'none'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
