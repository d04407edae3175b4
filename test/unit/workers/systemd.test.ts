import { test } from 'node:test';
import assert from 'node:assert/strict';
import { environmentFiles, extractWorkers, isCeleryEnvFile, parseEnvFile, workersFromEnvFile } from '../../../server/src/parse/workers';
import { assertQueueLocs, brief, lc, textAt } from './helpers';

const UNIT = `[Unit]
Description=Celery Service
After=network.target

[Service]
Type=forking
User=celery
Group=celery
EnvironmentFile=/etc/conf.d/celery
WorkingDirectory=/opt/celery
ExecStart=/bin/sh -c '\${CELERY_BIN} -A $CELERY_APP multi start $CELERYD_NODES \\
    --pidfile=\${CELERYD_PID_FILE} --logfile=\${CELERYD_LOG_FILE} \\
    --loglevel="\${CELERYD_LOG_LEVEL}" $CELERYD_OPTS'
ExecStop=/bin/sh -c '\${CELERY_BIN} multi stopwait $CELERYD_NODES \\
    --pidfile=\${CELERYD_PID_FILE} --logfile=\${CELERYD_LOG_FILE}'
ExecReload=/bin/sh -c '\${CELERY_BIN} -A $CELERY_APP multi restart $CELERYD_NODES \\
    --pidfile=\${CELERYD_PID_FILE} --logfile=\${CELERYD_LOG_FILE} $CELERYD_OPTS'
Restart=always

[Install]
WantedBy=multi-user.target
`;

const ENV = `# Name of nodes to start
# here we have a single node
#CELERYD_NODES="w1"
# or we could have three nodes:
CELERYD_NODES="w1 w2 w3"

# Absolute or relative path to the 'celery' command:
CELERY_BIN="/usr/local/bin/celery"

# App instance to use
CELERY_APP="proj"

# How to call manage.py
CELERYD_MULTI="multi"

# Extra command-line arguments to the worker
CELERYD_OPTS="--time-limit=300 --concurrency=8 -Q:w1 images,video -Q:w2 data -Q default"

CELERYD_PID_FILE="/var/run/celery/%n.pid"
CELERYD_LOG_FILE="/var/log/celery/%n%I.log"
CELERYD_LOG_LEVEL="INFO"
`;

test('systemd unit from the Celery docs, EnvironmentFile not available: unknowns recorded', () => {
  const ws = extractWorkers('/deploy/celery.service', UNIT);
  assert.deepEqual(ws.map(brief), [
    { name: 'celery', app: '$CELERY_APP', unresolved: ['CELERY_BIN', 'CELERYD_NODES', 'CELERYD_OPTS', 'CELERY_APP'] },
  ]);
  assert.equal(ws[0].runsOn, 'systemd unit celery');
  assert.deepEqual(lc(ws[0].loc), [10, 22, 12, 51]);
  assert.deepEqual(environmentFiles(UNIT), ['/etc/conf.d/celery']);
});

test('systemd unit with the env file variables passed by the caller', () => {
  assert.ok(isCeleryEnvFile(ENV));
  const vars = parseEnvFile('/deploy/celery', ENV);
  assert.equal(vars.get('CELERYD_NODES')?.text, 'w1 w2 w3');
  const ws = extractWorkers('/deploy/celery.service', UNIT, { vars });
  assert.deepEqual(ws.map(brief), [
    { name: 'w1', app: 'proj', queues: ['images', 'video'] },
    { name: 'w2', app: 'proj', queues: ['data'] },
    { name: 'w3', app: 'proj', queues: ['default'] },
  ]);
  // queue locations point into the env file
  for (const w of ws) assertQueueLocs(ENV, w, '/deploy/celery');
  assert.deepEqual(ws[0].queueLocs!.map(lc), [[16, 53, 16, 59], [16, 60, 16, 65]]);
  // the command location stays in the unit
  assert.equal(ws[0].loc.file, '/deploy/celery.service');
  assert.equal(textAt(UNIT, ws[0].loc).slice(0, 30), '${CELERY_BIN} -A $CELERY_APP m');
});

test('systemd: plain map of variables, Environment= lines, direct ExecStart with ${VAR}', () => {
  const unit = `[Service]
Environment="CELERY_APP=proj" "QUEUES=alpha,beta"
Environment=NODES=n1
ExecStart=-\${CELERY_BIN} multi start \${NODES} -A \${CELERY_APP} -Q \${QUEUES}
`;
  const ws = extractWorkers('/etc/systemd/system/celery-workers.service', unit, { vars: { CELERY_BIN: '/usr/bin/celery' } });
  assert.deepEqual(ws.map(brief), [{ name: 'n1', app: 'proj', queues: ['alpha', 'beta'] }]);
  assertQueueLocs(unit, ws[0]);
  assert.deepEqual(ws[0].queueLocs!.map(lc), [[1, 38, 1, 43], [1, 44, 1, 48]]);
  const single = extractWorkers('/x/celery@.service', '[Service]\nExecStart=/opt/venv/bin/celery -A proj worker -Q %i -n %i@%%h\n');
  assert.deepEqual(single.map(brief), [{ name: '%i@%%h', app: 'proj', queues: ['%i'] }]);
});

test('env file alone: workers the generic init script would start', () => {
  const ws = workersFromEnvFile('/etc/default/celeryd', ENV);
  assert.deepEqual(ws.map(brief), [
    { name: 'w1', app: 'proj', queues: ['images', 'video'] },
    { name: 'w2', app: 'proj', queues: ['data'] },
    { name: 'w3', app: 'proj', queues: ['default'] },
  ]);
  for (const w of ws) assertQueueLocs(ENV, w, '/etc/default/celeryd');
  assert.equal(textAt(ENV, ws[0].loc), 'CELERYD_NODES');
  assert.deepEqual(workersFromEnvFile('/x', 'FOO=1'), []);
});

test('env file: export, defaults, references to earlier variables', () => {
  const vars = parseEnvFile('/e', 'export BASE=q1\nCELERYD_OPTS="-Q $BASE,${EXTRA:-q2}"\n');
  assert.equal(vars.get('CELERYD_OPTS')?.text, '-Q q1,q2');
  assert.deepEqual(vars.get('CELERYD_OPTS')?.envDefaults, ['EXTRA=q2']);
});
