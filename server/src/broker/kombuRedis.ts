// kombu's Redis key layout (kombu/transport/redis.py, kombu 5.2): pure helpers, no I/O.
//  * queue `q` is a list; priorities 3-5, 6-8, 9 live in `q\x06\x163`, `q\x06\x166`, `q\x06\x169`
//    (0-2 stay in `q`); workers BRPOP `q` first, so a lower number is served first;
//  * bindings: set `_kombu.binding.<exchange>` of `routing_key\x06\x16regex\x06\x16queue`
//    (regex empty for direct / fanout rows, `^…$` for topic rows);
//  * un-acked messages: hash `unacked` (+ zset `unacked_index`);
//  * fanout: PUBLISH on `/<db>.<exchange>/<routing_key>` (nothing stored).

export const SEP = '\x06\x16';
export const PRIORITY_STEPS = [0, 3, 6, 9] as const;
export const BINDING_PREFIX = '_kombu.binding.';
export const UNACKED_KEY = 'unacked';
export const UNACKED_INDEX_KEY = 'unacked_index';

/** The priority step a message priority falls into (kombu clamps to 0..9). */
export function priorityStep(priority: number | null | undefined): number {
  const p = Math.max(0, Math.min(9, Number.isFinite(priority as number) ? Math.trunc(priority as number) : 0));
  let step = 0;
  for (const s of PRIORITY_STEPS) if (p >= s) step = s;
  return step;
}

/** The list a message of this priority is pushed to. */
export function listForPriority(queue: string, priority: number | null | undefined): string {
  const step = priorityStep(priority);
  return step ? `${queue}${SEP}${step}` : queue;
}

/** All the lists that make up one queue, in the order workers consume them. */
export function queueLists(queue: string): string[] {
  return PRIORITY_STEPS.map((s) => (s ? `${queue}${SEP}${s}` : queue));
}

/** If `key` is a priority sub-list, its base queue and step. */
export function splitPriorityList(key: string): { queue: string; step: number } | null {
  const m = /^(.*)\x06\x16([369])$/s.exec(key);
  return m ? { queue: m[1], step: Number(m[2]) } : null;
}

export interface BindingRow {
  exchange: string;
  routingKey: string;
  /** '' for direct/fanout rows; `^…$` regex for topic rows. */
  pattern: string;
  queue: string;
}

export function bindingKey(exchange: string): string {
  return BINDING_PREFIX + exchange;
}

export function parseBindingRow(exchange: string, member: string): BindingRow {
  const [routingKey = '', pattern = '', queue = ''] = member.split(SEP);
  return { exchange, routingKey, pattern, queue };
}

export function formatBindingRow(row: Omit<BindingRow, 'exchange'>): string {
  return [row.routingKey ?? '', row.pattern ?? '', row.queue ?? ''].join(SEP);
}

/** kombu.utils.text.escape_regex(p, white='.#*') */
function escapeRegex(p: string): string {
  let out = '';
  for (const c of p) out += /[\p{L}\p{N}]/u.test(c) || '.#*'.includes(c) ? c : c === '\0' ? '\\000' : '\\' + c;
  return out;
}

/** TopicExchange.key_to_pattern: `*` → `.*?[^\.]`, `#` → `.*?` (note: differs from AMQP). */
export function topicPattern(bindingKey: string): string {
  const wild: Record<string, string> = { '*': '.*?[^\\.]', '#': '.*?' };
  return '^' + escapeRegex(bindingKey).split('.').map((w) => wild[w] ?? w).join('\\.') + '$';
}

/** The row kombu stores when binding `queue` to `exchange` of `type` with `routingKey`. */
export function rowFor(type: string, routingKey: string, queue: string): Omit<BindingRow, 'exchange'> {
  return { routingKey, pattern: type === 'topic' ? topicPattern(routingKey) : '', queue };
}

function compile(pattern: string): RegExp | null {
  try {
    return new RegExp(pattern);
  } catch {
    return null;
  }
}

/**
 * Which queues a publish reaches, as kombu's exchange types decide. `type` is what the *producer* knows;
 * kombu treats exchanges it did not declare as direct.
 */
export function lookupQueues(type: string, rows: BindingRow[], routingKey: string): string[] {
  const out = new Set<string>();
  for (const r of rows) {
    if (type === 'topic') {
      const re = compile(r.pattern);
      // Python re.match anchors at the start; a direct row (empty regex) matches everything.
      if (r.pattern === '' || (re && re.test(routingKey) && routingKey.search(re) === 0)) if (r.queue) out.add(r.queue);
    } else if (type === 'fanout') {
      if (r.queue) out.add(r.queue);
    } else if (r.routingKey === routingKey) out.add(r.queue);
  }
  return [...out];
}

/** kombu `_get_publish_topic` (fanout_prefix and fanout_patterns on, the defaults). */
export function fanoutChannel(db: number, exchange: string, routingKey: string): string {
  return routingKey ? `/${db}.${exchange}/${routingKey}` : `/${db}.${exchange}`;
}

/** What a set of rows says about the exchange type (types themselves are not stored). */
export function typeHint(rows: BindingRow[]): 'topic' | 'direct-or-fanout' | 'mixed' | null {
  if (!rows.length) return null;
  const withRe = rows.filter((r) => r.pattern !== '').length;
  if (withRe === rows.length) return 'topic';
  if (withRe === 0) return 'direct-or-fanout';
  return 'mixed';
}
