/**
 * A stand-in for the `vscode` module, enough to run the extension's client modules (broker explorer, taps,
 * commands, read-only documents) in plain Node against real brokers. Everything the extension would show is
 * recorded in `shown`: output channel lines (plain and log channels), notifications and their buttons and
 * details, progress titles, quick picks, input boxes, documents, tree items, clipboard, status bar messages.
 *
 * `installFakeVscode()` makes `require('vscode')` return it; require the client modules after calling it.
 * Answers to dialogs come from `ui` (replace its functions in a test).
 */
import Module from 'node:module';

export interface Shown {
  where: string;
  text: string;
}
export const shown: Shown[] = [];

function str(v: unknown): string {
  if (typeof v === 'string') return v;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
export function record(where: string, ...parts: unknown[]): void {
  shown.push({ where, text: parts.map(str).join(' ') });
}

type Item = string | { title?: string; label?: string };
/** How the fake user answers. Defaults: confirm every warning dialog with its (single) button, dismiss the rest. */
export const ui = {
  warning: (_message: string, items: Item[]): Item | undefined => items[0],
  information: (_message: string, _items: Item[]): Item | undefined => undefined,
  error: (_message: string, _items: Item[]): Item | undefined => undefined,
  quickPick: (items: Array<{ label: string }>, _placeHolder?: string): { label: string } | undefined => items[0],
  inputBox: (_opts: { title?: string; prompt?: string; value?: string }): string | undefined => undefined,
  /** createQuickPick (the task picker): which item to accept once the items are there. */
  acceptItem: (items: Array<{ label: string }>): { label: string } | undefined => items[0],
};

class EventEmitter<T> {
  private listeners: Array<(v: T) => unknown> = [];
  readonly event = (l: (v: T) => unknown) => {
    this.listeners.push(l);
    return { dispose: () => (this.listeners = this.listeners.filter((x) => x !== l)) };
  };
  fire(v: T): void {
    for (const l of [...this.listeners]) l(v);
  }
  dispose(): void {
    this.listeners = [];
  }
}

class Disposable {
  constructor(private readonly fn?: () => void) {}
  dispose(): void {
    this.fn?.();
  }
  static from(...ds: Array<{ dispose(): unknown }>): Disposable {
    return new Disposable(() => ds.forEach((d) => d.dispose()));
  }
}

class MarkdownString {
  constructor(public value = '') {}
  appendMarkdown(v: string): this {
    this.value += v;
    return this;
  }
  appendText(v: string): this {
    this.value += v;
    return this;
  }
}

class ThemeIcon {
  constructor(readonly id: string, readonly color?: unknown) {}
}
class ThemeColor {
  constructor(readonly id: string) {}
}
class TreeItem {
  id?: string;
  description?: string;
  tooltip?: unknown;
  iconPath?: unknown;
  contextValue?: string;
  command?: unknown;
  constructor(readonly label: string, readonly collapsibleState?: number) {}
}
class Range {
  constructor(readonly startLine: number, readonly startCharacter: number, readonly endLine: number, readonly endCharacter: number) {}
}

class Uri {
  constructor(readonly scheme: string, readonly path: string, readonly query = '') {}
  static parse(s: string): Uri {
    const m = /^([a-z][\w+.-]*):(.*)$/i.exec(s);
    return m ? new Uri(m[1], m[2]) : new Uri('file', s);
  }
  static file(p: string): Uri {
    return new Uri('file', p);
  }
  static from(c: { scheme: string; path?: string; query?: string }): Uri {
    return new Uri(c.scheme, c.path ?? '', c.query ?? '');
  }
  toString(): string {
    return `${this.scheme}:${this.path}${this.query ? `?${this.query}` : ''}`;
  }
  get fsPath(): string {
    return this.path;
  }
}

function outputChannel(name: string, opts?: { log: true }) {
  const where = `output:${name}`;
  const line = (level: string) => (msg: unknown, ...rest: unknown[]) => record(where, level, msg, ...rest);
  const emitter = new EventEmitter<number>();
  return {
    name,
    logLevel: 2,
    onDidChangeLogLevel: emitter.event,
    append: (v: string) => record(where, v),
    appendLine: (v: string) => record(where, v),
    replace: (v: string) => record(where, v),
    clear: () => undefined,
    show: () => undefined,
    hide: () => undefined,
    dispose: () => undefined,
    ...(opts?.log ? { trace: line('trace'), debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') } : {}),
  };
}

function message(kind: 'information' | 'warning' | 'error') {
  return async (msg: string, ...rest: unknown[]): Promise<Item | undefined> => {
    const items = rest.filter((r): r is Item => typeof r === 'string' || (!!r && typeof r === 'object' && ('title' in r || 'label' in r)));
    const options = rest.find((r) => r && typeof r === 'object' && !items.includes(r as Item)) as { detail?: string } | undefined;
    record(`${kind} message`, msg, options?.detail ?? '', items.map((i) => (typeof i === 'string' ? i : i.title ?? i.label ?? '')));
    return ui[kind](msg, items);
  };
}

const registered = new Map<string, (...args: unknown[]) => unknown>();
const providers = new Map<string, { provideTextDocumentContent(uri: Uri): string }>();

/** What a quick pick shows of its items (they may carry other data, which VS Code does not display). */
function pickText(items: ReadonlyArray<{ label: string; description?: string; detail?: string }>): string[][] {
  return items.map((i) => [i.label, i.description ?? '', i.detail ?? '']);
}

function quickPickUI<T extends { label: string }>() {
  const accept = new EventEmitter<void>();
  const hide = new EventEmitter<void>();
  const change = new EventEmitter<string>();
  let items: T[] = [];
  const qp = {
    placeholder: '',
    matchOnDescription: false,
    busy: false,
    value: '',
    selectedItems: [] as T[],
    get items(): T[] {
      return items;
    },
    set items(v: T[]) {
      items = v;
      record('quick pick', qp.placeholder, pickText(v));
      const pick = ui.acceptItem(v) as T | undefined;
      if (pick) {
        qp.selectedItems = [pick];
        setImmediate(() => accept.fire());
      }
    },
    onDidAccept: accept.event,
    onDidHide: hide.event,
    onDidChangeValue: change.event,
    show: () => record('quick pick', qp.placeholder),
    hide: () => hide.fire(),
    dispose: () => undefined,
  };
  return qp;
}

export const fakeVscode = {
  EventEmitter,
  Disposable,
  MarkdownString,
  ThemeIcon,
  ThemeColor,
  TreeItem,
  Range,
  Uri,
  TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
  ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
  ViewColumn: { Active: -1, Beside: -2, One: 1 },
  ConfigurationTarget: { Global: 1, Workspace: 2, WorkspaceFolder: 3 },
  DiagnosticSeverity: { Error: 0, Warning: 1, Information: 2, Hint: 3 },
  window: {
    activeTextEditor: undefined,
    createOutputChannel: outputChannel,
    showInformationMessage: message('information'),
    showWarningMessage: message('warning'),
    showErrorMessage: message('error'),
    async withProgress<R>(opts: { title?: string }, task: (p: { report(v: unknown): void }, token: unknown) => Promise<R>): Promise<R> {
      record('progress', opts.title ?? '');
      return task({ report: (v) => record('progress', v) }, { isCancellationRequested: false, onCancellationRequested: () => new Disposable() });
    },
    async showQuickPick(items: Array<{ label: string }>, opts?: { placeHolder?: string }) {
      const list = await items;
      record('quick pick', opts?.placeHolder ?? '', pickText(list));
      return ui.quickPick(list, opts?.placeHolder);
    },
    async showInputBox(opts: { title?: string; prompt?: string; value?: string; placeHolder?: string }) {
      record('input box', opts.title ?? '', opts.prompt ?? '', opts.placeHolder ?? '', opts.value ?? '');
      return ui.inputBox(opts);
    },
    createQuickPick: quickPickUI,
    setStatusBarMessage: (text: string) => {
      record('status bar', text);
      return new Disposable();
    },
    async showTextDocument(doc: { uri: Uri; getText(): string }) {
      record(`document ${doc.uri.toString()}`, doc.getText());
      return { document: doc };
    },
  },
  commands: {
    registerCommand(id: string, fn: (...args: unknown[]) => unknown) {
      registered.set(id, fn);
      return new Disposable(() => registered.delete(id));
    },
    async executeCommand(id: string, ...args: unknown[]) {
      const fn = registered.get(id);
      if (fn) return fn(...args);
      return undefined; // setContext and the like: nothing shown
    },
  },
  workspace: {
    getConfiguration: () => ({ get: (_k: string, d?: unknown) => d, inspect: () => undefined, update: async () => undefined }),
    asRelativePath: (p: unknown) => String(p),
    registerTextDocumentContentProvider(scheme: string, p: { provideTextDocumentContent(uri: Uri): string }) {
      providers.set(scheme, p);
      return new Disposable(() => providers.delete(scheme));
    },
    async openTextDocument(uri: Uri) {
      const p = providers.get(uri.scheme);
      return { uri, getText: () => p?.provideTextDocumentContent(uri) ?? '' };
    },
    onDidChangeConfiguration: new EventEmitter<unknown>().event,
  },
  languages: { onDidChangeDiagnostics: new EventEmitter<unknown>().event },
  env: {
    clipboard: {
      async writeText(v: string) {
        record('clipboard', v);
      },
    },
  },
};

/** Run a registered command as VS Code would (`vscode.commands.executeCommand`). */
export function runCommand(id: string, ...args: unknown[]): Promise<unknown> {
  const fn = registered.get(id);
  if (!fn) throw new Error(`command ${id} is not registered`);
  return Promise.resolve(fn(...args));
}

let installed = false;
export function installFakeVscode(): void {
  if (installed) return;
  installed = true;
  const M = Module as unknown as { _load(request: string, parent: unknown, isMain: boolean): unknown };
  const load = M._load;
  M._load = function (request: string, parent: unknown, isMain: boolean) {
    if (request === 'vscode') return fakeVscode;
    return load.call(this, request, parent, isMain);
  };
}
