# syntax=docker/dockerfile:1.7
#
# One image recipe for every Taraba service (deploy/services.toml lists them) and for the
# eMAG sandbox (services/emag-sandbox: no database, no broker; compose only, never production):
#
#   docker build -f deploy/docker/service.Dockerfile \
#       --build-arg SERVICE=stock-svc --build-arg PACKAGE=stock_svc --build-arg PORT=8002 \
#       -t taraba/stock-svc .
#   docker build -f deploy/docker/service.Dockerfile \
#       --build-arg SERVICE=emag-sandbox --build-arg PACKAGE=emag_sandbox --build-arg PORT=8010 \
#       --build-arg HEALTH_PATH=/sandbox/health -t taraba/emag-sandbox .
#
# The default target (`runtime`) holds one service: its virtualenv (the service, its
# dependencies and the libs it uses, installed non-editable) and, if it has them, its
# alembic.ini + migrations/, so the same image also migrates its own schema:
#
#   docker run --rm taraba/stock-svc taraba-migrate /app/services/stock-svc \
#       --url postgresql+asyncpg://stock_svc:PASSWORD@postgres:5432/taraba
#
# The `migrate` target holds every service of deploy/services.toml (each env.py imports its
# service's models, so a single-service image cannot migrate the others) and that file, as
# /app/deploy/services.toml; compose's `migrate` job and the Kubernetes migration Job use it to
# run `taraba-migrate` for each service, then `taraba-declare-queues` (which imports each
# service's `consumers` module):
#
#   docker build -f deploy/docker/service.Dockerfile --target migrate -t taraba/migrate .
#
# The build context is the repository root. BuildKit is required (cache mounts); docker
# compose v2 and `docker buildx build` use it by default.

ARG PYTHON_IMAGE=python:3.11-slim
ARG UV_VERSION=0.13.9

FROM ghcr.io/astral-sh/uv:${UV_VERSION} AS uv

# ---------------------------------------------------------------------------------------------
# builder base: Python + uv, settings shared by the build stages
# ---------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS build-base
COPY --from=uv /uv /uvx /usr/local/bin/
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=/usr/local/bin/python3.11 \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /src
# Only what uv needs to resolve the workspace: the lock and every member's pyproject.toml
# (uv refuses a workspace with a member missing, even one it will not install): a new member of
# libs/ or services/ needs its line here.
COPY pyproject.toml uv.lock ./
COPY libs/contracts/pyproject.toml libs/contracts/pyproject.toml
COPY libs/platform/pyproject.toml libs/platform/pyproject.toml
COPY libs/testing/pyproject.toml libs/testing/pyproject.toml
COPY services/catalog-svc/pyproject.toml services/catalog-svc/pyproject.toml
COPY services/stock-svc/pyproject.toml services/stock-svc/pyproject.toml
COPY services/order-svc/pyproject.toml services/order-svc/pyproject.toml
COPY services/emag-gateway/pyproject.toml services/emag-gateway/pyproject.toml
COPY services/invoice-svc/pyproject.toml services/invoice-svc/pyproject.toml
COPY services/picking-svc/pyproject.toml services/picking-svc/pyproject.toml
COPY services/emag-sandbox/pyproject.toml services/emag-sandbox/pyproject.toml

# ---------------------------------------------------------------------------------------------
# builder: one service's virtualenv in /app/.venv
# ---------------------------------------------------------------------------------------------
FROM build-base AS builder
ARG SERVICE=stock-svc
# Third-party dependencies only: this layer changes only when uv.lock or a pyproject does.
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-workspace --package "${SERVICE}"
# Then the code: the libs and this one service, installed into the venv (not editable, so the
# runtime stage needs the venv only).
COPY libs/ libs/
COPY services/${SERVICE}/ services/${SERVICE}/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable --package "${SERVICE}"
# The service's migrations, if it has a schema (the sandbox has none): alembic.ini and
# migrations/ go together, so one without the other fails the build.
RUN mkdir -p "/app/services/${SERVICE}" \
 && if [ -e "services/${SERVICE}/alembic.ini" ] || [ -e "services/${SERVICE}/migrations" ]; then \
        cp -r "services/${SERVICE}/alembic.ini" "services/${SERVICE}/migrations" \
            "/app/services/${SERVICE}/"; \
    fi

# ---------------------------------------------------------------------------------------------
# migrate-builder: every service's virtualenv, for the migration job
# ---------------------------------------------------------------------------------------------
FROM build-base AS migrate-builder
COPY deploy/services.toml deploy/services.toml
# "--package catalog-svc --package stock-svc ...", and the names alone, from deploy/services.toml.
RUN python -c "import tomllib; print(' '.join(s['name'] for s in tomllib.load(open('deploy/services.toml', 'rb'))['service']))" > /tmp/services \
 && sed 's/[^ ][^ ]*/--package &/g' /tmp/services > /tmp/package-args
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-workspace $(cat /tmp/package-args)
COPY libs/ libs/
COPY services/ services/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable $(cat /tmp/package-args) \
 && mkdir -p /app/services /app/deploy \
 && cp deploy/services.toml /app/deploy/services.toml \
 && for name in $(cat /tmp/services); do \
        mkdir -p "/app/services/$name"; \
        cp -r "services/$name/alembic.ini" "services/$name/migrations" "/app/services/$name/"; \
    done \
 && find /app/services -name __pycache__ -prune -exec rm -rf {} +

# ---------------------------------------------------------------------------------------------
# runtime base: slim Python, a non-root user, no build tools
# ---------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime-base
RUN groupadd --system --gid 10001 taraba \
 && useradd --system --uid 10001 --gid taraba --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin taraba
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
WORKDIR /app

# ---------------------------------------------------------------------------------------------
# migrate: `taraba-migrate /app/services/<name> --url ...` for any service of services.toml,
# and `taraba-declare-queues NAME=PACKAGE ...`
# ---------------------------------------------------------------------------------------------
FROM runtime-base AS migrate
COPY --from=migrate-builder --chown=root:root /app /app
USER taraba:taraba
CMD ["taraba-migrate", "--help"]

# ---------------------------------------------------------------------------------------------
# runtime (default target): one service
# ---------------------------------------------------------------------------------------------
FROM runtime-base AS runtime
ARG SERVICE=stock-svc
ARG PACKAGE=stock_svc
ARG PORT=8002
# The liveness path: /health for the Taraba services, /sandbox/health for emag-sandbox (which
# wants its admin token there when EMAG_SANDBOX_ADMIN_TOKEN is set; the check sends it).
ARG HEALTH_PATH=/health
# The venv (code included, owned by root: the service cannot rewrite its own code) and the
# migrations of this service (an empty /app/services/<name> for one without a schema).
COPY --from=builder --chown=root:root /app/.venv /app/.venv
COPY --from=builder --chown=root:root /app/services /app/services
# SERVICE and PACKAGE stay in the environment for the command below and for operators;
# FORWARDED_ALLOW_IPS is read by uvicorn: which peers may set X-Forwarded-* (the reverse proxy
# or ingress in front; the service port should not be exposed to anyone else).
ENV SERVICE=${SERVICE} \
    PACKAGE=${PACKAGE} \
    PORT=${PORT} \
    HEALTH_PATH=${HEALTH_PATH} \
    FORWARDED_ALLOW_IPS=*
USER taraba:taraba
EXPOSE ${PORT}
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as u; t = os.environ.get('EMAG_SANDBOX_ADMIN_TOKEN'); u.urlopen(u.Request('http://127.0.0.1:%s%s' % (os.environ.get('PORT', '8000'), os.environ.get('HEALTH_PATH', '/health')), headers={'X-Sandbox-Token': t} if t else {}), timeout=4).close()"]
# exec: uvicorn is PID 1 and gets SIGTERM directly (graceful shutdown of relay and consumers).
CMD ["sh", "-c", "exec uvicorn \"${PACKAGE}.main:create_app\" --factory --host 0.0.0.0 --port \"${PORT}\" --proxy-headers --no-server-header"]
