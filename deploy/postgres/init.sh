#!/usr/bin/env bash
# Creates Taraba's database, one LOGIN role per service and one schema per service, owned by that
# role and closed to everyone else: the same as taraba_platform.provisioning.provision(), which
# `make run` and the tests use. Idempotent: safe to run again (it only resets the passwords).
#
# - docker compose mounts it into postgres:16's /docker-entrypoint-initdb.d, so it runs once,
#   when the data volume is first initialised (as the superuser, over the local socket).
#   compose also mounts deploy/services.toml and sets TARABA_SERVICES_TOML to it.
# - For a managed or clustered PostgreSQL, run it once by hand from a checkout, with psql's usual
#   variables:
#     PGHOST=... PGPORT=5432 PGUSER=<admin> PGPASSWORD=... \
#     CATALOG_SVC_DB_PASSWORD=... STOCK_SVC_DB_PASSWORD=... ... bash deploy/postgres/init.sh
#
# The services (name and schema) come from deploy/services.toml, the one list of services:
# TARABA_SERVICES_TOML, by default ../services.toml next to this script. The role is the name
# with - replaced by _.
# Each service's password comes from <SERVICE NAME, upper case, - as _>_DB_PASSWORD, e.g.
# STOCK_SVC_DB_PASSWORD, EMAG_GATEWAY_DB_PASSWORD. The service reads it as TARABA_DB_PASSWORD.
# The services build their database URL without escaping, so keep passwords URL-safe
# (letters, digits, - _ . ~), e.g. `openssl rand -hex 24`.

set -Eeo pipefail

TARABA_DB_NAME="${TARABA_DB_NAME:-taraba}"
# In the postgres image POSTGRES_USER is the superuser; elsewhere psql's PGUSER (or the OS
# user) applies.
ADMIN_USER="${POSTGRES_USER:-${PGUSER:-postgres}}"

# After an error: `return 1` when the postgres entrypoint sources this file (it does when the
# file is not executable), else `exit 1`.
taraba_error() {
    echo "init.sh: $*" >&2
}

# "name:schema" per [[service]] of services.toml. No TOML parser in the postgres image: this
# reads the file's own simple shape (`key = "value"` lines under `[[service]]` headers).
SERVICES_TOML="${TARABA_SERVICES_TOML:-$(dirname -- "${BASH_SOURCE[0]}")/../services.toml}"
if [[ ! -r "$SERVICES_TOML" ]]; then
    taraba_error "cannot read the list of services ${SERVICES_TOML} (set TARABA_SERVICES_TOML)"
    return 1 2>/dev/null || exit 1
fi
mapfile -t SERVICES < <(awk -F'"' '
    function flush() { if (in_service) print name ":" schema }
    /^[ \t]*\[\[service\]\]/ { flush(); in_service = 1; name = ""; schema = ""; next }
    /^[ \t]*\[/ { flush(); in_service = 0; next }
    in_service && /^[ \t]*name[ \t]*=/ { name = $2 }
    in_service && /^[ \t]*schema[ \t]*=/ { schema = $2 }
    END { flush() }
' "$SERVICES_TOML")
if ((${#SERVICES[@]} == 0)); then
    taraba_error "no [[service]] in ${SERVICES_TOML}"
    return 1 2>/dev/null || exit 1
fi
for entry in "${SERVICES[@]}"; do
    if [[ ! "$entry" =~ ^[a-z][a-z0-9-]*:[a-z_][a-z0-9_]*$ ]]; then
        taraba_error "${SERVICES_TOML}: a service needs name = \"...\" and schema = \"...\" (got ${entry})"
        return 1 2>/dev/null || exit 1
    fi
done

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
    taraba_error "missing password variable(s): ${missing[*]}"
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
