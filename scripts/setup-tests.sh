#!/usr/bin/env bash
# Installs and starts what the test suite needs, idempotently (Debian, as root):
# real Celery (the oracle), Django (for Django fixtures), RabbitMQ with the management plugin, Redis.
# Chromium (also the routing map tests, test/unit/graph) and libkrb5-dev for the end-to-end tests (test/e2e/setup.sh installs the rest into its cache).
set -euo pipefail
need_pkgs=()
for p in python3-celery python3-kombu python3-amqp python3-redis python3-requests python3-django rabbitmq-server redis-server curl chromium libkrb5-dev; do
  dpkg -s "$p" >/dev/null 2>&1 || need_pkgs+=("$p")
done
if [ ${#need_pkgs[@]} -gt 0 ]; then
  echo "setup: installing ${need_pkgs[*]}"
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi
# RabbitMQ
if ! rabbitmqctl -q status >/dev/null 2>&1; then
  echo "setup: starting RabbitMQ"
  rabbitmq-server -detached
  for _ in $(seq 1 60); do rabbitmqctl -q status >/dev/null 2>&1 && break; sleep 1; done
fi
rabbitmqctl -q await_startup >/dev/null 2>&1 || true
if ! curl -sf -u guest:guest http://127.0.0.1:15672/api/overview >/dev/null; then
  echo "setup: enabling the RabbitMQ management plugin"
  rabbitmq-plugins enable rabbitmq_management >/dev/null
  for _ in $(seq 1 60); do curl -sf -u guest:guest http://127.0.0.1:15672/api/overview >/dev/null && break; sleep 1; done
fi
# Redis
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  echo "setup: starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no
  for _ in $(seq 1 20); do redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && break; sleep 0.5; done
fi
echo "setup: celery $(/usr/bin/python3 -c 'import celery; print(celery.__version__)'), RabbitMQ up, management API up, Redis up"
