/** The routing map's pure parts (no vscode): its CSP, and queue depths from a broker snapshot. */
import type { QueueDepths } from '../../server/src/service/graph-render';
import { findVhost, type BrokerSnapshot } from '../../server/src/broker/snapshot';

/** The webview's Content-Security-Policy: nothing but our nonce'd style and script (no remote anything). */
export function routingMapCsp(cspSource: string, nonce: string): string {
  return `default-src 'none'; style-src ${cspSource} 'nonce-${nonce}'; script-src 'nonce-${nonce}'; img-src ${cspSource} data:; font-src ${cspSource};`;
}

/**
 * Depths of the graph's queues in a snapshot's vhost: ready / unacknowledged messages; null = not on the
 * broker (said only when the broker lists every queue, or answered that this one does not exist). Queues the
 * snapshot says nothing about are left out. No snapshot: null (no badges).
 */
export function depthsFrom(snapshot: BrokerSnapshot | undefined, queues: string[]): QueueDepths | null {
  const vh = snapshot && findVhost(snapshot);
  if (!snapshot || !vh) return null;
  const out: QueueDepths = {};
  for (const name of queues) {
    const q = vh.queues.find((x) => x.name === name);
    if (q && q.exists) out[name] = { ready: q.messagesReady, unacked: q.messagesUnacknowledged };
    else if (q || snapshot.capabilities.listsAllQueues) out[name] = null;
  }
  return out;
}
