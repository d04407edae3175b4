/** All routing diagnostics of a project: the rules over one shared context. A failing rule never hides the others. */
import type { Project } from '../project';
import type { RoutingDiagnostic } from './types';
import { buildContext, type KnownRoutes } from './context';
import { RULES } from './rules';
import { EXTRA_RULES } from './rules-extra';
import { DEFINITIONS_RULES } from './rules-definitions';
import { configure } from './configure';
import { DELIVERY_RULES } from './rules-delivery';
import { QUORUM_RULES } from './rules-quorum';
import { CANVAS_RULES } from './rules-canvas';

export type { RoutingDiagnostic, Severity, QuickFix } from './types';

export function computeDiagnostics(project: Project, known?: KnownRoutes): RoutingDiagnostic[] {
  const ctx = buildContext(project, known);
  const out: RoutingDiagnostic[] = [];
  for (const rule of [...RULES, ...DELIVERY_RULES, ...EXTRA_RULES, ...DEFINITIONS_RULES, ...QUORUM_RULES, ...CANVAS_RULES]) {
    try {
      out.push(...rule(ctx));
    } catch (err) {
      out.push({ code: 'internal-error', severity: 'information', loc: { file: project.root, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } }, message: `a check failed: ${(err as Error).message}` });
    }
  }
  return configure(project, out).sort((a, b) => a.loc.file.localeCompare(b.loc.file) || a.loc.range.start.line - b.loc.range.start.line);
}
