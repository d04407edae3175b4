/**
 * Folders a project adds to `sys.path` at start-up, read from the calls its modules run at import:
 *   sys.path.append(os.path.join(os.getcwd(), 'packages'))          — cwd: the folder of manage.py beside it
 *   sys.path.insert(0, os.path.join(os.path.dirname(__file__), 'lib'))
 * Only literal folder names that exist; anything computed otherwise is left alone (the files keep their names).
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Expr } from '../parse/ir';
import type { ModuleSource } from './modules';
import { dotted, visitCalls } from './values';

export function sysPathRoots(modules: Iterable<Pick<ModuleSource, 'file' | 'ir'>>): string[] {
  const out: string[] = [];
  for (const m of modules) {
    visitCalls(m.ir.body, (call) => {
      const dir = folderOf(call, m.file);
      if (dir) out.push(dir);
    });
  }
  return out;
}

function folderOf(c: Extract<Expr, { t: 'call' }>, file: string): string | undefined {
  const fn = dotted(c.fn);
  if (fn !== 'sys.path.append' && fn !== 'sys.path.insert') return undefined;
  const arg = c.args[c.args.length - 1];
  if (!arg || arg.t !== 'call' || dotted(arg.fn) !== 'os.path.join' || arg.args.length < 2) return undefined;
  const [base, ...rest] = arg.args;
  if (!rest.every((x) => x.t === 'str')) return undefined;
  const from = baseDir(base, file);
  if (!from) return undefined;
  const dir = join(from, ...rest.map((x) => (x as { v: string }).v));
  return existsSync(dir) && statSync(dir).isDirectory() ? dir : undefined;
}

/** `os.getcwd()` where manage.py stands beside the file (Django runs from there); `dirname(__file__)` forms. */
function baseDir(e: Expr, file: string): string | undefined {
  const here = dirname(file);
  if (e.t === 'call' && dotted(e.fn) === 'os.getcwd' && existsSync(join(here, 'manage.py'))) return here;
  if (e.t === 'call' && dotted(e.fn) === 'os.path.dirname' && e.args.length === 1) {
    const a = e.args[0];
    const inner = a.t === 'call' && /^os\.path\.(abspath|realpath)$/.test(dotted(a.fn) ?? '') && a.args.length === 1 ? a.args[0] : a;
    if (inner.t === 'name' && inner.id === '__file__') return here;
  }
  return undefined;
}
