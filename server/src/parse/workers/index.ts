/**
 * Celery workers started by non-Python project files (Procfile, docker compose, Kubernetes / Helm,
 * supervisor, systemd, shell scripts, Makefiles, Dockerfiles, pyproject task runners). Static: nothing is
 * executed. Every function here returns what it can and never throws.
 *
 * Conventions of the WorkerFacts produced:
 * - `name`: `-n/--hostname` as written when given, else the `celery multi` node (`w1`, `celery3`, `w1@%h`),
 *   else the context: compose service, Procfile process type, supervisor program, Kubernetes
 *   metadata.name (`<name>/<container>` when several containers of one manifest run workers), Makefile
 *   target, pyproject task, Dockerfile stage, unit / script file stem.
 * - `queues` / `excludeQueues`: the last -Q / -X wins (Celery's click options are not `multiple`); items
 *   are trimmed, empty ones dropped; undefined when the option is absent.
 * - `queueLocs`: one per queue name, queues first then excluded queues. A name that came from a variable
 *   points where the value is written (env default, Makefile / env-file assignment, compose / k8s env),
 *   possibly in another file (`Loc.file`).
 * - `envDefaults`: `VAR=value` for each value taken from an overridable default (`${VAR:-value}`,
 *   `${VAR-value}`, `${VAR:=value}`, Makefile `?=`, Dockerfile ENV/ARG).
 * - `unresolved`: variable names (`QUEUES` for `$QUEUES`) or expressions (`{{ .Values.q }}`, `$(cat f)`)
 *   with no known value that the name, app, queues or options depend on; the text stays as written in
 *   `queues` / `app` / `name`.
 * - `loc`: from the program word (`celery`, `python -m celery`) to the last argument; `command` is those
 *   words as written, joined by single spaces.
 */
import type { WorkerFact } from '../../model/types';
import { mightContainWorker, workersFromSegment } from './command';
import { dockerfileWorkers } from './dockerfile';
import { makefileWorkers } from './makefile';
import { procfileWorkers } from './procfile';
import { pyprojectWorkers } from './pyproject';
import { shellWorkers } from './shell';
import type { VarValue, Vars } from './shellwords';
import { Doc, MAX_TEXT, basename, slice } from './source';
import { supervisorWorkers } from './supervisor';
import { isCeleryEnvFile, systemdWorkers } from './systemd';
import { yamlWorkers } from './yamlfiles';

export { mightContainWorker } from './command';
export { environmentFiles, isCeleryEnvFile, parseEnvFile, workersFromEnvFile } from './systemd';
export type { VarValue, Vars } from './shellwords';

export type WorkerFileKind = 'procfile' | 'yaml' | 'supervisor' | 'systemd' | 'shell' | 'makefile' | 'dockerfile' | 'pyproject';

/** Which reader handles a file, by its name (undefined: not a worker file). */
export function workerFileKind(path: string): WorkerFileKind | undefined {
  const b = basename(path);
  const lower = b.toLowerCase();
  if (/^Procfile(?:\..+)?$/i.test(b)) return 'procfile';
  if (/\.ya?ml$/.test(lower)) return 'yaml';
  if (/\.service$/.test(lower)) return 'systemd';
  if (/\.conf$/.test(lower) || /^supervisord.*\.ini$/.test(lower) || /[\\/]supervisor[^\\/]*[\\/][^\\/]+\.ini$/i.test(path)) return 'supervisor';
  // deployment templates of supervisor programs (bk-monitor's supervisor.tmpl, celery.conf.j2)
  if (/^supervisor.*\.(?:tmpl|tpl|j2|jinja2?)$/.test(lower) || /\.conf\.(?:tmpl|tpl|j2|jinja2?)$/.test(lower)) return 'supervisor';
  if (/\.(?:sh|bash|zsh)$/.test(lower) || /^(?:docker-)?entrypoint$/.test(lower)) return 'shell';
  if (/^(?:gnu)?makefile$/.test(lower) || /\.mk$/.test(lower)) return 'makefile';
  if (/^(?:dockerfile|containerfile)(?:\..+)?$/.test(lower) || /\.dockerfile$/.test(lower)) return 'dockerfile';
  if (lower === 'pyproject.toml') return 'pyproject';
  return undefined;
}

export function isWorkerFile(path: string): boolean {
  return workerFileKind(path) !== undefined;
}

export interface ExtractOptions {
  /**
   * Known variables (e.g. from a systemd unit's EnvironmentFile read with `parseEnvFile`, or a plain
   * `{ NAME: 'value' }` map). They win over values the file itself sets for its environment.
   */
  vars?: Vars | Record<string, string>;
}

/** A worker command in YAML has `celery` and `worker` / `multi` / `-Q` close together (one command line, a list of
 * arguments, a Helm template, in either order); a data file that only mentions both far apart (an 800 KB OpenAPI
 * schema took 0.4 s to parse for nothing) is not parsed. Scanned by hand, in the merged windows of 1,000
 * characters around each `celery`: a regex with a bounded gap that wide is too big for V8 to compile. */
export function yamlMayStartWorker(text: string): boolean {
  const t = text.toLowerCase();
  if (t.includes('celeryd')) return true;
  const near = /\b(?:worker|multi)\b|-q\b|--queues\b/;
  let from = -1;
  let to = -1;
  for (let i = t.indexOf('celery'); i >= 0; i = t.indexOf('celery', i + 6)) {
    const lo = Math.max(0, i - 1000);
    if (lo > to) {
      if (to >= 0 && near.test(t.slice(from, to))) return true;
      from = lo;
    }
    to = i + 6 + 1000;
  }
  return to >= 0 && near.test(t.slice(from, to));
}

/** Workers started by one file. `.conf` files that are Celery env files (no `[program:]`) give none. */
export function extractWorkers(path: string, text: string, opts: ExtractOptions = {}): WorkerFact[] {
  try {
    if (typeof text !== 'string') return [];
    if (text.length > MAX_TEXT) text = text.slice(0, MAX_TEXT);
    if (text.includes('\0')) return [];
    if (!opts.vars && !mightContainWorker(text)) return [];
    const kind = workerFileKind(path) ?? (text.startsWith('#!') && /\b(?:ba|z|da)?sh\b/.test(text.slice(0, 100)) ? 'shell' : undefined);
    if (!kind) return [];
    const doc = new Doc(path, text);
    const vars = toVars(opts.vars);
    switch (kind) {
      case 'procfile': return procfileWorkers(doc, vars);
      case 'yaml': return vars || yamlMayStartWorker(text) ? yamlWorkers(doc, vars) : [];
      case 'systemd': return systemdWorkers(doc, vars);
      case 'supervisor': return isCeleryEnvFile(text) && !/^\s*\[/m.test(text) ? [] : supervisorWorkers(doc, vars);
      case 'shell': return shellWorkers(doc, vars);
      case 'makefile': return makefileWorkers(doc, vars);
      case 'dockerfile': return dockerfileWorkers(doc, vars);
      case 'pyproject': return pyprojectWorkers(doc, vars);
    }
  } catch {
    return [];
  }
}

/** Workers one shell command line starts (a command line a Python module builds), named `name` unless it gives -n. */
export function workersFromCommandLine(file: string, line: string, name: string): WorkerFact[] {
  try {
    const doc = new Doc(file, line.slice(0, MAX_TEXT));
    return workersFromSegment(slice(doc, 0, doc.text.length), { name });
  } catch {
    return [];
  }
}

function toVars(v: ExtractOptions['vars']): Vars | undefined {
  if (!v) return undefined;
  if (v instanceof Map) return v;
  const out: Vars = new Map();
  for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out.set(k, { text: x } satisfies VarValue);
  return out;
}

