#!/usr/bin/env bash
# Make sure PostgreSQL and RabbitMQ answer on 127.0.0.1, the way a new user's machine allows:
#   1. already answering: use them;
#   2. installed but down: start them;
#   3. a Docker engine runs: a development container of each (trusting local logins, like a
#      Debian install set up by this script), published on 127.0.0.1;
#   4. root on Debian/Ubuntu: install them from the distribution's packages and start them;
#   5. otherwise: stop, naming what to install.
# Usage: scripts/infra.sh up | status
set -euo pipefail

PG_HOST=${TARABA_DB_HOST:-127.0.0.1}
PG_PORT=${TARABA_DB_PORT:-5432}
MQ_PORT=${TARABA_RABBITMQ_PORT:-5672}
cd "$(dirname "$0")/.."

say() { printf '[infra] %s\n' "$*" >&2; }

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

wait_port() { # host port what seconds
  local i
  for ((i = 0; i < $4 * 2; i++)); do
    port_open "$1" "$2" && return 0
    sleep 0.5
  done
  say "$3 did not come up on $1:$2 within $4 s"
  return 1
}

docker_engine() { command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; }

can_apt() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; }

apt_install() {
  say "installing $* from the distribution's packages"
  if [ -z "${TARABA_APT_UPDATED:-}" ]; then
    apt-get update -qq
    export TARABA_APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# A PostgreSQL we installed ourselves trusts local TCP logins, as the test suite expects
# (a development machine; production uses passwords, see deploy/).
trust_local_tcp() {
  local hba
  for hba in /etc/postgresql/*/main/pg_hba.conf; do
    [ -f "$hba" ] || continue
    if ! grep -q '^host all all 127.0.0.1/32 trust' "$hba"; then
      sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
    fi
  done
  local version
  for version in $(ls /etc/postgresql 2>/dev/null); do
    pg_ctlcluster "$version" main reload 2>/dev/null || true
  done
}

start_postgres() {
  if command -v pg_ctlcluster >/dev/null 2>&1 && ls /etc/postgresql/*/main >/dev/null 2>&1; then
    local version
    for version in $(ls /etc/postgresql); do
      say "starting PostgreSQL $version"
      pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null ||
        pg_ctlcluster "$version" main start 2>/dev/null || true
    done
    return 0
  fi
  return 1
}

ensure_postgres() {
  if port_open "$PG_HOST" "$PG_PORT"; then say "PostgreSQL answers on $PG_HOST:$PG_PORT"; return; fi
  if start_postgres && wait_port "$PG_HOST" "$PG_PORT" PostgreSQL 60; then return; fi
  if docker_engine; then
    say "starting PostgreSQL in the container taraba-dev-postgres"
    docker start taraba-dev-postgres >/dev/null 2>&1 ||
      docker run -d --name taraba-dev-postgres -p "127.0.0.1:$PG_PORT:5432" \
        -e POSTGRES_HOST_AUTH_METHOD=trust postgres:16 >/dev/null
    wait_port "$PG_HOST" "$PG_PORT" PostgreSQL 90 && sleep 3 && return
  fi
  if can_apt; then
    apt_install postgresql
    trust_local_tcp
    start_postgres && wait_port "$PG_HOST" "$PG_PORT" PostgreSQL 60 && return
  fi
  say "PostgreSQL is not reachable on $PG_HOST:$PG_PORT and could not be started."
  say "Install PostgreSQL 15+ (Debian: apt-get install postgresql) or a Docker engine, then retry."
  exit 1
}

start_rabbitmq() {
  if command -v rabbitmq-server >/dev/null 2>&1; then
    say "starting RabbitMQ"
    rabbitmq-server -detached >/dev/null 2>&1 || true
    return 0
  fi
  return 1
}

ensure_rabbitmq() {
  if port_open 127.0.0.1 "$MQ_PORT"; then say "RabbitMQ answers on 127.0.0.1:$MQ_PORT"; return; fi
  if start_rabbitmq && wait_port 127.0.0.1 "$MQ_PORT" RabbitMQ 90; then return; fi
  if docker_engine; then
    say "starting RabbitMQ in the container taraba-dev-rabbitmq"
    docker start taraba-dev-rabbitmq >/dev/null 2>&1 ||
      docker run -d --name taraba-dev-rabbitmq -p "127.0.0.1:$MQ_PORT:5672" \
        rabbitmq:4-management >/dev/null
    wait_port 127.0.0.1 "$MQ_PORT" RabbitMQ 120 && return
  fi
  if can_apt; then
    apt_install rabbitmq-server
    start_rabbitmq && wait_port 127.0.0.1 "$MQ_PORT" RabbitMQ 120 && return
  fi
  say "RabbitMQ is not reachable on 127.0.0.1:$MQ_PORT and could not be started."
  say "Install RabbitMQ 3.10+ (Debian: apt-get install rabbitmq-server) or a Docker engine."
  exit 1
}

case "${1:-up}" in
  up)
    ensure_postgres
    ensure_rabbitmq
    ;;
  status)
    port_open "$PG_HOST" "$PG_PORT" && say "PostgreSQL: up" || say "PostgreSQL: down"
    port_open 127.0.0.1 "$MQ_PORT" && say "RabbitMQ: up" || say "RabbitMQ: down"
    ;;
  *)
    echo "usage: $0 up|status" >&2
    exit 2
    ;;
esac
