/**
 * One broker connection's live state: connect, refresh on a timer, back off while the broker is away,
 * never run two loads at once, ignore answers that arrive after a disconnect. No vscode: the loader and the
 * timers are injected, so tests drive it with fakes.
 */
import type { BrokerSnapshot } from '../../../server/src/broker/snapshot';
import { nextRefreshDelay } from './backoff';
import type { ConnectionState } from './model';

export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export const realTimers: Timers = {
  set: (fn, ms) => {
    const t = setTimeout(fn, ms);
    (t as { unref?: () => void }).unref?.();
    return t;
  },
  clear: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export interface SessionDeps {
  /** Take a snapshot (connects, with its own timeout). Rejects with a message-bearing error. */
  load(): Promise<BrokerSnapshot>;
  /** Auto-refresh interval in ms (0 = off); read on every scheduling so setting changes apply. */
  intervalMs(): number;
  onChange(): void;
  timers?: Timers;
  /** Message of an error, already free of secrets (BrokerError messages are). */
  describeError?(e: unknown): string;
}

export class Session {
  state: ConnectionState = 'disconnected';
  snapshot: BrokerSnapshot | undefined;
  error: string | undefined;
  failures = 0;
  refreshing = false;
  /** Delay of the scheduled refresh (for "retry in …"). */
  nextRetryMs: number | null = null;
  private timer: unknown;
  private inFlight: Promise<void> | undefined;
  private generation = 0;
  private readonly timers: Timers;

  constructor(private readonly deps: SessionDeps) {
    this.timers = deps.timers ?? realTimers;
  }

  get active(): boolean {
    return this.state !== 'disconnected';
  }

  /** Start (or restart) and load now. */
  connect(): Promise<void> {
    if (this.state === 'disconnected') {
      this.state = 'connecting';
      this.failures = 0;
      this.error = undefined;
      this.deps.onChange();
    }
    return this.refresh();
  }

  /** Load now (joins a load already running). Never rejects. */
  refresh(): Promise<void> {
    if (this.state === 'disconnected') return this.connect();
    if (this.inFlight) return this.inFlight;
    this.cancelTimer();
    const gen = this.generation;
    this.refreshing = true;
    this.deps.onChange();
    const run = (async () => {
      try {
        const snap = await this.deps.load();
        if (gen !== this.generation) return;
        this.snapshot = snap;
        this.state = 'connected';
        this.error = undefined;
        this.failures = 0;
      } catch (e) {
        if (gen !== this.generation) return;
        this.failures++;
        this.state = 'error';
        this.error = this.deps.describeError ? this.deps.describeError(e) : e instanceof Error ? e.message : String(e);
      } finally {
        if (gen === this.generation) {
          this.refreshing = false;
          this.inFlight = undefined;
          this.schedule();
          this.deps.onChange();
        }
      }
    })();
    this.inFlight = run;
    return run;
  }

  /** Re-plan the next refresh (after a setting change). */
  schedule(): void {
    this.cancelTimer();
    this.nextRetryMs = null;
    if (this.state === 'disconnected') return;
    const d = nextRefreshDelay({ intervalMs: this.deps.intervalMs(), failures: this.failures, jitter: this.failures ? 0.1 : 0 });
    if (d === null) return;
    this.nextRetryMs = this.failures ? d : null;
    this.timer = this.timers.set(() => {
      this.timer = undefined;
      void this.refresh();
    }, d);
  }

  disconnect(): void {
    this.generation++;
    this.cancelTimer();
    this.inFlight = undefined;
    this.refreshing = false;
    this.state = 'disconnected';
    this.snapshot = undefined;
    this.error = undefined;
    this.failures = 0;
    this.nextRetryMs = null;
    this.deps.onChange();
  }

  dispose(): void {
    this.generation++;
    this.cancelTimer();
  }

  private cancelTimer(): void {
    if (this.timer !== undefined) this.timers.clear(this.timer);
    this.timer = undefined;
  }
}
