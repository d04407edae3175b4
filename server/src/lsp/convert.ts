/** Service data ↔ LSP types. The only place that knows both. */
import {
  CompletionItemKind, DiagnosticSeverity, SymbolKind, MarkupKind,
  type CompletionItem, type Diagnostic, type Location, type DocumentSymbol, type SymbolInformation,
} from 'vscode-languageserver/node';
import { URI } from 'vscode-uri';
import type { Loc } from '../model/types';
import type { RoutingDiagnostic } from '../service/diagnostics';
import type { CompletionEntry, CompletionKind } from '../service/completion';
import type { RoutingSymbol, RoutingSymbolKind, WorkspaceSymbol } from '../service/symbols';
import type { TraceData } from '../service/codelens';
import type { SeverityOverride, TraceResult } from '../../../shared/protocol';

export const toUri = (file: string): string => URI.file(file).toString();
export const toPath = (uri: string): string | undefined => {
  try {
    const u = URI.parse(uri);
    return u.scheme === 'file' ? u.fsPath : undefined;
  } catch { return undefined; }
};
export const toLocation = (l: Loc): Location => ({ uri: toUri(l.file), range: l.range });

const SEVERITY: Record<string, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error, warning: DiagnosticSeverity.Warning, information: DiagnosticSeverity.Information, hint: DiagnosticSeverity.Hint,
};

/** An LSP diagnostic, with the user's severity override applied; undefined when turned off. */
export function toDiagnostic(d: RoutingDiagnostic, overrides: Record<string, SeverityOverride>, related: boolean): Diagnostic | undefined {
  const o = overrides[d.code];
  if (o === 'off') return undefined;
  const out: Diagnostic = { range: d.loc.range, severity: SEVERITY[o ?? d.severity] ?? DiagnosticSeverity.Warning, code: d.code, source: 'celery-routing', message: d.message };
  if (related && d.related?.length) out.relatedInformation = d.related.map((r) => ({ location: toLocation(r.loc), message: r.message }));
  return out;
}

const COMPLETION_KIND: Record<CompletionKind, CompletionItemKind> = {
  setting: CompletionItemKind.Property, queue: CompletionItemKind.Value, exchange: CompletionItemKind.Interface,
  'exchange-type': CompletionItemKind.EnumMember, task: CompletionItemKind.Function, 'routing-key': CompletionItemKind.Text,
  kwarg: CompletionItemKind.Field, option: CompletionItemKind.Field,
};

export function toCompletionItem(c: CompletionEntry, withDocs = true): CompletionItem {
  const item: CompletionItem = { label: c.label, kind: COMPLETION_KIND[c.kind], detail: c.detail, sortText: c.sortText };
  if (withDocs && c.documentation) item.documentation = { kind: MarkupKind.Markdown, value: c.documentation };
  const text = c.insertText ?? c.label;
  if (c.range) item.textEdit = { range: c.range, newText: text };
  else if (c.insertText) item.insertText = c.insertText;
  if (c.range) item.filterText = c.label;
  return item;
}

/** An item of a list whose edit range is the list's (`itemDefaults.editRange`); documentation comes with resolve.
 * (Fields read one by one: spreading an entry would compute its lazy documentation.) */
export function toListItem(c: CompletionEntry): CompletionItem {
  const item: CompletionItem = { label: c.label, kind: COMPLETION_KIND[c.kind], detail: c.detail, sortText: c.sortText };
  if (c.insertText) item.textEditText = c.insertText;
  return item;
}

const SYMBOL_KIND: Record<RoutingSymbolKind, SymbolKind> = {
  queue: SymbolKind.Field, exchange: SymbolKind.Interface, task: SymbolKind.Function, route: SymbolKind.Key, worker: SymbolKind.Class,
};

export function toDocumentSymbol(s: RoutingSymbol): DocumentSymbol {
  return { name: s.name, kind: SYMBOL_KIND[s.kind], detail: s.detail, range: s.range, selectionRange: s.selection, children: s.children?.map(toDocumentSymbol) };
}

export function toSymbolInformation(s: WorkspaceSymbol): SymbolInformation {
  return { name: s.name, kind: SYMBOL_KIND[s.kind], location: toLocation(s.loc), containerName: `${s.kind}${s.detail ? ` · ${s.detail}` : ''}` };
}

export function toTraceResult(t: TraceData): TraceResult {
  return {
    task: t.task, title: t.title, summary: t.summary, lines: t.lines, unknowns: t.unknowns,
    location: toLocation(t.loc), related: t.related.map((r) => ({ ...toLocation(r.loc), label: r.label })),
    publish: t.publish ?? null, error: t.error ?? null,
  };
}
