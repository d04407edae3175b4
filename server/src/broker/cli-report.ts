// Text and JSON renderings of a drift report (+ the snapshot it came from) for `celery-routing broker`.
// URLs are redacted; nothing here can print a password.

import type { DriftItem, DriftReport, DriftSeverity } from './drift';
import { hasDrift } from './drift';
import type { BrokerSnapshot } from './snapshot';
import { findVhost } from './snapshot';
import { redactUrl } from './url';

export interface ReportOptions {
  /** ANSI colours (text only). */
  color?: boolean;
  /** Include the queue table (default true). */
  queues?: boolean;
  failOn?: DriftSeverity;
}

const ICON: Record<DriftSeverity, string> = { error: '✖', warning: '⚠', info: 'ℹ' };
const ANSI: Record<DriftSeverity, string> = { error: '\x1b[31m', warning: '\x1b[33m', info: '\x1b[36m' };

function paint(s: string, sev: DriftSeverity, color: boolean): string {
  return color ? `${ANSI[sev]}${s}\x1b[0m` : s;
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

function fmtItem(i: DriftItem, color: boolean): string {
  return `  ${paint(`${ICON[i.severity]} ${i.severity}`, i.severity, color)} [${i.code}] ${i.message}`;
}

export function formatDriftText(report: DriftReport, snapshot?: BrokerSnapshot, opts: ReportOptions = {}): string {
  const color = !!opts.color;
  const lines: string[] = [];
  const where = report.broker === 'redis' ? `db ${report.vhost}` : `vhost ${report.vhost}`;
  const server = snapshot ? ` — ${snapshot.server.product} ${snapshot.server.version}`.trimEnd() : '';
  lines.push(`Broker ${redactUrl(report.url)} (${where})${server}`);
  if (snapshot) for (const w of snapshot.warnings) lines.push(`  note: ${w}`);
  if (snapshot && opts.queues !== false) {
    const vh = findVhost(snapshot);
    if (vh && vh.queues.length) {
      const width = Math.min(48, Math.max(5, ...vh.queues.map((q) => q.name.length)));
      lines.push('', `  ${pad('QUEUE', width)}  READY  UNACKED  CONSUMERS`);
      for (const q of [...vh.queues].sort((a, b) => a.name.localeCompare(b.name))) {
        const un = q.messagesUnacknowledged === null ? '-' : String(q.messagesUnacknowledged);
        const co = q.consumers === null ? '-' : String(q.consumers);
        lines.push(`  ${pad(q.name, width)}  ${pad(String(q.messagesReady), 5)}  ${pad(un, 7)}  ${co}`);
      }
      if (vh.unackedTotal !== null && report.broker === 'redis') lines.push(`  (unacked, all queues: ${vh.unackedTotal})`);
    }
  }
  lines.push('');
  if (!report.items.length) {
    lines.push(`No drift: ${report.checked.queues} queue(s), ${report.checked.exchanges} exchange(s), ${report.checked.bindings} binding(s) match the config.`);
  } else {
    lines.push(`Drift: ${report.counts.error} error(s), ${report.counts.warning} warning(s), ${report.counts.info} info`);
    for (const i of report.items) lines.push(fmtItem(i, color));
  }
  for (const n of report.notes) lines.push(`  note: ${n}`);
  return lines.join('\n') + '\n';
}

export interface DriftJson {
  url: string;
  broker: string;
  vhost: string;
  drift: boolean;
  counts: DriftReport['counts'];
  checked: DriftReport['checked'];
  items: DriftItem[];
  notes: string[];
  snapshot?: BrokerSnapshot;
}

export function driftJson(report: DriftReport, snapshot?: BrokerSnapshot, opts: ReportOptions = {}): DriftJson {
  return {
    url: redactUrl(report.url),
    broker: report.broker,
    vhost: report.vhost,
    drift: hasDrift(report, opts.failOn),
    counts: report.counts,
    checked: report.checked,
    items: report.items,
    notes: report.notes,
    ...(snapshot ? { snapshot: { ...snapshot, url: redactUrl(snapshot.url) } } : {}),
  };
}

export function formatDriftJson(report: DriftReport, snapshot?: BrokerSnapshot, opts: ReportOptions = {}): string {
  return JSON.stringify(driftJson(report, snapshot, opts), null, 2) + '\n';
}

/** Exit code for the CLI: 1 on drift at or above `failOn` (default warning), else 0. */
export function driftExitCode(report: DriftReport, failOn: DriftSeverity = 'warning'): 0 | 1 {
  return hasDrift(report, failOn) ? 1 : 0;
}

/** One line for an error (BrokerError messages are already redacted). */
export function formatBrokerErrorText(err: unknown): string {
  const e = err as { code?: string; message?: string };
  return `celery-routing broker: ${e.code ? `[${e.code}] ` : ''}${redactUrl(String(e.message ?? err))}\n`;
}
