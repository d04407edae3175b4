/** Hover texts (Markdown): every answer from the routing engine, via analysis.ts. */
import type { Project } from './project';
import { redactSecrets } from '../model/redact';
import type { Position, Range, WorkerFact } from '../model/types';
import { tokensOf, tokenAt, linesOf, type Tok } from './pylex';
import { stringRole } from './roles';
import { analysis, queueFacts, queuesForKey, entryCatches, contains, type Analysis } from './analysis';
import { settingDoc, exchangeTypeMarkdown } from './settings-docs';
import { traceLines, summary, where } from './trace';
import { settingStyle } from '../routing/settings';
import { workerQueues } from '../routing';

export interface HoverResult { markdown: string; range: Range }

export function hover(p: Project, file: string, text: string, pos: Position): HoverResult | undefined {
  if (!file.endsWith('.py')) return workerHover(p, file, pos);
  const lines = linesOf(text);
  const toks = tokensOf(text);
  const i = tokenAt(toks, lines.offsetAt(pos));
  if (i < 0) return undefined;
  const t = toks[i];
  const range = { start: lines.positionAt(t.s), end: lines.positionAt(t.e) };
  const md = t.k === 'str' ? stringHover(p, toks, i) : t.k === 'name' ? nameHover(p, file, toks, i, pos) : undefined;
  return md ? { markdown: md, range } : undefined;
}

function stringHover(p: Project, toks: Tok[], i: number): string | undefined {
  const r = stringRole(toks, i);
  if (!r) return undefined;
  const v = toks[i].v;
  const a = analysis(p);
  switch (r.role) {
    case 'exchange-type': return exchangeTypeMarkdown(v, a.app?.config.transport);
    case 'queue': case 'queue-decl': return queueMarkdown(p, v);
    case 'exchange': case 'exchange-decl': return exchangeMarkdown(a, v);
    case 'binding-key': return bindingMarkdown(a, v);
    case 'routing-key': return routingKeyMarkdown(a, v);
    case 'task-name': case 'task-name-decl': return taskMarkdown(p, v);
    case 'route-key': return routeKeyMarkdown(p, v);
    case 'router-path': return routerMarkdown(a, v);
    case 'setting-name': { const k = settingStyle(v)?.key; return k ? settingMarkdown(a, k) : undefined; }
  }
}

function nameHover(p: Project, file: string, toks: Tok[], i: number, pos: Position): string | undefined {
  const t = toks[i];
  const next = toks[i + 1]?.v;
  const prev = toks[i - 1]?.v;
  const s = settingStyle(t.v, analysis(p).app?.settings.namespace ?? 'CELERY');
  if (s && (next === '=' || prev === '.' || next === ':')) return settingMarkdown(analysis(p), s.key);
  const task = p.tasks.find((x) => contains(x.loc, file, pos));
  if (task) return taskMarkdown(p, task.name);
  const a = analysis(p);
  for (const [c, r] of a.callRoutes) {
    if (contains(c.loc, file, pos) && (c.taskExpr?.endsWith(t.v) || c.via === t.v)) return `**${c.via}() of \`${r.task}\`**\n\n\`\`\`\n${traceLines(r, p.root).join('\n')}\n\`\`\``;
  }
  return undefined;
}

function settingMarkdown(a: Analysis, key: string): string | undefined {
  const d = settingDoc(key);
  if (!d) return undefined;
  const eff = a.app?.settings.get(key);
  const now = eff?.fact ? `\n\n_In this project:_ set in ${eff.origin} as \`${eff.fact.written}\`${eff.fact.value.kind === 'str' || eff.fact.value.kind === 'num' || eff.fact.value.kind === 'bool' ? ` = \`${redactSecrets(String(eff.fact.value.value))}\`` : ''}.` : '';
  return d.markdown + now;
}

export function queueMarkdown(p: Project, name: string): string {
  const a = analysis(p);
  const f = queueFacts(p, name);
  const out: string[] = [];
  const q = f.declared;
  if (q) {
    out.push(`**queue \`${name}\`**${q.loc ? ` — declared at ${where(q.loc, p.root)}` : ''}${q.broadcast ? ' (Broadcast: one `bcast.<uuid>` queue per worker)' : ''}`);
    const ex = q.exchange ? `\`${q.exchange.name || "''"}\` (${q.exchange.type})` : 'none of its own (bindings only)';
    out.push('', `- exchange: ${ex}${q.routingKey ? `, binding key \`${q.routingKey}\`` : ''}`);
    for (const b of f.bindings.filter((x) => !x.implicit && !(q.exchange && x.exchange === q.exchange.name && x.key === q.routingKey))) out.push(`- also bound to \`${b.exchange}\` (${b.exchangeType}) with \`${b.key}\``);
    out.push(`- max priority: ${q.maxPriority ?? 'none (RabbitMQ ignores message priorities on this queue)'}`);
  } else {
    const create = a.app?.config.createMissingQueues ?? true;
    out.push(`**queue \`${name}\`** — not in task_queues`, '', create
      ? `- created on first send as \`Queue('${name}', Exchange('${name}'), '${name}')\` (direct); workers without \`-Q\` do not consume it`
      : `- task_create_missing_queues is off: sending to it raises \`QueueNotFound\``);
  }
  if (f.routes.length) out.push(`- routes: ${f.routes.map((r) => `\`${r.e.key.kind === 'exact' ? r.e.key.name : r.e.key.kind === 'glob' ? r.e.key.glob : r.e.key.pattern}\`${r.e.loc ? ` (${where(r.e.loc, p.root)})` : ''}`).join(', ')}`);
  if (f.tasks.length) out.push(`- tasks that reach it: ${f.tasks.slice(0, 8).map((t) => `\`${t}\``).join(', ')}${f.tasks.length > 8 ? ` and ${f.tasks.length - 8} more` : ''}`);
  if (f.calls.length) out.push(`- call sites: ${f.calls.slice(0, 5).map((c) => `${c.via}() of \`${c.taskName}\` (${where(c.loc, p.root)})`).join(', ')}`);
  const who = [...new Map(f.consumers.map((c) => [c.worker.name + c.worker.loc.file, c])).values()];
  out.push(who.length
    ? `- consumed by: ${who.map((c) => `worker **${c.worker.name}** (${where(c.worker.loc, p.root)}${c.via === 'all' ? ', no -Q: every queue of task_queues' : ', -Q'})`).join(', ')}`
    : p.workers.length ? '- ⚠ no known worker consumes it: messages wait there' : '- consumers: no worker command found in the workspace');
  return out.join('\n');
}

function exchangeMarkdown(a: Analysis, name: string): string {
  const row = a.exchanges.get(name);
  if (!row) {
    if (name === '') return "**default exchange `''`**\n\nEvery queue is bound to it with its own name; Celery publishes direct-queue sends here.";
    return `**exchange \`${name}\`** — no queue in task_queues is bound to it: RabbitMQ answers 404 NOT_FOUND to a publish on an undeclared exchange (Redis drops it).`;
  }
  const keys = a.bindings.filter((b) => b.exchange === name && !b.implicit).map((b) => `- \`${b.queue}\` with \`${b.key}\``);
  return [`**exchange \`${name}\`** (${row.type})`, '', 'Bound queues:', ...keys, '', exchangeTypeMarkdown(row.type, a.app?.config.transport) ?? ''].join('\n');
}

function bindingMarkdown(a: Analysis, key: string): string {
  const rows = a.bindings.filter((b) => b.key === key && !b.implicit);
  const topic = rows.some((b) => b.exchangeType === 'topic') || (!rows.length && /[*#]/.test(key));
  const out = [`**binding key \`${key}\`**`, ''];
  if (topic) out.push('On a topic exchange: words separated by `.`; `*` matches exactly one word, `#` zero or more.');
  else if (/[*#]/.test(key)) out.push('On a direct exchange `*` and `#` are literal: only the routing key `' + key + '` matches.');
  else out.push('Matches the routing key `' + key + '` exactly.');
  for (const b of rows) out.push(`- binds queue \`${b.queue}\` to \`${b.exchange}\` (${b.exchangeType})`);
  const published = publishedKeys(a).filter((k) => rows.some((b) => b.exchangeType === 'topic' ? queuesForKey(a, k, b.exchange).some((x) => x.queue === b.queue) : k === key));
  if (published.length) out.push('', `Routing keys sent in this project that match: ${published.map((k) => `\`${k}\``).join(', ')}`);
  return out.join('\n');
}

function publishedKeys(a: Analysis): string[] {
  const keys = new Set<string>();
  for (const r of [...a.taskRoutes.values(), ...a.callRoutes.values()]) if (r.routingKey && r.exchange) keys.add(r.routingKey);
  return [...keys];
}

function routingKeyMarkdown(a: Analysis, key: string): string {
  const out = [`**routing key \`${key}\`**`, ''];
  const byEx = new Map<string, string[]>();
  for (const ex of a.exchanges.keys()) {
    const qs = queuesForKey(a, key, ex).map((b) => `\`${b.queue}\` (${b.exchangeType} \`${b.key}\`)`);
    if (qs.length) byEx.set(ex, qs);
  }
  if (byEx.size) for (const [ex, qs] of byEx) out.push(`- published on \`${ex}\` it lands in ${qs.join(', ')}`);
  else out.push('- no binding in task_queues matches it: published on a named exchange, the message is dropped');
  out.push('', "_Celery ignores the routing key for a direct queue named by `queue` unless `exchange` is given too (it publishes on `''` by queue name)._");
  return out.join('\n');
}

function taskMarkdown(p: Project, name: string): string {
  const r = analysis(p).taskRoutes.get(name) ?? p.route({ task: name });
  return `**task \`${name}\`** ${summary(r, p.root)}\n\n\`\`\`\n${traceLines(r, p.root).join('\n')}\n\`\`\``;
}

function routeKeyMarkdown(p: Project, key: string): string | undefined {
  const a = analysis(p);
  const ref = a.entries.find(({ e }) => (e.key.kind === 'exact' ? e.key.name : e.key.kind === 'glob' ? e.key.glob : e.key.pattern) === key);
  if (!ref) return taskMarkdown(p, key);
  const { matches, decides } = entryCatches(p, ref);
  const kind = ref.e.key.kind === 'exact' ? 'exact task name' : ref.e.key.kind === 'glob' ? 'glob (`*` also crosses dots)' : 're.match pattern (anchored at the start only)';
  const out = [`**route \`${key}\`** — ${kind}`, ''];
  if (!matches.length) out.push('- catches no task defined in the workspace');
  else out.push(`- matches: ${matches.map((t) => `\`${t.name}\``).join(', ')}`);
  const shadowed = matches.filter((t) => !decides.includes(t));
  if (shadowed.length) out.push(`- ⚠ shadowed for ${shadowed.map((t) => `\`${t.name}\``).join(', ')}: an exact name or an earlier route decides`);
  for (const t of decides) {
    const r = a.taskRoutes.get(t.name);
    if (r) out.push(`- \`${t.name}\` ${summary(r, p.root)}`);
  }
  if (ref.e.key.kind !== 'exact') out.push('', '_Exact names are tried first, then patterns in insertion order._');
  return out.join('\n');
}

function routerMarkdown(a: Analysis, path: string): string {
  const r = (a.app?.config.routes ?? []).find((x) => x.kind === 'function' && x.name === path);
  if (!r || r.kind !== 'function') return `**router \`${path}\`** — imported by Celery on first send; ${r?.kind === 'unknown' ? r.reason : 'not found in the workspace'}.`;
  return `**router \`${path}\`** — ${r.rules.length} rule(s) read${r.complete ? '' : ' (partly: some branches are not understood)'}; returns ${r.fallthrough === 'none' ? '`None` otherwise (next router)' : 'a fixed route otherwise'}.`;
}

function workerHover(p: Project, file: string, pos: Position): HoverResult | undefined {
  const ws: WorkerFact[] = p.workers.filter((w) => w.loc.file === file);
  for (const w of ws) {
    const idx = (w.queueLocs ?? []).findIndex((l) => contains(l, file, pos));
    if (idx >= 0 && w.queues?.[idx]) return { markdown: queueMarkdown(p, w.queues[idx]), range: w.queueLocs![idx].range };
  }
  const w = ws.find((x) => contains(x.loc, file, pos));
  if (!w) return undefined;
  const a = analysis(p);
  const own = p.workerApp(w);
  const app = own ?? a.app;
  const wq = app ? workerQueues(w, app.config) : undefined;
  const qs = wq?.queues.map((q) => `\`${q.display}\``).join(', ');
  const md = [`**worker ${w.name}**${w.runsOn ? ` — ${w.runsOn}` : ''}${own ? ` · app \`${own.id}\`` : ''}`, '', w.failsToStart ? `✖ never starts: ${w.failsToStart}` : wq?.error ? `✖ fails at start-up: ${wq.error.split('\n')[0]}` : `consumes: ${qs || 'nothing'}${w.queues ? '' : ' (no -Q: every queue of task_queues)'}`];
  if (w.unresolved?.length) md.push('', `_Depends on values unknown statically: ${w.unresolved.join(', ')}._`);
  return { markdown: md.join('\n'), range: w.loc.range };
}

