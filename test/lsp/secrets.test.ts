// Secrets: a broker password written in the configuration must never reach any UI string or log line —
// not the CLI's output (every command, every format), not the language server's logs, diagnostics, hovers,
// code lenses, completion, symbols or traces, not the extension's own output channels, notifications, documents
// and tree (its client code run against real brokers with a stand-in `vscode`, fake-vscode.ts). Everything is
// collected and searched for the password.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { startSession, posOf, uriOf, REPO, ensureBuilt } from './harness';
import { fakeVscode, installFakeVscode, record, runCommand, shown, ui } from './fake-vscode';
import { acquireRabbitShared, acquireRedisShared, eventually, need, RABBIT_BASE, REDIS_URL } from '../broker/helpers';
import { RabbitManagementClient } from '../../server/src/broker/rabbitmqManagement';
import { publishTask } from '../../server/src/broker/operations';
import { openRedis } from '../../server/src/broker/redis';
import { parseBrokerUrl } from '../../server/src/broker/url';
import { TOPOLOGY_REQUEST, type TopologyResult } from '../../shared/protocol';
import type { TreeNode } from '../../client/src/explorer/model';
import type { UserBrokerSetting } from '../../client/src/explorer/connections';

const PASSWORD = 'Pa55-w0rd-SECRET-1729';
const ENCODED = encodeURIComponent(PASSWORD);

function project(brokerUrl = `amqp://shopuser:${PASSWORD}@127.0.0.1:5999/shop`): string {
  const dir = mkdtempSync(join(tmpdir(), 'cr-secret-'));
  const files: Record<string, string> = {
    'shop/__init__.py': '',
    'shop/celery.py': `from celery import Celery
from kombu import Queue

app = Celery('shop')
app.conf.broker_url = '${brokerUrl}'
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
    'Procfile': `worker: celery -A shop worker -Q celery -b ${brokerUrl}\n`,
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

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

test('the extension client never shows the password: explorer, taps and commands against real brokers — output channels, notifications, documents, tree', { timeout: 240000 }, async (t) => {
  if (!(await need(t, 'rabbitmq')) || !(await need(t, 'redis'))) return;
  installFakeVscode();
  // (required only now: they load `vscode`)
  const { BrokerExplorer } = require('../../client/src/explorer/explorer') as typeof import('../../client/src/explorer/explorer');
  const { TapManager } = require('../../client/src/tap') as typeof import('../../client/src/tap');
  const { ReadonlyDocs } = require('../../client/src/docs') as typeof import('../../client/src/docs');
  const { registerCommands } = require('../../client/src/commands') as typeof import('../../client/src/commands');
  const { secretKey, stripPassword } = require('../../client/src/explorer/connections') as typeof import('../../client/src/explorer/connections');
  const releases = [await acquireRabbitShared(), await acquireRedisShared()];
  const cleanup: Array<() => unknown> = [];
  const id = randomBytes(3).toString('hex');
  try {
    // RabbitMQ: a vhost and a user whose only password is PASSWORD (so connecting proves it was sent), and a
    // user with another password (so PASSWORD is a wrong one there)
    const rabbit = parseBrokerUrl(RABBIT_BASE);
    const mgmt = new RabbitManagementClient(RABBIT_BASE, { timeoutMs: 10000 });
    const adminAuth = 'Basic ' + Buffer.from(`${rabbit.username ?? 'guest'}:${rabbit.password ?? 'guest'}`).toString('base64');
    const admin = async (method: string, path: string, body?: unknown): Promise<unknown> => {
      const r = await fetch(mgmt.base + path, { method, headers: { authorization: adminAuth, 'content-type': 'application/json', 'x-reason': 'secrets test' }, body: body === undefined ? undefined : JSON.stringify(body) });
      if (!r.ok && r.status !== 404) throw new Error(`${method} ${path}: HTTP ${r.status} ${await r.text()}`);
      return r.status === 200 ? r.json().catch(() => null) : null;
    };
    const vhost = `cr-secret-${id}`;
    const user = `cr-secret-${id}`;
    const other = `cr-secret-other-${id}`;
    await mgmt.putVhost(vhost);
    cleanup.push(() => mgmt.deleteVhost(vhost));
    for (const [name, pw] of [[user, PASSWORD], [other, `other-${id}-pw`]]) {
      await admin('PUT', `/api/users/${encodeURIComponent(name)}`, { password: pw, tags: 'management' });
      cleanup.push(() => admin('DELETE', `/api/users/${encodeURIComponent(name)}`));
      await mgmt.setPermissions(vhost, name);
    }
    // Redis: the same with ACL users (db 14)
    const redis = parseBrokerUrl(REDIS_URL);
    const ruser = `cr-secret-${id}`;
    const rother = `cr-secret-other-${id}`;
    const redisAdmin = async (args: string[]) => {
      const c = await openRedis(REDIS_URL);
      try {
        return await c.sendCommand(args);
      } finally {
        c.destroy();
      }
    };
    await redisAdmin(['ACL', 'SETUSER', ruser, 'on', `>${PASSWORD}`, '~*', '&*', '+@all']);
    await redisAdmin(['ACL', 'SETUSER', rother, 'on', `>other-${id}-pw`, '~*', '&*', '+@all']);
    cleanup.push(() => redisAdmin(['ACL', 'DELUSER', ruser, rother]));
    const redisDb = `${redis.host}:${redis.port}/14`;
    const wipe = async () => {
      const c = await openRedis(`redis://${redisDb}`);
      try {
        await c.flushDb();
      } finally {
        c.destroy();
      }
    };
    await wipe();
    cleanup.push(wipe);
    const refused = await closedPort();

    // The workspace's broker_url carries the password; the language server hands it to the client (to connect)
    const rabbitUrl = `amqp://${user}:${PASSWORD}@${rabbit.host}:${rabbit.port}/${vhost}`;
    const dir = project(rabbitUrl);
    const lsp = await startSession([dir]);
    cleanup.push(() => lsp.stop());
    await lsp.open(join(dir, 'shop/celery.py'));
    await lsp.open(join(dir, 'shop/tasks.py'));
    await lsp.waitFor('textDocument/publishDiagnostics', (p) => p.uri === uriOf(join(dir, 'shop/tasks.py')), 30000);
    const topology = (await lsp.conn.sendRequest(TOPOLOGY_REQUEST, {})) as TopologyResult;
    assert.equal(topology.brokerUrls[0]?.url, rabbitUrl, 'the server passes the URL with its password, to connect');

    // The user's connections (settings hold no password; SecretStorage does), the ways they fail included
    const settings: UserBrokerSetting[] = [
      { name: 'redis ok', url: `redis://${ruser}@${redisDb}` },
      { name: 'rabbit wrong password', url: `amqp://${other}@${rabbit.host}:${rabbit.port}/${vhost}` },
      { name: 'redis wrong password', url: `redis://${rother}@${redisDb}` },
      // (the explorer reads RabbitMQ through the management API: point that at the closed port too)
      { name: 'rabbit refused', url: `amqp://${user}@127.0.0.1:${refused}/${vhost}`, managementUrl: `http://127.0.0.1:${refused}` },
      { name: 'redis refused', url: `redis://${ruser}@127.0.0.1:${refused}/14` },
      { name: 'no such host', url: `redis://${ruser}@no-such-host.invalid:6379/14` },
      // written into settings.json with its password despite the advice: never shown (and not used)
      { name: 'password in settings', url: `amqp://${user}:${PASSWORD}@127.0.0.1:${refused}/typed` },
    ];
    const secrets = new Map<string, string>();
    for (const st of settings.slice(0, 6)) secrets.set(secretKey(st.url), PASSWORD);
    const state = new Map<string, unknown>();
    const context = {
      secrets: {
        get: async (k: string) => secrets.get(k),
        store: async (k: string, v: string) => void secrets.set(k, v),
        delete: async (k: string) => void secrets.delete(k),
        onDidChange: new fakeVscode.EventEmitter<unknown>().event,
      },
      globalState: { get: (k: string) => state.get(k), update: async (k: string, v: unknown) => void state.set(k, v), keys: () => [...state.keys()] },
      subscriptions: [],
      asAbsolutePath: (p: string) => join(REPO, p),
    };
    const config = {
      brokers: settings, refreshIntervalMs: 0, autoConnectLocal: false, showAllVhosts: false, peekCount: 10, brokerTimeoutMs: 3000,
      managementUrl: undefined as string | undefined,
      async addBroker(e: UserBrokerSetting) { settings.push(e); },
      async updateBroker(url: string, patch: Partial<UserBrokerSetting> | null) {
        const i = settings.findIndex((b) => stripPassword(b.url).url === url);
        if (i < 0) return false;
        if (patch === null) settings.splice(i, 1);
        else settings[i] = { ...settings[i], ...patch };
        return true;
      },
      server: () => ({}),
    };
    const output = fakeVscode.window.createOutputChannel('Celery Routing', { log: true });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const explorer = new BrokerExplorer(context as any, config as any, output as any);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const taps = new TapManager(output as any);
    const docs = new ReadonlyDocs();
    cleanup.push(() => taps.stopAll(), () => explorer.dispose(), () => docs.dispose());
    const ctx = {
      context, config, output, docs, explorer, taps,
      request: (method: string, params: unknown) => lsp.conn.sendRequest(method, params),
      fetchTopology: async () => topology,
      scheduleTopology: () => undefined,
      restart: async () => undefined,
    };
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    for (const d of registerCommands(ctx as any)) cleanup.push(() => d.dispose());
    explorer.setTopology(topology);

    const conn = (label: string) => {
      const c = explorer.list().find((x: { def: { label: string; source: string } }) => x.def.label === label || (label === 'config' && x.def.source === 'config'));
      assert.ok(c, `connection ${label}`);
      return c;
    };
    const node = (label: string, extra: Partial<TreeNode>): TreeNode => ({
      id: `${label}-node`, kind: 'queue', label: '', icon: { id: 'x' }, collapsible: 'none', children: [], contextValue: '', drift: [],
      connectionId: conn(label).def.id, ...extra,
    });
    ui.inputBox = (o) => (o.title?.startsWith('Arguments') ? '["someone@example.com"]' : undefined);

    // connect everything (Connect command: output channel + error notifications)
    for (const c of explorer.list()) await runCommand('celeryRouting.connect', c.def.id);
    assert.equal(conn('config').session.state, 'connected', conn('config').session.error);
    assert.equal(conn('redis ok').session.state, 'connected', conn('redis ok').session.error);
    for (const l of ['rabbit wrong password', 'redis wrong password', 'rabbit refused', 'redis refused', 'no such host', 'password in settings']) {
      assert.equal(conn(l).session.state, 'error', `${l}: ${conn(l).session.error}`);
    }

    // what the explorer does on the two live connections: declare, publish, tap, peek, drift, purge
    for (const l of ['config', 'redis ok']) {
      await runCommand('celeryRouting.declareMissing', l === 'config' ? conn(l).def.id : node(l, { kind: 'connection' }));
    }
    // (Queue('emails') without an exchange is bound to Celery's default exchange "celery" with key "celery")
    await runCommand('celeryRouting.tapExchange', node('config', { kind: 'exchange', exchange: 'celery', vhost }));
    assert.equal(taps.list().length, 1, 'the tap runs');
    for (const l of ['config', 'redis ok']) {
      await runCommand('celeryRouting.publishTestMessage', node(l, { queue: 'emails', vhost: l === 'config' ? vhost : '14' }));
    }
    // (the engine publishes send_mail through the default exchange, which cannot be tapped: one through "celery")
    await publishTask(rabbitUrl, { task: 'shop.tasks.send_mail', args: ['tapped@example.com'], exchange: 'celery', routingKey: 'celery' });
    assert.ok(await eventually(async () => taps.list()[0]?.count ?? 0, (n) => n > 0, 10000, 50), 'the tap shows the message');
    // the tap loses its connection and cannot get back at once (no permission), then can: retry lines
    // (the management API lists a new connection after a few seconds)
    const tapConns = async () => (((await admin('GET', `/api/vhosts/${encodeURIComponent(vhost)}/connections`)) ?? []) as Array<{ name: string; user: string }>)
      .filter((x) => x.user === user);
    const conns = await eventually(tapConns, (l) => l.length > 0, 20000, 250);
    assert.ok(conns.length > 0, 'the tap\'s connection is listed');
    await admin('DELETE', `/api/permissions/${encodeURIComponent(vhost)}/${encodeURIComponent(user)}`);
    for (const c of conns) await admin('DELETE', `/api/connections/${encodeURIComponent(c.name)}`);
    const tapChannel = () => shown.filter((x) => x.where === 'output:Celery Tap: celery').map((x) => x.text);
    assert.ok(await eventually(async () => tapChannel().some((l) => l.includes('cannot tap yet')), Boolean, 15000, 50), 'the tap retries');
    await mgmt.setPermissions(vhost, user);
    assert.ok(await eventually(async () => tapChannel().filter((l) => l.startsWith('Listening')).length >= 2, Boolean, 20000, 100), 'the tap listens again');
    for (const l of ['config', 'redis ok']) {
      await runCommand('celeryRouting.peekMessages', node(l, { queue: 'emails', vhost: l === 'config' ? vhost : '14' }));
      await runCommand('celeryRouting.showDrift', conn(l).def.id);
      await runCommand('celeryRouting.purgeQueue', node(l, { queue: 'emails', vhost: l === 'config' ? vhost : '14' }));
      await runCommand('celeryRouting.copyName', node(l, { kind: 'connection' }));
    }
    await runCommand('celeryRouting.stopTap');
    // a tap on a broker that is not there (the command refuses a disconnected connection, so straight to the manager)
    const down = conn('rabbit refused');
    await assert.rejects(taps.start(down.def.id, down.def.redacted, await explorer.connectUrl(down.def), { exchange: 'celery', exchangeType: 'direct', bindingKeys: ['celery'], timeoutMs: 2000 }));
    // a command failing on the broker (the command's error line), commands on connections that failed
    await runCommand('celeryRouting.peekMessages', node('config', { queue: 'no-such-queue', vhost }));
    await runCommand('celeryRouting.peekMessages', node('redis wrong password', { queue: 'emails', vhost: '14' }));
    await runCommand('celeryRouting.refresh', conn('no such host').def.id);
    await runCommand('celeryRouting.setPassword', conn('rabbit wrong password').def.id);
    await runCommand('celeryRouting.removeConnection', conn('password in settings').def.id);
    // Add Broker Connection with the password typed into the URL: it goes to SecretStorage, then connects (refused)
    ui.inputBox = (o) => (o.title === 'Add Broker Connection (1/3)' ? `amqp://${user}:${PASSWORD}@127.0.0.1:${refused}/added` : o.title === 'Add Broker Connection (3/3)' ? 'added' : undefined);
    await runCommand('celeryRouting.addConnection');
    assert.equal(secrets.get(secretKey(`amqp://${user}@127.0.0.1:${refused}/added`)), PASSWORD, 'the typed password went to SecretStorage');
    assert.ok(!settings.some((b) => b.url.includes(PASSWORD) && b.name === 'added'), 'and not into the settings');
    assert.equal(conn('added').session.state, 'error');
    await runCommand('celeryRouting.publishTestMessage', node('rabbit refused', { queue: 'emails' })); // not connected: refused by the gate
    await runCommand('celeryRouting.stopTap');
    // the tree, every item
    explorer.rebuild();
    const walk = (nodes: TreeNode[]) => {
      for (const n of nodes) {
        const item = explorer.getTreeItem(n);
        record('tree', item.label, item.description ?? '', (item.tooltip as { value?: string } | undefined)?.value ?? '');
        walk(explorer.getChildren(n));
      }
    };
    walk(explorer.getChildren());

    const text = shown.map((x) => `${x.where}: ${x.text}`).join('\n');
    const at = Math.max(text.indexOf(PASSWORD), text.indexOf(ENCODED));
    assert.ok(!leaks(text), `the client showed the password:\n${text.slice(Math.max(0, at - 600), at + 200)}`);
    // … while it showed plenty, with the redacted form of the URLs, the failures and what was done
    const out = shown.filter((x) => x.where === 'output:Celery Routing').map((x) => x.text).join('\n');
    const tap = tapChannel().join('\n');
    t.diagnostic(`${shown.length} strings shown (${text.length} characters): ${out.split('\n').length} output channel lines, ${tapChannel().length} tap channel lines`);
    assert.ok(text.split(':***@').length - 1 >= 10, 'redacted URLs are shown');
    const esc = (v: string) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    assert.match(out, new RegExp(`connecting to amqp://${esc(user)}:\\*\\*\\*@${esc(rabbit.host)}:${rabbit.port}/${esc(vhost)}`));
    assert.match(out, /snapshot in \d+ ms/);
    for (const [why, re] of [
      ['refused', new RegExp(`${esc(user)}:\\*\\*\\*@127\\.0\\.0\\.1:${refused}/${esc(vhost)}: connection refused`)],
      ['wrong RabbitMQ password', /rejected the credentials \(401\)|login refused/],
      ['wrong Redis password', new RegExp(`redis://${esc(rother)}:\\*\\*\\*@${esc(redisDb)}: authentication failed`)],
      ['unknown host', /no-such-host\.invalid:6379\/14: (host name not found|no answer after)/],
    ] as const) assert.match(out, re, `${why} is logged`);
    for (const what of ['[declare] on', '[publish] shop.tasks.send_mail on', '[purge] emails on', 'celeryRouting.peekMessages: ']) assert.ok(out.includes(what), `"${what}" is logged`);
    assert.match(tap, new RegExp(`Tapping exchange "celery" on amqp://${esc(user)}:\\*\\*\\*@`));
    assert.match(tap, /Listening[\s\S]*shop\.tasks\.send_mail[\s\S]*reconnecting…[\s\S]*cannot tap yet \(.+\)[\s\S]*Listening[\s\S]*Stopped after \d+ message/);
    assert.match(tap, /Could not start: .*connection refused/);
    assert.ok(shown.some((x) => x.where === 'error message' && /connection refused|authentication failed/.test(x.text)), 'errors are notified');
    assert.ok(shown.some((x) => x.where.startsWith('document ') && x.text.includes('Peek')), 'the peek documents are shown');
    assert.ok(shown.some((x) => x.where === 'tree'), 'tree items');
  } finally {
    for (const c of cleanup.reverse()) await Promise.resolve().then(c).catch((e) => t.diagnostic(`cleanup: ${String(e)}`));
    for (const r of releases) r();
  }
});
