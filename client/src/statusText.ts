/** The status bar item's text and tooltip. Pure. */
import type { ConnectionState } from './explorer/model';
import { plural } from './explorer/labels';

export type ServerState = 'starting' | 'running' | 'stopped' | 'failed';

export interface StatusInput {
  server: ServerState;
  counts?: { queues: number; tasks: number } | null;
  problems: number;
  scanning?: boolean;
  /** States of the explorer's active connections (disconnected ones are left out by the caller or ignored). */
  brokers: Array<{ label: string; state: ConnectionState }>;
}

export interface StatusOutput {
  text: string;
  tooltip: string;
  /** 'error' | 'warning' background, when something needs attention. */
  background?: 'error' | 'warning';
}

export function brokerPart(brokers: StatusInput['brokers']): { text: string; tooltip: string } | null {
  const active = brokers.filter((b) => b.state !== 'disconnected');
  if (!active.length) return null;
  const bad = active.filter((b) => b.state === 'error');
  const connecting = active.filter((b) => b.state === 'connecting');
  const lines = active.map((b) => `${b.label}: ${b.state === 'error' ? 'unavailable' : b.state}`);
  if (bad.length) return { text: `$(debug-disconnect) ${bad.length === active.length ? 'broker away' : `${bad.length}/${active.length} brokers away`}`, tooltip: lines.join('\n') };
  if (connecting.length) return { text: '$(sync~spin) broker', tooltip: lines.join('\n') };
  return { text: `$(vm-active) ${active.length === 1 ? 'broker' : `${active.length} brokers`}`, tooltip: lines.join('\n') };
}

export function statusText(s: StatusInput): StatusOutput {
  const broker = brokerPart(s.brokers);
  const tail = broker ? ` · ${broker.text}` : '';
  const btip = broker ? `\n\nBrokers:\n${broker.tooltip}` : '';
  switch (s.server) {
    case 'starting':
      return { text: `$(sync~spin) Celery${tail}`, tooltip: `Celery Routing: starting the language server…${btip}` };
    case 'failed':
    case 'stopped':
      return {
        text: `$(error) Celery${tail}`,
        tooltip: `Celery Routing: the language server is ${s.server === 'failed' ? 'not running (see the "Celery Routing" output)' : 'stopped'}. Run "Celery: Restart Server".${btip}`,
        background: 'error',
      };
    case 'running': {
      if (!s.counts) return { text: `$(sync~spin) Celery${tail}`, tooltip: `Celery Routing: analysing the workspace…${btip}` };
      const parts = [plural(s.counts.queues, 'queue'), plural(s.counts.tasks, 'task')];
      if (s.problems) parts.push(plural(s.problems, 'problem'));
      const icon = s.scanning ? '$(sync~spin)' : s.problems ? '$(warning)' : '$(symbol-event)';
      return {
        text: `${icon} ${parts.join(' · ')}${tail}`,
        tooltip: `Celery Routing: ${parts.join(', ')}${s.scanning ? ' (still scanning)' : ''}.\nClick: where does a task go?${btip}`,
        background: broker && broker.text.startsWith('$(debug-disconnect)') ? 'warning' : undefined,
      };
    }
  }
}
