import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractWorkers } from '../../../server/src/parse/workers';
import { assertQueueLocs, brief, lc, textAt } from './helpers';

const F = '/p/docker-compose.yml';

test('compose: string command, list command, service names', () => {
  const text = `version: "3.9"
services:
  web:
    build: .
    command: gunicorn proj.wsgi:application
  worker:
    build: .
    command: celery -A proj worker -l info -Q default,emails
  worker-high:
    image: proj
    command: ["celery", "-A", "proj", "worker", "-Q", "high", "-n", "high@%h"]
  worker-list:
    image: proj
    command:
      - celery
      - --app=proj
      - worker
      - --queues=reports,exports
      - --exclude-queues=default
  beat:
    command: celery -A proj beat
`;
  const ws = extractWorkers(F, text);
  assert.deepEqual(ws.map(brief), [
    { name: 'worker', app: 'proj', queues: ['default', 'emails'] },
    { name: 'high@%h', app: 'proj', queues: ['high'] },
    { name: 'worker-list', app: 'proj', queues: ['reports', 'exports'], excludeQueues: ['default'] },
  ]);
  for (const w of ws) assertQueueLocs(text, w, F);
  assert.deepEqual(ws[0].queueLocs!.map(lc), [[7, 46, 7, 53], [7, 54, 7, 60]]);
  assert.deepEqual(lc(ws[0].loc), [7, 13, 7, 60]);
  assert.deepEqual(ws[1].queueLocs!.map(lc), [[10, 55, 10, 59]]);
  assert.deepEqual(ws[2].queueLocs!.map(lc), [[17, 17, 17, 24], [17, 25, 17, 32], [18, 25, 18, 32]]);
  assert.equal(textAt(text, ws[2].loc).split('\n')[0], 'celery');
  assert.equal(ws[0].runsOn, 'docker compose service "worker"');
});

test('compose: sh -c in a list, folded and quoted scalars, escapes', () => {
  const text = `services:
  worker:
    command: ["sh", "-c", "python manage.py migrate && celery -A proj worker -Q \\"a,b\\" -l info"]
  folded:
    command: >
      celery -A proj
      worker -Q folded1,folded2
  literal:
    command: |
      set -e
      exec celery -A proj worker \\
        -Q lit
  single:
    command: 'bash -c "celery -A proj worker -Q ''one'',two"'
`;
  const ws = extractWorkers(F, text);
  assert.deepEqual(ws.map(brief), [
    { name: 'worker', app: 'proj', queues: ['a', 'b'] },
    { name: 'folded', app: 'proj', queues: ['folded1', 'folded2'] },
    { name: 'literal', app: 'proj', queues: ['lit'] },
    { name: 'single', app: 'proj', queues: ['one', 'two'] },
  ]);
  for (const w of ws) assertQueueLocs(text, w, F);
  assert.deepEqual(ws[0].queueLocs!.map(lc), [[2, 82, 2, 83], [2, 84, 2, 85]]);
  assert.deepEqual(ws[1].queueLocs!.map(lc), [[6, 16, 6, 23], [6, 24, 6, 31]]);
  assert.deepEqual(ws[2].queueLocs!.map(lc), [[11, 11, 11, 14]]);
  assert.deepEqual(ws[3].queueLocs!.map(lc), [[13, 50, 13, 53], [13, 56, 13, 59]]);
});

test('compose: env interpolation, $$ escapes, service environment', () => {
  const text = `services:
  worker:
    environment:
      QUEUES: "alpha,beta"
      - ignored
    command: celery -A proj worker -Q \${CELERY_QUEUES:-default}
  shell:
    environment:
      - QUEUES=from,env
    command: sh -c 'celery -A proj worker -Q $$QUEUES'
  unknown:
    command: celery -A \${APP} worker -Q \${QUEUES}
`;
  const ws = extractWorkers(F, text);
  assert.deepEqual(ws.map(brief), [
    { name: 'worker', app: 'proj', queues: ['default'], envDefaults: ['CELERY_QUEUES=default'] },
    { name: 'shell', app: 'proj', queues: ['from', 'env'] },
    { name: 'unknown', app: '${APP}', queues: ['${QUEUES}'], unresolved: ['APP', 'QUEUES'] },
  ]);
  for (const w of ws) assertQueueLocs(text, w, F);
  assert.deepEqual(ws[1].queueLocs!.map(lc), [[8, 15, 8, 19], [8, 20, 8, 23]]);
});

test('compose: CRLF, folded bash -c with $${VAR:-default}', () => {
  const text = 'services:\r\n  w:\r\n    command: >-\r\n      bash -c "python manage.py wait_for_db &&\r\n      celery -A proj worker -Q $${Q:-x,y}"\r\n';
  const ws = extractWorkers(F, text);
  assert.deepEqual(ws.map(brief), [{ name: 'w', app: 'proj', queues: ['x', 'y'], envDefaults: ['Q=x,y'] }]);
  assertQueueLocs(text, ws[0]);
  assert.deepEqual(ws[0].queueLocs!.map(lc), [[4, 37, 4, 38], [4, 39, 4, 40]]);
});

test('compose: anchors, merge keys, extends, entrypoint + command, implicit celery entrypoint', () => {
  const text = `x-worker: &worker
  image: proj
  command: celery -A proj worker -Q shared
services:
  a:
    <<: *worker
  b:
    <<: *worker
    command: celery -A proj worker -Q own
  c:
    extends:
      service: b
  d:
    extends: a
  e:
    entrypoint: ["celery", "-A", "proj"]
    command: ["worker", "-Q", "ep"]
  f:
    image: my-celery-image
    command: worker -Q implicit
  g:
    entrypoint: /docker-entrypoint.sh
    command: ["gunicorn"]
`;
  const ws = extractWorkers('/p/compose.yaml', text);
  assert.deepEqual(ws.map(brief), [
    { name: 'a', app: 'proj', queues: ['shared'] },
    { name: 'b', app: 'proj', queues: ['own'] },
    { name: 'c', app: 'proj', queues: ['own'] },
    { name: 'd', app: 'proj', queues: ['shared'] },
    { name: 'e', app: 'proj', queues: ['ep'] },
    { name: 'f', queues: ['implicit'] },
  ]);
  for (const w of ws) assertQueueLocs(text, w);
  assert.deepEqual(ws[0].queueLocs!.map(lc), [[2, 36, 2, 42]]);
});

test('compose: malformed YAML does not throw', () => {
  for (const t of ['services:\n  w:\n    command: [celery, -A, "p', 'services: [', '\t\tservices:\n  - : :', 'services:\n  w: *missing\n', '{{{']) {
    assert.doesNotThrow(() => extractWorkers(F, t));
  }
  const partial = extractWorkers(F, 'services:\n  w:\n    command: celery -A p worker -Q ok\n  bad: [\n');
  assert.ok(Array.isArray(partial));
});
