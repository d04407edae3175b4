/** Diagnostics as text (file:line:col severity code message), JSON or SARIF 2.1.0 for code scanning. */
import { relative } from 'node:path';
import type { RoutingDiagnostic } from '../service/diagnostics';

export function formatDiagnostics(diags: RoutingDiagnostic[], format: 'text' | 'json' | 'sarif', root: string): string {
  const rel = (f: string) => relative(root, f) || f;
  if (format === 'json') {
    return JSON.stringify(diags.map((d) => ({ code: d.code, severity: d.severity, message: d.message, file: rel(d.loc.file), line: d.loc.range.start.line + 1, column: d.loc.range.start.character + 1, related: d.related?.map((r) => ({ file: rel(r.loc.file), line: r.loc.range.start.line + 1, message: r.message })) })), null, 2);
  }
  if (format === 'sarif') {
    const rules = [...new Set(diags.map((d) => d.code))].map((id) => ({ id, name: id, shortDescription: { text: id.replace(/-/g, ' ') } }));
    const level = (s: string) => (s === 'error' ? 'error' : s === 'warning' ? 'warning' : 'note');
    return JSON.stringify({
      version: '2.1.0', $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
      runs: [{ tool: { driver: { name: 'celery-routing', informationUri: 'https://github.com/celery-routing/celery-routing', rules } },
        results: diags.map((d) => ({ ruleId: d.code, level: level(d.severity), message: { text: d.message },
          locations: [{ physicalLocation: { artifactLocation: { uri: rel(d.loc.file) }, region: { startLine: d.loc.range.start.line + 1, startColumn: d.loc.range.start.character + 1, endLine: d.loc.range.end.line + 1, endColumn: d.loc.range.end.character + 1 } } }] })) }],
    }, null, 2);
  }
  const lines = diags.map((d) => `${rel(d.loc.file)}:${d.loc.range.start.line + 1}:${d.loc.range.start.character + 1}: ${d.severity} [${d.code}] ${d.message}`);
  const count = (s: string) => diags.filter((d) => d.severity === s).length;
  lines.push(`${count('error')} error(s), ${count('warning')} warning(s), ${count('information') + count('hint')} note(s)`);
  return lines.join('\n');
}
