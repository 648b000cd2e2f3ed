#!/usr/bin/env bash
# Creates Taraba's database, one LOGIN role per service and one schema per service, owned by that
# role and closed to everyone else: the same as taraba_platform.provisioning.provision(), which
# `make run` and the tests use. Idempotent: safe to run again (it only resets the passwords).
#
# - docker compose mounts it into postgres:16's /docker-entrypoint-initdb.d, so it runs once,
#   when the data volume is first initialised (as the superuser, over the local socket).
# - For a managed or clustered PostgreSQL, run it once by hand with psql's usual variables:
#     PGHOST=... PGPORT=5432 PGUSER=<admin> PGPASSWORD=... \
#     CATALOG_SVC_DB_PASSWORD=... STOCK_SVC_DB_PASSWORD=... ... bash deploy/postgres/init.sh
#
# Each service's password comes from <SERVICE NAME, upper case, - as _>_DB_PASSWORD, e.g.
# STOCK_SVC_DB_PASSWORD, EMAG_GATEWAY_DB_PASSWORD. The service reads it as TARABA_DB_PASSWORD.
# The services build their database URL without escaping, so keep passwords URL-safe
# (letters, digits, - _ . ~), e.g. `openssl rand -hex 24`.
#
# The services below must match deploy/services.toml (name and schema); the role is the name
# with - replaced by _.
set -Eeo pipefail

TARABA_DB_NAME="${TARABA_DB_NAME:-taraba}"
# In the postgres image POSTGRES_USER is the superuser; elsewhere psql's PGUSER (or the OS
# user) applies.
ADMIN_USER="${POSTGRES_USER:-${PGUSER:-postgres}}"

SERVICES=(
    "catalog-svc:catalog"
    "stock-svc:stock"
    "order-svc:orders"
    "emag-gateway:emag"
    "invoice-svc:invoice"
    "picking-svc:picking"
)

taraba_psql() {
    psql -X -v ON_ERROR_STOP=1 --no-psqlrc --quiet --username "$ADMIN_USER" "$@"
}

# Check every password first: a half-provisioned database is worse than none.
missing=()
for entry in "${SERVICES[@]}"; do
    name="${entry%%:*}"
    var="$(echo "${name}" | tr 'a-z-' 'A-Z_')_DB_PASSWORD"
    if [[ -z "${!var:-}" ]]; then
        missing+=("$var")
    fi
done
if ((${#missing[@]})); then
    echo "init.sh: missing password variable(s): ${missing[*]}" >&2
    # `return` when the postgres entrypoint sources this file (it is not executable), else exit.
    return 1 2>/dev/null || exit 1
fi

echo "init.sh: database ${TARABA_DB_NAME}"
taraba_psql --dbname postgres -v db="$TARABA_DB_NAME" <<'SQL'
SELECT format('CREATE DATABASE %I', :'db')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db')
\gexec
SQL

for entry in "${SERVICES[@]}"; do
    name="${entry%%:*}"
    schema="${entry#*:}"
    role="${name//-/_}"
    var="$(echo "${name}" | tr 'a-z-' 'A-Z_')_DB_PASSWORD"
    echo "init.sh: role ${role} owns schema ${schema}"

    # Roles are cluster-wide: create them from the maintenance database.
    taraba_psql --dbname postgres -v role="$role" -v password="${!var}" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'role')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role')
\gexec
SELECT format('ALTER ROLE %I WITH LOGIN PASSWORD %L', :'role', :'password')
\gexec
SQL

    taraba_psql --dbname "$TARABA_DB_NAME" -v db="$TARABA_DB_NAME" -v role="$role" \
        -v schema="$schema" <<'SQL'
SET client_min_messages = warning;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
SELECT format('GRANT CONNECT ON DATABASE %I TO %I', :'db', :'role')
\gexec
SELECT format('CREATE SCHEMA IF NOT EXISTS %I AUTHORIZATION %I', :'schema', :'role')
\gexec
SELECT format('ALTER SCHEMA %I OWNER TO %I', :'schema', :'role')
\gexec
SELECT format('REVOKE ALL ON SCHEMA %I FROM PUBLIC', :'schema')
\gexec
SELECT format('ALTER ROLE %I IN DATABASE %I SET search_path = %I', :'role', :'db', :'schema')
\gexec
SQL
done

echo "init.sh: done (${#SERVICES[@]} services)"
