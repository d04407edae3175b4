import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractWorkers, isWorkerFile, mightContainWorker, workerFileKind } from '../../../server/src/parse/workers';

test('isWorkerFile / workerFileKind by name', () => {
  const yes: [string, string][] = [
    ['/p/Procfile', 'procfile'], ['/p/Procfile.dev', 'procfile'],
    ['/p/docker-compose.yml', 'yaml'], ['/p/docker-compose.prod.yaml', 'yaml'], ['/p/compose.yaml', 'yaml'], ['/p/k8s/worker.yaml', 'yaml'], ['/p/chart/templates/deploy.yml', 'yaml'],
    ['/etc/supervisor/conf.d/celery.conf', 'supervisor'], ['/p/supervisord.conf', 'supervisor'], ['/p/supervisor/celery.ini', 'supervisor'],
    ['/p/templates/config/supervisor.tmpl', 'supervisor'], ['/p/deploy/celery.conf.j2', 'supervisor'],
    ['/p/deploy/celery.service', 'systemd'], ['/p/celery@.service', 'systemd'],
    ['/p/bin/start.sh', 'shell'], ['/p/run.bash', 'shell'], ['/p/docker-entrypoint', 'shell'], ['/p/entrypoint', 'shell'],
    ['/p/Makefile', 'makefile'], ['/p/GNUmakefile', 'makefile'], ['/p/ci/tasks.mk', 'makefile'],
    ['/p/Dockerfile', 'dockerfile'], ['/p/Dockerfile.worker', 'dockerfile'], ['/p/worker.Dockerfile', 'dockerfile'], ['/p/Containerfile', 'dockerfile'],
    ['/p/pyproject.toml', 'pyproject'],
    ['C:\\proj\\Procfile', 'procfile'],
  ];
  for (const [p, k] of yes) {
    assert.ok(isWorkerFile(p), p);
    assert.equal(workerFileKind(p), k, p);
  }
  for (const p of ['/p/app.py', '/p/README.md', '/p/setup.cfg', '/p/tox.ini', '/p/.env', '/p/package.json', '/p/Procfile.py.txt/x', '/p/requirements.txt']) {
    assert.ok(!isWorkerFile(p), p);
  }
});

test('extractWorkers: unknown files, binary data and non-strings give nothing', () => {
  assert.deepEqual(extractWorkers('/p/README.md', 'celery -A proj worker -Q a'), []);
  assert.deepEqual(extractWorkers('/p/Procfile', 'worker: celery\0 -A proj worker'), []);
  assert.deepEqual(extractWorkers('/p/Procfile', undefined as unknown as string), []);
});

test('every reader survives random input', () => {
  const files = ['/p/Procfile', '/p/docker-compose.yml', '/p/k.yaml', '/p/s.conf', '/p/u.service', '/p/x.sh', '/p/Makefile', '/p/Dockerfile', '/p/pyproject.toml'];
  const alphabet = 'celry -AQXn:=,"\'\\$`{}()[]|&;<>#\n\t%@.wokmultisa-_/12';
  let seed = 42;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let n = 0; n < 300; n++) {
    const len = Math.floor(rnd() * 300);
    let s = n % 3 === 0 ? 'worker: celery -A p worker -Q ' : '';
    for (let i = 0; i < len; i++) s += alphabet[Math.floor(rnd() * alphabet.length)];
    for (const f of files) {
      const ws = extractWorkers(f, s);
      assert.ok(Array.isArray(ws));
      for (const w of ws) {
        assert.equal(typeof w.name, 'string');
        assert.ok(w.loc.range.start.line >= 0 && w.loc.range.start.character >= 0);
      }
    }
  }
});

test('a large shell script is read quickly', () => {
  const line = 'echo "some setup step with $VAR and \'quotes\'" > /dev/null\n';
  const text = line.repeat(20000) + 'exec celery -A proj worker -Q last\n';
  const t0 = Date.now();
  const ws = extractWorkers('/p/big.sh', text);
  assert.deepEqual(ws.map((w) => w.queues), [['last']]);
  assert.equal(ws[0].queueLocs![0].range.start.line, 20000);
  assert.ok(Date.now() - t0 < 5000);
  assert.ok(mightContainWorker(text));
});

test('YAML: a data file that mentions celery and worker far apart is not parsed; commands in either order are', () => {
  // an OpenAPI-like schema: both words, 5,000 characters apart, and no command (parsing it used to cost 0.4 s at 800 KB)
  const schema = `openapi: 3.0.0\ninfo:\n  description: "Runs on celery"\n${'  x: "padding"\n'.repeat(350)}paths:\n  /worker/: {}\n`;
  assert.deepEqual(extractWorkers('/p/static/schema.yaml', schema), []);
  // Kubernetes: args before command, a few lines apart
  const k8s = 'kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: w\n          args: ["-A", "proj", "worker", "-Q", "a,b"]\n          command: ["celery"]\n';
  assert.deepEqual(extractWorkers('/p/k8s/worker.yaml', k8s).map((w) => w.queues), [['a', 'b']]);
});
