"""Fault injection per route (and optionally per account), set through /sandbox/faults."""

from __future__ import annotations

import itertools
import random
from typing import Literal

from pydantic import BaseModel, Field


class FaultSpec(BaseModel):
    """What to do to requests on `route` (e.g. "product_offer/read", "offer_stock", "*")."""

    route: str = Field(default="*", description='eMAG route name, or "*" for every route')
    account: str | None = Field(default=None, description="username; None = every account")
    latency_ms: float = Field(default=0.0, ge=0, description="added to every matching request")
    latency_jitter_ms: float = Field(default=0.0, ge=0)
    error_rate: float = Field(default=0.0, ge=0, le=1, description="share answered with 5xx")
    error_status: int = Field(default=500, ge=500, le=599)
    timeout_rate: float = Field(
        default=0.0, ge=0, le=1, description="share held for timeout_seconds, then 504"
    )
    timeout_seconds: float | None = Field(default=None, ge=0)
    rate_limit_burst: int = Field(
        default=0, ge=0, description="the next N matching requests get eMAG's 429"
    )
    rate_limit_rate: float = Field(default=0.0, ge=0, le=1, description="share answered 429")
    item_error_rate: float = Field(
        default=0.0, ge=0, le=1, description="per-item failure share in save routes"
    )
    item_error_ids: list[int] = Field(default_factory=list, description="ids that always fail")
    item_error_message: str = "An internal error occurred. Please try again later."
    bad_body: Literal["html", "empty"] | None = Field(
        default=None, description="answer 200 with an HTML page or an empty body instead of JSON"
    )
    bad_body_rate: float = Field(default=1.0, ge=0, le=1)
    remaining: int | None = Field(
        default=None, ge=1, description="apply to the next N matching requests only"
    )


class Fault(FaultSpec):
    id: int
    applied: int = 0


class FaultDecision(BaseModel):
    latency_s: float = 0.0
    status: int | None = None  # 5xx
    timeout_s: float | None = None
    rate_limited: bool = False
    bad_body: str | None = None
    item_error_rate: float = 0.0
    item_error_ids: list[int] = Field(default_factory=list)
    item_error_message: str = ""
    fault_ids: list[int] = Field(default_factory=list)


class FaultBook:
    def __init__(self, rng: random.Random, default_timeout_s: float) -> None:
        self.rng = rng
        self.default_timeout_s = default_timeout_s
        self.faults: dict[int, Fault] = {}
        self._ids = itertools.count(1)

    def add(self, spec: FaultSpec) -> Fault:
        fault = Fault(id=next(self._ids), **spec.model_dump())
        self.faults[fault.id] = fault
        return fault

    def remove(self, fault_id: int) -> bool:
        return self.faults.pop(fault_id, None) is not None

    def clear(self, route: str | None = None, account: str | None = None) -> int:
        doomed = [
            f.id
            for f in self.faults.values()
            if (route is None or f.route == route) and (account is None or f.account == account)
        ]
        for fault_id in doomed:
            del self.faults[fault_id]
        return len(doomed)

    def decide(self, route: str, account: str | None) -> FaultDecision:
        decision = FaultDecision()
        if not self.faults:
            return decision
        for fault in list(self.faults.values()):
            if fault.route not in ("*", route):
                continue
            if fault.account is not None and fault.account != account:
                continue
            fault.applied += 1
            decision.fault_ids.append(fault.id)
            if fault.remaining is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    del self.faults[fault.id]
            decision.latency_s += (
                fault.latency_ms + self.rng.uniform(0, fault.latency_jitter_ms)
            ) / 1000.0
            if fault.rate_limit_burst > 0:
                fault.rate_limit_burst -= 1
                decision.rate_limited = True
            elif fault.rate_limit_rate and self.rng.random() < fault.rate_limit_rate:
                decision.rate_limited = True
            if fault.timeout_rate and self.rng.random() < fault.timeout_rate:
                timeout = fault.timeout_seconds
                decision.timeout_s = self.default_timeout_s if timeout is None else timeout
            if fault.error_rate and self.rng.random() < fault.error_rate:
                decision.status = fault.error_status
            if fault.bad_body and self.rng.random() < fault.bad_body_rate:
                decision.bad_body = fault.bad_body
            if fault.item_error_rate or fault.item_error_ids:
                decision.item_error_rate = max(decision.item_error_rate, fault.item_error_rate)
                decision.item_error_ids.extend(fault.item_error_ids)
                decision.item_error_message = fault.item_error_message
        return decision
