// RabbitMQ over AMQP 0-9-1 (amqplib): connect with a deadline, passive checks, peek, publish, purge, declare.
// One connection per operation; it is always closed. Channel/connection 'error' events are always handled
// (amqplib would otherwise crash the process).

import * as amqp from 'amqplib';
import { decodeCeleryMessage, DecodedCeleryMessage, encodeCeleryTask } from './celeryMessage';
import { BrokerError, toBrokerError, withDeadline } from './errors';
import { isBuiltinExchange } from './plan';
import { RabbitManagementClient } from './rabbitmqManagement';
import type { DeclareAction, DeclarePlan, DeclareResult, OperationOptions, PeekResult, PublishRequest, PublishResult } from './types';
import { BrokerUrl, parseBrokerUrl, vhostLabel } from './url';

export const DEFAULT_TIMEOUT_MS = 5000;
export const MAX_PEEK = 200;

function broker(url: BrokerUrl | string): BrokerUrl {
  const u = typeof url === 'string' ? parseBrokerUrl(url) : url;
  if (u.kind !== 'rabbitmq') throw new BrokerError('unsupported', `${u.redacted} is not a RabbitMQ URL.`);
  return u;
}

function errCtx(u: BrokerUrl, action: string, timeoutMs?: number) {
  return { action, target: u.redacted, secrets: [u.password], timeoutMs };
}

/** Map amqplib failures to BrokerErrors with RabbitMQ-specific wording. */
export function amqpError(e: unknown, u: BrokerUrl, action: string, timeoutMs?: number): BrokerError {
  const msg = e instanceof Error ? e.message : String(e);
  if (/vhost .* not found/i.test(msg)) {
    return new BrokerError('not-found', `Virtual host "${vhostLabel(u.vhost)}" does not exist on ${u.redacted}.`, u.redacted);
  }
  if (/NOT_ALLOWED - access to vhost/i.test(msg)) {
    return new BrokerError('access-refused', `User "${u.username ?? ''}" has no access to virtual host "${vhostLabel(u.vhost)}" on ${u.redacted}.`, u.redacted);
  }
  return toBrokerError(e, errCtx(u, action, timeoutMs));
}

/** Open a connection with a hard deadline (TCP connect + AMQP handshake). */
export async function openAmqp(url: BrokerUrl | string, opts: OperationOptions = {}): Promise<amqp.ChannelModel> {
  const u = broker(url);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const connectOpts: amqp.Options.Connect = {
    protocol: u.tls ? 'amqps' : 'amqp',
    hostname: u.host,
    port: u.port,
    username: u.username ?? 'guest',
    password: u.password ?? '',
    vhost: u.vhost,
    heartbeat: 15,
  };
  const socketOpts: amqp.SocketOptions = { timeout: timeoutMs, clientProperties: { connection_name: 'celery-routing' } };
  if (u.tls) socketOpts.servername = u.host;
  try {
    const conn = await withDeadline(amqp.connect(connectOpts, socketOpts), timeoutMs, 'AMQP connect', (late) => {
      late.on('error', () => undefined);
      late.close().catch(() => undefined);
    });
    conn.on('error', () => undefined);
    return conn;
  } catch (e) {
    if (/Expected ConnectionOpenOk/.test(String((e as Error)?.message))) throw await vhostRefused(u, timeoutMs);
    throw amqpError(e, u, 'connect to RabbitMQ', timeoutMs);
  }
}

/** The server closed the connection at connection.open (amqplib drops the reason): find out why. */
async function vhostRefused(u: BrokerUrl, timeoutMs: number): Promise<BrokerError> {
  const vh = vhostLabel(u.vhost);
  try {
    const names = await new RabbitManagementClient(u, { timeoutMs: Math.min(timeoutMs, 3000) }).vhosts();
    if (!names.includes(u.vhost)) return new BrokerError('not-found', `Virtual host "${vh}" does not exist on ${u.redacted} (or user "${u.username ?? ''}" cannot see it).`, u.redacted);
    return new BrokerError('access-refused', `User "${u.username ?? ''}" has no permission on virtual host "${vh}" on ${u.redacted}.`, u.redacted);
  } catch {
    return new BrokerError('not-found', `RabbitMQ refused to open virtual host "${vh}" on ${u.redacted}: it does not exist or user "${u.username ?? ''}" has no permission on it.`, u.redacted);
  }
}

/** Open, run, always close. The whole run shares one deadline. */
export async function withConnection<T>(url: BrokerUrl | string, opts: OperationOptions, action: string, fn: (conn: amqp.ChannelModel) => Promise<T>): Promise<T> {
  const u = broker(url);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const conn = await openAmqp(u, opts);
  try {
    return await withDeadline(fn(conn), timeoutMs * 2, action);
  } catch (e) {
    throw amqpError(e, u, action, timeoutMs);
  } finally {
    await conn.close().catch(() => undefined);
  }
}

async function channel(conn: amqp.ChannelModel): Promise<amqp.Channel> {
  const ch = await conn.createChannel();
  ch.on('error', () => undefined);
  return ch;
}

export interface QueueCheck {
  exists: boolean;
  messageCount: number;
  consumerCount: number;
}

/** Passive queue.declare: does it exist, how many ready messages and consumers. */
export async function checkQueue(url: BrokerUrl | string, queue: string, opts: OperationOptions = {}): Promise<QueueCheck> {
  return withConnection(url, opts, `check queue "${queue}"`, async (conn) => {
    const ch = await channel(conn);
    try {
      const r = await ch.checkQueue(queue);
      return { exists: true, messageCount: r.messageCount, consumerCount: r.consumerCount };
    } catch (e) {
      if (/404|NOT_FOUND/.test(String((e as Error).message))) return { exists: false, messageCount: 0, consumerCount: 0 };
      throw e;
    }
  });
}

/** Passive exchange.declare. */
export async function checkExchange(url: BrokerUrl | string, exchange: string, opts: OperationOptions = {}): Promise<boolean> {
  if (exchange === '') return true;
  return withConnection(url, opts, `check exchange "${exchange}"`, async (conn) => {
    const ch = await channel(conn);
    try {
      await ch.checkExchange(exchange);
      return true;
    } catch (e) {
      if (/404|NOT_FOUND/.test(String((e as Error).message))) return false;
      throw e;
    }
  });
}

/** Passive checks of many names on one connection (a new channel after each 404). For snapshots without the management API. */
export async function checkMany(url: BrokerUrl | string, names: { queues: string[]; exchanges: string[] }, opts: OperationOptions = {}): Promise<{ queues: Map<string, QueueCheck>; exchanges: Map<string, boolean> }> {
  return withConnection(url, opts, 'check queues and exchanges', async (conn) => {
    let ch = await channel(conn);
    const queues = new Map<string, QueueCheck>();
    const exchanges = new Map<string, boolean>();
    for (const q of names.queues) {
      try {
        const r = await ch.checkQueue(q);
        queues.set(q, { exists: true, messageCount: r.messageCount, consumerCount: r.consumerCount });
      } catch (e) {
        if (!/404|NOT_FOUND/.test(String((e as Error).message))) throw e;
        queues.set(q, { exists: false, messageCount: 0, consumerCount: 0 });
        ch = await channel(conn);
      }
    }
    for (const x of names.exchanges) {
      if (x === '') continue;
      try {
        await ch.checkExchange(x);
        exchanges.set(x, true);
      } catch (e) {
        if (!/404|NOT_FOUND/.test(String((e as Error).message))) throw e;
        exchanges.set(x, false);
        ch = await channel(conn);
      }
    }
    return { queues, exchanges };
  });
}

function decodeAmqp(m: amqp.Message, redelivered: boolean): DecodedCeleryMessage {
  const p = m.properties;
  return decodeCeleryMessage({
    body: m.content,
    contentType: p.contentType ?? null,
    contentEncoding: p.contentEncoding ?? null,
    headers: (p.headers ?? {}) as Record<string, unknown>,
    priority: typeof p.priority === 'number' ? p.priority : null,
    correlationId: typeof p.correlationId === 'string' ? p.correlationId : null,
    redelivered,
    exchange: m.fields.exchange,
    routingKey: m.fields.routingKey,
  });
}

/**
 * Look at up to `count` ready messages without consuming them: basic.get (no auto-ack) on one channel,
 * then one basic.nack(multiple, requeue) for all of them, so they go back to their original positions.
 * Side effect of AMQP itself: the peeked messages carry redelivered=true from now on.
 */
export async function peekRabbit(url: BrokerUrl | string, queue: string, count = 10, opts: OperationOptions = {}): Promise<PeekResult> {
  const limit = Math.max(0, Math.min(count, MAX_PEEK));
  return withConnection(url, opts, `peek queue "${queue}"`, async (conn) => {
    const ch = await channel(conn);
    const before = await ch.checkQueue(queue);
    const got: amqp.GetMessage[] = [];
    let after = before.messageCount;
    try {
      for (let i = 0; i < Math.min(limit, before.messageCount); i++) {
        const m = await ch.get(queue, { noAck: false });
        if (!m) break;
        got.push(m);
      }
    } finally {
      if (got.length) ch.nack(got[got.length - 1], true, true);
    }
    // Same channel, so the server handles this after the nack.
    after = (await ch.checkQueue(queue)).messageCount;
    await ch.close().catch(() => undefined);
    const notes: string[] = [];
    if (got.length) notes.push('Peeked messages were requeued; RabbitMQ now marks them redelivered.');
    if (before.consumerCount > 0) notes.push(`${before.consumerCount} consumer(s) attached: messages already prefetched by workers are not visible here.`);
    if (after < before.messageCount) notes.push(`Ready count went from ${before.messageCount} to ${after} meanwhile (a consumer took messages).`);
    return {
      queue,
      messages: got.map((m) => decodeAmqp(m, m.fields.redelivered)),
      countBefore: before.messageCount,
      countAfter: after,
      notes,
    };
  });
}

/** Publish a Celery protocol-2 task message; mandatory + publisher confirms, so unroutable is reported. */
export async function publishRabbit(url: BrokerUrl | string, req: PublishRequest, opts: OperationOptions = {}): Promise<PublishResult> {
  const u = broker(url);
  const enc = encodeCeleryTask(req);
  return withConnection(u, opts, `publish to exchange "${req.exchange}"`, async (conn) => {
    const ch = await conn.createConfirmChannel();
    let channelError: Error | null = null;
    ch.on('error', (e: Error) => {
      channelError = e;
    });
    let returned: amqp.Message | null = null;
    ch.on('return', (m: amqp.Message) => {
      if (m.properties.correlationId === enc.id) returned = m;
    });
    ch.publish(req.exchange, req.routingKey, enc.body, {
      mandatory: true,
      contentType: enc.contentType,
      contentEncoding: enc.contentEncoding,
      headers: enc.headers,
      priority: enc.priority,
      correlationId: enc.correlationId,
      replyTo: enc.replyTo || undefined,
      deliveryMode: 2,
    });
    try {
      await ch.waitForConfirms();
    } catch (e) {
      const msg = String((channelError as Error | null)?.message ?? (e as Error).message);
      if (/404|NOT_FOUND/.test(msg)) {
        throw new BrokerError('not-found', `Exchange "${req.exchange}" does not exist in virtual host "${vhostLabel(u.vhost)}" (404); nothing was published.`, u.redacted);
      }
      throw channelError ?? e;
    }
    await ch.close().catch(() => undefined);
    const ret = returned as amqp.Message | null;
    const exLabel = req.exchange === '' ? 'the default exchange' : `exchange "${req.exchange}"`;
    if (ret) {
      return {
        id: enc.id, exchange: req.exchange, routingKey: req.routingKey, routed: false, queues: [],
        message: `Unroutable: no queue is bound to ${exLabel} with routing key "${req.routingKey}" — RabbitMQ returned the message (${(ret.fields as { replyText?: string }).replyText ?? 'NO_ROUTE'}).`,
      };
    }
    return {
      id: enc.id, exchange: req.exchange, routingKey: req.routingKey, routed: true,
      queues: req.exchange === '' ? [req.routingKey] : [],
      message: `Published task ${req.task} [${enc.id}] to ${exLabel} with routing key "${req.routingKey}".`,
    };
  });
}

/** Purge ready messages; returns how many were removed. */
export async function purgeRabbit(url: BrokerUrl | string, queue: string, opts: OperationOptions = {}): Promise<number> {
  const u = broker(url);
  return withConnection(u, opts, `purge queue "${queue}"`, async (conn) => {
    const ch = await channel(conn);
    try {
      const r = await ch.purgeQueue(queue);
      return r.messageCount;
    } catch (e) {
      if (/404|NOT_FOUND/.test(String((e as Error).message))) {
        throw new BrokerError('not-found', `Queue "${queue}" does not exist in virtual host "${vhostLabel(u.vhost)}".`, u.redacted);
      }
      throw e;
    }
  });
}

function firstLine(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  const q = /with message "([^"]+)"/.exec(m);
  return q ? q[1] : m.split('\n')[0];
}

/**
 * Declare exchanges, then queues, then bindings. Each item is checked passively first, so the result says
 * what was created and what already existed; a 406 (inequivalent type/arguments) fails that item only.
 */
export async function declareRabbit(url: BrokerUrl | string, plan: DeclarePlan, opts: OperationOptions = {}): Promise<DeclareResult> {
  return withConnection(url, opts, 'declare the plan', async (conn) => {
    const actions: DeclareAction[] = [];
    let ch = await channel(conn);
    const fresh = async () => {
      ch = await channel(conn);
    };
    const failedEx = new Set<string>();
    const failedQ = new Set<string>();
    for (const x of plan.exchanges) {
      if (isBuiltinExchange(x.name)) {
        actions.push({ kind: 'exchange', name: x.name || '(default)', status: 'skipped', detail: 'built-in exchange' });
        continue;
      }
      let exists = true;
      try {
        await ch.checkExchange(x.name);
      } catch {
        exists = false;
        await fresh();
      }
      try {
        await ch.assertExchange(x.name, x.type, { durable: x.durable ?? true, autoDelete: x.autoDelete ?? false, arguments: x.arguments });
        actions.push({ kind: 'exchange', name: x.name, status: exists ? 'exists' : 'created', detail: x.type });
      } catch (e) {
        failedEx.add(x.name);
        actions.push({ kind: 'exchange', name: x.name, status: 'failed', detail: firstLine(e) });
        await fresh();
      }
    }
    for (const q of plan.queues) {
      let exists = true;
      try {
        await ch.checkQueue(q.name);
      } catch {
        exists = false;
        await fresh();
      }
      try {
        await ch.assertQueue(q.name, { durable: q.durable ?? true, autoDelete: q.autoDelete ?? false, exclusive: q.exclusive ?? false, arguments: q.arguments });
        actions.push({ kind: 'queue', name: q.name, status: exists ? 'exists' : 'created' });
      } catch (e) {
        failedQ.add(q.name);
        actions.push({ kind: 'queue', name: q.name, status: 'failed', detail: firstLine(e) });
        await fresh();
      }
    }
    for (const b of plan.bindings) {
      const name = `${b.exchange} → ${b.queue} (${b.routingKey})`;
      if (b.exchange === '') continue; // the default exchange binds every queue implicitly
      if (failedEx.has(b.exchange) || failedQ.has(b.queue)) {
        actions.push({ kind: 'binding', name, status: 'skipped', detail: 'its exchange or queue failed' });
        continue;
      }
      try {
        await ch.bindQueue(b.queue, b.exchange, b.routingKey, b.arguments);
        actions.push({ kind: 'binding', name, status: 'declared' });
      } catch (e) {
        actions.push({ kind: 'binding', name, status: 'failed', detail: firstLine(e) });
        await fresh();
      }
    }
    return { actions, ok: actions.every((a) => a.status !== 'failed') };
  });
}
