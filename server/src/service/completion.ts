/**
 * Completion: what fits where the cursor is (a queue name after `queue=`, a setting name at the start of a
 * config statement...), each item with documentation from the same texts as the hovers.
 */
import type { Project } from './project';
import type { Position, Range } from '../model/types';
import { tokensOf, tokenAt, linesOf, type Tok, type LineMap } from './pylex';
import { stringRole, calleeBefore, settingContext } from './roles';
import { analysis } from './analysis';
import { queueMarkdown } from './hover';
import { settingDoc, EXCHANGE_TYPES, exchangeTypeMarkdown, KOMBU_KWARGS } from './settings-docs';
import { allSettingNames, settingStyle } from '../routing/settings';

export type CompletionKind = 'setting' | 'queue' | 'exchange' | 'exchange-type' | 'task' | 'routing-key' | 'kwarg' | 'option';

export interface CompletionEntry {
  label: string;
  kind: CompletionKind;
  detail?: string;
  documentation?: string;
  /** Text to insert (default: label), replacing `range` when given. */
  insertText?: string;
  range?: Range;
  sortText?: string;
}

export type SettingNameStyle = 'new' | 'namespaced' | 'old';

/** An entry whose documentation is computed when read (the LSP layer reads it only on completionItem/resolve for long lists). */
function withLazyDoc(e: CompletionEntry, doc: () => string): CompletionEntry {
  let v: string | undefined;
  Object.defineProperty(e, 'documentation', { get: () => (v ??= doc()), enumerable: true });
  return e;
}

/**
 * The entries of a list built once (setting names per style; queue names per analysis) placed at `range`: each
 * reads through to its base entry, so a documentation is computed once, and the list says it shares one range —
 * the LSP layer then sends the base list's items, built once, with that range as the list's edit range.
 */
function atRange(base: CompletionEntry[], range: Range): CompletionEntry[] {
  const out = base.map((b) => Object.assign(Object.create(b) as CompletionEntry, { range }));
  return Object.defineProperty(out, SHARED, { value: { base, range } });
}
const SHARED = Symbol('shared list');

/** The base list and range of entries made by `atRange`, if they were. */
export function sharedList(entries: CompletionEntry[]): { base: CompletionEntry[]; range: Range } | undefined {
  return (entries as CompletionEntry[] & { [SHARED]?: { base: CompletionEntry[]; range: Range } })[SHARED];
}

/** Queue names of one analysis, documentation computed when read (asked on every keystroke inside a queue string). */
function queueEntries(p: Project): CompletionEntry[] {
  const a = analysis(p);
  let hit = queueLists.get(a);
  if (!hit) {
    hit = a.queueNames.map((q) => withLazyDoc({ label: q, kind: 'queue', detail: a.queues?.byName.has(q) || a.queues?.aliases.has(q) ? 'declared queue' : 'queue (not in task_queues)' }, () => queueMarkdown(p, q)));
    queueLists.set(a, hit);
  }
  return hit;
}
const queueLists = new WeakMap<object, CompletionEntry[]>();

export function complete(p: Project, file: string, text: string, pos: Position): CompletionEntry[] {
  const lines = linesOf(text);
  const offset = lines.offsetAt(pos);
  if (!file.endsWith('.py')) return workerCompletion(p, text, offset, lines);
  const toks = tokensOf(text);
  let i = tokenAt(toks, offset);
  if (i >= 0 && toks[i].k === 'str' && offset >= toks[i].cs!) {
    const t = toks[i];
    const range = { start: lines.positionAt(t.cs!), end: lines.positionAt(t.ce!) };
    return stringCompletion(p, toks, i, range);
  }
  // the name being typed (or nothing yet): look at what comes before it
  let start = offset;
  if (i >= 0 && toks[i].k === 'name') start = toks[i].s;
  else i = -1;
  const prevIdx = i >= 0 ? i - 1 : lastTokenBefore(toks, offset);
  const range = { start: lines.positionAt(start), end: lines.positionAt(i >= 0 ? toks[i].e : offset) };
  return nameCompletion(p, file, toks, prevIdx, range);
}

function lastTokenBefore(toks: Tok[], offset: number): number {
  let lo = 0, hi = toks.length - 1, best = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (toks[mid].e <= offset) { best = mid; lo = mid + 1; } else hi = mid - 1;
  }
  return best;
}

function stringCompletion(p: Project, toks: Tok[], i: number, range: Range): CompletionEntry[] {
  const role = stringRole(toks, i);
  const a = analysis(p);
  const withRange = (xs: CompletionEntry[]) => xs.map((x) => ({ ...x, range }));
  if (!role) {
    // a key of a settings dict given to conf.update({...}), or of a route's options dict
    const ctx = settingContext(toks, i);
    if (toks[i].open >= 0 && toks[toks[i].open].v === '{' && (toks[i - 1]?.v === '{' || toks[i - 1]?.v === ',')) {
      if (ctx?.setting === 'task_routes') return withRange(ROUTE_OPTION_KEYS);
      const callee = calleeBefore(toks, toks[toks[i].open].open);
      if (/update$/.test(callee)) return atRange(settingItems('new'), range);
    }
    return [];
  }
  switch (role.role) {
    case 'queue': case 'queue-decl':
      return atRange(queueEntries(p), range);
    case 'exchange': case 'exchange-decl':
      return withRange([...a.exchanges.values()].map((e) => ({ label: e.name, kind: 'exchange' as const, detail: `${e.type} exchange`, documentation: `Bound queues: ${e.queues.join(', ')}\n\n${exchangeTypeMarkdown(e.type) ?? ''}` })));
    case 'exchange-type':
      return withRange(Object.keys(EXCHANGE_TYPES).map((t) => ({ label: t, kind: 'exchange-type' as const, detail: 'exchange type', documentation: exchangeTypeMarkdown(t, a.app?.config.transport) })));
    case 'task-name': case 'task-name-decl':
      return withRange(taskItems(p, false));
    case 'route-key':
      return withRange(taskItems(p, true));
    case 'routing-key': case 'binding-key': {
      const seen = new Set<string>();
      const out: CompletionEntry[] = [];
      for (const b of a.bindings) {
        if (b.implicit || seen.has(b.key)) continue;
        seen.add(b.key);
        const rows = a.bindings.filter((x) => x.key === b.key && !x.implicit);
        out.push({ label: b.key, kind: 'routing-key', detail: `binding on ${b.exchange} (${b.exchangeType})`, documentation: rows.map((x) => `- binds \`${x.queue}\` to \`${x.exchange}\` (${x.exchangeType})`).join('\n') + (b.exchangeType === 'topic' ? '\n\n`*` = one word, `#` = zero or more words.' : '') });
      }
      return withRange(out);
    }
    case 'setting-name': return atRange(settingItems('new'), range);
    case 'router-path': return [];
  }
}

function taskItems(p: Project, withGlobs: boolean): CompletionEntry[] {
  const a = analysis(p);
  const out: CompletionEntry[] = p.tasks.map((t) => {
    const r = a.taskRoutes.get(t.name);
    return { label: t.name, kind: 'task' as const, detail: `task ${t.func} (${t.module})`, documentation: r ? `goes to \`${r.queue ?? '?'}\`${r.consumers.length ? ` · consumed by ${[...new Set(r.consumers.map((c) => c.worker.name))].join(', ')}` : ''}` : undefined };
  });
  if (withGlobs) {
    for (const m of new Set(p.tasks.map((t) => t.name.replace(/\.[^.]+$/, '')))) {
      out.push({ label: `${m}.*`, kind: 'task', detail: 'glob: every task of the module', documentation: '`*` also crosses dots; exact names win over patterns, patterns are tried in order.', sortText: `~${m}` });
    }
  }
  return out;
}

const ROUTE_OPTION_KEYS: CompletionEntry[] = [
  ['queue', 'Queue name (looked up in task_queues; created if missing and task_create_missing_queues is on).'],
  ['exchange', 'Exchange to publish on. With a direct queue it only matters when routing_key is given too.'],
  ['routing_key', 'Routing key. Ignored for direct queues unless exchange is given too.'],
  ['priority', 'Message priority (0-255; RabbitMQ needs x-max-priority on the queue). task_default_priority overrides it.'],
  ['exchange_type', 'Exchange type used to decide how to publish.'],
].map(([label, doc]) => ({ label, kind: 'option' as const, detail: 'route option', documentation: doc }));

const settingCache = new Map<SettingNameStyle, CompletionEntry[]>();

/** Every setting name in a style, with its documentation. */
export function settingItems(style: SettingNameStyle): CompletionEntry[] {
  const hit = settingCache.get(style);
  if (hit) return hit;
  const out: CompletionEntry[] = [];
  for (const key of allSettingNames()) {
    const d = settingDoc(key);
    const label = style === 'new' ? key : style === 'namespaced' ? `CELERY_${key.toUpperCase()}` : d?.oldName ?? key.toUpperCase();
    const routing = /^task_(queues|routes|default_|create_missing|queue_max)/.test(key);
    out.push({ label, kind: 'setting', detail: `Celery setting${label !== key ? ` (${key})` : ''}`, documentation: d?.markdown, sortText: `${routing ? '0' : '1'}${label}` });
  }
  settingCache.set(style, out);
  return out;
}

/** The naming style a config file uses: as its existing settings are written, else the app's namespace. */
export function fileSettingStyle(p: Project, toks: Tok[]): SettingNameStyle {
  const counts = styleCounts(toks);
  if (counts.namespaced || counts.new || counts.old) {
    return counts.namespaced >= counts.new && counts.namespaced >= counts.old ? 'namespaced' : counts.old > counts.new ? 'old' : 'new';
  }
  return analysis(p).app?.settings.namespace ? 'namespaced' : 'new';
}

/** How many top-level settings of each style the file assigns; per token array (cached per text), so
 * completing in a 5,000-line settings module does not read every name again. */
function styleCounts(toks: Tok[]): Record<SettingNameStyle, number> {
  let counts = styleMemo.get(toks);
  if (counts) return counts;
  counts = { new: 0, namespaced: 0, old: 0 };
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i];
    if (t.k !== 'name' || t.open >= 0 || toks[i + 1]?.v !== '=' || (i > 0 && toks[i - 1].k !== 'nl')) continue;
    const s = settingStyle(t.v);
    if (s) counts[s.style]++;
  }
  styleMemo.set(toks, counts);
  return counts;
}
const styleMemo = new WeakMap<Tok[], Record<SettingNameStyle, number>>();

function nameCompletion(p: Project, file: string, toks: Tok[], prevIdx: number, range: Range): CompletionEntry[] {
  const prev = prevIdx >= 0 ? toks[prevIdx] : undefined;
  const withRange = (xs: CompletionEntry[]) => xs.map((x) => ({ ...x, range }));
  // app.conf.<name>
  if (prev?.v === '.' && toks[prevIdx - 1]?.v === 'conf') return atRange(settingItems('new'), range);
  // keyword arguments of a call
  const open = prev ? (prev.v === '(' ? prevIdx : prev.v === ',' ? prev.open : -1) : -1;
  if (open >= 0 && toks[open].v === '(') {
    const callee = calleeBefore(toks, open);
    const c = callee.slice(callee.lastIndexOf('.') + 1);
    if (KOMBU_KWARGS[c]) return withRange(KOMBU_KWARGS[c].map(([name, doc]) => ({ label: name, kind: 'kwarg' as const, insertText: `${name}=`, detail: `kombu ${c} argument`, documentation: doc })));
    if (/(^|\.)(update|Celery)$/.test(callee) && (c === 'update' ? /conf/.test(callee) : true)) return withRange(settingItems('new').map((x) => ({ ...x, insertText: `${x.label}=` })));
    return [];
  }
  // a statement at the top level of a config module
  if ((!prev || prev.k === 'nl') && isConfigFile(p, file, toks)) return atRange(settingItems(fileSettingStyle(p, toks)), range);
  return [];
}

function isConfigFile(p: Project, file: string, toks: Tok[]): boolean {
  if (/(settings|celeryconfig|config|conf)[^/\\]*\.py$/i.test(file)) return true;
  if (p.apps.some((a) => a.fact.sources.some((s) => s.settings.some((f) => f.loc.file === file)))) return true;
  return toks.some((t, i) => t.k === 'name' && t.open < 0 && toks[i + 1]?.v === '=' && settingStyle(t.v) !== undefined);
}

function workerCompletion(p: Project, text: string, offset: number, lines: LineMap): CompletionEntry[] {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const before = text.slice(lineStart, offset);
  const m = /(?:^|\s)(?:-Q|--queues|-X|--exclude-queues)(?:[ =]\s*|)([A-Za-z0-9_.@:\-,]*)$/.exec(before);
  if (!m) return [];
  const typed = m[1];
  const wordStart = offset - (typed.length - (typed.lastIndexOf(',') + 1));
  const range = { start: lines.positionAt(wordStart), end: lines.positionAt(offset) };
  const a = analysis(p);
  const already = new Set(typed.split(',').slice(0, -1));
  return a.queueNames.filter((q) => !already.has(q)).map((q) => withLazyDoc({ label: q, kind: 'queue', detail: 'queue', range }, () => queueMarkdown(p, q)));
}
