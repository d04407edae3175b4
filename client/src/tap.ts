/**
 * Taps: copies of the messages going through a RabbitMQ exchange, streamed into an output channel per tap,
 * reconnecting with backoff when the broker goes away, until "Celery: Stop Tap".
 */
import * as vscode from 'vscode';
import { BrokerError } from '../../server/src/broker/errors';
import { retryWithBackoff } from '../../server/src/broker/retry';
import { startTap, type RabbitTap, type TapOptions, type TappedMessage } from '../../server/src/broker/rabbitmqTap';
import { tapLines } from './render';

interface ActiveTap {
  key: string;
  connectionId: string;
  exchange: string;
  label: string;
  channel: vscode.OutputChannel;
  tap?: RabbitTap;
  abort: AbortController;
  count: number;
}

export class TapManager implements vscode.Disposable {
  private readonly taps = new Map<string, ActiveTap>();
  /** Output channels are kept after a tap stops (its history stays readable) and reused by the next one. */
  private readonly channels = new Map<string, vscode.OutputChannel>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly log: vscode.LogOutputChannel) {}

  list(): Array<{ key: string; connectionId: string; exchange: string; label: string; count: number }> {
    return [...this.taps.values()].map(({ key, connectionId, exchange, label, count }) => ({ key, connectionId, exchange, label, count }));
  }

  exchangesOf(connectionId: string): string[] {
    return [...this.taps.values()].filter((t) => t.connectionId === connectionId).map((t) => t.exchange);
  }

  /** Start tapping (or show the running tap). `url` carries the password: never log it. */
  async start(connectionId: string, where: string, url: string, opts: Omit<TapOptions, 'onMessage'>): Promise<void> {
    const key = `${connectionId}\0${opts.exchange}`;
    const existing = this.taps.get(key);
    if (existing) {
      existing.channel.show(true);
      return;
    }
    const label = `${opts.exchange} @ ${where}`;
    let channel = this.channels.get(key);
    if (!channel) {
      channel = vscode.window.createOutputChannel(`Celery Tap: ${opts.exchange}`);
      this.channels.set(key, channel);
    }
    const t: ActiveTap = { key, connectionId, exchange: opts.exchange, label, channel, abort: new AbortController(), count: 0 };
    this.taps.set(key, t);
    channel.show(true);
    channel.appendLine(`Tapping exchange "${opts.exchange}" on ${where} — copies of the messages, nobody's messages are taken.`);
    channel.appendLine('Stop with "Celery: Stop Tap".');
    this.fire();
    const onMessage = (m: TappedMessage) => {
      t.count++;
      for (const l of tapLines(m)) channel.appendLine(l);
    };
    const open = async (): Promise<void> => {
      const tap = await retryWithBackoff(() => startTap(url, { ...opts }), {
        attempts: 1000,
        initialMs: 1000,
        maxMs: 30_000,
        signal: t.abort.signal,
        onRetry: (n, d, e) => channel.appendLine(`… cannot tap yet (${e instanceof Error ? e.message : String(e)}); retry ${n} in ${Math.round(d / 1000)} s`),
      });
      if (t.abort.signal.aborted) {
        await tap.stop();
        return;
      }
      t.tap = tap;
      channel.appendLine(`Listening (queue ${tap.queue}, bindings ${tap.bindings.map((b) => b.routingKey || "''").join(', ')}).`);
      tap.on('message', onMessage);
      tap.once('lost', (err: BrokerError) => {
        t.tap = undefined;
        if (t.abort.signal.aborted) return;
        channel.appendLine(`${err.message} — reconnecting…`);
        void open().catch((e) => this.failed(t, e));
      });
    };
    try {
      // The first attempt's error is reported to the user at once; later losses reconnect quietly.
      const first = await startTap(url, { ...opts });
      t.tap = first;
      channel.appendLine(`Listening (queue ${first.queue}, bindings ${first.bindings.map((b) => b.routingKey || "''").join(', ')}).`);
      first.on('message', onMessage);
      first.once('lost', (err: BrokerError) => {
        t.tap = undefined;
        if (t.abort.signal.aborted) return;
        channel.appendLine(`${err.message} — reconnecting…`);
        void open().catch((e) => this.failed(t, e));
      });
    } catch (e) {
      this.taps.delete(key);
      channel.appendLine(`Could not start: ${e instanceof Error ? e.message : String(e)}`);
      this.fire();
      throw e;
    }
  }

  private failed(t: ActiveTap, e: unknown): void {
    if (t.abort.signal.aborted) return;
    t.channel.appendLine(`Tap stopped: ${e instanceof Error ? e.message : String(e)}`);
    this.log.warn(`[tap] ${t.label}: ${e instanceof Error ? e.message : String(e)}`);
    this.taps.delete(t.key);
    this.fire();
  }

  async stop(key: string): Promise<void> {
    const t = this.taps.get(key);
    if (!t) return;
    this.taps.delete(key);
    t.abort.abort(new Error('stopped'));
    await t.tap?.stop();
    t.channel.appendLine(`Stopped after ${t.count} message(s).`);
    this.fire();
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.taps.keys()].map((k) => this.stop(k)));
  }

  private fire(): void {
    void vscode.commands.executeCommand('setContext', 'celeryRouting.tapping', this.taps.size > 0);
    this.changed.fire();
  }

  dispose(): void {
    void this.stopAll();
    for (const c of this.channels.values()) c.dispose();
    this.changed.dispose();
  }
}
