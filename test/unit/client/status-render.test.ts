import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeDrift } from '../../../server/src/broker/drift';
import { planFromTopology } from '../../../server/src/broker/plan';
import { decodeCeleryMessage } from '../../../server/src/broker/celeryMessage';
import { brokerPart, statusText } from '../../../client/src/statusText';
import {
  messageLines, missingPlan, parseArgsInput, peekMarkdown, planIsEmpty, planLines, planSummary, publishSummary, traceMarkdown,
} from '../../../client/src/render';
import { config, q, rabbit, x } from './helpers';

test('status bar: counts, problems, broker state', () => {
  const s = statusText({ server: 'running', counts: { queues: 3, tasks: 1 }, problems: 2, brokers: [] });
  assert.equal(s.text, '$(warning) 3 queues · 1 task · 2 problems');
  assert.equal(statusText({ server: 'running', counts: { queues: 1, tasks: 5 }, problems: 0, brokers: [] }).text, '$(symbol-event) 1 queue · 5 tasks');
  const withBroker = statusText({ server: 'running', counts: { queues: 1, tasks: 1 }, problems: 0, brokers: [{ label: 'local', state: 'connected' }] });
  assert.equal(withBroker.text, '$(symbol-event) 1 queue · 1 task · $(vm-active) broker');
  const away = statusText({ server: 'running', counts: { queues: 1, tasks: 1 }, problems: 0, brokers: [{ label: 'a', state: 'error' }, { label: 'b', state: 'connected' }] });
  assert.match(away.text, /\$\(debug-disconnect\) 1\/2 brokers away$/);
  assert.equal(away.background, 'warning');
  assert.match(away.tooltip, /a: unavailable/);
  assert.equal(statusText({ server: 'starting', problems: 0, brokers: [] }).text, '$(sync~spin) Celery');
  const failed = statusText({ server: 'failed', problems: 0, brokers: [] });
  assert.equal(failed.background, 'error');
  assert.match(failed.tooltip, /Restart Server/);
  assert.equal(statusText({ server: 'running', counts: null, problems: 0, brokers: [] }).text, '$(sync~spin) Celery');
  assert.equal(brokerPart([{ label: 'x', state: 'disconnected' }]), null);
});

test('missingPlan keeps only what drift says is missing (plus the exchanges its bindings need)', () => {
  const snap = rabbit([x('default', 'direct', [['default', 'default']])], [q('default'), q('lonely')]);
  const drift = computeDrift(config, snap);
  const plan = missingPlan(planFromTopology(config), drift);
  assert.deepEqual(plan.queues.map((p) => p.name), ['payments']);
  assert.deepEqual(plan.exchanges.map((e) => e.name).sort(), ['default', 'events']);
  assert.deepEqual(plan.bindings.map((b) => `${b.exchange}:${b.routingKey}:${b.queue}`).sort(), ['default:lonely:lonely', 'events:payment.#:payments']);
  assert.equal(planSummary(plan), '2 exchange(s), 1 queue(s), 2 binding(s)');
  assert.ok(planLines(plan).some((l) => l.startsWith('queue     payments {"x-max-priority":10}')));
  const full = rabbit(
    [x('default', 'direct', [['default', 'default'], ['lonely', 'lonely']]), x('events', 'topic', [['payments', 'payment.#']])],
    [q('default'), q('lonely'), q('payments', { arguments: { 'x-max-priority': 10 } })],
  );
  assert.equal(planIsEmpty(missingPlan(planFromTopology(config), computeDrift(config, full))), true);
});

test('parseArgsInput accepts lists, bare values, kwargs objects; rejects non-JSON', () => {
  assert.deepEqual(parseArgsInput(''), { args: [], kwargs: {} });
  assert.deepEqual(parseArgsInput('[1, "a"]'), { args: [1, 'a'], kwargs: {} });
  assert.deepEqual(parseArgsInput('1, 2'), { args: [1, 2], kwargs: {} });
  assert.deepEqual(parseArgsInput('{"x": 1}'), { args: [], kwargs: { x: 1 } });
  assert.deepEqual(parseArgsInput('{"args": [1], "kwargs": {"y": 2}}'), { args: [1], kwargs: { y: 2 } });
  assert.ok('error' in parseArgsInput('[1,'));
});

test('peek and trace renderings', () => {
  const m = decodeCeleryMessage({
    body: JSON.stringify([[2, 3], { z: 1 }, {}]),
    contentType: 'application/json',
    headers: { task: 'proj.tasks.add', id: 'abc', argsrepr: '(2, 3)', kwargsrepr: "{'z': 1}", retries: 0 },
    priority: 5,
    exchange: '',
    routingKey: 'default',
  });
  const lines = messageLines(m, 1);
  assert.equal(lines[0], '1. proj.tasks.add  [abc]');
  assert.equal(lines[1], "   args (2, 3)  kwargs {'z': 1}");
  assert.match(lines[2], /priority 5 · via '' \/ default · application\/json/);
  const md = peekMarkdown({ queue: 'default', messages: [m], countBefore: 4, countAfter: 4, notes: ['peeking marks messages redelivered'] }, 'amqp://app:***@h//');
  assert.match(md, /1 of 4 ready message\(s\) shown; they are still in the queue \(4 ready after peeking\)/);
  assert.match(md, /> peeking marks messages redelivered/);
  const t = traceMarkdown({
    task: 'proj.tasks.add', title: 'task proj.tasks.add', summary: '→ default · consumed by w1', lines: ['task proj.tasks.add', '  queue default'],
    unknowns: [], related: [{ label: 'queue default', uri: 'file:///p/celeryconfig.py', range: { start: { line: 3, character: 0 }, end: { line: 3, character: 1 } } }],
  });
  assert.match(t, /^# task proj\.tasks\.add\n/);
  assert.match(t, /```text\ntask proj\.tasks\.add\n  queue default\n```/);
  assert.match(t, /\[queue default\]\(file:\/\/\/p\/celeryconfig\.py#L4\)/);
  assert.equal(publishSummary({ id: 'i', exchange: '', routingKey: 'q', routed: true, queues: ['q'], message: '' }), 'Published i to the default exchange with key "q" → q.');
  assert.match(publishSummary({ id: 'i', exchange: 'x', routingKey: 'k', routed: false, queues: [], message: 'NO_ROUTE' }), /unroutable: NO_ROUTE/);
});
