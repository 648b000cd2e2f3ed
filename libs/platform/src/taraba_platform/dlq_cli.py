"""`taraba-dlq`: list and replay a service's dead-lettered messages.

    taraba-dlq queues                                   # every service's dead-letter count
    taraba-dlq list stock-svc
    taraba-dlq replay stock-svc --message-id <id>      # or --all

Replay puts the message back on the service's own queue only (never the topic exchange, which
would hand a copy to every other subscriber again), with its attempt count reset.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aio_pika.abc import AbstractIncomingMessage

from taraba_platform.bus import ATTEMPT_HEADER, ERROR_HEADER, Bus


@dataclass(frozen=True)
class DeadLetter:
    message_id: str | None
    type: str | None
    error: str | None
    dead_lettered_at: str | None
    body: str


def _describe(message: AbstractIncomingMessage) -> DeadLetter:
    headers = message.headers or {}

    def text(key: str) -> str | None:
        value = headers.get(key)
        if isinstance(value, bytes):
            return value.decode(errors="replace")
        return None if value is None else str(value)

    error = text(ERROR_HEADER)
    if error is None:  # dead-lettered by the broker itself (delivery limit, overflow)
        reason = text("x-first-death-reason")
        error = f"broker: {reason}" if reason else None
    return DeadLetter(
        message_id=message.message_id,
        type=message.type,
        error=error,
        dead_lettered_at=text("x-taraba-dead-lettered-at"),
        body=message.body.decode(errors="replace"),
    )


async def list_dead_letters(bus: Bus, service: str) -> list[DeadLetter]:
    """Read every dead letter without removing any (they return to the queue on close)."""
    assert bus.connection is not None
    channel = await bus.connection.channel()
    try:
        queue = await channel.declare_queue(bus.topology.dead_letter_queue(service), durable=True)
        found: list[DeadLetter] = []
        while (message := await queue.get(no_ack=False, fail=False, timeout=5)) is not None:
            found.append(_describe(message))
        return found
    finally:
        await channel.close()


async def count_dead_letters(bus: Bus, services: list[str]) -> dict[str, int | None]:
    """Messages waiting in each service's dead-letter queue (None: the queue does not exist,
    i.e. the service consumes nothing)."""
    assert bus.connection is not None
    counts: dict[str, int | None] = {}
    for service in services:
        channel = await bus.connection.channel()
        try:
            queue = await channel.declare_queue(
                bus.topology.dead_letter_queue(service), passive=True
            )
            counts[service] = queue.declaration_result.message_count
        except Exception:
            counts[service] = None
        finally:
            if not channel.is_closed:
                await channel.close()
    return counts


def _known_services() -> list[str]:
    """Service names from deploy/services.toml when run inside the repository."""
    for folder in (Path.cwd(), *Path.cwd().parents):
        listing = folder / "deploy" / "services.toml"
        if listing.exists():
            return [entry["name"] for entry in tomllib.loads(listing.read_text())["service"]]
    return []


async def replay_dead_letters(bus: Bus, service: str, message_id: str | None) -> int:
    """Move the dead letter with `message_id` (or all when None) back to the service's queue."""
    assert bus.connection is not None
    channel = await bus.connection.channel()
    replayed = 0
    try:
        queue = await channel.declare_queue(bus.topology.dead_letter_queue(service), durable=True)
        # Each message once per run: one that fails again and comes back is left for the
        # next run, instead of looping while the consumer keeps dead-lettering it.
        seen: set[str] = set()
        while (message := await queue.get(no_ack=False, fail=False, timeout=5)) is not None:
            identity = message.message_id or hashlib.sha256(message.body).hexdigest()
            if identity in seen:
                break
            seen.add(identity)
            if message_id is not None and message.message_id != message_id:
                continue  # left unacked: back in the queue when the channel closes
            headers: dict[str, Any] = dict(message.headers or {})
            headers[ATTEMPT_HEADER] = 0
            headers.pop(ERROR_HEADER, None)
            await bus.publish_to_queue(
                bus.topology.service_queue(service),
                message.body,
                headers=headers,
                properties={
                    "message_id": message.message_id,
                    "type": message.type,
                    "correlation_id": message.correlation_id,
                    "app_id": message.app_id,
                    "timestamp": message.timestamp,
                },
            )
            await message.ack()
            replayed += 1
    finally:
        await channel.close()
    return replayed


async def _main(args: argparse.Namespace) -> int:
    bus = Bus(args.rabbitmq_url, namespace=args.namespace, connection_name="taraba-dlq")
    await bus.connect()
    try:
        if args.command == "queues":
            services = args.services or _known_services()
            if not services:
                print("name the services (none found in deploy/services.toml)", file=sys.stderr)
                return 2
            for service, count in (await count_dead_letters(bus, services)).items():
                shown = "no queue (consumes nothing)" if count is None else str(count)
                print(f"{bus.topology.dead_letter_queue(service)}\t{shown}")
            return 0
        if args.command == "list":
            letters = await list_dead_letters(bus, args.service)
            for letter in letters:
                print(json.dumps(letter.__dict__, ensure_ascii=False))
            print(
                f"{len(letters)} dead letter(s) in {bus.topology.dead_letter_queue(args.service)}",
                file=sys.stderr,
            )
            return 0
        if args.message_id is None and not args.all:
            print("replay needs --message-id ID or --all", file=sys.stderr)
            return 2
        count = await replay_dead_letters(bus, args.service, args.message_id)
        print(
            f"replayed {count} message(s) to {bus.topology.service_queue(args.service)}",
            file=sys.stderr,
        )
        return 0 if count or args.all else 1
    finally:
        await bus.close()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="taraba-dlq", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--rabbitmq-url",
        default=os.environ.get("TARABA_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/"),
    )
    parser.add_argument("--namespace", default=os.environ.get("TARABA_BUS_NAMESPACE", ""))
    sub = parser.add_subparsers(dest="command", required=True)
    queues = sub.add_parser("queues", help="count each service's dead letters")
    queues.add_argument("services", nargs="*", help="default: every service in the repository")
    list_cmd = sub.add_parser("list", help="print each dead letter as a JSON line")
    list_cmd.add_argument("service")
    replay = sub.add_parser("replay", help="put dead letters back on the service's queue")
    replay.add_argument("service")
    replay.add_argument("--message-id")
    replay.add_argument("--all", action="store_true")
    return parser


def main(argv: list[str] | None = None) -> int:
    return asyncio.run(_main(build_parser().parse_args(argv)))


if __name__ == "__main__":
    raise SystemExit(main())
