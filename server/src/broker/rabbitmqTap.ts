// Tap: watch copies of the messages going through an exchange, without taking them from anyone.
// An exclusive, auto-delete, server-named queue is bound to the exchange in a way that fits its type
// (topic `#`, fanout '', direct: each known key, headers: x-match any on the task names) and consumed
// with auto-ack. Connection loss is reported once through the 'lost' event; the caller may start a new tap
// (see retryWithBackoff in retry.ts).

import { EventEmitter } from 'node:events';
import type * as amqp from 'amqplib';
import { decodeCeleryMessage, DecodedCeleryMessage } from './celeryMessage';
import { BrokerError, scrub } from './errors';
import { amqpError, openAmqp } from './rabbitmqAmqp';
import { RabbitManagementClient } from './rabbitmqManagement';
import type { OperationOptions } from './types';
import { BrokerUrl, parseBrokerUrl } from './url';

export interface TapOptions extends OperationOptions {
  exchange: string;
  /** If omitted, looked up with the management API (a BrokerError if that fails or the exchange is missing). */
  exchangeType?: string;
  /** Direct exchanges: the keys to listen to (e.g. every binding key the config knows). */
  bindingKeys?: string[];
  /** Direct exchanges: a single key; also used when bindingKeys is empty. */
  routingKey?: string;
  /** Headers exchanges: task names to match (x-match any on `task`); none = match every message. */
  taskNames?: string[];
  /** Cap of the tap queue so a burst cannot pile up; default 1000 (oldest dropped). */
  maxLength?: number;
  onMessage?: (m: TappedMessage) => void;
}

export interface TappedMessage extends DecodedCeleryMessage {
  receivedAt: string;
}

export interface TapEvents {
  message: [TappedMessage];
  /** The connection or channel went away (broker restart, network). The tap is stopped; start a new one. */
  lost: [BrokerError];
}

export class RabbitTap extends EventEmitter<TapEvents> {
  private conn: amqp.ChannelModel | null = null;
  private stopped = false;
  queue = '';
  bindings: Array<{ routingKey: string; arguments?: Record<string, unknown> }> = [];

  constructor(readonly broker: BrokerUrl, readonly options: TapOptions) {
    super();
  }

  get running(): boolean {
    return !!this.conn && !this.stopped;
  }

  /** Connect, bind, consume. Rejects with a BrokerError (e.g. exchange not found). */
  async start(): Promise<this> {
    const u = this.broker;
    const o = this.options;
    if (o.exchange === '') throw new BrokerError('unsupported', 'The default exchange cannot be tapped: tap the exchange a queue is bound to.', u.redacted);
    let type = o.exchangeType;
    if (!type) {
      const mgmt = new RabbitManagementClient(u, { timeoutMs: o.timeoutMs, managementUrl: o.managementUrl });
      const found = (await mgmt.exchanges(u.vhost)).find((x) => x.name === o.exchange);
      if (!found) throw new BrokerError('not-found', `Exchange "${o.exchange}" does not exist on ${u.redacted}.`, u.redacted);
      type = found.type;
    }
    this.bindings = bindingsFor(type, o);
    const conn = await openAmqp(u, o);
    this.conn = conn;
    this.stopped = false;
    try {
      const ch = await conn.createChannel();
      ch.on('error', () => undefined);
      const q = await ch.assertQueue('', {
        exclusive: true,
        autoDelete: true,
        durable: false,
        arguments: { 'x-max-length': o.maxLength ?? 1000 },
      });
      this.queue = q.queue;
      for (const b of this.bindings) await ch.bindQueue(q.queue, o.exchange, b.routingKey, b.arguments);
      await ch.consume(
        q.queue,
        (m) => {
          if (!m) {
            this.lose(new BrokerError('connection-lost', `The tap on exchange "${o.exchange}" was cancelled by the broker.`, u.redacted));
            return;
          }
          const d: TappedMessage = {
            ...decodeCeleryMessage({
              body: m.content,
              contentType: m.properties.contentType ?? null,
              contentEncoding: m.properties.contentEncoding ?? null,
              headers: (m.properties.headers ?? {}) as Record<string, unknown>,
              priority: typeof m.properties.priority === 'number' ? m.properties.priority : null,
              correlationId: typeof m.properties.correlationId === 'string' ? m.properties.correlationId : null,
              redelivered: m.fields.redelivered,
              exchange: m.fields.exchange,
              routingKey: m.fields.routingKey,
            }),
            receivedAt: new Date().toISOString(),
          };
          o.onMessage?.(d);
          this.emit('message', d);
        },
        { noAck: true, exclusive: true },
      );
    } catch (e) {
      this.stopped = true;
      this.conn = null;
      await conn.close().catch(() => undefined);
      const msg = String((e as Error).message);
      if (/404|NOT_FOUND/.test(msg)) throw new BrokerError('not-found', `Exchange "${o.exchange}" does not exist on ${u.redacted}.`, u.redacted);
      throw amqpError(e, u, `tap exchange "${o.exchange}"`, o.timeoutMs);
    }
    conn.on('close', (err?: Error) => {
      if (this.stopped) return;
      const why = err ? scrub(err.message, [u.password]) : 'the connection was closed';
      this.lose(new BrokerError('connection-lost', `Lost the tap on exchange "${o.exchange}" at ${u.redacted}: ${why}`, u.redacted));
    });
    return this;
  }

  private lose(err: BrokerError): void {
    if (this.stopped) return;
    this.stopped = true;
    const c = this.conn;
    this.conn = null;
    c?.close().catch(() => undefined);
    this.emit('lost', err);
  }

  /** Stop tapping; the server deletes the exclusive queue with the connection. Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    const c = this.conn;
    this.conn = null;
    if (c) await c.close().catch(() => undefined);
  }
}

/** How to bind a tap queue to an exchange of the given type. */
export function bindingsFor(type: string, o: Pick<TapOptions, 'bindingKeys' | 'routingKey' | 'taskNames' | 'exchange'>): Array<{ routingKey: string; arguments?: Record<string, unknown> }> {
  switch (type) {
    case 'topic':
      return [{ routingKey: '#' }];
    case 'fanout':
      return [{ routingKey: '' }];
    case 'headers':
      return o.taskNames && o.taskNames.length
        ? o.taskNames.map((t) => ({ routingKey: '', arguments: { 'x-match': 'any', task: t } }))
        : [{ routingKey: '', arguments: { 'x-match': 'all' } }];
    case 'direct':
    default: {
      const keys = [...new Set([...(o.bindingKeys ?? []), ...(o.routingKey !== undefined ? [o.routingKey] : [])])];
      if (!keys.length) {
        throw new BrokerError('unsupported', `Exchange "${o.exchange}" is ${type}: give the routing key(s) to listen to (a direct exchange has no wildcard).`);
      }
      return keys.map((k) => ({ routingKey: k }));
    }
  }
}

/** Start a tap on a RabbitMQ exchange. */
export async function startTap(url: BrokerUrl | string, opts: TapOptions): Promise<RabbitTap> {
  const u = typeof url === 'string' ? parseBrokerUrl(url) : url;
  if (u.kind !== 'rabbitmq') {
    throw new BrokerError('unsupported', `Tapping is only available on RabbitMQ (${u.redacted} is Redis, where reading a list would take the message from the workers).`, u.redacted);
  }
  return new RabbitTap(u, opts).start();
}
