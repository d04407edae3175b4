/** Read-only virtual documents (`celery-routing:` scheme): route traces, peeks, declare plans, drift reports. */
import * as vscode from 'vscode';

export const DOC_SCHEME = 'celery-routing';

export class ReadonlyDocs implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly contents = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly registration: vscode.Disposable;

  constructor() {
    this.registration = vscode.workspace.registerTextDocumentContentProvider(DOC_SCHEME, this);
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.toString()) ?? '';
  }

  uri(name: string): vscode.Uri {
    const safe = name.replace(/[\\/:*?"<>|#%\s]+/g, '-').slice(0, 120);
    return vscode.Uri.from({ scheme: DOC_SCHEME, path: `/${safe}` });
  }

  set(uri: vscode.Uri, text: string): void {
    this.contents.set(uri.toString(), text);
    this.changed.fire(uri);
  }

  /** Set the content and show it (beside the editor when asked). Markdown when the name ends with .md. */
  async show(name: string, text: string, beside = false): Promise<vscode.TextEditor> {
    const uri = this.uri(name);
    this.set(uri, text);
    const doc = await vscode.workspace.openTextDocument(uri);
    return vscode.window.showTextDocument(doc, { preview: true, preserveFocus: false, viewColumn: beside ? vscode.ViewColumn.Beside : undefined });
  }

  dispose(): void {
    this.registration.dispose();
    this.changed.dispose();
    this.contents.clear();
  }
}
