import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractWorkers } from '../../../server/src/parse/workers';
import { assertQueueLocs, brief, lc } from './helpers';

test('entrypoint script: case branches, variables assigned earlier, defaults, exec', () => {
  const text = `#!/usr/bin/env bash
set -euo pipefail

: "\${CELERY_APP:=proj}"
QUEUES="\${WORKER_QUEUES:-default,mail}"
export DJANGO_SETTINGS_MODULE=proj.settings

# wait for the broker
until nc -z rabbitmq 5672; do sleep 1; done

case "$1" in
  web)
    exec gunicorn proj.wsgi ;;
  worker)
    exec celery -A "$CELERY_APP" worker -l info -Q "$QUEUES" ;;
  beat)
    exec celery -A "$CELERY_APP" beat ;;
  *)
    exec "$@" ;;
esac
`;
  const ws = extractWorkers('/app/docker-entrypoint.sh', text);
  assert.deepEqual(ws.map(brief), [
    { name: 'docker-entrypoint worker', app: 'proj', queues: ['default', 'mail'], envDefaults: ['CELERY_APP=proj', 'WORKER_QUEUES=default,mail'] },
  ]);
  assertQueueLocs(text, ws[0], '/app/docker-entrypoint.sh');
  assert.deepEqual(ws[0].queueLocs!.map(lc), [[4, 25, 4, 32], [4, 33, 4, 37]]);
  assert.deepEqual(lc(ws[0].loc), [14, 9, 14, 60]);
  assert.equal(ws[0].command, 'celery -A "$CELERY_APP" worker -l info -Q "$QUEUES"');
});

test('shell: continuations, background workers, multi, heredocs and pkill ignored', () => {
  const text = `#!/bin/sh
cd /srv/app
celery -A proj worker \\
    --queues=io,net \\
    --hostname=io@%h &
celery -A proj worker -Q cpu -n cpu@%h --detach
celery multi start a b -A proj -Q:a qa -Q qb
cat > /etc/supervisor/conf.d/x.conf <<END_OF_CONF
[program:fake]
command=celery -A proj worker -Q fake
END_OF_CONF
pkill -f "celery -A proj worker -Q old"
wait
`;
  const ws = extractWorkers('/srv/start_workers.sh', text);
  assert.deepEqual(ws.map(brief), [
    { name: 'io@%h', app: 'proj', queues: ['io', 'net'] },
    { name: 'cpu@%h', app: 'proj', queues: ['cpu'] },
    { name: 'a', app: 'proj', queues: ['qa'] },
    { name: 'b', app: 'proj', queues: ['qb'] },
  ]);
  for (const w of ws) assertQueueLocs(text, w);
  assert.deepEqual(ws[0].queueLocs!.map(lc), [[3, 13, 3, 15], [3, 16, 3, 19]]);
  assert.deepEqual(lc(ws[0].loc), [2, 0, 4, 20]);
});

test('shell: caller variables and extensionless entrypoint / shebang scripts', () => {
  const text = '#!/bin/bash\nexec celery -A proj worker -Q "$Q"\n';
  assert.deepEqual(extractWorkers('/x/run.sh', text, { vars: { Q: 'given' } }).map(brief), [{ name: 'run', app: 'proj', queues: ['given'] }]);
  assert.deepEqual(extractWorkers('/x/entrypoint', text).map(brief), [{ name: 'entrypoint', app: 'proj', queues: ['$Q'], unresolved: ['Q'] }]);
  // not a worker file by name, but the dispatcher reads a shell shebang
  assert.deepEqual(extractWorkers('/x/bin/start-worker', text).map(brief), [{ name: 'start-worker', app: 'proj', queues: ['$Q'], unresolved: ['Q'] }]);
});

test('one worker per branch of an entrypoint, named after the branch (if/elif and case, one-line branches)', () => {
  const ifs = `#!/bin/bash
set -e
if [ "$1" == "web" ]; then
    exec gunicorn shop.wsgi
elif [ "$1" == "worker_images" ]; then
    export FOO=1
    exec celery -A shop worker -Q images --concurrency=2
elif [[ $1 = worker_mail ]]; then
    # mail and receipts share a worker
    exec celery -A shop worker -Q mail,receipts
# elif [ "$1" == "worker_old" ]; then
#    exec celery -A shop worker -Q old
else
    exec celery -A shop worker
fi
celery -A shop worker -Q after_the_block
`;
  assert.deepEqual(extractWorkers('/app/bin/start.sh', ifs).map((w) => [w.name, w.queues]), [
    ['start worker_images', ['images']],
    ['start worker_mail', ['mail', 'receipts']],
    ['start', undefined],
    ['start', ['after_the_block']],
  ]);
  const cases = `case "$ROLE" in
  "fast"|quick) celery -A shop worker -Q fast ;;
  slow)
    celery -A shop worker -Q slow
    ;;
  *) celery -A shop worker -Q other ;;
esac
`;
  assert.deepEqual(extractWorkers('/app/run.sh', cases).map((w) => [w.name, w.queues]), [
    ['run fast|quick', ['fast']],
    ['run slow', ['slow']],
    ['run', ['other']],
  ]);
});
