"""Settings: environment variables configure a service, but never rename it."""

from __future__ import annotations

import pytest
from taraba_platform.settings import ServiceSettings


class ShopSettings(ServiceSettings):
    service_name: str = "shop-svc"
    db_schema: str = "shop"


def test_environment_cannot_change_a_services_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TARABA_SERVICE_NAME", "renamed")
    monkeypatch.setenv("TARABA_DB_SCHEMA", "elsewhere")
    monkeypatch.setenv("TARABA_DB_PASSWORD", "s3cret/with:odd@chars")
    settings = ShopSettings()
    assert (settings.service_name, settings.db_schema) == ("shop-svc", "shop")
    assert settings.sqlalchemy_url == (
        "postgresql+asyncpg://shop_svc:s3cret%2Fwith%3Aodd%40chars@127.0.0.1:5432/taraba"
    )


def test_tokens_are_checked_and_required_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    assert ShopSettings(auth_tokens="a:admin,b:warehouse").tokens() == {
        "a": "admin",
        "b": "warehouse",
    }
    with pytest.raises(ValueError, match="token:role"):
        ShopSettings(auth_tokens="a:boss").tokens()
    with pytest.raises(ValueError, match="production"):
        ShopSettings(environment="production", auth_tokens="").tokens()
    assert "dev-admin-token" in ShopSettings(environment="development").tokens()
