/**
 * What the user asked of the diagnostics: severities from the project file (per code, per path), inline
 * `# celery-routing: ignore[...]` comments (an unused one is itself reported), and the project file's own
 * problems.
 */
import { relative, dirname, sep } from 'node:path';
import type { Project } from '../project';
import type { RoutingDiagnostic, Severity } from './types';
import type { Suppression } from '../../parse/suppressions';

const SEVERITIES = new Set(['error', 'warning', 'information', 'hint']);

export function configure(project: Project, diags: RoutingDiagnostic[]): RoutingDiagnostic[] {
  const pf = project.projectFile;
  const out: RoutingDiagnostic[] = [];
  const used = new Set<Suppression>();
  const suppressionsOf = (file: string): Suppression[] => project.ws.byFile.get(file)?.suppressions ?? project.fileSuppressions.get(file) ?? [];
  for (const d of diags) {
    const sev = severityFor(project, d.code, d.loc.file);
    if (sev === 'off') continue;
    const hit = suppressionsOf(d.loc.file).find((s) => (s.line === -1 || s.line === d.loc.range.start.line) && (!s.codes.length || s.codes.includes(d.code)));
    if (hit) { used.add(hit); continue; }
    out.push(sev ? { ...d, severity: sev as Severity } : d);
  }
  const files = new Set([...project.ws.byFile.keys(), ...project.fileSuppressions.keys()]);
  for (const f of files) for (const s of suppressionsOf(f)) {
    if (used.has(s)) continue;
    out.push({ code: 'unused-suppression', severity: 'information', loc: { file: f, range: s.range }, message: `This suppression${s.codes.length ? ` of ${s.codes.join(', ')}` : ''} hides nothing: remove it.` });
  }
  for (const e of pf?.errors ?? []) out.push({ code: 'project-file', severity: 'error', loc: e.loc, message: e.message });
  return out;
}

function severityFor(project: Project, code: string, file: string): string | undefined {
  const d = project.projectFile?.config.diagnostics;
  if (!d) return undefined;
  let sev = d.severity?.[code];
  if (d.overrides?.length && project.projectFile) {
    const rel = relative(dirname(project.projectFile.path), file).split(sep).join('/');
    for (const o of d.overrides) if (o.severity?.[code] && o.files.some((g) => globMatch(g, rel))) sev = o.severity[code];
  }
  return sev === 'off' || (sev && SEVERITIES.has(sev)) ? sev : undefined;
}

function globMatch(glob: string, path: string): boolean {
  const re = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*\/?/g, '\u0000').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]').replace(/\u0000/g, '.*');
  return new RegExp(`^(?:${re})(?:/.*)?$`).test(path);
}
