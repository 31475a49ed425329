#!/usr/bin/env bash
# The Redis, RabbitMQ and PostgreSQL tests talk to real servers on their standard loopback
# ports. This kind of machine starts them before a session; if one has stopped, start it the
# same way. Under CI a server that still cannot be reached fails the tests (they never skip there).
set -uo pipefail

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start_if_down() {
  local name=$1 port=$2; shift 2
  if port_open "$port"; then return 0; fi
  echo "$name is not answering on $port; starting it"
  "$@" >/dev/null 2>&1 || true
  for _ in $(seq 1 60); do port_open "$port" && return 0; sleep 1; done
  echo "warning: $name still not reachable on $port" >&2
}

command -v redis-server >/dev/null && start_if_down redis 6379 \
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
command -v rabbitmq-server >/dev/null && start_if_down rabbitmq 5672 rabbitmq-server -detached
command -v pg_ctlcluster >/dev/null && start_if_down postgresql 5432 \
  bash -c 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start'
exit 0
