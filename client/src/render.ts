/** Text renderings the client shows in read-only documents and dialogs. Pure. */
import type { DecodedCeleryMessage } from '../../server/src/broker/celeryMessage';
import type { DriftReport } from '../../server/src/broker/drift';
import type { DeclarePlan, DeclareResult, PeekResult, PublishResult } from '../../server/src/broker/types';
import type { TraceResult } from '../../shared/protocol';

const fence = (lines: string[]) => ['```text', ...lines.map((l) => l.replace(/```/g, '`\u200b``')), '```'];

export function traceMarkdown(r: TraceResult): string {
  const out = [`# ${r.title || `Where does \`${r.task}\` go?`}`, '', r.summary, ''];
  out.push(...fence(r.lines));
  if (r.unknowns.length && !r.lines.some((l) => r.unknowns.some((u) => l.includes(u)))) {
    out.push('', '**Partly unknown:**', ...r.unknowns.map((u) => `- ${u}`));
  }
  if (r.related?.length) {
    out.push('', '**Go to:**');
    for (const l of r.related) out.push(`- [${l.label.replace(/[[\]]/g, '')}](${l.uri}#L${l.range.start.line + 1})`);
  }
  return out.join('\n') + '\n';
}

function json(v: unknown): string {
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

const HIDDEN_HEADERS = new Set(['argsrepr', 'kwargsrepr']);

export function messageLines(m: DecodedCeleryMessage, n?: number): string[] {
  const head = `${n !== undefined ? `${n}. ` : ''}${m.task ?? '(not a Celery task message)'}${m.id ? `  [${m.id}]` : ''}`;
  const out = [head];
  if (m.argsPreview || m.kwargsPreview) out.push(`   args ${m.argsPreview || '()'}  kwargs ${m.kwargsPreview || '{}'}`);
  const meta: string[] = [];
  if (m.protocol) meta.push(`protocol ${m.protocol}`);
  if (m.priority !== null) meta.push(`priority ${m.priority}`);
  if (m.eta) meta.push(`eta ${m.eta}`);
  if (m.expires) meta.push(`expires ${m.expires}`);
  if (m.retries) meta.push(`retries ${m.retries}`);
  if (m.redelivered) meta.push('redelivered');
  if (m.exchange !== null || m.routingKey !== null) meta.push(`via ${m.exchange === '' ? "''" : m.exchange ?? '?'} / ${m.routingKey ?? '?'}`);
  if (m.contentType) meta.push(m.contentType);
  meta.push(`${m.bodySize} bytes`);
  out.push(`   ${meta.join(' · ')}`);
  if (m.bodyNote) out.push(`   note: ${m.bodyNote}`);
  const headers = Object.entries(m.headers).filter(([k]) => !HIDDEN_HEADERS.has(k));
  if (headers.length) out.push(`   headers ${json(Object.fromEntries(headers))}`);
  return out;
}

export function peekMarkdown(r: PeekResult, where: string): string {
  const out = [`# Peek: \`${r.queue}\``, '', `${where} — ${r.messages.length} of ${r.countBefore} ready message(s) shown; they are still in the queue (${r.countAfter} ready after peeking).`, ''];
  for (const n of r.notes) out.push(`> ${n}`, '');
  if (!r.messages.length) out.push('_The queue is empty._');
  else out.push(...fence(r.messages.flatMap((m, i) => [...messageLines(m, i + 1), ''])));
  return out.join('\n') + '\n';
}

/** One line per tapped message (with a time stamp). */
export function tapLines(m: DecodedCeleryMessage & { receivedAt?: string }): string[] {
  const t = m.receivedAt ? m.receivedAt.replace(/^.*T/, '').replace(/Z$/, '') : '';
  const [first, ...rest] = messageLines(m);
  return [`[${t}] ${first}`, ...rest];
}

/** Keep only what the drift report says is missing (what "Declare Missing Topology" would create). */
export function missingPlan(plan: DeclarePlan, drift: DriftReport | undefined): DeclarePlan {
  if (!drift) return plan;
  const missingEx = new Set(drift.items.filter((i) => i.code === 'missing-exchange').map((i) => i.exchange!));
  const missingQ = new Set(drift.items.filter((i) => i.code === 'missing-queue').map((i) => i.queue!));
  const missingB = new Set(drift.items.filter((i) => i.code === 'missing-binding').map((i) => `${i.queue}\0${i.exchange}\0${String(i.expected ?? '')}`));
  const exchanges = plan.exchanges.filter((x) => missingEx.has(x.name));
  const queues = plan.queues.filter((q) => missingQ.has(q.name));
  const bindings = plan.bindings.filter((b) =>
    missingQ.has(b.queue) || missingEx.has(b.exchange) || missingB.has(`${b.queue}\0${b.exchange}\0${b.routingKey}`));
  // A binding needs its exchange: declare it too (declaring an existing exchange with the same type is a no-op).
  for (const b of bindings) {
    if (b.exchange && !exchanges.some((x) => x.name === b.exchange)) {
      const x = plan.exchanges.find((e) => e.name === b.exchange);
      if (x) exchanges.push(x);
    }
  }
  return { exchanges, queues, bindings };
}

export function planIsEmpty(p: DeclarePlan): boolean {
  return !p.exchanges.length && !p.queues.length && !p.bindings.length;
}

export function planLines(p: DeclarePlan): string[] {
  const out: string[] = [];
  for (const x of p.exchanges) out.push(`exchange  ${x.name} (${x.type}${x.durable === false ? ', transient' : ', durable'})`);
  for (const q of p.queues) out.push(`queue     ${q.name}${q.arguments && Object.keys(q.arguments).length ? ` ${json(q.arguments)}` : ''}`);
  for (const b of p.bindings) out.push(`binding   ${b.exchange} --${b.routingKey === '' ? "''" : b.routingKey}--> ${b.queue}`);
  return out;
}

export function planSummary(p: DeclarePlan): string {
  const parts = [
    p.exchanges.length && `${p.exchanges.length} exchange(s)`,
    p.queues.length && `${p.queues.length} queue(s)`,
    p.bindings.length && `${p.bindings.length} binding(s)`,
  ].filter(Boolean);
  return parts.length ? parts.join(', ') : 'nothing';
}

export function planMarkdown(p: DeclarePlan, where: string): string {
  return [`# Declare missing topology`, '', `On ${where}: ${planSummary(p)}.`, '', ...fence(planLines(p))].join('\n') + '\n';
}

export function declareResultLines(r: DeclareResult): string[] {
  return r.actions.map((a) => `${a.status.padEnd(8)} ${a.kind.padEnd(8)} ${a.name}${a.detail ? ` — ${a.detail}` : ''}`);
}

export function publishSummary(r: PublishResult): string {
  return r.routed
    ? `Published ${r.id} to ${r.exchange === '' ? 'the default exchange' : `exchange "${r.exchange}"`} with key "${r.routingKey}"${r.queues.length ? ` → ${r.queues.join(', ')}` : ''}.`
    : `Published ${r.id}, but the broker reported it unroutable: ${r.message}`;
}

/** Parse the JSON typed for a test message's args: `[1, 2]`, `1, 2` or empty. */
export function parseArgsInput(text: string): { args: unknown[]; kwargs: Record<string, unknown> } | { error: string } {
  const t = text.trim();
  if (!t) return { args: [], kwargs: {} };
  try {
    const v = JSON.parse(t.startsWith('[') || t.startsWith('{') ? t : `[${t}]`);
    if (Array.isArray(v)) return { args: v, kwargs: {} };
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if ('args' in o || 'kwargs' in o) {
        const args = Array.isArray(o.args) ? o.args : [];
        const kwargs = o.kwargs && typeof o.kwargs === 'object' && !Array.isArray(o.kwargs) ? (o.kwargs as Record<string, unknown>) : {};
        return { args, kwargs };
      }
      return { args: [], kwargs: o };
    }
    return { args: [v], kwargs: {} };
  } catch (e) {
    return { error: `Not JSON: ${(e as Error).message}. Examples: [1, "a"]  or  {"kwargs": {"x": 1}}` };
  }
}
