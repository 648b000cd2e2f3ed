# Taraba: `make run` starts everything on this machine, `make test` runs the whole suite.
SHELL := /bin/bash
UV ?= $(shell command -v uv 2>/dev/null || echo python3 -m uv)
PYTEST_WORKERS ?= 2

-include .env
export

.PHONY: help uv install infra db migrate run test test-unit lint typecheck bench clean

help:
	@echo "make run    install, start PostgreSQL+RabbitMQ if needed, migrate, run all services"
	@echo "make test   the whole test suite against the real PostgreSQL and RabbitMQ"
	@echo "make bench  benchmarks: backbone, eMAG client, sandbox, first sync + import, catalog bulk"
	@echo "make lint   ruff and mypy"

uv:
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet uv 2>/dev/null || \
		python3 -m pip install --quiet --user --break-system-packages uv

install: uv
	$(UV) sync --all-packages --frozen

infra:
	bash scripts/infra.sh up

# Database, roles and schemas (idempotent), then every service's migrations.
db migrate: install infra
	$(UV) run --no-sync python scripts/setup_db.py

run: db
	$(UV) run --no-sync honcho start -f Procfile

# Timing tests (rate limits) first and alone: on two cores the parallel suite would starve the
# sandbox process and blur what they measure. Then everything else in parallel.
test: install infra
	$(UV) run --no-sync pytest -q -m serial
	$(UV) run --no-sync pytest -n $(PYTEST_WORKERS) --dist loadfile -q -m "not serial"

test-unit: install
	$(UV) run --no-sync pytest -q -m "not integration and not e2e" libs/contracts services/stock-svc/tests/test_domain.py services/catalog-svc/tests/test_domain.py services/catalog-svc/tests/test_matching.py services/emag-gateway/tests/test_import_item.py services/emag-gateway/tests/test_emag_client.py services/emag-gateway/tests/test_emag_parsing.py services/emag-gateway/tests/test_emag_ratelimit.py

lint: install
	$(UV) run --no-sync ruff check .
	$(UV) run --no-sync ruff format --check .
	$(UV) run --no-sync mypy -p taraba_contracts -p taraba_platform -p taraba_testing -p catalog_svc -p stock_svc -p order_svc -p emag_gateway -p invoice_svc -p picking_svc -p emag_sandbox

bench: install infra
	$(UV) run --no-sync python bench/backbone_bench.py
	$(UV) run --no-sync python bench/emag_client_bench.py
	$(UV) run --no-sync python bench/sandbox_capacity.py --seconds 8
	$(UV) run --no-sync python bench/first_sync_bench.py --offers 10000
	$(UV) run --no-sync python bench/catalog_bulk_bench.py --products 20000

clean:
	rm -rf .venv .pytest_cache .mypy_cache .ruff_cache
