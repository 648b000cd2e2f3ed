"""Sandbox settings, read from ``EMAG_SANDBOX_*`` environment variables.

Every field can be set as ``EMAG_SANDBOX_<FIELD_NAME_UPPERCASE>``; booleans accept
``1/0/true/false/yes/no/on/off``. Where emag-api.md marks a fact as uncertain, the choice is a
setting here (see the README, "Choices where emag-api.md is uncertain").
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, Field

ENV_PREFIX = "EMAG_SANDBOX_"


class SandboxSettings(BaseModel):
    """Everything that can be tuned. The defaults are eMAG's documented behaviour."""

    # --- admin API -------------------------------------------------------------------------
    admin_token: str | None = Field(
        default=None,
        description="If set, /sandbox/* requires the header `X-Sandbox-Token: <token>`.",
    )

    # --- demo account created at startup (for `make run`) ---------------------------------
    seed_demo: bool = False
    demo_username: str = "taraba-demo"
    demo_password: str = "taraba-demo-pass"
    demo_platform: Literal["RO", "BG", "HU"] = "RO"
    demo_vendor_name: str = "Taraba Demo SRL"
    demo_seed: int = 42
    demo_offers: int = 300
    demo_orders: int = 0
    demo_new_order_callback_url: str | None = None
    demo_cancellation_callback_url: str | None = None

    # --- rate limits (per account, sliding windows) ---------------------------------------
    rate_limits_enabled: bool = True
    rate_limit_window_seconds: float = Field(
        default=1.0,
        description="Length of the short sliding window. The limit inside it is "
        "per_second x window (1.0 -> 3 and 12; 3.0 -> 9 and 36).",
    )
    rate_limit_orders_per_second: float = 12.0
    rate_limit_orders_per_minute: int = 720
    rate_limit_other_per_second: float = 3.0
    rate_limit_other_per_minute: int = 180
    rate_limit_eans_per_second: float = 5.0
    rate_limit_eans_per_minute: int = 200
    rate_limit_eans_per_day: int = 5000
    rate_limit_send_retry_after: bool = Field(
        default=False, description="Add a Retry-After header to 429s (eMAG does not document one)."
    )

    # --- envelope / protocol choices -------------------------------------------------------
    max_items_per_page: int = 100
    max_items_per_save: int = 50
    max_input_vars: int = 4000
    max_eans_per_call: int = 100
    read_filters_in_data: Literal["ignore", "unwrap"] = Field(
        default="ignore",
        description="JSON reads whose filters are wrapped in {'data': {...}}: 'ignore' (the "
        "4.5.1 OpenAPI behaviour: the wrapped filters are ignored) or 'unwrap'.",
    )
    auth_failure_status: int = 401
    ip_failure_status: int = 200
    ack_error_status: int = 400
    vat_format: Literal["vat_id", "id_value"] = "vat_id"
    handling_time_max_days: int = 30

    # --- product validation lifecycle ---------------------------------------------------------
    validation_delay_seconds: float = Field(
        default=30.0, description="New product documentation: 1 (in validation) -> 9 after this."
    )
    auto_approve: bool = True

    # --- orders / stock -------------------------------------------------------------------
    stock_decrement_on: Literal["placement", "acknowledge"] = "placement"
    restore_stock_on_cancel: bool = True
    finalized_change_window_hours: float = 48.0
    return_window_days: int = 14

    # --- callbacks ----------------------------------------------------------------------------
    callback_interval_seconds: float = 5.0
    callback_tick_seconds: float = 0.5
    callback_timeout_seconds: float = 5.0
    callback_max_attempts: int = Field(default=0, description="0 = repeat until acknowledged")
    callback_jitter_seconds: float = 0.0
    callback_duplicate_rate: float = 0.0
    cancellation_callback_max_attempts: int = 5
    cancellation_callback_on_seller_cancel: bool = False

    # --- attachments ---------------------------------------------------------------------------
    attachment_download_inline: bool = Field(
        default=False,
        description="Download attachment PDFs inside the order/attachments/save call "
        "(True) or in the background right after it (False).",
    )
    attachment_timeout_seconds: float = 10.0
    attachment_max_bytes: int = 10 * 1024 * 1024

    # --- faults / logging -----------------------------------------------------------------
    fault_seed: int = 1234
    fault_timeout_seconds: float = 60.0
    request_log_size: int = 20000
    request_log_body_chars: int = 8000

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SandboxSettings:
        """Build settings from ``EMAG_SANDBOX_*`` variables (unknown ones are ignored)."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for name, field in cls.model_fields.items():
            raw = env.get(ENV_PREFIX + name.upper())
            if raw is None:
                continue
            if field.annotation is bool:
                values[name] = raw.strip().lower() in {"1", "true", "yes", "on"}
            elif raw == "" and name.endswith(("_url", "_token")):
                values[name] = None
            else:
                values[name] = raw
        return cls.model_validate(values)
