"""Helpers shared by emag-gateway's tests."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import FastAPI


async def cancel_pending_jobs(app: FastAPI) -> None:
    """Tests that run no jobs leave none queued for another test's job runner."""
    async with app.state.runtime.engine.begin() as conn:
        await conn.execute(
            sa.text("UPDATE emag_jobs SET status = 'cancelled' WHERE status = 'queued'")
        )
