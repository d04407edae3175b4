/**
 * Canvas options (model/canvas.ts): a group / chord that silently replaces a signature's own options, and
 * a chain whose options reach only its first task. Same contract as rules.ts.
 */
import type { RoutingDiagnostic } from './types';
import type { DiagContext } from './context';
import { show } from '../../model/values';
import { where } from '../trace';

type Rule = (ctx: DiagContext) => RoutingDiagnostic[];

/** `group(t.s().set(queue='a')).apply_async(queue='b')`: the group's option wins (Signature._merge). */
const canvasOverridesSignature: Rule = (ctx) => {
  const out: RoutingDiagnostic[] = [];
  for (const s of ctx.sends) {
    const c = s.call;
    const p = c?.canvas;
    if (!c || !p?.overridden) continue;
    // the call's options are the merged ones: an overridden key holds the canvas's value (nested canvases too)
    const what = p.overridden.map((k) => `${k}=${show(c.options[k]!)}`).join(', ');
    out.push({ code: 'canvas-overrides-signature', severity: 'warning', loc: s.loc,
      message: `The ${p.canvas} sent at ${where(p.sentAt, ctx.project.root)} replaces this signature's own ${p.overridden.join(', ')} with ${what}: Celery merges the ${p.canvas}'s options over the signature's, so '${s.route.task}' goes to '${s.route.queue ?? s.route.exchange}'. Drop one of the two.`,
      related: [{ loc: p.sentAt, message: `the ${p.canvas} is sent here with ${what}` }] });
  }
  return out;
};

/** `chain(a.s(), b.s()).apply_async(queue='x')`: only `a` goes to 'x'; the worker sends `b` with its own options. */
const chainOptionsFirstTaskOnly: Rule = (ctx) => {
  const out: RoutingDiagnostic[] = [];
  for (const s of ctx.sends) {
    const p = s.call?.canvas;
    if (!p || p.canvas !== 'chain' || p.step !== 'after-previous') continue;
    const q = p.canvasOptions.queue;
    if (!q || q.kind !== 'str' || s.route.error || s.route.queue === q.value) continue;
    out.push({ code: 'chain-options-first-task', severity: 'information', loc: s.loc,
      message: `The chain sent at ${where(p.sentAt, ctx.project.root)} with queue=${show(q)} reaches only its first task: the worker that ran the previous step publishes '${s.route.task}' with its own options, so it goes to '${s.route.queue}'. Set the queue on each signature (.set(queue=...)) to keep the chain together.`,
      related: [{ loc: p.sentAt, message: `the chain is sent here with queue=${show(q)}` }] });
  }
  return out;
};

export const CANVAS_RULES: Rule[] = [canvasOverridesSignature, chainOptionsFirstTaskOnly];
