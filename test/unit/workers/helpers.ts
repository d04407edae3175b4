import assert from 'node:assert/strict';
import type { Loc, WorkerFact } from '../../../server/src/model/types';

/** The text a location covers in `text` (single-file locations). */
export function textAt(text: string, loc: Loc): string {
  const lines = text.split('\n');
  const off = (l: number, c: number) => lines.slice(0, l).reduce((n, s) => n + s.length + 1, 0) + c;
  return text.slice(off(loc.range.start.line, loc.range.start.character), off(loc.range.end.line, loc.range.end.character));
}

/** `[line, character]` of a location's start and end. */
export function lc(loc: Loc): [number, number, number, number] {
  return [loc.range.start.line, loc.range.start.character, loc.range.end.line, loc.range.end.character];
}

/** Asserts each queue loc covers exactly its queue name (queues then excluded queues). */
export function assertQueueLocs(text: string, w: WorkerFact, file?: string): void {
  const names = [...(w.queues ?? []), ...(w.excludeQueues ?? [])];
  assert.equal(w.queueLocs?.length ?? 0, names.length, `queueLocs count for ${w.name}`);
  names.forEach((n, i) => {
    const l = w.queueLocs![i];
    if (file) assert.equal(l.file, file);
    assert.equal(textAt(text, l), n, `queue loc ${i} of ${w.name}`);
  });
}

/** A compact view for deepEqual. */
export function brief(w: WorkerFact): Record<string, unknown> {
  const o: Record<string, unknown> = { name: w.name };
  if (w.app !== undefined) o.app = w.app;
  if (w.queues) o.queues = w.queues;
  if (w.excludeQueues) o.excludeQueues = w.excludeQueues;
  if (w.envDefaults) o.envDefaults = w.envDefaults;
  if (w.unresolved) o.unresolved = w.unresolved;
  return o;
}
