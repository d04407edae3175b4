/**
 * Inline suppressions in Python and worker files:
 *   `# celery-routing: ignore[unreachable-queue, send-raises]` — that line (or, alone on a line, the next one)
 *   `# celery-routing: ignore-file[code]` / `# celery-routing: ignore-file` — the whole file
 *   `# celery-routing: ignore` — every code on that line
 */
import type { Range } from '../model/types';

export interface Suppression {
  /** Line it applies to (zero-based); -1 for the whole file. */
  line: number;
  /** Codes; empty = every code. */
  codes: string[];
  /** Where the comment is (reported when it suppresses nothing). */
  range: Range;
}

const RE = /#\s*celery-routing:\s*(ignore-file|ignore)(?:\[([^\]]*)\])?/;

export function findSuppressions(text: string): Suppression[] {
  if (!text.includes('celery-routing:')) return [];
  const out: Suppression[] = [];
  const lines = text.split('\n');
  lines.forEach((l, i) => {
    const m = RE.exec(l);
    if (!m) return;
    const codes = (m[2] ?? '').split(',').map((c) => c.trim()).filter(Boolean);
    const alone = l.slice(0, m.index).trim() === '';
    const range = { start: { line: i, character: m.index }, end: { line: i, character: m.index + m[0].length } };
    out.push({ line: m[1] === 'ignore-file' ? -1 : alone ? i + 1 : i, codes, range });
  });
  return out;
}
