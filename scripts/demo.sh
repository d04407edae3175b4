#!/usr/bin/env bash
# The main job on the bundled examples: the routing table and the diagnostics of each project.
set -uo pipefail
cd "$(dirname "$0")/.."
[ -f dist/cli.js ] || node scripts/build.mjs
status=0
for ex in examples/*/; do
  echo "=== ${ex%/}: where every task goes"
  node dist/cli.js tasks "$ex" || status=1
  echo "=== ${ex%/}: diagnostics"
  node dist/cli.js check "$ex"; rc=$?
  [ $rc -gt 1 ] && status=1   # exit 1 = the example's intended routing errors were found
done
exit $status
