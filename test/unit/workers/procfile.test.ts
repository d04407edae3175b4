import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractWorkers } from '../../../server/src/parse/workers';
import { assertQueueLocs, brief, lc, textAt } from './helpers';

test('Procfile: process type names the worker, exact locations', () => {
  const text = [
    'web: gunicorn proj.wsgi --log-file -',
    'worker: celery -A proj worker -Q default,emails -l info --concurrency=4',
    '# comment: celery -A proj worker -Q ignored',
    'beat: celery -A proj beat -l info',
    'fast: celery --app=proj worker --queues=fast -n fast@%h',
    '',
  ].join('\n');
  const ws = extractWorkers('/app/Procfile', text);
  assert.deepEqual(ws.map(brief), [
    { name: 'worker', app: 'proj', queues: ['default', 'emails'] },
    { name: 'fast@%h', app: 'proj', queues: ['fast'] },
  ]);
  for (const w of ws) assertQueueLocs(text, w, '/app/Procfile');
  assert.deepEqual(lc(ws[0].loc), [1, 8, 1, 71]);
  assert.equal(textAt(text, ws[0].loc), 'celery -A proj worker -Q default,emails -l info --concurrency=4');
  assert.deepEqual(ws[0].queueLocs!.map(lc), [[1, 33, 1, 40], [1, 41, 1, 47]]);
  assert.equal(ws[0].runsOn, 'Procfile process "worker"');
});

test('Procfile.* variants, env defaults, CRLF', () => {
  const text = 'worker: celery -A proj worker -Q ${WORKER_QUEUES:-celery,io} -c ${CONCURRENCY:-2}\r\nrelease: python manage.py migrate\r\n';
  const ws = extractWorkers('/app/Procfile.dev', text);
  assert.deepEqual(ws.map(brief), [{ name: 'worker', app: 'proj', queues: ['celery', 'io'], envDefaults: ['WORKER_QUEUES=celery,io'] }]);
  assertQueueLocs(text, ws[0]);
  assert.ok(!ws[0].command.includes('\r'));
});
