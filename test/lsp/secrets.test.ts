// Secrets: a broker password written in the configuration must never reach any UI string or log line —
// not the CLI's output (every command, every format), not the language server's logs, diagnostics, hovers,
// code lenses, completion, symbols or traces. Everything is collected and searched for the password.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { startSession, posOf, uriOf, REPO, ensureBuilt } from './harness';

const PASSWORD = 'Pa55-w0rd-SECRET-1729';
const ENCODED = encodeURIComponent(PASSWORD);

function project(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cr-secret-'));
  const files: Record<string, string> = {
    'shop/__init__.py': '',
    'shop/celery.py': `from celery import Celery
from kombu import Queue

app = Celery('shop')
app.conf.broker_url = 'amqp://shopuser:${PASSWORD}@127.0.0.1:5999/shop'
app.conf.result_backend = 'redis://:${PASSWORD}@127.0.0.1:6999/1'
app.conf.task_queues = [Queue('celery'), Queue('emails')]
app.conf.task_routes = {'shop.tasks.send_mail': {'queue': 'emails'}, 'shop.tasks.nope': 'x'}
`,
    'shop/tasks.py': `from shop.celery import app

@app.task
def send_mail(to):
    return to

def signup(user):
    send_mail.delay(user.email)
`,
    'Procfile': `worker: celery -A shop worker -Q celery -b amqp://shopuser:${PASSWORD}@127.0.0.1:5999/shop\n`,
  };
  for (const [p, t] of Object.entries(files)) { mkdirSync(dirname(join(dir, p)), { recursive: true }); writeFileSync(join(dir, p), t); }
  return dir;
}

const leaks = (text: string) => text.includes(PASSWORD) || text.includes(ENCODED);

test('no CLI command prints the broker password, whatever the format', () => {
  ensureBuilt();
  const dir = project();
  const runs = [
    ['tasks', dir], ['tasks', dir, '--json'], ['queues', dir], ['queues', dir, '--json'],
    ['route', 'shop.tasks.send_mail', '--root', dir], ['route', 'shop.tasks.send_mail', '--root', dir, '--json'],
    ['check', dir], ['check', dir, '--format', 'json'], ['check', dir, '--format', 'sarif'],
    ['graph', dir], ['graph', dir, '--format', 'json'], ['graph', dir, '--format', 'dot'],
    ['definitions', dir], ['broker', dir], ['broker', dir, '--json'],
  ];
  let collected = 0;
  for (const args of runs) {
    const r = spawnSync(process.execPath, [join(REPO, 'dist', 'cli.js'), ...args], { encoding: 'utf8', timeout: 60000 });
    const out = `${r.stdout}\n${r.stderr}`;
    collected += out.length;
    assert.ok(!leaks(out), `celery-routing ${args.join(' ')} printed the password:\n${out}`);
  }
  // the broker command must have tried (and failed) with the URL from the config: proof the URL was used
  const b = spawnSync(process.execPath, [join(REPO, 'dist', 'cli.js'), 'broker', dir], { encoding: 'utf8', timeout: 60000 });
  assert.notEqual(b.status, 0);
  assert.match(b.stderr, /shopuser:\*\*\*@127\.0\.0\.1:5999/);
  assert.ok(collected > 2000, 'the commands produced output to search');
});

test('the language server never shows the password: logs, diagnostics, hovers, lenses, completion, symbols, traces', async () => {
  const dir = project();
  const s = await startSession([dir]);
  try {
    const celeryPy = join(dir, 'shop/celery.py');
    const tasksPy = join(dir, 'shop/tasks.py');
    const celeryText = readFileSync(celeryPy, 'utf8');
    await s.open(celeryPy);
    await s.open(tasksPy);
    await s.open(join(dir, 'Procfile'), readFileSync(join(dir, 'Procfile'), 'utf8'));
    await s.waitFor('textDocument/publishDiagnostics', (p) => p.uri === uriOf(tasksPy), 30000);
    const answers: unknown[] = [];
    const ask = async (method: string, params: unknown) => { answers.push(await s.conn.sendRequest(method, params).catch((e: Error) => e.message)); };
    for (const needle of ['broker_url', 'amqp://', 'result_backend', "'emails'", 'Queue(']) {
      await ask('textDocument/hover', { textDocument: { uri: uriOf(celeryPy) }, position: posOf(celeryText, needle, 2) });
    }
    await ask('textDocument/completion', { textDocument: { uri: uriOf(celeryPy) }, position: posOf(celeryText, 'app.conf.broker_url', 10) });
    for (const f of [celeryPy, tasksPy]) {
      await ask('textDocument/codeLens', { textDocument: { uri: uriOf(f) } });
      await ask('textDocument/documentSymbol', { textDocument: { uri: uriOf(f) } });
    }
    await ask('workspace/symbol', { query: '' });
    await ask('celery/tasks', {});
    await ask('celery/routeTrace', { task: 'shop.tasks.send_mail' });
    await ask('celery/graph', {});
    const everything = JSON.stringify({ notifications: s.notifications, answers });
    assert.ok(everything.length > 2000, 'the server produced output to search');
    assert.ok(!leaks(everything), `the password appears in what the server sent:\n${everything.slice(Math.max(0, everything.indexOf(ENCODED) > -1 && everything.indexOf(PASSWORD) < 0 ? everything.indexOf(ENCODED) - 400 : everything.indexOf(PASSWORD) - 400), (everything.indexOf(PASSWORD) > -1 ? everything.indexOf(PASSWORD) : everything.indexOf(ENCODED)) + 100)}`);
  } finally {
    await s.stop();
  }
});
