/**
 * Drift between the config and the RabbitMQ definitions of the project file (`brokerDefinitions`): the live
 * explorer's drift codes, computed on a snapshot of the definitions. Each finding is reported twice — on
 * the Python line (the queue or exchange declaration) and on the JSON line — each pointing at the other.
 */
import { basename } from 'node:path';
import type { RoutingDiagnostic, Severity } from './types';
import type { DiagContext } from './context';
import type { Loc } from '../../model/types';
import { computeDrift, DriftCode, type DriftItem } from '../../broker/drift';
import { definitionsOf, definitionsSnapshot, mergeDefinitions, vhostsOf, type Definitions } from '../../broker/definitions';
import { appVhost, workerTopology } from '../definitions';

type Rule = (ctx: DiagContext) => RoutingDiagnostic[];

const REPORTED = new Set<string>([DriftCode.MissingQueue, DriftCode.MissingExchange, DriftCode.MissingBinding, DriftCode.ExchangeTypeMismatch, DriftCode.QueueArgumentMismatch]);
// a missing object is declared by Celery itself at worker start or send; a different one makes that declare fail
const SEVERITY: Record<string, Severity> = { [DriftCode.ExchangeTypeMismatch]: 'error', [DriftCode.QueueArgumentMismatch]: 'error' };

/** Parse errors of the definitions files, and a vhost the files do not speak of. */
const definitionsFiles: Rule = (ctx) => {
  const out: RoutingDiagnostic[] = [];
  const vhost = ctx.app ? appVhost(ctx.app.settings) : '/';
  for (const d of ctx.project.definitions) {
    for (const e of d.errors) out.push({ code: 'definitions-file', severity: 'error', loc: e.loc, message: e.message });
    const hosts = vhostsOf(d);
    const anyVhost = [...d.exchanges, ...d.queues, ...d.bindings].some((x) => x.vhost === null);
    if (hosts.length && !hosts.includes(vhost) && !anyVhost) {
      out.push({ code: 'definitions-vhost', severity: 'warning', loc: d.locate(['vhosts']), message: `These RabbitMQ definitions have nothing for vhost '${vhost}' (the app's broker_url): they describe ${hosts.map((h) => `'${h}'`).join(', ')}.` });
    }
  }
  const defs = mergeDefinitions(ctx.project.definitions);
  if (defs) out.push(...danglingBindings(defs, vhost));
  return out;
};

/**
 * Bindings whose ends the definitions do not define: RabbitMQ cannot import them (3.10's export_definitions
 * writes the bindings of internal exchanges but not the exchanges), and the engine leaves them out.
 */
function danglingBindings(d: Definitions, vhost: string): RoutingDiagnostic[] {
  const v = definitionsOf(d, vhost);
  const exchanges = new Set(v.exchanges.map((x) => x.name));
  const queues = new Set(v.queues.map((q) => q.name));
  const known = (name: string, kind: 'queue' | 'exchange') => (kind === 'queue' ? queues.has(name) : name === '' || name.startsWith('amq.') || exchanges.has(name));
  return v.bindings.flatMap((b) => {
    const missing = [!known(b.source, 'exchange') ? `exchange '${b.source}'` : '', !known(b.destination, b.destinationType) ? `${b.destinationType} '${b.destination}'` : ''].filter(Boolean);
    return missing.length ? [{ code: 'definitions-dangling-binding', severity: 'warning' as const, loc: b.loc,
      message: `This binding '${b.source}' → ${b.destinationType} '${b.destination}' names ${missing.join(' and ')}, which the definitions do not define (rabbitmqctl export_definitions leaves internal exchanges out): importing it fails, so it is not part of the deployed topology.` }] : [];
  });
}

const definitionsDrift: Rule = (ctx) => {
  const defs = mergeDefinitions(ctx.project.definitions);
  if (!defs || !ctx.app || !ctx.queues) return [];
  const vhost = appVhost(ctx.app.settings);
  const topo = workerTopology(ctx.queues);
  const report = computeDrift(topo, definitionsSnapshot(defs, vhost));
  const out: RoutingDiagnostic[] = [];
  for (const i of report.items) {
    if (!REPORTED.has(i.code)) continue;
    const json = jsonLoc(ctx.project.definitions, vhost, i);
    const py = i.queue !== undefined && i.code !== DriftCode.ExchangeTypeMismatch ? topo.queueLocs.get(i.queue) : i.exchange !== undefined ? topo.exchangeLocs.get(i.exchange) : undefined;
    const severity = SEVERITY[i.code] ?? 'warning';
    const message = `${text(i, vhost)} (${basename(json.file)}:${json.range.start.line + 1})`;
    const data = i.queue ? { queue: i.queue } : undefined;
    if (py) out.push({ code: i.code, severity, loc: py, message, related: [{ loc: json, message: 'in the RabbitMQ definitions' }], data });
    out.push({ code: i.code, severity, loc: json, message: text(i, vhost), related: py ? [{ loc: py, message: 'in the Celery configuration' }] : undefined, data });
  }
  return out;
};

function text(i: DriftItem, vhost: string): string {
  const q = `'${i.queue}'`, x = `'${i.exchange}'`;
  switch (i.code) {
    case DriftCode.MissingQueue: return `Queue ${q} is not in the RabbitMQ definitions of vhost '${vhost}': it exists only once a worker consuming it has started, or a send declared it.`;
    case DriftCode.MissingExchange: return `Exchange ${x} (${String(i.expected)}) is not in the RabbitMQ definitions of vhost '${vhost}': it exists only once Celery declares it (worker start or send).`;
    case DriftCode.MissingBinding: return `Queue ${q} is not bound to exchange ${x} with routing key '${String(i.expected)}' in the RabbitMQ definitions: messages for that key do not reach it until a worker declares the binding.`;
    case DriftCode.ExchangeTypeMismatch: return `Exchange ${x} is ${String(i.actual)} in the RabbitMQ definitions but ${String(i.expected)} in the config: declaring it fails with 406 PRECONDITION_FAILED (inequivalent arg 'type') at worker start and on sends that declare it, and routing follows ${String(i.actual)} rules.`;
    case DriftCode.QueueArgumentMismatch: return `Queue ${q} has ${i.argument}=${show(i.actual)} in the RabbitMQ definitions but ${show(i.expected)} in the config: declaring it fails with 406 PRECONDITION_FAILED (inequivalent arg '${i.argument}') at worker start and on every send to it.`;
    default: return i.message;
  }
}
const show = (v: unknown) => (v === undefined ? 'none' : JSON.stringify(v));

/** The JSON line a finding is about: the queue's argument, the exchange's type, the binding's queue, else the list to add it to. */
function jsonLoc(files: Definitions[], vhost: string, i: DriftItem): Loc {
  for (const d of files) {
    const v = definitionsOf(d, vhost);
    const q = i.queue !== undefined ? v.queues.find((x) => x.name === i.queue) : undefined;
    const x = i.exchange !== undefined ? v.exchanges.find((e) => e.name === i.exchange) : undefined;
    if (i.code === DriftCode.QueueArgumentMismatch && q) return q.arguments[i.argument!] !== undefined ? d.locate(['queues', q.index, 'arguments', i.argument!]) : q.loc;
    if (i.code === DriftCode.ExchangeTypeMismatch && x) return d.locate(['exchanges', x.index, 'type']);
    if (i.code === DriftCode.MissingBinding && (q || x)) return (q ?? x)!.loc;
  }
  const key = i.code === DriftCode.MissingExchange ? 'exchanges' : i.code === DriftCode.MissingBinding ? 'bindings' : 'queues';
  return files[0].locate([key]);
}

export const DEFINITIONS_RULES: Rule[] = [definitionsFiles, definitionsDrift];
