"""Event contracts, one module per bounded context. Importing registers them."""

from taraba_contracts.events import catalog, stock

__all__ = ["catalog", "stock"]
