/**
 * The project's Celery version, from its requirements and lock files (what pip / poetry / uv would
 * install), defaulting to the newest we model. It decides 5.5-only behaviour (quorum queues, native
 * delayed delivery) and is shown in the status bar and the trace.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Loc } from './types';

export const NEWEST_CELERY = '5.5';

export interface CeleryVersion {
  /** major.minor (e.g. '5.5'), or the newest when nothing pins it. */
  version: string;
  /** The spec as written (`celery[redis]==5.3.6`, `^5.4`), when found. */
  spec?: string;
  /** Where it was found. */
  loc?: Loc;
  /** True when defaulted to the newest. */
  assumed: boolean;
}

const FILES = /^(requirements.*\.(txt|in)|constraints.*\.txt|pyproject\.toml|poetry\.lock|uv\.lock|Pipfile\.lock|Pipfile|setup\.cfg)$/;

/** Look in the root and one level of `requirements/` style folders. */
export function detectCeleryVersion(root: string): CeleryVersion {
  const candidates: string[] = [];
  const look = (dir: string, depth: number) => {
    let entries: string[] = [];
    try { entries = readdirSync(dir); } catch { return; }
    for (const e of entries) {
      const p = join(dir, e);
      if (FILES.test(e)) candidates.push(p);
      else if (depth === 0 && /^(requirements|reqs|deps|requirements\.d)$/.test(e)) { try { if (statSync(p).isDirectory()) look(p, 1); } catch { /* unreadable */ } }
    }
  };
  look(root, 0);
  // Lock files say what is installed; prefer them over ranges.
  candidates.sort((a, b) => rank(a) - rank(b));
  for (const file of candidates) {
    let text: string;
    try { text = readFileSync(file, 'utf8'); } catch { continue; }
    const hit = findIn(file, text);
    if (hit) return { ...hit, assumed: false };
  }
  return { version: NEWEST_CELERY, assumed: true };
}

function rank(file: string): number {
  if (/(poetry|uv|Pipfile)\.lock$/.test(file)) return 0;
  if (/requirements.*\.txt$/.test(file)) return 1;
  return 2;
}

function findIn(file: string, text: string): Omit<CeleryVersion, 'assumed'> | undefined {
  const lines = text.split('\n');
  const at = (i: number, col: number, len: number): Loc => ({ file, range: { start: { line: i, character: col }, end: { line: i, character: col + len } } });
  if (/(poetry|uv)\.lock$/.test(file)) {
    // [[package]]\nname = "celery"\nversion = "5.4.0"
    for (let i = 0; i < lines.length; i++) {
      if (/^name\s*=\s*"celery"\s*$/.test(lines[i])) {
        for (let j = i + 1; j < Math.min(i + 4, lines.length); j++) {
          const m = /^version\s*=\s*"([0-9]+\.[0-9]+)[^"]*"/.exec(lines[j]);
          if (m) return { version: m[1], spec: lines[j].trim(), loc: at(j, 0, lines[j].length) };
        }
      }
    }
    return undefined;
  }
  if (file.endsWith('Pipfile.lock')) {
    const m = /"celery"\s*:\s*\{[^}]*?"version"\s*:\s*"==([0-9]+\.[0-9]+)[^"]*"/s.exec(text);
    if (!m) return undefined;
    const i = text.slice(0, m.index).split('\n').length - 1;
    return { version: m[1], spec: `celery==${m[1]}`, loc: at(i, 0, lines[i]?.length ?? 0) };
  }
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (/^\s*#/.test(l)) continue;
    const m = /(^|["'\s,\[])celery(\[[^\]]*\])?\s*(\(?\s*)(===|==|~=|>=|\^|~)?\s*v?([0-9]+)\.([0-9]+)/i.exec(l)
      // poetry: celery = {extras = [...], version = "^5.4"} / celery = "^5.4"
      ?? /(^)celery(\s*)=\s*(\{[^}]*version\s*=\s*)?"(===|==|~=|>=|\^|~)?\s*([0-9]+)\.([0-9]+)/.exec(l);
    if (!m) continue;
    const col = m.index + m[1].length;
    return { version: resolveSpec(m[4], `${m[5]}.${m[6]}`, l), spec: l.trim(), loc: at(i, col, l.length - col) };
  }
  return undefined;
}

/** What pip / poetry would install for the spec: an exact pin, or the newest allowed within major 5. */
function resolveSpec(op: string | undefined, v: string, line: string): string {
  if (!op || op === '==' || op === '===' || op === '~') return v;
  if (/<\s*5\.[0-9]/.test(line)) return v; // an upper bound inside 5.x: assume the lower bound
  return v.startsWith('5.') && atLeast(NEWEST_CELERY, v) ? NEWEST_CELERY : v;
}

/** Compare major.minor versions. */
export function atLeast(version: string, min: string): boolean {
  const [a, b] = version.split('.').map(Number);
  const [c, d] = min.split('.').map(Number);
  return a > c || (a === c && b >= d);
}
