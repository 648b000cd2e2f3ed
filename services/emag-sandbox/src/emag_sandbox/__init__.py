"""eMAG Marketplace API sandbox: an independent, stateful stand-in for api-3."""
