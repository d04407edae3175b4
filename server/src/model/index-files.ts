/**
 * The cold index on two cores. Each Python file is read, sorted by the prefilter and — when it passes —
 * parsed and lowered to IR; this thread and a worker thread (index-worker.ts) claim files from one shared
 * counter and both do the whole job, so both stay busy whatever the order and size of the files. The worker
 * sends its results over a message port; this thread takes them synchronously between its own files
 * (`receiveMessageOnPort`), so the index stays one synchronous call. Where no worker can start (or it has not
 * loaded its parser yet, or dies), this thread does the rest alone.
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
import { forgetPackages, moduleNameOf } from './modules';

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

function indexFile(parser: Parser, prefilter: RegExp, req: IndexRequest, i: number): Indexed {
  const file = req.files[i];
  const r = readText(file, req.maxSize);
  if (r.text === undefined) return { file, module: '', reason: r.reason ?? 'unreadable' };
  const module = moduleNameOf(file, req.root);
  return prefilter.test(r.text) ? { file, module, ...lowerSource(parser, r.text) } : { file, module };
}

/** Shared cells: the next file to claim, the worker's state, how many results it has sent. */
const NEXT = 0, STATE = 1, SENT = 2;
/** STATE: not started, working, done, and "this thread finished alone: do not start". */
const IDLE = 0, WORKING = 1, DONE = 2, CLOSED = 3;

/** The worker's share of a request: claim files until none is left, sending results in small batches. */
export function indexShare(parser: Parser, req: IndexRequest, cells: Int32Array, port: { postMessage(m: unknown): void; close(): void }): void {
  if (Atomics.compareExchange(cells, STATE, IDLE, WORKING) !== IDLE) { port.close(); return; }
  forgetPackages(); // a scan starts afresh (__init__.py files may have come or gone)
  try {
    const prefilter = new RegExp(req.prefilter.source, req.prefilter.flags);
    let batch: Array<[number, Indexed]> = [];
    let parsed = 0;
    const send = () => {
      port.postMessage(batch);
      Atomics.add(cells, SENT, batch.length);
      Atomics.notify(cells, SENT); // a waiting main thread takes it at once
      batch = [];
      parsed = 0;
    };
    for (let i = Atomics.add(cells, NEXT, 1); i < req.files.length; i = Atomics.add(cells, NEXT, 1)) {
      const item = indexFile(parser, prefilter, req, i);
      batch.push([i, item]);
      if (item.ir) parsed++;
      // parsed modules go at once (the other thread is waiting for nothing else); the rest in bulk
      if (parsed || batch.length >= 256) send();
    }
    send();
  } finally {
    Atomics.store(cells, STATE, DONE);
    Atomics.notify(cells, STATE);
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
/** A worker that has sent nothing for this long is given up on; this thread indexes what it had claimed. */
const WORKER_PATIENCE_MS = 20_000;

/**
 * Index `req.files` on this thread and the worker at once. Synchronous; `take(index, item)` runs on this
 * thread once per file, in no particular order (callers put results back in file order). Returns how many
 * files the worker indexed.
 */
export function indexShared(parser: Parser, req: IndexRequest, take: (index: number, item: Indexed) => void): { byWorker: number } {
  const n = req.files.length;
  const prefilter = new RegExp(req.prefilter.source, req.prefilter.flags);
  const cells = new Int32Array(new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT));
  // a worker still loading its parser takes the request when it is ready, and joins in for what is left
  const w = n >= SHARED_MIN_FILES ? indexWorker() : undefined;
  const channel = w ? new MessageChannel() : undefined;
  if (w && channel) w.postMessage({ req, cells: cells.buffer, port: channel.port2 }, [channel.port2]);
  const got = new Uint8Array(n);
  let byWorker = 0;
  let received = 0;
  const accept = (i: number, item: Indexed) => {
    if (got[i]) return;
    got[i] = 1;
    received++;
    take(i, item);
  };
  const drain = () => {
    // (the counter first: asking the port costs microseconds, thousands of times)
    if (!channel || Atomics.load(cells, SENT) === byWorker) return;
    for (let m = receiveMessageOnPort(channel.port1); m; m = receiveMessageOnPort(channel.port1)) {
      for (const [i, item] of m.message as Array<[number, Indexed]>) { byWorker++; accept(i, item); }
    }
  };
  for (let i = Atomics.add(cells, NEXT, 1); i < n; i = Atomics.add(cells, NEXT, 1)) {
    drain();
    accept(i, indexFile(parser, prefilter, req, i));
  }
  if (channel) {
    // the worker started (its state is not IDLE): wait for the files it claimed, while it makes progress
    if (Atomics.compareExchange(cells, STATE, IDLE, CLOSED) !== IDLE) {
      let sent = Atomics.load(cells, SENT);
      let since = Date.now();
      for (drain(); received < n; drain()) {
        const now = Atomics.load(cells, SENT);
        if (now === byWorker) {
          if (Atomics.load(cells, STATE) === DONE) break;
          Atomics.wait(cells, SENT, now, 5);
        }
        if (now !== sent) { sent = now; since = Date.now(); } else if (Date.now() - since > WORKER_PATIENCE_MS) break;
      }
    }
    channel.port1.close();
  }
  for (let i = 0; i < n; i++) if (!got[i]) accept(i, indexFile(parser, prefilter, req, i));
  return { byWorker };
}
