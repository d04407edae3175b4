/**
 * Canvas sends: `group(...)`, `chain(...)` / `a.s() | b.s()`, `chord(header, body)` sent with `.apply_async()`,
 * `.delay()` or a call. Celery hands the canvas's options to some of its parts, and those options override the
 * part's own (`Signature._merge`, canvas.py); verified on Celery 5.2.6 and 5.5.2 (oracle fixture 62):
 *  - group: every part gets them (`group._apply_tasks` → `sig.apply_async(**options)`);
 *  - chain: only the first task (`_chain.run` → `first_task.apply_async(**options)`); the worker that ran a
 *    step publishes the next one with that step's own options (app/trace.py);
 *  - chord: every header part and the body (`chord.run` → `body.options.update(options)`,
 *    `header(**options)`); the body is published by the result backend when the header has finished.
 * Options given to the constructor (`group(*tasks, **options)`) count as canvas options; options given to
 * apply_async win over them.
 */
import type { Expr } from '../parse/ir';
import type { CanvasPart, Loc, TaskOptionKey, Value } from './types';

type Call = Extract<Expr, { t: 'call' }>;
type CanvasOptions = Partial<Record<TaskOptionKey, Value>>;

export interface CanvasHooks {
  /** What the evaluator tells us about a callee: which canvas constructor, if any. */
  kindOf: (fn: Expr) => 'group' | 'chain' | 'chord' | undefined;
  /** Options among a call's keyword arguments: a sending call's (`queue=`, `**opts`), or a constructor's
   * (`group(..., queue=...)`, `options={...}` too: it builds a Signature). */
  optionsOf: (call: Call, constructor: boolean) => CanvasOptions;
  /** True for a signature expression (`t.s()`, `t.si()`, `t.signature()`, `signature('name')`, `.set()`). */
  isSignature: (e: Expr) => boolean;
}

/** What a signature expression inside a sent canvas receives. */
export interface PartOverride { options: CanvasOptions; part: CanvasPart }

type Node =
  | { k: 'sig'; e: Expr }
  | { k: 'group'; parts: Node[]; opts: CanvasOptions }
  | { k: 'chain'; parts: Node[]; opts: CanvasOptions }
  | { k: 'chord'; header: Node[]; body: Node | undefined; opts: CanvasOptions }
  | { k: 'opaque' };

/**
 * The canvas sent by `call`, if it is a canvas send: `X.apply_async(...)`, `X.delay(...)` or `X(...)` with X a
 * canvas expression. Returns each part's override, keyed by its signature expression.
 */
export function canvasSend(call: Call, loc: Loc, h: CanvasHooks): Map<Expr, PartOverride> | undefined {
  let target: Expr;
  let opts: CanvasOptions = {};
  let bodyArg: Expr | undefined;
  if (call.fn.t === 'attr' && (call.fn.name === 'apply_async' || call.fn.name === 'delay')) {
    target = call.fn.obj;
    if (call.fn.name === 'apply_async') opts = h.optionsOf(call, false);
    // chord.apply_async(args, kwargs={'body': sig}) is rare; chord(header)(body) is the usual form
  } else {
    target = call.fn;
    opts = h.optionsOf(call, false);
    bodyArg = call.args[0] ?? call.kwargs.find((k) => k.name === 'body')?.value;
  }
  let node = build(target, h);
  if (!node || node.k === 'sig' || node.k === 'opaque') return undefined;
  if (node.k === 'chord' && !node.body && bodyArg && call.fn.t !== 'attr') node = { ...node, body: build(bodyArg, h) ?? { k: 'opaque' } };
  const out = new Map<Expr, PartOverride>();
  distribute(node, opts, out, { sentAt: loc, canvas: node.k, step: 'now', canvasOptions: { ...node.opts, ...opts } });
  return out;
}

interface Ctx { sentAt: Loc; canvas: 'group' | 'chain' | 'chord'; step: CanvasPart['step']; canvasOptions: CanvasOptions }

function distribute(n: Node, opts: CanvasOptions, out: Map<Expr, PartOverride>, ctx: Ctx): void {
  switch (n.k) {
    case 'sig':
      out.set(n.e, { options: opts, part: { canvas: ctx.canvas, step: ctx.step, sentAt: ctx.sentAt, canvasOptions: ctx.canvasOptions } });
      return;
    case 'group': {
      const o = { ...n.opts, ...opts };
      for (const p of n.parts) distribute(p, o, out, ctx);
      return;
    }
    case 'chain': {
      const o = { ...n.opts, ...opts };
      n.parts.forEach((p, i) => distribute(p, i === 0 ? o : {}, out, i === 0 ? ctx : { ...ctx, step: 'after-previous' }));
      return;
    }
    case 'chord': {
      const o = { ...n.opts, ...opts };
      for (const p of n.header) distribute(p, o, out, ctx);
      if (n.body) distribute(n.body, o, out, { ...ctx, step: 'chord-body' });
      return;
    }
    case 'opaque':
      return;
  }
}

/** A canvas expression as a tree; undefined when `e` is not one. */
function build(e: Expr, h: CanvasHooks): Node | undefined {
  if (h.isSignature(e)) return { k: 'sig', e };
  if (e.t === 'binop' && e.op === '|') {
    const l = build(e.l, h);
    const r = build(e.rgt, h) ?? { k: 'opaque' as const };
    if (!l) return undefined;
    return pipe(l, r);
  }
  if (e.t !== 'call') return undefined;
  // chord(header)(body): the inner call is the chord, the outer call sends it
  const kind = h.kindOf(e.fn);
  if (!kind) return undefined;
  const opts = h.optionsOf(e, true);
  if (kind === 'chord') {
    const headerE = e.args[0] ?? e.kwargs.find((k) => k.name === 'header')?.value;
    const bodyE = e.args[1] ?? e.kwargs.find((k) => k.name === 'body')?.value;
    const header = headerE ? partsOf([headerE], h, true) : [];
    return { k: 'chord', header, body: bodyE ? build(bodyE, h) ?? { k: 'opaque' } : undefined, opts };
  }
  return { k: kind, parts: partsOf(e.args, h, kind === 'group'), opts };
}

/** `group(a, b)`, `group([a, b])`, `chain(a, b)`, `chain([a, b])`: the parts. */
function partsOf(args: Expr[], h: CanvasHooks, asGroup: boolean): Node[] {
  if (args.length === 1 && (args[0].t === 'list' || args[0].t === 'tuple')) return args[0].items.map((x) => build(x, h) ?? { k: 'opaque' as const });
  if (args.length === 1 && asGroup) {
    const n = build(args[0], h);
    if (n?.k === 'group') return groupParts(n);
  }
  return args.map((x) => build(x, h) ?? { k: 'opaque' as const });
}

/** A group's parts, each still carrying the group's own options when it has some (a group used as a header). */
function groupParts(g: Extract<Node, { k: 'group' }>): Node[] {
  return Object.keys(g.opts).length ? g.parts.map((p) => ({ k: 'group', parts: [p], opts: g.opts })) : g.parts;
}

/** `l | r` the way Celery's `__or__` builds it: group | x → chord(group, body=x); otherwise a chain. */
function pipe(l: Node, r: Node): Node {
  if (l.k === 'group') return { k: 'chord', header: groupParts(l), body: r, opts: {} };
  const left = l.k === 'chain' && !Object.keys(l.opts).length ? l.parts : [l];
  const right = r.k === 'chain' && !Object.keys(r.opts).length ? r.parts : [r];
  return { k: 'chain', parts: [...left, ...right], opts: {} };
}

/** How a part of a sent canvas is published, for its trace (`at`: where the canvas is sent). */
export function canvasStepText(p: CanvasPart, at: string): string {
  switch (p.step) {
    case 'after-previous':
      return `${p.canvas} sent at ${at}: published by the worker that ran the previous step, with this signature's own options (the chain's options reach only its first task: canvas.py _chain.run, app/trace.py)`;
    case 'chord-body':
      return `chord sent at ${at}: the body is published by the result backend once every header task has finished, with the chord's options over its own (canvas.py chord.run)`;
    default:
      return p.canvas === 'chain'
        ? `chain sent at ${at}: its first task is published now, with the chain's options over its own (canvas.py _chain.run)`
        : `${p.canvas} sent at ${at}: published now, with the ${p.canvas}'s options over the signature's own (canvas.py Signature._merge)`;
  }
}
