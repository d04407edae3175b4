/** Rename a queue everywhere it is named: Python (declarations, routes, options, settings) and worker files. */
import type { Project } from './project';
import type { Position, Range } from '../model/types';
import { targetAt, queueOccurrences, type TextSource } from './navigation';

export interface FileEdit { file: string; range: Range; newText: string }

export function prepareRename(p: Project, file: string, text: string, pos: Position): { range: Range; placeholder: string } | undefined {
  const t = targetAt(p, file, text, pos);
  return t?.kind === 'queue' ? { range: t.range, placeholder: t.name } : undefined;
}

/** Edits renaming the queue under the cursor, or an error text. */
export function renameQueue(p: Project, file: string, text: string, pos: Position, newName: string, read: TextSource): FileEdit[] | { error: string } {
  const t = targetAt(p, file, text, pos);
  if (t?.kind !== 'queue') return { error: 'Only queue names can be renamed here.' };
  if (!/^[^\s'",\\]+$/.test(newName)) return { error: `'${newName}' is not a usable queue name (no spaces, quotes, commas or backslashes).` };
  if (newName.startsWith('$')) return { error: 'A queue name starting with $ would be read as a shell variable in worker commands.' };
  return queueOccurrences(p, t.name, read).map((o) => ({ file: o.loc.file, range: o.loc.range, newText: newName }));
}
