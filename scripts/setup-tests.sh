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
# Celery 5.5 (Debian 13's python3-celery) in a debootstrap chroot, made once: the differential suite's second
# oracle (test/oracle/celery_oracle.py --python-root). Built in a temporary folder and moved into place, so an
# interrupted run never leaves a half-made chroot behind.
CHROOT="$(cd "$(dirname "$0")/.." && pwd)/.cache/trixie-celery"
chroot_ok() { [ -x "$CHROOT/usr/bin/python3" ] && chroot "$CHROOT" /usr/bin/python3 -c 'import celery, kombu, amqp, redis, django' >/dev/null 2>&1; }
if ! chroot_ok; then
  if [ -e "$CHROOT" ]; then
    echo "setup: $CHROOT exists but has no working python3-celery; move it away (check nothing is mounted inside) and re-run" >&2
    exit 1
  fi
  if ! command -v debootstrap >/dev/null 2>&1; then
    echo "setup: installing debootstrap"
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap >/dev/null
  fi
  tmp="$CHROOT.tmp.$$"
  mkdir -p "$(dirname "$CHROOT")"
  echo "setup: debootstrap of Debian 13 (trixie) with python3-celery into $CHROOT (~300 MB, a minute or a few)"
  if ! debootstrap --variant=minbase --include=python3-celery,python3-kombu,python3-amqp,python3-redis,python3-django \
      trixie "$tmp" http://deb.debian.org/debian >"$tmp.log" 2>&1; then
    echo "setup: debootstrap failed, see $tmp.log (the partial tree $tmp is left for inspection)" >&2
    exit 1
  fi
  # debootstrap may leave /proc or /sys mounted in the tree: never move a tree with mounts in it
  for m in $(awk -v t="$tmp/" 'index($5, t) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do umount "$m" || true; done
  if awk -v t="$tmp/" 'index($5, t) == 1 { found = 1 } END { exit !found }' /proc/self/mountinfo; then
    echo "setup: something is still mounted under $tmp; not using it" >&2
    exit 1
  fi
  mv "$tmp" "$CHROOT" && rm -f "$tmp.log"
  chroot_ok || { echo "setup: the new chroot $CHROOT cannot import celery" >&2; exit 1; }
fi
echo "setup: celery $(/usr/bin/python3 -c 'import celery; print(celery.__version__)'), celery $(chroot "$CHROOT" /usr/bin/python3 -c 'import celery; print(celery.__version__)') in $CHROOT, RabbitMQ up, management API up, Redis up"
