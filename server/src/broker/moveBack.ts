/**
 * "Move messages back" from a dead-letter queue to where each came from (rabbitmq-server #10937): the
 * first `x-death` entry names the exchange and routing keys the message was published with. Each message is
 * republished on a confirm channel and only then acked, so nothing is lost; a failed publish nacks with
 * requeue, so nothing is duplicated either.
 */
import type { ConsumeMessage, GetMessage } from 'amqplib';
import { openAmqp } from './rabbitmqAmqp';
import { BrokerError, toBrokerError } from './errors';
import { parseBrokerUrl, type BrokerUrl } from './url';
import type { OperationOptions } from './types';

export interface DeathOrigin { exchange: string; routingKeys: string[]; queue: string; reason: string; count: number }

/** The origin recorded by RabbitMQ in the `x-death` header (most recent first), or undefined. */
export function deathOrigin(headers: Record<string, unknown> | undefined): DeathOrigin | undefined {
  const deaths = headers?.['x-death'];
  if (!Array.isArray(deaths) || !deaths.length) return undefined;
  const d = deaths[0] as Record<string, unknown>;
  const keys = Array.isArray(d['routing-keys']) ? (d['routing-keys'] as unknown[]).map(String) : [];
  return { exchange: String(d.exchange ?? ''), routingKeys: keys, queue: String(d.queue ?? ''), reason: String(d.reason ?? ''), count: Number(d.count ?? 1) };
}

export interface MoveBackResult { moved: number; skipped: number; notes: string[] }

/** Move up to `limit` ready messages of `queue` back to their origin. Messages without x-death stay. */
export async function moveBack(url: string | BrokerUrl, queue: string, limit = Infinity, opts: OperationOptions = {}): Promise<MoveBackResult> {
  const u = typeof url === 'string' ? parseBrokerUrl(url) : url;
  if (u.kind !== 'rabbitmq') throw new BrokerError('unsupported', 'Moving dead-lettered messages back needs RabbitMQ (Redis has no dead-lettering).');
  const conn = await openAmqp(u, opts);
  const result: MoveBackResult = { moved: 0, skipped: 0, notes: [] };
  const kept: GetMessage[] = [];
  try {
    const ch = await conn.createConfirmChannel();
    const ready = (await ch.checkQueue(queue)).messageCount;
    for (let i = 0; i < Math.min(ready, limit); i++) {
      const m = await ch.get(queue, { noAck: false });
      if (!m) break;
      const origin = deathOrigin(m.properties.headers as Record<string, unknown> | undefined);
      if (!origin || !origin.routingKeys.length) { kept.push(m); result.skipped++; continue; }
      const ok = await new Promise<boolean>((resolve) => {
        ch.publish(origin.exchange, origin.routingKeys[0], m.content, { ...(m.properties as ConsumeMessage['properties']), headers: m.properties.headers, mandatory: true } as never, (err) => resolve(!err));
      });
      if (ok) { ch.ack(m); result.moved++; }
      else { ch.nack(m, false, true); result.notes.push(`a message could not be republished to '${origin.exchange}' and was left in '${queue}'`); break; }
    }
    // Messages without an origin go back where they were, in order.
    if (kept.length) ch.nack(kept[kept.length - 1], true, true);
    if (result.skipped) result.notes.push(`${result.skipped} message(s) have no x-death header and stay in '${queue}'`);
    await ch.close();
    return result;
  } catch (err) {
    throw toBrokerError(err, { action: `move messages back from '${queue}'`, target: u.redacted, secrets: [u.password] });
  } finally {
    await conn.close().catch(() => undefined);
  }
}
