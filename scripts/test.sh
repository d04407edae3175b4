#!/usr/bin/env bash
# The whole suite: types, bundle, unit tests, differential tests against real Celery, broker tests against
# the real RabbitMQ and Redis, protocol tests of the bundled language server.
set -euo pipefail
cd "$(dirname "$0")/.."
export CI=${CI:-true}
step() { printf '\n=== %s\n' "$*"; }
step "typecheck"; npx tsc -p . --noEmit
step "build"; node scripts/build.mjs
step "unit tests"; node scripts/run-tests.mjs test/unit
step "differential tests against real Celery"; node scripts/run-tests.mjs test/oracle
if [ -d test/broker ] && ls test/broker/*.test.ts >/dev/null 2>&1; then step "broker tests (RabbitMQ, Redis)"; node scripts/run-tests.mjs test/broker; fi
if [ -d test/definitions ] && ls test/definitions/*.test.ts >/dev/null 2>&1; then step "RabbitMQ definitions (real RabbitMQ, real Celery)"; node scripts/run-tests.mjs test/definitions; fi
if [ -d test/lsp ] && ls test/lsp/*.test.ts >/dev/null 2>&1; then step "language server protocol tests"; node scripts/run-tests.mjs test/lsp; fi
if npm run | grep -q 'test:grammar'; then step "grammar tests"; npm run -s test:grammar; fi
step "README reference table matches the schema"; node scripts/schema-table.mjs
step "CLI on the examples"; bash scripts/demo.sh >/dev/null
step "end-to-end: the packaged extension in code-server + Chromium"
# (two commands, not `a && b`: set -e does not stop on a failure inside an && list)
bash test/e2e/setup.sh
bash test/e2e/run.sh
echo; echo "all tests passed"
