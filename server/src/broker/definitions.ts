// RabbitMQ definitions JSON as RabbitMQ writes it (rabbitmqctl export_definitions, the management UI's export,
// load_definitions files): read with positions, so findings point at the JSON line; turned into a
// BrokerSnapshot (drift with the live explorer's codes) or into the engine's deployed topology.

import { readFileSync, statSync } from 'node:fs';
import { parseTree, findNodeAtLocation, printParseErrorCode, type Node as JsonNode, type ParseError } from 'jsonc-parser';
import { lineStarts, rangeAt } from '../parse/projectFile';
import type { Loc } from '../model/types';
import type { DeployedTopology } from '../routing/types';
import type { BrokerSnapshot, ExchangeSnapshot, QueueSnapshot } from './snapshot';

type Args = Record<string, unknown>;
/** `vhost` is null for a vhost-scoped export (management API `GET /api/definitions/{vhost}`): it applies to any vhost. */
export interface DefExchange { vhost: string | null; name: string; type: string; durable: boolean; autoDelete: boolean; internal: boolean; arguments: Args; loc: Loc; index: number }
export interface DefQueue { vhost: string | null; name: string; type: string | null; durable: boolean; autoDelete: boolean; arguments: Args; loc: Loc; index: number }
export interface DefBinding { vhost: string | null; source: string; destination: string; destinationType: 'queue' | 'exchange'; routingKey: string; arguments: Args; loc: Loc; index: number }
export interface DefPolicy { vhost: string | null; name: string; pattern: string; applyTo: string; priority: number; definition: Args; loc: Loc; index: number }

export interface Definitions {
  path: string;
  version: string | null;
  vhosts: string[];
  exchanges: DefExchange[];
  queues: DefQueue[];
  bindings: DefBinding[];
  policies: DefPolicy[];
  errors: Array<{ message: string; loc: Loc }>;
  /** Where a JSON path (`queues/3/arguments/x-max-priority`) is written; the file's start if absent. */
  locate(path: Array<string | number>): Loc;
}

export function readDefinitions(path: string, text?: string): Definitions {
  let t = text;
  if (t === undefined) {
    try { t = readFileSync(path, 'utf8'); } catch (e) {
      const d = parseDefinitions(path, '{}');
      d.errors.push({ message: `cannot read RabbitMQ definitions ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, loc: d.locate([]) });
      return d;
    }
  }
  return parseDefinitions(path, t);
}

export function parseDefinitions(path: string, text: string): Definitions {
  const starts = lineStarts(text);
  const parseErrors: ParseError[] = [];
  const root = parseTree(text, parseErrors, { allowTrailingComma: true, disallowComments: false });
  const at = (n: JsonNode | undefined): Loc => ({ file: path, range: n ? rangeAt(starts, n.offset, n.length) : rangeAt(starts, 0, 0) });
  const locate = (p: Array<string | number>): Loc => {
    const n = root ? findNodeAtLocation(root, p) : undefined;
    return at(n?.parent?.type === 'property' ? n.parent : n);
  };
  const d: Definitions = { path, version: null, vhosts: [], exchanges: [], queues: [], bindings: [], policies: [], errors: [], locate };
  for (const e of parseErrors) d.errors.push({ message: `RabbitMQ definitions: ${printParseErrorCode(e.error)}`, loc: { file: path, range: rangeAt(starts, e.offset, e.length) } });
  if (!root || root.type !== 'object') {
    if (root) d.errors.push({ message: 'RabbitMQ definitions must be a JSON object', loc: at(root) });
    return d;
  }
  const top = value(root) as Record<string, unknown>;
  d.version = str(top.rabbitmq_version) ?? str(top.rabbit_version) ?? null;
  const items = (key: string): Array<{ o: Record<string, unknown>; i: number; loc: Loc }> => {
    const v = top[key];
    if (v === undefined) return [];
    if (!Array.isArray(v)) { d.errors.push({ message: `'${key}' must be an array`, loc: locate([key]) }); return []; }
    return v.flatMap((o, i) => {
      if (o && typeof o === 'object' && !Array.isArray(o)) return [{ o: o as Record<string, unknown>, i, loc: itemLoc(key, i) }];
      d.errors.push({ message: `${key}[${i}] must be an object`, loc: locate([key, i]) });
      return [];
    });
  };
  // an item is pointed at by its name (its first line in an export), else the whole object
  const itemLoc = (key: string, i: number): Loc => {
    const n = findNodeAtLocation(root, [key, i, key === 'bindings' ? 'source' : 'name']);
    return n?.parent ? at(n.parent) : locate([key, i]);
  };
  const need = (o: Record<string, unknown>, k: string, key: string, i: number): string | undefined => {
    const v = str(o[k]);
    if (v === undefined) d.errors.push({ message: `${key}[${i}] needs a string '${k}'`, loc: locate([key, i]) });
    return v;
  };
  const vh = (o: Record<string, unknown>) => str(o.vhost) ?? null;
  d.vhosts = (Array.isArray(top.vhosts) ? top.vhosts : []).map((v) => str((v as Record<string, unknown>)?.name)).filter((v): v is string => v !== undefined);
  for (const { o, i, loc } of items('exchanges')) {
    const name = need(o, 'name', 'exchanges', i);
    if (name === undefined) continue;
    d.exchanges.push({ vhost: vh(o), name, type: str(o.type) ?? 'direct', durable: o.durable !== false, autoDelete: o.auto_delete === true, internal: o.internal === true, arguments: obj(o.arguments), loc, index: i });
  }
  for (const { o, i, loc } of items('queues')) {
    const name = need(o, 'name', 'queues', i);
    if (name === undefined) continue;
    const args = obj(o.arguments);
    d.queues.push({ vhost: vh(o), name, type: str(o.type) ?? str(args['x-queue-type']) ?? null, durable: o.durable !== false, autoDelete: o.auto_delete === true, arguments: args, loc, index: i });
  }
  for (const { o, i, loc } of items('bindings')) {
    const source = str(o.source);
    const destination = need(o, 'destination', 'bindings', i);
    if (source === undefined || destination === undefined) { if (source === undefined) d.errors.push({ message: `bindings[${i}] needs a string 'source'`, loc }); continue; }
    d.bindings.push({ vhost: vh(o), source, destination, destinationType: o.destination_type === 'exchange' ? 'exchange' : 'queue', routingKey: str(o.routing_key) ?? '', arguments: obj(o.arguments), loc, index: i });
  }
  for (const { o, i, loc } of items('policies')) {
    const name = need(o, 'name', 'policies', i);
    if (name === undefined) continue;
    d.policies.push({ vhost: vh(o), name, pattern: str(o.pattern) ?? '', applyTo: str(o['apply-to']) ?? 'all', priority: typeof o.priority === 'number' ? o.priority : 0, definition: obj(o.definition), loc, index: i });
  }
  return d;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const obj = (v: unknown): Args => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Args) : {});

/** jsonc-parser's getNodeValue, tolerant of the holes a syntax error leaves. */
function value(n: JsonNode): unknown {
  if (n.type === 'object') {
    const o: Record<string, unknown> = {};
    for (const p of n.children ?? []) if (p.children?.[0] && p.children[1]) o[String(p.children[0].value)] = value(p.children[1]);
    return o;
  }
  if (n.type === 'array') return (n.children ?? []).map(value);
  return n.value;
}

/** Several files (brokerDefinitions lists them) as one: later files add to earlier ones. */
export function mergeDefinitions(list: Definitions[]): Definitions | undefined {
  if (!list.length) return undefined;
  if (list.length === 1) return list[0];
  const [first] = list;
  return {
    ...first,
    vhosts: [...new Set(list.flatMap((d) => d.vhosts))],
    exchanges: list.flatMap((d) => d.exchanges), queues: list.flatMap((d) => d.queues),
    bindings: list.flatMap((d) => d.bindings), policies: list.flatMap((d) => d.policies),
    errors: list.flatMap((d) => d.errors),
  };
}

/** The items of one vhost (items without a vhost belong to every vhost). Later duplicates win, as on import. */
export function definitionsOf(d: Definitions, vhost: string) {
  const mine = <T extends { vhost: string | null }>(xs: T[]) => xs.filter((x) => x.vhost === null || x.vhost === vhost);
  const last = <T>(xs: T[], key: (x: T) => string) => [...new Map(xs.map((x) => [key(x), x])).values()];
  return {
    exchanges: last(mine(d.exchanges), (x) => x.name),
    queues: last(mine(d.queues), (x) => x.name),
    bindings: last(mine(d.bindings), (x) => JSON.stringify([x.source, x.destinationType, x.destination, x.routingKey, x.arguments])),
    policies: mine(d.policies),
  };
}

/** Every vhost the file speaks of. */
export function vhostsOf(d: Definitions): string[] {
  const all = [...d.vhosts, ...[...d.exchanges, ...d.queues, ...d.bindings, ...d.policies].map((x) => x.vhost).filter((v): v is string => v !== null)];
  return [...new Set(all)];
}

const PREDECLARED: Array<[string, string]> = [['', 'direct'], ['amq.direct', 'direct'], ['amq.fanout', 'fanout'], ['amq.headers', 'headers'], ['amq.match', 'headers'], ['amq.topic', 'topic'], ['amq.rabbitmq.trace', 'topic']];

/** A snapshot of the vhost as the definitions deploy it: computeDrift then gives the live explorer's codes. */
export function definitionsSnapshot(d: Definitions, vhost: string): BrokerSnapshot {
  const v = definitionsOf(d, vhost);
  const exchanges = new Map<string, ExchangeSnapshot>();
  for (const [name, type] of PREDECLARED) exchanges.set(name, { name, type, durable: true, autoDelete: false, internal: name === 'amq.rabbitmq.trace', arguments: {}, bindings: [] });
  for (const x of v.exchanges) exchanges.set(x.name, { name: x.name, type: x.type, durable: x.durable, autoDelete: x.autoDelete, internal: x.internal, arguments: x.arguments, bindings: [] });
  for (const b of v.bindings) {
    exchanges.get(b.source)?.bindings.push({ exchange: b.source, destination: b.destination, destinationType: b.destinationType, routingKey: b.routingKey, arguments: b.arguments });
  }
  const queues: QueueSnapshot[] = v.queues.map((q) => ({
    name: q.name, type: q.type ?? 'classic', exists: true, durable: q.durable, autoDelete: q.autoDelete, exclusive: false,
    arguments: q.arguments, state: null, messagesReady: 0, messagesUnacknowledged: null, consumers: null, rates: null,
  }));
  let takenAt = new Date(0).toISOString();
  try { takenAt = statSync(d.path).mtime.toISOString(); } catch { /* not on disk (tests, unsaved buffer) */ }
  return {
    kind: 'rabbitmq', url: `definitions:${d.path}`, takenAt,
    server: { product: 'RabbitMQ', version: d.version ?? '' },
    source: 'definitions',
    capabilities: { exchangeTypes: true, bindings: true, consumers: false, queueArguments: true, listsAllQueues: true },
    currentVhost: vhost,
    vhosts: [{ name: vhost, exchanges: [...exchanges.values()], queues, unackedTotal: null }],
    warnings: [],
  };
}

/** Policies that may dead-letter or expire a queue's messages (the engine reads them in routing/deadletter.ts). */
const QUEUE_POLICY_TARGETS = new Set(['queues', 'all', 'classic_queues', 'quorum_queues']);
const DEAD_LETTER_POLICY_KEYS = ['dead-letter-exchange', 'dead-letter-routing-key', 'message-ttl', 'expires'];

/** The engine's view of the vhost as deployed (RoutingConfig.deployed). */
export function deployedTopology(d: Definitions, vhost: string): DeployedTopology {
  const v = definitionsOf(d, vhost);
  const ae = v.policies
    .filter((p) => (p.applyTo === 'exchanges' || p.applyTo === 'all') && typeof p.definition['alternate-exchange'] === 'string')
    .map((p) => ({ pattern: p.pattern, priority: p.priority, exchange: p.definition['alternate-exchange'] as string, loc: p.loc }));
  const qp = v.policies
    .filter((p) => QUEUE_POLICY_TARGETS.has(p.applyTo) && DEAD_LETTER_POLICY_KEYS.some((k) => k in p.definition))
    .map((p) => ({ name: p.name, pattern: p.pattern, priority: p.priority, applyTo: p.applyTo, definition: p.definition, loc: p.loc }));
  return {
    vhost,
    exchanges: v.exchanges.map((x) => ({ name: x.name, type: x.type, durable: x.durable, autoDelete: x.autoDelete, internal: x.internal, arguments: x.arguments, loc: x.loc })),
    // 3.10 exports the queue type as a field; RabbitMQ compares it as x-queue-type on re-declare
    queues: v.queues.map((q) => ({ name: q.name, durable: q.durable, autoDelete: q.autoDelete, loc: q.loc,
      arguments: q.type && q.type !== 'classic' && !('x-queue-type' in q.arguments) ? { ...q.arguments, 'x-queue-type': q.type } : q.arguments })),
    bindings: v.bindings.map((b) => ({ source: b.source, destination: b.destination, destinationType: b.destinationType, routingKey: b.routingKey, arguments: b.arguments, loc: b.loc })),
    alternateExchangePolicies: ae.length ? ae : undefined,
    queuePolicies: qp.length ? qp : undefined,
  };
}
