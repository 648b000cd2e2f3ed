"""Root conftest: every suite gets the shared fixtures (real PostgreSQL and RabbitMQ)."""

pytest_plugins = ["taraba_testing.fixtures"]
