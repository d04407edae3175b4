/**
 * The routing checks. Each rule: a stable code, a message that says what happens at runtime and how to
 * fix it, the place, related places. Every fact comes from the routing engine via the context.
 */
import type { RoutingDiagnostic } from './types';
import type { DiagContext, Send } from './context';
import { consumed } from './context';
import { closest } from '../names';
import { keyOf } from '../../model/values';
import { where } from '../trace';
import { declaredBindings, effectiveMaxPriority, routeKeyMatches, QUEUE_LEFT_OPEN } from '../../routing';
import type { Loc, Value } from '../../model/types';
import { deepEqual } from '../state-inputs';
import type { MapRouteEntry } from '../../routing/types';

type Rule = (ctx: DiagContext) => RoutingDiagnostic[];

const sendWhat = (s: Send) => (s.kind === 'task' ? `Task '${s.route.task}'` : `This ${s.call?.via ?? 'call'}() of '${s.route.task}'`);

/** Config errors Celery raises on first access (mixing old and new names). */
const configError: Rule = (ctx) => {
  const e = ctx.app?.settings.error;
  if (!e) return [];
  const first = e.facts[0];
  const loc = first?.loc ?? ctx.app!.fact.loc;
  return [{
    code: 'mixed-setting-names', severity: 'error', loc,
    message: `${e.message}. Celery raises this at the first configuration access, so no task can be sent. Use one naming style.`,
    related: e.facts.slice(1).map((f) => ({ loc: f.loc, message: `old/new name ${f.written}` })),
  }];
};

const ignoredOldNames: Rule = (ctx) => (ctx.app?.settings.ignored ?? []).map(({ fact, why, replacement }): RoutingDiagnostic => {
  // The new name may already hold a value here (`from .base import *`): a plain rename would replace it.
  const existing = ctx.app!.fact.sources.flatMap((s) => s.settings).find((f) => f.written === replacement && f !== fact);
  const v = fact.value;
  // `BROKER_URL = ...; CELERY_BROKER_URL = BROKER_URL`: Celery reads the same value under the new name, nothing is
  // lost — a note that the line does nothing, not a warning to rename
  if (existing && sameValue(existing.value, v)) {
    return {
      code: 'old-setting-ignored', severity: 'information', loc: fact.loc,
      message: `${why}: Celery never reads it. ${replacement} (${where(existing.loc, ctx.project.root)}) holds the same value, which Celery reads: nothing is lost, and this line does nothing for Celery.`,
    };
  }
  const mergeable = existing && (v.kind === 'dict' || v.kind === 'list' || v.kind === 'tuple') && v.loc && sameFile(v.loc, fact.loc);
  const fix = !existing
    ? { title: `Rename to ${replacement}`, edits: [{ loc: fact.loc, newText: replacement }], preferred: true }
    : mergeable
      ? { title: `Rename to ${replacement}, keeping the inherited entries`, preferred: true, edits: [
        { loc: fact.loc, newText: replacement },
        { loc: atStart(v.loc!, 1), newText: v.kind === 'dict' ? `**${replacement}, ` : `*${replacement}, ` },
      ] }
      : undefined;
  return {
    code: 'old-setting-ignored', severity: 'warning' as const, loc: fact.loc,
    message: `${why}: Celery never reads it (the namespaced lookup finds the default first). Rename it to ${replacement}${existing ? ` — note that ${replacement} already has a value here (${where(existing.loc, ctx.project.root)}), which the rename would replace unless the entries are merged` : ''}.`,
    fixes: fix ? [fix] : undefined,
  };
});

const sameFile = (a: Loc, b: Loc) => a.file === b.file;
/** The same value: equal when known, else the one the other names (`X = ...; CELERY_X = X`, both Unknown). */
const sameValue = (a: Value, b: Value): boolean => {
  const k = keyOf(a);
  return k !== undefined ? k === keyOf(b) : a.kind === 'unknown' && b.kind === 'unknown' && a.reason === b.reason && !!a.loc && !!b.loc && deepEqual(a.loc, b.loc);
};
/** An empty range `offset` characters into `loc` (just inside an opening bracket). */
const atStart = (loc: Loc, offset: number): Loc => ({ file: loc.file, range: { start: { line: loc.range.start.line, character: loc.range.start.character + offset }, end: { line: loc.range.start.line, character: loc.range.start.character + offset } } });

/** A send that raises in Celery (QueueNotFound, KeyError, TypeError, ValueError). */
const sendErrors: Rule = (ctx) => ctx.sends.filter((s) => s.route.error && !ctx.app?.settings.error).map((s) => ({
  code: 'send-raises', severity: 'error' as const, loc: s.loc,
  message: `${sendWhat(s)} raises ${s.route.error} when sent. ${hintFor(s.route.error!)}`,
  related: s.route.matchedRoute?.loc ? [{ loc: s.route.matchedRoute.loc, message: 'the route that decided' }] : undefined,
  data: { queue: /^QueueNotFound/.test(s.route.error!) ? /Queue '([^']+)'/.exec(s.route.error!)?.[1] : undefined, task: s.route.task },
}));

function hintFor(error: string): string {
  if (error.startsWith('QueueNotFound')) return 'Declare the queue in task_queues or enable task_create_missing_queues.';
  if (error.startsWith('KeyError')) return 'The default queue is not in task_queues and task_create_missing_queues is off: every send fails. Declare it.';
  if (error.startsWith('TypeError') && /object is not iterable/.test(error)) return 'A route value must be a dict of options or a queue name string.';
  if (error.startsWith('TypeError')) return "Celery checks the arguments against the task's signature before sending (Task.typing): fix the call, or pass typing=False to the decorator.";
  if (error.startsWith('ValueError')) return 'task_routes in the items format must be wrapped in a tuple: task_routes = ([...],).';
  return '';
}

/** RabbitMQ drops the message (no binding) or refuses it (404 / 406). */
const dropped: Rule = (ctx) => ctx.sends.filter((s) => !s.route.error && (s.route.dropped || s.route.brokerError)).map((s) => ({
  code: s.route.brokerError ? 'broker-error' : 'message-dropped',
  severity: s.route.brokerError ? ('error' as const) : ('warning' as const),
  loc: s.loc,
  message: s.route.brokerError
    ? `${sendWhat(s)}: RabbitMQ answers ${s.route.brokerError} and the channel closes; the send fails.`
    : `${sendWhat(s)} is published to exchange '${s.route.exchange}' with routing key '${s.route.routingKey}', which no queue is bound for: RabbitMQ drops it silently. Fix the routing key or the binding.`,
}));

/** The message lands only in queues no known worker consumes. */
const unreachable: Rule = (ctx) => {
  if (!ctx.workersKnown) return [];
  const out: RoutingDiagnostic[] = [];
  for (const s of ctx.sends) {
    const r = s.route;
    if (r.error || r.dropped || r.brokerError || !r.deliveredTo.length || r.unknowns.length) continue;
    if (r.consumers.length) continue;
    const qs = r.deliveredTo.map((q) => `'${q}'`).join(', ');
    const workers = ctx.project.workers.map((w) => `${w.name} (${where(w.loc, ctx.project.root)})`).slice(0, 3).join(', ');
    out.push({
      code: 'unreachable-queue', severity: 'warning', loc: s.loc,
      message: `${sendWhat(s)} goes to ${qs}, which no known worker consumes: the message waits there forever. Add the queue to a worker's -Q (workers: ${workers}).`,
      related: ctx.project.workers.slice(0, 5).map((w) => ({ loc: w.loc, message: `worker ${w.name}${w.queues ? ` consumes ${w.queues.join(',')}` : ''}` })),
      data: { queue: r.deliveredTo[0], task: r.task },
    });
  }
  return out;
};

/** Declared queues nothing routes to and no worker consumes. */
const unusedQueue: Rule = (ctx) => {
  if (!ctx.queues || !ctx.app?.config.queues) return [];
  const out: RoutingDiagnostic[] = [];
  // sends whose queue cannot be read may go anywhere: said, so the note claims no more than is known
  const open = ctx.sends.filter((s) => s.route.unknowns.some((u) => QUEUE_LEFT_OPEN.test(u)));
  const openSends = open.length
    ? ` is known to send to it (the queue of ${open.length} send${open.length > 1 ? 's' : ''} cannot be read: ${open.slice(0, 3).map((s) => where(s.loc, ctx.project.root)).join(', ')}${open.length > 3 ? ', ...' : ''})`
    : ' sends to it';
  for (const q of ctx.queues.list) {
    if (!q.loc || q.display === ctx.app.config.defaultQueue) continue;
    if (ctx.routedTo.has(q.display) || consumed(ctx, q.display)) continue;
    out.push({ code: 'unused-queue', severity: 'information', loc: q.loc, message: `Queue '${q.display}' is declared, but no task, route or call${openSends} and no known worker consumes it.` });
  }
  return out;
};

/** Sends to queues that are not declared: auto-created on first send. */
const undeclaredTarget: Rule = (ctx) => {
  const out: RoutingDiagnostic[] = [];
  for (const s of ctx.sends) {
    if (s.route.error || !s.route.queue || !s.route.autoCreated.includes(s.route.queue)) continue;
    // judged by the send's own app (a task of an app made outside the workspace: its task_queues are not known)
    const app = s.route.app ? ctx.project.appFor(s.route.app) : undefined;
    if (!app?.config.queues || !app.config.createMissingQueues) continue;
    out.push({
      code: 'undeclared-queue', severity: 'information', loc: s.loc,
      message: `Queue '${s.route.queue}' is not in task_queues: Celery creates it on first send (a direct exchange '${s.route.queue}', key '${s.route.queue}'). Workers started without -Q do not consume it; start one with -Q ${s.route.queue} or declare it.`,
      data: { queue: s.route.queue, task: s.route.task },
    });
  }
  return out;
};

const defaultQueueUndeclared: Rule = (ctx) => {
  const a = ctx.app;
  if (!a || !a.config.queues || !ctx.queues || ctx.queues.defaultQueueDeclared) return [];
  const off = !a.config.createMissingQueues;
  const f = a.settings.get('task_queues').fact;
  return [{
    code: 'default-queue-undeclared', severity: off ? 'error' : 'warning', loc: f?.loc ?? a.fact.loc, data: { queue: a.config.defaultQueue },
    message: off
      ? `The default queue '${a.config.defaultQueue}' is not in task_queues and task_create_missing_queues is off: every send raises KeyError: '${a.config.defaultQueue}', even for routed tasks. Declare it.`
      : `The default queue '${a.config.defaultQueue}' is not in task_queues: unrouted tasks go to an auto-created '${a.config.defaultQueue}' queue that workers without -Q do not consume.`,
  }];
};

/** Route entries: shadowed, glob-like keys without '*', unanchored regexes, keys that match no task. */
const routeEntries: Rule = (ctx) => {
  const routes = ctx.app?.config.routes;
  if (!routes) return [];
  const out: RoutingDiagnostic[] = [];
  const taskNames = ctx.project.tasks.map((t) => t.name);
  const known = new Set(taskNames);
  let packages: Set<string> | undefined; // only asked for a key naming no known task: most projects never build it
  const inWorkspace = (name: string) => (packages ??= workspacePackages(ctx)).has(name.split('.')[0]);
  routes.forEach((router) => {
    if (router.kind === 'invalid' && router.loc) out.push({ code: 'routes-not-wrapped', severity: 'error', loc: router.loc, message: `Celery raises ${router.error} on every send: a list in task_routes is a list of routers, so the items format must be wrapped in a tuple: task_routes = ([('pattern', {...}), ...],).` });
    if (router.kind !== 'map') return;
    const earlier: MapRouteEntry[] = [];
    for (const e of router.entries) {
      const loc = e.loc;
      if (!loc) { earlier.push(e); continue; }
      if (e.key.kind === 'exact' && /[?[]/.test(e.key.name)) out.push({ code: 'glob-without-star', severity: 'warning', loc, message: `'${e.key.name}' looks like a glob, but Celery treats keys without '*' as exact task names: '?' and '[...]' match literally here.` });
      if (e.key.kind === 'regex' && !/\$$|\\Z$/.test(e.key.pattern)) {
        const extra = taskNames.filter((n) => routeKeyMatches(e.key, n));
        out.push({ code: 'regex-unanchored', severity: 'information', loc, message: `re.compile('${e.key.pattern}') is matched with re.match: anchored at the start only, so it also catches longer names${extra.length ? ` (matches ${extra.slice(0, 3).join(', ')})` : ''}. End it with '$' to match whole names.`,
          fixes: [{ title: "Anchor the regex with '$'", edits: [] }] });
      }
      if (e.key.kind === 'exact' && taskNames.length && !known.has(e.key.name) && !/[?[]/.test(e.key.name) && inWorkspace(e.key.name)) {
        const c = closest(e.key.name, taskNames);
        out.push({ code: 'route-matches-no-task', severity: 'warning', loc, message: `No task named '${e.key.name}' is defined in the workspace, so this route never applies${c ? ` — did you mean '${c}'?` : '.'}`,
          fixes: c ? [{ title: `Change to '${c}'`, edits: [{ loc: shrink(loc), newText: c }], preferred: true }] : undefined });
      }
      if (e.key.kind !== 'exact') {
        const mine = taskNames.filter((n) => routeKeyMatches(e.key, n));
        const earlierCatch = mine.filter((n) => earlier.some((x) => routeKeyMatches(x.key, n)) || router.entries.some((x) => x.key.kind === 'exact' && x.key.name === n));
        if (mine.length && earlierCatch.length === mine.length) out.push({ code: 'route-shadowed', severity: 'warning', loc, message: `This route never decides: every task it matches (${mine.slice(0, 3).join(', ')}) is caught first by an exact name or an earlier pattern (exact names win, then patterns in order).` });
      }
      if (e.value.kind === 'none' || e.value.kind === 'queue-object') out.push({ code: 'route-value-invalid', severity: 'error', loc: e.value.loc ?? loc, message: `A route value of ${e.value.kind === 'none' ? 'None' : 'a Queue object'} makes Celery raise TypeError when a matching task is sent. Use {'queue': 'name'} or a queue name string.` });
      earlier.push(e);
    }
  });
  return out;
};

/** `module.func` names a function of the workspace that is not a task: returns a description, else undefined. */
function plainFunction(ctx: DiagContext, taskName: string): string | undefined {
  const i = taskName.lastIndexOf('.');
  if (i < 0) return undefined;
  const mod = taskName.slice(0, i);
  const res = ctx.project.ws.getModule(mod) ? ctx.project.ws.eval.module(mod) : undefined;
  return res?.functions.has(taskName.slice(i + 1)) ? `the function ${taskName.slice(i + 1)}() of ${mod}` : undefined;
}

/**
 * Top-level packages of this workspace. Routes to tasks of installed packages (`post_office.tasks.send_queued_mail`)
 * apply at runtime; we cannot see those tasks, so we do not flag them.
 */
function workspacePackages(ctx: DiagContext): Set<string> {
  return new Set([...ctx.project.ws.modules.keys(), ...ctx.project.lazyModuleNames()].map((m) => m.split('.')[0]));
}

/** A string literal's range without its quotes. */
function shrink(loc: Loc): Loc {
  return { file: loc.file, range: { start: { ...loc.range.start, character: loc.range.start.character + 1 }, end: { ...loc.range.end, character: loc.range.end.character - 1 } } };
}

const priorityOverride: Rule = (ctx) => {
  const a = ctx.app;
  if (!a || a.config.defaultPriority === null || !a.config.routes) return [];
  const out: RoutingDiagnostic[] = [];
  for (const r of a.config.routes) if (r.kind === 'map') for (const e of r.entries) {
    if (e.value.kind === 'options' && typeof e.value.options.priority === 'number' && e.loc) out.push({ code: 'priority-overridden', severity: 'warning', loc: e.loc, message: `task_default_priority=${a.config.defaultPriority} becomes every task's priority attribute, which beats this route's priority ${e.value.options.priority}: messages are sent with ${a.config.defaultPriority}.` });
  }
  return out;
};

const queueDeclarations: Rule = (ctx) => {
  const a = ctx.app;
  if (!a?.config.queues) return [];
  const out: RoutingDiagnostic[] = [];
  const seen = new Map<string, Loc | undefined>();
  const exTypes = new Map<string, { type: string; loc?: Loc }>();
  for (const q of a.config.queues) {
    const name = q.alias ?? q.name;
    if (seen.has(name) && q.loc) out.push({ code: 'duplicate-queue', severity: 'warning', loc: q.loc, message: `Queue '${name}' is declared twice; Celery keeps the later definition only.`, related: seen.get(name) ? [{ loc: seen.get(name)!, message: 'first declaration' }] : undefined });
    seen.set(name, q.loc);
    for (const ex of [q.exchange, ...q.bindings.map((b) => b.exchange)]) {
      if (!ex || !ex.name) continue;
      const prev = exTypes.get(ex.name);
      if (prev && prev.type !== ex.type && (ex.loc ?? q.loc)) out.push({ code: 'exchange-type-conflict', severity: 'error', loc: (ex.loc ?? q.loc)!, message: `Exchange '${ex.name}' is declared as '${prev.type}' and as '${ex.type}': RabbitMQ refuses the second declaration with 406 PRECONDITION_FAILED, and sends to this queue fail.`, related: prev.loc ? [{ loc: prev.loc, message: `declared as ${prev.type}` }] : undefined });
      else if (!prev) exTypes.set(ex.name, { type: ex.type, loc: ex.loc ?? q.loc });
    }
  }
  for (const q of ctx.queues?.list ?? []) {
    for (const b of declaredBindings(q)) if (b.exchangeType === 'direct' && !b.implicit && /[*#]/.test(b.routingKey) && q.loc) out.push({ code: 'wildcard-in-direct-binding', severity: 'warning', loc: q.loc, message: `Binding key '${b.routingKey}' on direct exchange '${b.exchange}' is matched literally: '*' and '#' are wildcards only on topic exchanges.` });
    if (a.config.transport === 'redis' && q.exchange?.type === 'headers' && q.loc) out.push({ code: 'transport-unsupported', severity: 'error', loc: q.loc, message: `Headers exchanges are not supported by the Redis transport (kombu raises KeyError: 'headers').` });
    if (a.config.transport === 'redis' && q.exchange?.type === 'topic' && q.loc && /[*#]/.test(q.routingKey ?? '')) out.push({ code: 'transport-difference', severity: 'information', loc: q.loc, message: `On Redis, topic patterns are regexes: '*' also matches across dots and 'x.#' does not match 'x'. Bindings may catch other keys than on RabbitMQ.` });
  }
  return out;
};

const priorityAboveMax: Rule = (ctx) => {
  const out: RoutingDiagnostic[] = [];
  for (const s of ctx.sends) {
    const r = s.route;
    if (r.priority === null || r.error) continue;
    for (const qn of r.deliveredTo) {
      const q = ctx.queues?.list.find((x) => x.display === qn);
      const max = q ? effectiveMaxPriority(q) : null;
      if (max !== null && r.priority > max) out.push({ code: 'priority-above-max', severity: 'warning', loc: s.loc, message: `Priority ${r.priority} is above queue '${qn}' x-max-priority ${max}: RabbitMQ treats it as ${max}.` });
      else if (q && max === null && ctx.app?.config.transport !== 'redis' && r.priority > 0 && s.kind === 'call') out.push({ code: 'priority-ignored', severity: 'information', loc: s.loc, message: `Queue '${qn}' has no x-max-priority, so RabbitMQ ignores the priority ${r.priority}.` });
    }
  }
  return out;
};

/** A worker whose command exits before celery starts (a management command's required option not given). */
const workersThatFail: Rule = (ctx) => ctx.project.workers.filter((w) => w.failsToStart)
  .map((w) => ({ code: 'worker-fails-to-start', severity: 'warning', loc: w.loc, message: `Worker ${w.name} never consumes: ${w.failsToStart}.` }));

const workerQueues: Rule = (ctx) => {
  const a = ctx.app;
  if (!a) return [];
  const out: RoutingDiagnostic[] = [];
  const declared = new Set((ctx.queues?.list ?? []).map((q) => q.display));
  for (const w of ctx.project.workers) {
    // a worker of an app that is not the workspace's (-A names a package, a Django project whose app a package
    // makes): its task_queues are not known — not judged by another app's
    if (ctx.project.workerAppUnknown(w)) continue;
    (w.queues ?? []).forEach((q, i) => {
      if (declared.has(q) || !a.config.queues) return;
      const loc = w.queueLocs?.[i] ?? w.loc;
      out.push({
        code: 'worker-undeclared-queue', severity: a.config.createMissingQueues ? 'information' : 'error', loc,
        message: a.config.createMissingQueues
          ? `Worker ${w.name} consumes '${q}', which is not in task_queues: the worker creates it as a plain direct queue.${ctx.routedTo.has(q) ? '' : ' No task, route or call the engine reads sends to it.'}`
          : `Worker ${w.name} fails to start: '${q}' is not in task_queues and task_create_missing_queues is off (ImproperlyConfigured).`,
        data: { queue: q },
      });
    });
  }
  return out;
};

/** Beat entries naming no known task; `.map/.starmap/.chunks` of a routed task (the builtin is routed by its own name). */
const periodicAndCanvas: Rule = (ctx) => {
  const out: RoutingDiagnostic[] = [];
  const names = ctx.project.tasks.map((t) => t.name);
  for (const s of ctx.sends) {
    const c = s.call;
    if (!c) continue;
    if (c.via === 'beat' && names.length && !ctx.project.task(s.route.task) && !s.route.task.startsWith('celery.')) {
      // A known task whose name ends with this one: the same module under another sys.path entry.
      if (names.some((n) => n.endsWith(`.${s.route.task}`))) continue;
      const fn = plainFunction(ctx, s.route.task);
      if (fn) {
        out.push({ code: 'unknown-periodic-task', severity: 'information', loc: s.loc,
          message: `Beat sends '${s.route.task}': ${fn} exists but is not recognised as a task (a project decorator?). If it is one, add the decorator to taskDecorators in celery-routing.json so its route is known.` });
        continue;
      }
      const close = closest(s.route.task, names);
      out.push({ code: 'unknown-periodic-task', severity: 'warning', loc: s.loc,
        message: `Beat sends '${s.route.task}'${c.periodic ? ` (entry '${c.periodic}')` : ''}, but no task of that name is defined in the workspace: workers reject it as an unregistered task${close ? ` — did you mean '${close}'?` : '.'}`,
        fixes: close ? [{ title: `Change to '${close}'`, edits: [{ loc: shrink(s.loc), newText: close }], preferred: true }] : undefined });
    }
    if (c.runsTask) {
      const own = ctx.project.route({ task: c.runsTask });
      if (own.queue && s.route.queue && own.queue !== s.route.queue) out.push({ code: 'canvas-builtin-route', severity: 'information', loc: s.loc,
        message: `.${c.via}() runs '${c.runsTask}' inside the builtin task '${s.route.task}', which is routed by its own name: it goes to '${s.route.queue}', not to '${own.queue}' where '${c.runsTask}' is routed. Route '${s.route.task}' too, or pass queue= to apply_async.` });
    }
  }
  return out;
};

/** Half-typed or broken Python: say so once per file, so a missing answer is never a silent one. */
const syntaxErrors: Rule = (ctx) => {
  const out: RoutingDiagnostic[] = [];
  for (const src of ctx.project.ws.modules.values()) {
    const first = src.ir.errors[0];
    if (!first) continue;
    out.push({ code: 'syntax-error', severity: 'warning', loc: { file: src.file, range: first },
      message: `Python syntax error here${src.ir.errors.length > 1 ? ` (and ${src.ir.errors.length - 1} more)` : ''}: importing this module would fail, so Celery would not start with it. The analysis used what could be read; answers about it may be incomplete.` });
  }
  return out;
};

export const RULES: Rule[] = [syntaxErrors, periodicAndCanvas, configError, ignoredOldNames, sendErrors, dropped, unreachable, unusedQueue, undeclaredTarget, defaultQueueUndeclared, routeEntries, priorityOverride, queueDeclarations, priorityAboveMax, workerQueues, workersThatFail];
