"""Building an eMAG client for a stored account, and checking its connection."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from emag_gateway.crypto import CredentialsCipher
from emag_gateway.emag.client import EmagClient, base_url_for
from emag_gateway.emag.models import ConnectionCheck


def platform_url(platform: str) -> str:
    return base_url_for(platform)


def client_for(app: FastAPI, account: Any) -> EmagClient:
    """A client for `account` (a row of emag_accounts), sharing the app's HTTP pool, rate
    limiter registry and call journal."""
    cipher: CredentialsCipher = app.state.credentials_cipher
    return EmagClient(
        str(account.base_url or platform_url(account.platform)),
        cipher.decrypt(account.username_encrypted),
        cipher.decrypt(account.password_encrypted),
        account_key=str(account.id),
        platform=account.platform,
        recorder=app.state.call_recorder,
        http=app.state.emag_http,
    )


async def check_account_connection(app: FastAPI, account: Any) -> ConnectionCheck:
    """vat/read with the account's credentials; the result explains a failure."""
    return await client_for(app, account).check_connection()


__all__ = ["ConnectionCheck", "check_account_connection", "client_for", "platform_url"]
