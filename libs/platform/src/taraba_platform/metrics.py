"""Prometheus metrics, one registry per app so several apps can live in one test process."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class ServiceMetrics:
    def __init__(self, service: str) -> None:
        self.registry = CollectorRegistry()
        labels = {"service": service}
        self.http_requests = Counter(
            "taraba_http_requests_total",
            "HTTP requests served",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.http_latency = Histogram(
            "taraba_http_request_duration_seconds",
            "HTTP request latency",
            ["method", "route"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
        )
        self.outbox_backlog = Gauge(
            "taraba_outbox_backlog",
            "Unpublished outbox rows",
            ["service"],
            registry=self.registry,
        ).labels(**labels)
        self.outbox_oldest_age = Gauge(
            "taraba_outbox_oldest_unpublished_age_seconds",
            "Age of the oldest unpublished outbox row (alert when it grows)",
            ["service"],
            registry=self.registry,
        ).labels(**labels)
        self.outbox_published = Counter(
            "taraba_outbox_published_total",
            "Outbox rows published and confirmed",
            ["service"],
            registry=self.registry,
        ).labels(**labels)
        self.outbox_publish_failures = Counter(
            "taraba_outbox_publish_failures_total",
            "Outbox publish attempts that failed",
            ["service"],
            registry=self.registry,
        ).labels(**labels)
        self.messages = Counter(
            "taraba_messages_consumed_total",
            "Messages consumed, by outcome",
            ["service", "event", "outcome"],
            registry=self.registry,
        )
        self.handler_latency = Histogram(
            "taraba_message_handler_duration_seconds",
            "Message handler duration",
            ["service", "event"],
            registry=self.registry,
        )
        self.service = service
