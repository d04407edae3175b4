/**
 * The cold index on two cores, in two passes that this thread and a worker thread (index-worker.ts) share.
 * First every Python file is read and sorted by the prefilter, the two threads claiming files from one
 * shared counter; then the files that passed are parsed and lowered to IR, sorted by size: this thread takes
 * them from the largest down, the worker from the smallest up, until they meet — so neither is left with a
 * big module while the other idles (one counter for both jobs left a 5,000-line settings module to whichever
 * thread claimed it last), and the big IRs are never copied between threads. Sizes and verdicts go through
 * shared memory; the worker sends only its IR and its read errors over a message port, which this thread
 * takes synchronously between its own files (`receiveMessageOnPort`), so the index stays one synchronous call. Where no worker can start (or it has
 * not loaded its parser yet, or stalls or dies), this thread does the rest alone.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MessageChannel, Worker, receiveMessageOnPort } from 'node:worker_threads';
import type { Parser } from 'web-tree-sitter';
import { parsePython } from '../parse/python';
import { lowerModule } from '../parse/lower';
import type { ModuleIR } from '../parse/ir';
import { findSuppressions, type Suppression } from '../parse/suppressions';
import { readText } from './read-files';
import { moduleNameOf } from './modules';

export interface IndexRequest {
  /** The folder module names are relative to. */
  root: string;
  files: string[];
  /** The prefilter's source and flags (a RegExp does not cross threads). */
  prefilter: { source: string; flags: string };
  maxSize: number;
}

/** One file and its module name: its IR when it passed the prefilter, `reason` when it could not be read,
 * neither when it did not pass (it is loaded later, if imported). */
export interface Indexed { file: string; module: string; ir?: ModuleIR; suppressions?: Suppression[]; reason?: string }

/** Parse and lower one module's text (the tree is freed at once). */
export function lowerSource(parser: Parser, text: string): { ir: ModuleIR; suppressions: Suppression[] } {
  const tree = parsePython(parser, text);
  try {
    return { ir: lowerModule(tree), suppressions: findSuppressions(text) };
  } finally {
    tree.delete();
  }
}

/** Shared cells: the next file to read, the worker's state, files the worker has read, whether it is done
 * reading, the pass (READING until this thread publishes the parse order), how many candidates are claimed
 * for parsing, how many there are, candidates the worker has parsed. */
const NEXT = 0, STATE = 1, READ_BY_WORKER = 2, WORKER_READ_ALL = 3, PASS = 4, CLAIMED = 5, CANDIDATES = 6, PARSED_BY_WORKER = 7;
const CELLS = 8;
/** STATE: not started, working, done, and "this thread finished reading alone: do not start". */
const IDLE = 0, WORKING = 1, DONE = 2, CLOSED = 3;
/** PASS: reading; parsing (the order is published); abandoned (the worker stops). */
const READING = 0, PARSING = 1, ABANDONED = 2;
/** A file's verdict after reading (otherwise its text length, > 0: it passed the prefilter). */
const UNREAD = 0, FILTERED_OUT = -1, UNREADABLE = -2;

/** The shared memory of one request: cells, each file's verdict, the parse order (candidates largest first). */
function views(buf: SharedArrayBuffer, n: number) {
  const I = Int32Array.BYTES_PER_ELEMENT;
  return { cells: new Int32Array(buf, 0, CELLS), verdicts: new Int32Array(buf, CELLS * I, n), order: new Int32Array(buf, (CELLS + n) * I, n) };
}

/** Worker → this thread: a read error, or a parsed module. */
type Result = { i: number; reason: string } | { i: number; ir: ModuleIR; suppressions: Suppression[] };

/** One thread's side of a request: reading (verdicts into shared memory, texts kept for the parse) and parsing. */
class Share {
  private readonly texts = new Map<number, string>();
  readonly prefilter: RegExp;
  constructor(private readonly parser: Parser, readonly req: IndexRequest, readonly v: ReturnType<typeof views>) {
    this.prefilter = new RegExp(req.prefilter.source, req.prefilter.flags);
  }
  /** Read file i, record its verdict; the reason when it cannot be read. */
  read(i: number): string | undefined {
    const r = readText(this.req.files[i], this.req.maxSize);
    if (r.text === undefined) { Atomics.store(this.v.verdicts, i, UNREADABLE); return r.reason ?? 'unreadable'; }
    const passes = r.text.length > 0 && this.prefilter.test(r.text);
    if (passes) this.texts.set(i, r.text);
    Atomics.store(this.v.verdicts, i, passes ? r.text.length : FILTERED_OUT);
    return undefined;
  }
  /** Parse candidate i (read again if the other thread read it: the page cache has it); the reason when it
   * has become unreadable since. */
  parse(i: number): { ir: ModuleIR; suppressions: Suppression[] } | { reason: string } {
    let text = this.texts.get(i);
    this.texts.delete(i);
    if (text === undefined) {
      const r = readText(this.req.files[i], this.req.maxSize);
      if (r.text === undefined) return { reason: r.reason ?? 'unreadable' };
      text = r.text;
    }
    return lowerSource(this.parser, text);
  }
}

/** The worker's share of a request: read, then parse, claiming from the shared counters; results posted. */
export function indexShare(parser: Parser, req: IndexRequest, buf: SharedArrayBuffer, port: { postMessage(m: unknown): void; close(): void }): void {
  const v = views(buf, req.files.length);
  const { cells, order } = v;
  if (Atomics.compareExchange(cells, STATE, IDLE, WORKING) !== IDLE) { port.close(); return; }
  try {
    const share = new Share(parser, req, v);
    const n = req.files.length;
    for (let i = Atomics.add(cells, NEXT, 1); i < n; i = Atomics.add(cells, NEXT, 1)) {
      const reason = share.read(i);
      if (reason !== undefined) port.postMessage({ i, reason } satisfies Result);
      Atomics.add(cells, READ_BY_WORKER, 1);
    }
    Atomics.store(cells, WORKER_READ_ALL, 1);
    Atomics.notify(cells, WORKER_READ_ALL);
    // this thread publishes the parse order once every file is read
    while (Atomics.load(cells, PASS) === READING) Atomics.wait(cells, PASS, READING, 1000);
    if (Atomics.load(cells, PASS) !== PARSING) return;
    const count = Atomics.load(cells, CANDIDATES);
    // the worker takes the smallest first (their IR is cheap to send); this thread the largest
    for (let k = count - 1; Atomics.add(cells, CLAIMED, 1) < count; k--) {
      const i = order[k];
      port.postMessage({ i, ...share.parse(i) } satisfies Result);
      Atomics.add(cells, PARSED_BY_WORKER, 1);
      Atomics.notify(cells, PARSED_BY_WORKER); // a waiting main thread takes it at once
    }
  } finally {
    Atomics.store(cells, STATE, DONE);
    Atomics.notify(cells, STATE);
    Atomics.notify(cells, PARSED_BY_WORKER);
    port.close();
  }
}
// ---------------------------------------------------------------------------------------------- the worker

let worker: Worker | undefined;
let failed = false;
let readyPromise: Promise<boolean> | undefined;

/** The worker's program: next to the bundle in dist/, else (tests, tsx) the TypeScript source through tsx. */
function startWorker(): Worker {
  const bundled = join(__dirname, 'index-worker.js');
  if (existsSync(bundled)) return new Worker(bundled);
  const source = join(__dirname, 'index-worker.ts');
  const tsx = 'tsx/cjs/api'; // (a dev dependency, never bundled)
  return new Worker(`require(${JSON.stringify(require.resolve(tsx))}).register(); require(${JSON.stringify(source)});`, { eval: true });
}

/** The index worker, started once per process; held until its parser is loaded, then never keeping the
 * process alive. */
function indexWorker(): Worker | undefined {
  if (worker || failed) return worker;
  try {
    const w = (worker = startWorker());
    const gone = () => { failed = true; worker = undefined; };
    readyPromise = new Promise((resolve) => {
      w.once('message', (m) => { w.unref(); resolve(m === 'ready'); });
      w.once('error', () => { gone(); resolve(false); });
    });
    w.on('error', gone);
    w.on('exit', gone);
  } catch {
    failed = true;
  }
  return worker;
}

/** Start the index worker ahead of the first scan (the server does at start-up); resolves to whether it runs. */
export function warmUpIndexer(): Promise<boolean> {
  return indexWorker() && readyPromise ? readyPromise : Promise.resolve(false);
}

/** Stop the index worker (a server does after its scans: the worker's memory is only worth it for those);
 * the next scan starts it again. */
export async function stopIndexer(): Promise<void> {
  const w = worker;
  worker = undefined;
  readyPromise = undefined;
  if (w) { w.removeAllListeners(); await w.terminate(); }
}

/** Below this many files a second thread is not worth a message. */
const SHARED_MIN_FILES = 32;
/** A worker that makes no progress for this long is given up on; this thread does what it had claimed. */
const WORKER_PATIENCE_MS = 20_000;

/**
 * Index `req.files` on this thread and the worker at once. Synchronous; `take(index, item)` runs on this
 * thread once per file, in file order. Returns how many files the worker read.
 */
export function indexShared(parser: Parser, req: IndexRequest, take: (index: number, item: Indexed) => void): { byWorker: number } {
  const n = req.files.length;
  const buf = new SharedArrayBuffer((CELLS + 2 * n) * Int32Array.BYTES_PER_ELEMENT);
  const v = views(buf, n);
  const { cells, verdicts, order } = v;
  const share = new Share(parser, req, v);
  // a worker still loading its parser takes the request when it is ready, and joins in for what is left
  const w = n >= SHARED_MIN_FILES ? indexWorker() : undefined;
  const channel = w ? new MessageChannel() : undefined;
  if (w && channel) w.postMessage({ req, shared: buf, port: channel.port2 }, [channel.port2]);
  const reasons = new Map<number, string>();
  const names: string[] = new Array(n);
  const parsed = new Map<number, { ir: ModuleIR; suppressions: Suppression[] }>();
  const drain = () => {
    if (!channel) return;
    for (let m = receiveMessageOnPort(channel.port1); m; m = receiveMessageOnPort(channel.port1)) {
      const r = m.message as Result;
      if ('reason' in r) reasons.set(r.i, r.reason); else parsed.set(r.i, r);
    }
  };
  /** Wait while the worker makes progress on `counter` until `done()`; false when it stalled or ended first. */
  const waitFor = (counter: number, done: () => boolean): boolean => {
    let seen = Atomics.load(cells, counter);
    let since = Date.now();
    while (!done()) {
      if (Atomics.load(cells, STATE) === DONE) return done();
      Atomics.wait(cells, counter, seen, 5);
      const now = Atomics.load(cells, counter);
      if (now !== seen) { seen = now; since = Date.now(); } else if (Date.now() - since > WORKER_PATIENCE_MS) return false;
    }
    return true;
  };
  let workerOn = false;
  try {
    // 1. read: both threads claim files; this thread keeps the worker's read errors as they come
    // (module names are this thread's: its package cache; its own files' here, where the work is shared)
    for (let i = Atomics.add(cells, NEXT, 1); i < n; i = Atomics.add(cells, NEXT, 1)) {
      const reason = share.read(i);
      if (reason !== undefined) reasons.set(i, reason);
      else names[i] = moduleNameOf(req.files[i], req.root);
    }
    workerOn = !!channel && Atomics.compareExchange(cells, STATE, IDLE, CLOSED) !== IDLE;
    if (workerOn) workerOn = waitFor(READ_BY_WORKER, () => Atomics.load(cells, WORKER_READ_ALL) === 1);
    // files a stalled worker had claimed and not read
    for (let i = 0; i < n; i++) if (verdicts[i] === UNREAD) { const reason = share.read(i); if (reason !== undefined) reasons.set(i, reason); }
    // 2. parse: candidates largest first, both threads claiming
    let count = 0;
    for (let i = 0; i < n; i++) if (verdicts[i] > 0) order[count++] = i;
    order.subarray(0, count).sort((a, b) => verdicts[b] - verdicts[a] || a - b);
    Atomics.store(cells, CANDIDATES, count);
    Atomics.store(cells, PASS, workerOn ? PARSING : ABANDONED);
    Atomics.notify(cells, PASS);
    // this thread takes the largest first: the biggest IR is never copied across threads (a 5,000-line
    // settings module's IR costs more to copy than to build); the worker takes the smallest
    for (let k = 0; Atomics.add(cells, CLAIMED, 1) < count; k++) {
      drain();
      const i = order[k];
      const r = share.parse(i);
      if ('reason' in r) reasons.set(i, r.reason); else parsed.set(i, r);
    }
    if (workerOn) waitFor(PARSED_BY_WORKER, () => { drain(); return order.subarray(0, count).every((i) => parsed.has(i) || reasons.has(i)); });
    drain();
    // what the worker claimed and never sent: done here
    for (let k = 0; k < count; k++) {
      const i = order[k];
      if (parsed.has(i) || reasons.has(i)) continue;
      const r = share.parse(i);
      if ('reason' in r) reasons.set(i, r.reason); else parsed.set(i, r);
    }
  } finally {
    // a worker waiting for the parse order must not wait forever if this thread failed
    if (Atomics.load(cells, PASS) === READING) { Atomics.store(cells, PASS, ABANDONED); Atomics.notify(cells, PASS); }
    channel?.port1.close();
  }
  for (let i = 0; i < n; i++) {
    const file = req.files[i];
    const reason = reasons.get(i);
    if (verdicts[i] === UNREADABLE || (reason !== undefined && !parsed.has(i))) { take(i, { file, module: '', reason: reason ?? 'unreadable' }); continue; }
    const module = names[i] ?? moduleNameOf(file, req.root);
    const p = parsed.get(i);
    take(i, p ? { file, module, ir: p.ir, suppressions: p.suppressions } : { file, module });
  }
  return { byWorker: Atomics.load(cells, READ_BY_WORKER) };
}
