/**
 * The project file: `celery-routing.json` (JSONC) or `[tool.celery-routing]` in pyproject.toml, found by
 * walking up from the analysed folder. Validated against schemas/celery-routing.schema.json — the single
 * source for validation, the README's reference and VS Code's jsonValidation. Errors carry line and column.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseTree, findNodeAtLocation, printParseErrorCode, type Node as JsonNode, type ParseError } from 'jsonc-parser';
import schema from '../../../schemas/celery-routing.schema.json';
import type { Loc, Range } from '../model/types';

// smol-toml is ESM-only; Node 20.19+ and the bundler both load it through require.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { parse: parseToml } = require('smol-toml') as typeof import('smol-toml', { with: { 'resolution-mode': 'import' } });

export interface ProjectWorker { name: string; queues?: string[]; excludeQueues?: string[]; command?: string; runsOn?: string }
/** An app made outside the repository: the arguments of its config_from_object call. */
export interface ExternalApp { config: string; namespace?: string; djangoSettingsModule?: string }

export interface ProjectConfig {
  env?: Record<string, string>;
  profiles?: Record<string, { env?: Record<string, string>; workers?: ProjectWorker[] }>;
  workers?: ProjectWorker[];
  apps?: string[];
  externalApp?: ExternalApp;
  taskDecorators?: string[];
  transport?: string;
  celeryVersion?: string;
  brokerDefinitions?: string[];
  diagnostics?: { severity?: Record<string, string>; overrides?: Array<{ files: string[]; severity?: Record<string, string> }> };
  exclude?: string[];
  maxFileSize?: number;
}

export interface ProjectFile {
  path: string;
  config: ProjectConfig;
  errors: Array<{ message: string; loc: Loc }>;
  /** Where a JSON path (`workers/0`, `env/QUEUE`) is written, for positions in hovers and diagnostics. */
  locate(path: Array<string | number>): Loc;
}

export const PROJECT_FILE = 'celery-routing.json';

/** The nearest project file at or above `dir` (celery-routing.json first, then pyproject.toml with the table). */
export function findProjectFile(dir: string): string | undefined {
  let d = dir;
  for (let i = 0; i < 30; i++) {
    const json = join(d, PROJECT_FILE);
    if (existsSync(json)) return json;
    const py = join(d, 'pyproject.toml');
    if (existsSync(py) && /^\s*\[tool\.celery-routing\]/m.test(safeRead(py))) return py;
    const up = dirname(d);
    if (up === d) break;
    d = up;
  }
  return undefined;
}

function safeRead(p: string): string {
  try { return readFileSync(p, 'utf8'); } catch { return ''; }
}

export function lineStarts(text: string): number[] {
  const out = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) out.push(i + 1);
  return out;
}

export function rangeAt(starts: number[], offset: number, length: number): Range {
  const pos = (o: number) => {
    let lo = 0, hi = starts.length - 1;
    while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (starts[mid] <= o) lo = mid; else hi = mid - 1; }
    return { line: lo, character: o - starts[lo] };
  };
  return { start: pos(offset), end: pos(offset + length) };
}

export function readProjectFile(path: string, text = safeRead(path)): ProjectFile {
  return path.endsWith('.toml') ? readToml(path, text) : readJson(path, text);
}

function readJson(path: string, text: string): ProjectFile {
  const starts = lineStarts(text);
  const errors: ProjectFile['errors'] = [];
  const parseErrors: ParseError[] = [];
  const root = parseTree(text, parseErrors, { allowTrailingComma: true, disallowComments: false });
  for (const e of parseErrors) errors.push({ message: `${PROJECT_FILE}: ${printParseErrorCode(e.error)}`, loc: { file: path, range: rangeAt(starts, e.offset, e.length) } });
  const locate = (p: Array<string | number>): Loc => {
    const n = root ? findNodeAtLocation(root, p) : undefined;
    const target = n?.parent?.type === 'property' ? n.parent : n;
    return { file: path, range: target ? rangeAt(starts, target.offset, target.length) : rangeAt(starts, 0, 0) };
  };
  const value = root ? nodeValue(root) : {};
  const config = validate(value, schema as unknown as Schema, [], (message, p) => errors.push({ message: `${PROJECT_FILE}: ${message}`, loc: locate(p) }));
  return { path, config: (config ?? {}) as ProjectConfig, errors, locate };
}

/** jsonc-parser's getNodeValue, but tolerant of the holes a syntax error leaves. */
function nodeValue(n: JsonNode): unknown {
  switch (n.type) {
    case 'object': {
      const o: Record<string, unknown> = {};
      for (const p of n.children ?? []) if (p.children?.[0] && p.children[1]) o[String(p.children[0].value)] = nodeValue(p.children[1]);
      return o;
    }
    case 'array': return (n.children ?? []).map(nodeValue);
    default: return n.value;
  }
}

function readToml(path: string, text: string): ProjectFile {
  const starts = lineStarts(text);
  const errors: ProjectFile['errors'] = [];
  let table: unknown = {};
  try {
    const doc = parseToml(text) as { tool?: Record<string, unknown> };
    table = doc.tool?.['celery-routing'] ?? {};
  } catch (err) {
    const e = err as { line?: number; column?: number; message: string };
    const line = Math.max(0, (e.line ?? 1) - 1);
    errors.push({ message: `pyproject.toml: ${e.message.split('\n')[0]}`, loc: { file: path, range: { start: { line, character: Math.max(0, (e.column ?? 1) - 1) }, end: { line, character: Math.max(0, (e.column ?? 1) - 1) } } } });
  }
  const header = text.search(/^\s*\[tool\.celery-routing/m);
  // TOML parsers give no positions: point at the key's first line inside the table, else the table header.
  const locate = (p: Array<string | number>): Loc => {
    const key = [...p].reverse().find((x) => typeof x === 'string') as string | undefined;
    const re = key ? new RegExp(`^\\s*"?${key.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')}"?\\s*=`, 'm') : undefined;
    const from = Math.max(0, header);
    const m = re ? re.exec(text.slice(from)) : null;
    const off = m ? from + m.index + (m[0].length - m[0].trimStart().length) : from;
    return { file: path, range: rangeAt(starts, off, m ? m[0].trim().length : 0) };
  };
  const config = validate(table, schema as unknown as Schema, [], (message, p) => errors.push({ message: `pyproject.toml [tool.celery-routing]: ${message}`, loc: locate(p) }));
  return { path, config: (config ?? {}) as ProjectConfig, errors, locate };
}

// ------------------------------------------------------------ a small JSON Schema validator (the subset the schema uses)

interface Schema {
  type?: string; enum?: unknown[]; properties?: Record<string, Schema>; additionalProperties?: boolean | Schema;
  items?: Schema; required?: string[]; pattern?: string; minimum?: number; $ref?: string; description?: string;
}

function resolveRef(ref: string): Schema {
  let s: unknown = schema;
  for (const part of ref.replace(/^#\//, '').split('/')) s = (s as Record<string, unknown>)[part];
  return s as Schema;
}

const typeOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v);

/** Returns the value with invalid parts dropped (so the rest still works), reporting each problem. */
function validate(v: unknown, s: Schema, path: Array<string | number>, report: (msg: string, path: Array<string | number>) => void): unknown {
  if (s.$ref) return validate(v, resolveRef(s.$ref), path, report);
  const where = path.length ? `'${path.join('.')}'` : 'the file';
  const t = typeOf(v);
  if (s.type && !(t === s.type || (s.type === 'number' && t === 'integer'))) {
    report(`${where} must be ${s.type === 'array' || s.type === 'object' || s.type === 'integer' ? 'an' : 'a'} ${s.type}, not ${t}`, path);
    return undefined;
  }
  if (s.enum && !s.enum.includes(v)) { report(`${where} must be one of ${s.enum.map((e) => JSON.stringify(e)).join(', ')}`, path); return undefined; }
  if (s.pattern && typeof v === 'string' && !new RegExp(s.pattern).test(v)) { report(`${where}: '${v}' is not of the form ${s.pattern}`, path); return undefined; }
  if (s.minimum !== undefined && typeof v === 'number' && v < s.minimum) { report(`${where} must be at least ${s.minimum}`, path); return undefined; }
  if (t === 'array' && s.items) return (v as unknown[]).map((x, i) => validate(x, s.items!, [...path, i], report)).filter((x) => x !== undefined);
  if (t === 'object') {
    const o = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const r of s.required ?? []) if (!(r in o)) report(`${where} needs '${r}'`, path);
    if ((s.required ?? []).some((r) => !(r in o))) return undefined;
    for (const [k, x] of Object.entries(o)) {
      const ps = s.properties?.[k] ?? (typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined);
      if (!ps) {
        if (s.additionalProperties === false) report(`unknown key '${[...path, k].join('.')}'${s.properties ? ` (known: ${Object.keys(s.properties).filter((p) => p !== '$schema').join(', ')})` : ''}`, [...path, k]);
        else out[k] = x;
        continue;
      }
      const r = validate(x, ps, [...path, k], report);
      if (r !== undefined) out[k] = r;
    }
    return out;
  }
  return v;
}
