// The client's side of the secrets rule: the broker explorer's tree (labels, descriptions, tooltips), its
// session errors and log lines, and a tap's output lines, produced from real connections whose URLs carry a
// password — to a real RabbitMQ user that has it, to a closed port, with a wrong password, to a closed Redis.
// Every string is collected; the password (plain or URL-encoded) must be in none, and the redacted URL must be
// shown (so the collection could fail).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildConnections, withPassword, type ConnectionDef } from '../../client/src/explorer/connections';
import { Session } from '../../client/src/explorer/session';
import { allNodes, buildConnectionNode } from '../../client/src/explorer/model';
import { describeBrokerError, explorerLog, tapLog } from '../../client/src/logLines';
import { tapLines } from '../../client/src/render';
import { loadSnapshot } from '../../server/src/broker/snapshot';
import { startTap, type TappedMessage } from '../../server/src/broker/rabbitmqTap';
import { publishTask } from '../../server/src/broker/operations';
import { acquireRabbitShared, eventually, need, withVhost } from './helpers';

const PASSWORD = 'Cl1ent-SECRET-4242/x';
const ENCODED = encodeURIComponent(PASSWORD);

async function mgmtUser(method: 'PUT' | 'DELETE', user: string): Promise<void> {
  const r = await fetch(`http://127.0.0.1:15672/api/users/${encodeURIComponent(user)}`, {
    method,
    headers: { authorization: `Basic ${Buffer.from('guest:guest').toString('base64')}`, 'content-type': 'application/json' },
    body: method === 'PUT' ? JSON.stringify({ password: PASSWORD, tags: '' }) : undefined,
  });
  assert.ok(r.ok || (method === 'DELETE' && r.status === 404), `${method} user: HTTP ${r.status}`);
}

/** What the explorer shows and logs for one connection after connecting. */
async function explorerStrings(def: ConnectionDef): Promise<string[]> {
  const out = [explorerLog.connecting(def.redacted)];
  const url = withPassword(def.url, def.configPassword ?? null);
  const session = new Session({ load: () => loadSnapshot(url, { timeoutMs: 3000 }), intervalMs: () => 0, onChange: () => undefined, describeError: describeBrokerError });
  await session.connect();
  if (session.error) out.push(explorerLog.failed(def.redacted, session.error), session.error);
  else out.push(explorerLog.snapshot(def.redacted, 12));
  const root = buildConnectionNode({ def, readOnly: def.readOnly, state: session.state, snapshot: session.snapshot, error: session.error, failures: session.failures, nextRetryMs: session.nextRetryMs });
  for (const n of allNodes([root])) out.push(n.label, n.description ?? '', typeof n.tooltip === 'string' ? n.tooltip : JSON.stringify(n.tooltip ?? ''));
  session.disconnect();
  return out;
}

test('client: explorer tree, session errors, log lines and tap lines never show a broker password', { timeout: 120000 }, async (t) => {
  if (!(await need(t, 'rabbitmq'))) return;
  const release = await acquireRabbitShared();
  const user = `cr-secret-${process.pid}`;
  const seen: string[] = [];
  try {
    await mgmtUser('PUT', user);
    await withVhost(async (_url, vhost, mgmt) => {
      await mgmt.setPermissions(vhost, user);
      const good = `amqp://${user}:${ENCODED}@127.0.0.1:5672/${vhost}`;
      const defs = buildConnections([
        { app: 'shop.celery:app', url: good },
        { app: 'closed', url: `amqp://${user}:${ENCODED}@127.0.0.1:5999/${vhost}` },
        { app: 'wrong', url: `amqp://${user}-nobody:${ENCODED}@127.0.0.1:5672/${vhost}` },
        { app: 'redis', url: `redis://:${ENCODED}@127.0.0.1:6999/1` },
      ], []);
      assert.equal(defs.length, 4);
      const states: string[] = [];
      for (const def of defs) {
        seen.push(...(await explorerStrings(def)));
        states.push(def.redacted);
      }
      // the good one connected (a real snapshot was rendered), the others failed with a message
      assert.ok(seen.some((s) => /RabbitMQ \d/.test(s)), 'the good connection shows the server');
      assert.ok(seen.filter((s) => s.startsWith('[explorer] ') && s.includes(': ') && !s.includes('snapshot in')).length >= 3, 'three failures logged');

      // a tap on the good connection, with a real message, and one on the closed port
      const where = defs[0].redacted;
      seen.push(tapLog.start('amq.topic', where));
      const got: TappedMessage[] = [];
      const tap = await startTap(withPassword(defs[0].url, defs[0].configPassword ?? null), { exchange: 'amq.topic', exchangeType: 'topic', onMessage: (m) => got.push(m) });
      try {
        seen.push(tapLog.listening(tap));
        await publishTask(good, { task: 'shop.tasks.send_mail', exchange: 'amq.topic', routingKey: 'mail.x', args: ['a@example.com'] });
        await eventually(async () => got.length, (n) => n > 0, 5000, 50);
        for (const m of got) seen.push(...tapLines(m));
      } finally {
        await tap.stop();
      }
      try {
        await startTap(withPassword(defs[1].url, defs[1].configPassword ?? null), { exchange: 'amq.topic', exchangeType: 'topic', timeoutMs: 2000 });
        assert.fail('the tap on a closed port started');
      } catch (e) {
        seen.push(tapLog.couldNotStart(e), tapLog.retry(e, 1, 1000), tapLog.stopped(e), tapLog.warn(`amq.topic @ ${defs[1].redacted}`, e));
      }
      t.diagnostic(`${seen.length} client strings from ${states.length} connections and 2 taps`);
    });
  } finally {
    await mgmtUser('DELETE', user).catch(() => undefined);
    release();
  }
  const leaks = seen.filter((s) => s.includes(PASSWORD) || s.includes(ENCODED));
  assert.deepEqual(leaks, [], 'strings showing the password');
  assert.ok(seen.some((s) => s.includes(`${user}:***@127.0.0.1`)), 'the redacted URL is shown');
});
