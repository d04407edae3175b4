// Small projects written to a temp dir, and positions by text search.
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { openProject, type Project } from '../../../server/src/service/project';

export const FIXTURES = resolve(__dirname, '..', '..', 'oracle', 'fixtures');
export const LSP_FIXTURE = resolve(__dirname, '..', '..', 'lsp', 'fixture');

export async function inlineProject(files: Record<string, string>): Promise<{ p: Project; root: string; path(f: string): string; text(f: string): string }> {
  const root = mkdtempSync(join(tmpdir(), 'celery-routing-svc-'));
  for (const [f, t] of Object.entries(files)) {
    mkdirSync(dirname(join(root, f)), { recursive: true });
    writeFileSync(join(root, f), t);
  }
  const p = await openProject(root);
  return { p, root, path: (f) => join(root, f), text: (f) => readFileSync(join(root, f), 'utf8') };
}

export const read = (file: string): string | undefined => { try { return readFileSync(file, 'utf8'); } catch { return undefined; } };

export function posOf(text: string, needle: string, delta = 1): { line: number; character: number } {
  const i = text.indexOf(needle);
  if (i < 0) throw new Error(`'${needle}' not found`);
  const before = text.slice(0, i + delta).split('\n');
  return { line: before.length - 1, character: before[before.length - 1].length };
}
