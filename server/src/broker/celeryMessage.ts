// Celery task messages: decode (protocol 1 and 2; JSON, YAML, zlib-compressed; pickle/msgpack are only
// recognised) and encode protocol 2 for publishing (celery/app/amqp.py as_task_v2), including kombu's
// Redis envelope (kombu/transport/virtual/base.py prepare_message + _inplace_augment_message).

import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { inflateSync } from 'node:zlib';
import { parse as parseYaml } from 'yaml';

export interface DecodedCeleryMessage {
  /** 2 = task name in headers, 1 = task name in the body, null = not a Celery task message. */
  protocol: 1 | 2 | null;
  task: string | null;
  id: string | null;
  args: unknown[] | null;
  kwargs: Record<string, unknown> | null;
  /** argsrepr from the headers when present (Python repr), else a JSON rendering; shortened. */
  argsPreview: string;
  kwargsPreview: string;
  headers: Record<string, unknown>;
  eta: string | null;
  expires: string | null;
  retries: number | null;
  priority: number | null;
  redelivered: boolean;
  contentType: string | null;
  contentEncoding: string | null;
  /** Where it was published to, when the broker tells (AMQP fields / kombu delivery_info). */
  exchange: string | null;
  routingKey: string | null;
  rootId: string | null;
  parentId: string | null;
  groupId: string | null;
  /** Set when the body could not be decoded, e.g. "pickled body (not decoded)". */
  bodyNote: string | null;
  bodySize: number;
}

export interface RawCeleryMessage {
  body: Buffer | string;
  contentType?: string | null;
  contentEncoding?: string | null;
  headers?: Record<string, unknown> | null;
  priority?: number | null;
  correlationId?: string | null;
  redelivered?: boolean;
  exchange?: string | null;
  routingKey?: string | null;
}

export const PREVIEW_LIMIT = 200;

export function shorten(s: string, max = PREVIEW_LIMIT): string {
  return s.length <= max ? s : s.slice(0, max - 1) + '…';
}

/** Python-ish repr of a JSON value (what Celery puts in argsrepr / kwargsrepr). */
export function pyRepr(v: unknown, asTuple = false): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(v);
  if (typeof v === 'string') {
    const q = v.includes("'") && !v.includes('"') ? '"' : "'";
    const body = v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');
    return q + (q === "'" ? body.replace(/'/g, "\\'") : body) + q;
  }
  if (Array.isArray(v)) {
    const items = v.map((x) => pyRepr(x));
    if (asTuple) return items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
    return `[${items.join(', ')}]`;
  }
  if (typeof v === 'object') {
    return `{${Object.entries(v as Record<string, unknown>).map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`).join(', ')}}`;
  }
  return String(v);
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : v === null || v === undefined ? null : String(v);
}
function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : null;
}
function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

type BodyResult = { ok: true; value: unknown } | { ok: false; note: string };

/** Decode a message body by content type (after kombu's `compression` header, if any). */
export function decodeBody(body: Buffer, contentType: string | null, headers: Record<string, unknown>): BodyResult {
  let buf = body;
  const compression = str(headers.compression);
  if (compression) {
    if (/gzip|zlib/.test(compression)) {
      try {
        buf = inflateSync(buf);
      } catch {
        return { ok: false, note: `compressed body (${compression}) could not be inflated` };
      }
    } else {
      return { ok: false, note: `compressed body (${compression}, not decoded)` };
    }
  }
  const ct = (contentType ?? 'application/json').toLowerCase();
  if (ct.includes('pickle') || ct === 'application/x-python-serialize') return { ok: false, note: 'pickled body (not decoded)' };
  if (ct.includes('msgpack')) return { ok: false, note: 'msgpack body (not decoded)' };
  const text = buf.toString('utf8');
  if (ct.includes('yaml')) {
    try {
      return { ok: true, value: parseYaml(text) };
    } catch {
      return { ok: false, note: 'YAML body could not be parsed' };
    }
  }
  if (ct.includes('json') || ct === 'text/plain') {
    try {
      return { ok: true, value: JSON.parse(text) };
    } catch {
      return { ok: false, note: `${ct} body could not be parsed as JSON` };
    }
  }
  return { ok: false, note: `${ct} body (not decoded)` };
}

/** Decode a Celery message given its AMQP-level parts. Never throws. */
export function decodeCeleryMessage(raw: RawCeleryMessage): DecodedCeleryMessage {
  const headers: Record<string, unknown> = isObj(raw.headers) ? { ...raw.headers } : {};
  const body = typeof raw.body === 'string' ? Buffer.from(raw.body, 'utf8') : raw.body;
  const out: DecodedCeleryMessage = {
    protocol: null,
    task: null,
    id: null,
    args: null,
    kwargs: null,
    argsPreview: '',
    kwargsPreview: '',
    headers,
    eta: null,
    expires: null,
    retries: null,
    priority: raw.priority ?? null,
    redelivered: !!raw.redelivered || headers.redelivered === true,
    contentType: raw.contentType ?? null,
    contentEncoding: raw.contentEncoding ?? null,
    exchange: raw.exchange ?? null,
    routingKey: raw.routingKey ?? null,
    rootId: null,
    parentId: null,
    groupId: null,
    bodyNote: null,
    bodySize: body.length,
  };
  const decoded = decodeBody(body, out.contentType, headers);
  if (typeof headers.task === 'string') {
    // Protocol 2: metadata in headers, body = [args, kwargs, embed].
    out.protocol = 2;
    out.task = headers.task;
    out.id = str(headers.id) ?? raw.correlationId ?? null;
    out.eta = str(headers.eta);
    out.expires = str(headers.expires);
    out.retries = num(headers.retries);
    out.rootId = str(headers.root_id);
    out.parentId = str(headers.parent_id);
    out.groupId = str(headers.group);
    if (decoded.ok && Array.isArray(decoded.value)) {
      const [a, k] = decoded.value as unknown[];
      out.args = Array.isArray(a) ? a : null;
      out.kwargs = isObj(k) ? k : null;
    } else if (!decoded.ok) out.bodyNote = decoded.note;
  } else if (decoded.ok && isObj(decoded.value) && typeof decoded.value.task === 'string') {
    // Protocol 1: everything in the body.
    const b = decoded.value;
    out.protocol = 1;
    out.task = b.task as string;
    out.id = str(b.id) ?? raw.correlationId ?? null;
    out.args = Array.isArray(b.args) ? b.args : null;
    out.kwargs = isObj(b.kwargs) ? b.kwargs : null;
    out.eta = str(b.eta);
    out.expires = str(b.expires);
    out.retries = num(b.retries);
    out.groupId = str(b.taskset);
  } else if (!decoded.ok) {
    out.bodyNote = decoded.note;
    out.id = raw.correlationId ?? null;
  } else {
    out.bodyNote = 'not a Celery task message';
    out.id = raw.correlationId ?? null;
  }
  const argsrepr = str(headers.argsrepr);
  const kwargsrepr = str(headers.kwargsrepr);
  out.argsPreview = shorten(argsrepr ?? (out.args ? pyRepr(out.args, true) : out.bodyNote ? '?' : ''));
  out.kwargsPreview = shorten(kwargsrepr ?? (out.kwargs ? pyRepr(out.kwargs) : out.bodyNote ? '?' : ''));
  return out;
}

/** kombu's Redis list item: {body, content-encoding, content-type, headers, properties}. */
export interface KombuEnvelope {
  body: string;
  'content-encoding': string | null;
  'content-type': string | null;
  headers: Record<string, unknown>;
  properties: {
    correlation_id?: string;
    reply_to?: string;
    delivery_mode?: number;
    delivery_info: { exchange: string; routing_key: string; redelivered?: boolean };
    priority: number;
    body_encoding: string;
    delivery_tag: string;
  } & Record<string, unknown>;
}

/** Decode one item of a kombu Redis list (a JSON envelope). Never throws. */
export function decodeKombuEnvelope(item: string): DecodedCeleryMessage {
  let env: Partial<KombuEnvelope>;
  try {
    env = JSON.parse(item) as Partial<KombuEnvelope>;
  } catch {
    return decodeCeleryMessage({ body: item, contentType: 'text/x-unknown' });
  }
  if (!isObj(env)) return decodeCeleryMessage({ body: item, contentType: 'text/x-unknown' });
  const props = (isObj(env.properties) ? env.properties : {}) as Partial<KombuEnvelope['properties']>;
  const bodyText = typeof env.body === 'string' ? env.body : JSON.stringify(env.body ?? '');
  const body = props.body_encoding === 'base64' ? Buffer.from(bodyText, 'base64') : Buffer.from(bodyText, 'utf8');
  const info = isObj(props.delivery_info) ? props.delivery_info : undefined;
  return decodeCeleryMessage({
    body,
    contentType: env['content-type'] ?? null,
    contentEncoding: env['content-encoding'] ?? null,
    headers: isObj(env.headers) ? env.headers : {},
    priority: num(props.priority),
    correlationId: str(props.correlation_id),
    redelivered: info?.redelivered === true,
    exchange: info ? str(info.exchange) : null,
    routingKey: info ? str(info.routing_key) : null,
  });
}

export interface CeleryTaskRequest {
  task: string;
  id?: string;
  args?: unknown[];
  kwargs?: Record<string, unknown>;
  priority?: number;
  /** ISO 8601 */
  eta?: string | null;
  expires?: string | null;
  retries?: number;
  replyTo?: string;
}

export interface EncodedCeleryMessage {
  id: string;
  body: Buffer;
  contentType: 'application/json';
  contentEncoding: 'utf-8';
  headers: Record<string, unknown>;
  priority: number;
  correlationId: string;
  replyTo: string;
  deliveryMode: 2;
}

/** Encode a protocol-2 task message the way Celery 5 does (JSON serializer). */
export function encodeCeleryTask(req: CeleryTaskRequest): EncodedCeleryMessage {
  const id = req.id ?? randomUUID();
  const args = req.args ?? [];
  const kwargs = req.kwargs ?? {};
  const headers: Record<string, unknown> = {
    lang: 'py',
    task: req.task,
    id,
    shadow: null,
    eta: req.eta ?? null,
    expires: req.expires ?? null,
    group: null,
    group_index: null,
    retries: req.retries ?? 0,
    timelimit: [null, null],
    root_id: id,
    parent_id: null,
    argsrepr: pyRepr(args, true),
    kwargsrepr: pyRepr(kwargs),
    origin: `celery-routing@${hostname()}`,
    ignore_result: false,
  };
  const body = Buffer.from(JSON.stringify([args, kwargs, { callbacks: null, errbacks: null, chain: null, chord: null }]), 'utf8');
  return {
    id,
    body,
    contentType: 'application/json',
    contentEncoding: 'utf-8',
    headers,
    priority: req.priority ?? 0,
    correlationId: id,
    replyTo: req.replyTo ?? '',
    deliveryMode: 2,
  };
}

/** Wrap an encoded message in kombu's Redis envelope (what `LPUSH`es into the list). */
export function encodeKombuEnvelope(m: EncodedCeleryMessage, exchange: string, routingKey: string): string {
  const env: KombuEnvelope = {
    body: m.body.toString('base64'),
    'content-encoding': m.contentEncoding,
    'content-type': m.contentType,
    headers: m.headers,
    properties: {
      correlation_id: m.correlationId,
      reply_to: m.replyTo,
      delivery_mode: m.deliveryMode,
      delivery_info: { exchange, routing_key: routingKey },
      priority: m.priority,
      body_encoding: 'base64',
      delivery_tag: randomUUID(),
    },
  };
  return JSON.stringify(env);
}
