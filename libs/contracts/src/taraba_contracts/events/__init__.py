"""Event contracts, one module per bounded context. Importing registers them."""

from taraba_contracts.events import stock

__all__ = ["stock"]
