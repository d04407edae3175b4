import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractWorkers } from '../../../server/src/parse/workers';
import { assertQueueLocs, brief, lc } from './helpers';

test('Makefile: recipes named after targets, make variables, ?= defaults, $$ shell variables', () => {
  const text = `APP := proj
QUEUES ?= default,mail
CELERY = poetry run celery

.PHONY: worker worker-fast beat

worker: ## run a worker
\t$(CELERY) -A $(APP) worker -l info -Q $(QUEUES)

worker-fast:
\t@echo "starting"
\t@$(CELERY) -A \${APP} worker \\
\t\t-Q fast \\
\t\t--concurrency=4

worker-shell:
\tQ=x; celery -A proj worker -Q $$Q,static

beat:
\t$(CELERY) -A $(APP) beat
`;
  const ws = extractWorkers('/repo/Makefile', text);
  assert.deepEqual(ws.map(brief), [
    { name: 'worker', app: 'proj', queues: ['default', 'mail'], envDefaults: ['QUEUES=default,mail'] },
    { name: 'worker-fast', app: 'proj', queues: ['fast'] },
    { name: 'worker-shell', app: 'proj', queues: ['$Q', 'static'], unresolved: ['Q'] },
  ]);
  for (const w of ws) assertQueueLocs(text, w, '/repo/Makefile');
  // queue names taken from a make variable point at its definition
  assert.deepEqual(ws[0].queueLocs!.map(lc), [[1, 10, 1, 17], [1, 18, 1, 22]]);
  assert.deepEqual(ws[1].queueLocs!.map(lc), [[12, 5, 12, 9]]);
  assert.equal(ws[0].runsOn, 'Makefile target "worker"');
  assert.deepEqual(extractWorkers('/repo/tasks.mk', 'w:\n\tcelery -A p worker -Q mk\n').map(brief), [{ name: 'w', app: 'p', queues: ['mk'] }]);
});
