/**
 * Reading files for the index: one bounded read per file (no stat), and the prefilter that sorts Python files
 * into those parsed now and those loaded when imported. Reading is about half of a cold index, parsing the
 * other half: a worker thread reads alongside the main thread, which parses what either of them read (two
 * cores busy); where no thread can start, the main thread reads everything.
 *
 * `boundedReader`, `readItem` and `readShare` are self-contained — no imports, no module state, `fs` passed
 * in — because their source is also the worker thread's program (see `workerSource`).
 */
import * as fs from 'node:fs';
import { MessageChannel, Worker, receiveMessageOnPort } from 'node:worker_threads';

export interface ReadResult { text?: string; reason?: string }

/** `read(file, maxSize)`: the text, or why there is none (too big, an errno code). One buffer for all reads. */
export function boundedReader(fsm: typeof fs): (file: string, maxSize: number) => ReadResult {
  const shared = Buffer.allocUnsafe(256 * 1024); // most files fit
  return (file, maxSize) => {
    let fd: number | undefined;
    const tooBig = (size: number) => ({ reason: `larger than ${Math.round(maxSize / 1024)} KiB (${Math.round(size / 1024)} KiB): skipped` });
    try {
      fd = fsm.openSync(file, 'r');
      let buf = shared;
      let n = 0;
      for (;;) {
        if (n === buf.length) {
          if (n > maxSize) return tooBig(fsm.fstatSync(fd).size);
          const bigger = Buffer.allocUnsafe(Math.max(n + 1, Math.min(buf.length * 4, maxSize + 1)));
          buf.copy(bigger, 0, 0, n);
          buf = bigger;
        }
        const got = fsm.readSync(fd, buf, n, buf.length - n, null);
        if (got === 0) break;
        n += got;
      }
      return n > maxSize ? tooBig(n) : { text: buf.toString('utf8', 0, n) };
    } catch (err) {
      return { reason: (err as NodeJS.ErrnoException).code ?? String(err) };
    } finally {
      if (fd !== undefined) fsm.closeSync(fd);
    }
  };
}

export interface ReadRequest {
  files: string[];
  /** The prefilter's source and flags (a RegExp does not cross threads). */
  prefilter: { source: string; flags: string };
  maxSize: number;
}

/** One file: `text` when it passed the prefilter, `reason` when it could not be read, neither when it did not
 * pass (it is loaded later, if imported). */
export interface ReadItem { file: string; text?: string; reason?: string }

/** Read one file and sort it by the prefilter. */
export function readItem(read: (file: string, maxSize: number) => ReadResult, prefilter: RegExp, file: string, maxSize: number): ReadItem {
  const r = read(file, maxSize);
  if (r.text === undefined) return { file, reason: r.reason ?? 'unreadable' };
  return prefilter.test(r.text) ? { file, text: r.text } : { file };
}

/** The reading thread's share of a request: claim the next file from the shared counter until none is left,
 * sending what it read in small batches over `port`. `cells`: [next file, state]; state 0 = not started,
 * 1 = the thread reads, 2 = it is done, 3 = the main thread finished alone (the thread must not start). */
export function readShare(read: (file: string, maxSize: number) => ReadResult, req: ReadRequest, cells: Int32Array, port: { postMessage(m: unknown): void; close(): void }): void {
  if (Atomics.compareExchange(cells, 1, 0, 1) !== 0) { port.close(); return; }
  const prefilter = new RegExp(req.prefilter.source, req.prefilter.flags);
  let batch: Array<[number, ReadItem]> = [];
  let bytes = 0;
  for (;;) {
    const i = Atomics.add(cells, 0, 1);
    if (i >= req.files.length) break;
    const item = readItem(read, prefilter, req.files[i], req.maxSize);
    batch.push([i, item]);
    bytes += item.text?.length ?? 0;
    if (bytes >= 64 * 1024 || batch.length >= 64) { port.postMessage(batch); batch = []; bytes = 0; }
  }
  port.postMessage(batch);
  Atomics.store(cells, 1, 2);
  Atomics.notify(cells, 1);
  port.close();
}

/** The worker thread's program: the functions above, by their own source, and a message loop. */
function workerSource(): string {
  return [
    "const fs = require('node:fs');",
    "const { parentPort } = require('node:worker_threads');",
    // a transpiler that keeps function names may call a naming helper the thread does not have
    'var __name = (f) => f;',
    boundedReader.toString(),
    readItem.toString(),
    readShare.toString(),
    `const read = ${boundedReader.name}(fs);`,
    `parentPort.on('message', (m) => ${readShare.name}(read, m.req, new Int32Array(m.cells), m.port));`,
  ].join('\n');
}

let thread: Worker | undefined;
let threadFailed = false;
let online: Promise<boolean> | undefined;

/** The reading thread, started once per process and never keeping it alive. */
function readerThread(): Worker | undefined {
  if (thread || threadFailed) return thread;
  try {
    const w = (thread = new Worker(workerSource(), { eval: true }));
    // held until it is up (someone may be waiting for that), then never keeping the process alive
    online = new Promise((resolve) => { w.once('online', () => { w.unref(); resolve(true); }); w.once('error', () => resolve(false)); });
    const gone = () => { threadFailed = true; thread = undefined; };
    thread.on('error', gone);
    thread.on('exit', gone);
  } catch {
    threadFailed = true;
  }
  return thread;
}

/** Start the reading thread ahead of the first scan (a server does at start-up); resolves to whether it runs. */
export function warmUpReader(): Promise<boolean> {
  return readerThread() && online ? online : Promise.resolve(false);
}

const inlineReader = boundedReader(fs);
/** Below this many files a second thread is not worth a message. */
const SHARED_MIN_FILES = 64;
/** How long the main thread waits for files the reading thread claimed (then it reads them itself). */
const THREAD_PATIENCE_MS = 30_000;

/**
 * Read `req.files` on this thread and the reading thread at once: each claims the next file from a shared
 * counter, so the two stay busy whatever the order of the candidates (this thread also parses them, through
 * `take`, as they come). Synchronous; `take(index, item)` runs on this thread once per file, in no particular
 * order. A thread that is not ready yet joins late or not at all; one that dies leaves its files to this one.
 */
export function readFilesShared(req: ReadRequest, take: (index: number, item: ReadItem) => void): { byThread: number } {
  const n = req.files.length;
  const prefilter = new RegExp(req.prefilter.source, req.prefilter.flags);
  const cells = new Int32Array(new SharedArrayBuffer(8));
  const w = n >= SHARED_MIN_FILES ? readerThread() : undefined;
  const channel = w ? new MessageChannel() : undefined;
  if (w && channel) w.postMessage({ req, cells: cells.buffer, port: channel.port2 }, [channel.port2]);
  const got = new Uint8Array(n);
  let received = 0;
  let byThread = 0;
  const accept = (i: number, item: ReadItem) => {
    if (got[i]) return;
    got[i] = 1;
    received++;
    take(i, item);
  };
  const drain = () => {
    if (!channel) return;
    for (let m = receiveMessageOnPort(channel.port1); m; m = receiveMessageOnPort(channel.port1)) {
      for (const [i, item] of m.message as Array<[number, ReadItem]>) { byThread++; accept(i, item); }
    }
  };
  for (;;) {
    drain();
    const i = Atomics.add(cells, 0, 1);
    if (i >= n) break;
    accept(i, readItem(inlineReader, prefilter, req.files[i], req.maxSize));
  }
  if (channel) {
    // the thread started (state not 0): wait for the files it claimed
    if (Atomics.compareExchange(cells, 1, 0, 3) !== 0) {
      const deadline = Date.now() + THREAD_PATIENCE_MS;
      for (drain(); received < n && Date.now() < deadline; drain()) Atomics.wait(cells, 1, 1, 5);
    }
    channel.port1.close();
  }
  for (let i = 0; i < n; i++) if (!got[i]) accept(i, readItem(inlineReader, prefilter, req.files[i], req.maxSize));
  return { byThread };
}

/** Read one file (the main thread's reads outside a scan). */
export function readText(file: string, maxSize: number): ReadResult {
  return inlineReader(file, maxSize);
}
