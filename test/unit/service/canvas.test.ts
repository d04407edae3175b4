// Canvas sends (model/canvas.ts): which parts get the group / chain / chord options, the diagnostics about
// it and the trace step. Where each part goes is checked against real Celery by oracle fixture 62.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { FIXTURES, inlineProject } from './helpers';
import { openProject } from '../../../server/src/service/project';
import { computeDiagnostics } from '../../../server/src/service/diagnostics';

const DIR = join(FIXTURES, '62_canvas_options');

test('canvas parts: options merged per Celery, steps named, overrides and first-task-only chains reported', async () => {
  const p = await openProject(DIR);
  const src = p.ws.modules.get('flows.send')!;
  const parts = p.ws.callsOf(src).filter((c) => c.canvas);
  const at = (line: number) => parts.filter((c) => c.loc.range.start.line === line - 1).map((c) => ({ task: c.taskName, step: c.canvas!.step, queue: p.routeCall(c)!.queue }));
  // chain(fetch, render, thumbnail.set(queue='urgent')).apply_async(queue='bulk'): only fetch gets 'bulk'
  assert.deepEqual(at(22), [
    { task: 'flows.app.fetch', step: 'now', queue: 'bulk' },
    { task: 'flows.app.render', step: 'after-previous', queue: 'reports' },
    { task: 'flows.app.thumbnail', step: 'after-previous', queue: 'urgent' },
  ]);
  // (group | si) is a chord: the body is published by the backend, with the options of the send
  assert.deepEqual(at(43).map((x) => [x.step, x.queue]), [['now', 'urgent'], ['now', 'urgent'], ['chord-body', 'urgent']]);
  const body = parts.find((c) => c.canvas!.step === 'chord-body' && c.loc.range.start.line === 30)!;
  assert.match(p.routeCall(body)!.steps[0], /^chord sent at flows\/send\.py:31: the body is published by the result backend/);

  const diags = computeDiagnostics(p);
  const lines = (code: string) => diags.filter((d) => d.code === code).map((d) => d.loc.range.start.line + 1);
  assert.deepEqual(lines('canvas-overrides-signature'), [9, 31, 47]);
  assert.deepEqual(lines('chain-options-first-task'), [22, 22]);
  const o = diags.find((d) => d.code === 'canvas-overrides-signature')!;
  assert.match(o.message, /replaces this signature's own queue with queue='bulk'.*'flows\.app\.thumbnail' goes to 'bulk'/);
  assert.equal(o.related?.[0].loc.range.start.line, 8);
});

test('a group sent without options leaves each part its own options', async () => {
  const p = await openProject(DIR);
  const src = p.ws.modules.get('flows.send')!;
  // group_without_options: parts keep their own options (thumbnail .set(queue='urgent'))
  const own = p.ws.callsOf(src).filter((c) => c.loc.range.start.line === 16);
  assert.deepEqual(own.map((c) => p.routeCall(c)!.queue), ['celery', 'reports', 'urgent']);
  assert.ok(own.every((c) => !c.canvas?.overridden));
});

test('a nested group with its own options: the override names the value that won', async () => {
  const { p } = await inlineProject({
    'app.py': "from celery import Celery, chain, group\napp = Celery('a')\n\n@app.task\ndef a():\n    pass\n\n@app.task\ndef b():\n    pass\n\ndef run():\n    chain(group(a.s().set(queue='mine'), queue='grouped'), b.s()).delay()\n",
  });
  const d = computeDiagnostics(p).filter((x) => x.code === 'canvas-overrides-signature');
  assert.equal(d.length, 1);
  assert.match(d[0].message, /replaces this signature's own queue with queue='grouped'/);
  assert.ok(!computeDiagnostics(p).some((x) => x.code === 'internal-error'));
});
