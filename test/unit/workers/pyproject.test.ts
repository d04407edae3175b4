import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractWorkers } from '../../../server/src/parse/workers';
import { assertQueueLocs, brief, lc } from './helpers';

test('pyproject: taskipy, poe, pdm, hatch scripts; entry points ignored', () => {
  const text = `[project]
name = "proj"

[project.scripts]
proj = "proj.cli:main"

[tool.poetry.scripts]
worker-entry = "proj.worker:main"

[tool.taskipy.tasks]
worker = "celery -A proj worker -l info -Q default,mail"
worker_io = { cmd = "celery -A proj worker -Q io", help = "io worker" }
test = "pytest"

[tool.poe.tasks]
poe-worker = "celery -A proj worker -Q poe"
poe-shell.shell = "celery -A proj worker -Q 'poe-shell' --concurrency=2"

[tool.poe.tasks.poe-table]
cmd = """
celery -A proj worker
  -Q poe-table
"""
help = "a table"

[tool.pdm.scripts]
pdm-worker = {cmd = ["celery", "-A", "proj", "worker", "-Q", "pdm"]}
pdm-str = 'celery -A proj worker -Q pdm-str'

[tool.hatch.envs.default.scripts]
workers = ["celery -A proj worker -Q h1", "celery -A proj worker -Q h2"]
`;
  const ws = extractWorkers('/repo/pyproject.toml', text);
  assert.deepEqual(ws.map(brief), [
    { name: 'worker', app: 'proj', queues: ['default', 'mail'] },
    { name: 'worker_io', app: 'proj', queues: ['io'] },
    { name: 'poe-worker', app: 'proj', queues: ['poe'] },
    { name: 'poe-shell', app: 'proj', queues: ['poe-shell'] },
    { name: 'poe-table', app: 'proj', queues: ['poe-table'] },
    { name: 'pdm-worker', app: 'proj', queues: ['pdm'] },
    { name: 'pdm-str', app: 'proj', queues: ['pdm-str'] },
    { name: 'workers', app: 'proj', queues: ['h1'] },
    { name: 'workers', app: 'proj', queues: ['h2'] },
  ]);
  for (const w of ws) assertQueueLocs(text, w, '/repo/pyproject.toml');
  assert.deepEqual(ws[0].queueLocs!.map(lc), [[10, 43, 10, 50], [10, 51, 10, 55]]);
  assert.deepEqual(ws[4].queueLocs!.map(lc), [[21, 5, 21, 14]]);
  assert.equal(ws[0].runsOn, 'taskipy task "worker" (pyproject.toml)');
});

test('pyproject: escapes in basic strings, broken TOML', () => {
  const text = '[tool.taskipy.tasks]\nw = "celery -A proj worker -Q \\"quoted\\",x"\n';
  const ws = extractWorkers('/r/pyproject.toml', text);
  assert.deepEqual(ws.map(brief), [{ name: 'w', app: 'proj', queues: ['quoted', 'x'] }]);
  assertQueueLocs(text, ws[0]);
  for (const t of ['[tool.taskipy.tasks\nw = "celery', '[tool.poe.tasks]\nx = {cmd = ', '[[', '"""', "a = '''"]) {
    assert.doesNotThrow(() => extractWorkers('/r/pyproject.toml', t));
  }
});
