#!/usr/bin/env bash
# Make sure the PostgreSQL and Redis the tests use answer on loopback; start or install them if not.
set -uo pipefail
pg_up() { (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }
redis_up() { (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; }
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"

if ! pg_up; then
  if ! ls /etc/postgresql >/dev/null 2>&1; then
    echo "services: installing PostgreSQL"
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
    ver=$(ls /etc/postgresql | head -n1)
    conf="/etc/postgresql/$ver/main/pg_hba.conf"
    $SUDO sed -i -E 's/^(host\s+all\s+all\s+127\.0\.0\.1\/32\s+)\S+/\1trust/; s/^(local\s+all\s+all\s+)\S+/\1trust/' "$conf"
  fi
  echo "services: starting PostgreSQL"
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  for _ in $(seq 30); do pg_up && break; sleep 0.5; done
fi
if ! redis_up; then
  if ! command -v redis-server >/dev/null 2>&1; then
    echo "services: installing Redis"
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server >/dev/null
  fi
  echo "services: starting Redis"
  mkdir -p /tmp/motcua-redis
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no --dir /tmp/motcua-redis >/dev/null
  for _ in $(seq 30); do redis_up && break; sleep 0.5; done
fi
pg_up || { echo "services: PostgreSQL is not reachable on 127.0.0.1:5432" >&2; exit 1; }
redis_up || { echo "services: Redis is not reachable on 127.0.0.1:6379" >&2; exit 1; }
