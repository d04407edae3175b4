/** The extension's state: language client, output, explorer, taps, status bar. One per activation. */
import * as vscode from 'vscode';
import { State, type LanguageClient } from 'vscode-languageclient/node';
import { STATUS_NOTIFICATION, TOPOLOGY_REQUEST, type StatusParams, type TopologyParams, type TopologyResult } from '../../shared/protocol';
import { CLIENT_NAME, createLanguageClient } from './client';
import { Config } from './config';
import { ReadonlyDocs } from './docs';
import { BrokerExplorer } from './explorer/explorer';
import { StatusBar } from './status';
import type { ServerState } from './statusText';
import { TapManager } from './tap';

export const EXPLORER_VIEW = 'celeryRouting.explorer';

export class Ctx implements vscode.Disposable {
  readonly config = new Config();
  readonly output: vscode.LogOutputChannel;
  readonly docs: ReadonlyDocs;
  readonly explorer: BrokerExplorer;
  readonly taps: TapManager;
  readonly status: StatusBar;
  client: LanguageClient | undefined;
  serverState: ServerState = 'starting';
  counts: { queues: number; tasks: number } | undefined;
  /** Problems as the server counts them (celery/status), else counted from the diagnostics. */
  private serverProblems: number | undefined;
  scanning = false;
  private problems = 0;
  private topologyTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly modelChanged = new vscode.EventEmitter<StatusParams>();
  /** The server finished an analysis (celery/status 'ready'): files changed, settings changed, restart. */
  readonly onDidChangeModel = this.modelChanged.event;
  private readonly disposables: vscode.Disposable[] = [];
  private clientDisposables: vscode.Disposable[] = [];
  private starting: Promise<void> | undefined;

  constructor(readonly context: vscode.ExtensionContext) {
    this.output = vscode.window.createOutputChannel(CLIENT_NAME, { log: true });
    this.docs = new ReadonlyDocs();
    this.explorer = new BrokerExplorer(context, this.config, this.output);
    this.taps = new TapManager(this.output);
    this.status = new StatusBar();
    const view = vscode.window.createTreeView(EXPLORER_VIEW, { treeDataProvider: this.explorer, showCollapseAll: true });
    this.explorer.setVisible(view.visible);
    this.disposables.push(
      this.output, this.docs, this.explorer, this.taps, this.status, view, this.modelChanged,
      view.onDidChangeVisibility((e) => this.explorer.setVisible(e.visible)),
      this.explorer.onDidChangeState(() => this.updateStatus()),
      this.taps.onDidChange(() => {
        this.explorer.tapping = new Map(this.explorer.list().map((c) => [c.def.id, this.taps.exchangesOf(c.def.id)]));
        this.explorer.rebuild();
      }),
      vscode.languages.onDidChangeDiagnostics(() => this.countProblems()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('celeryRouting.brokers')) this.explorer.reloadDefinitions();
        if (e.affectsConfiguration('celeryRouting.explorer') || e.affectsConfiguration('celeryRouting.broker')) {
          for (const c of this.explorer.list()) if (c.session.active) c.session.schedule();
          this.explorer.reloadDefinitions();
        }
      }),
    );
    this.updateStatus();
  }

  // ------------------------------------------------------------------------------ language server

  start(): Promise<void> {
    if (!this.starting) this.starting = this.doStart().finally(() => (this.starting = undefined));
    return this.starting;
  }

  private async doStart(): Promise<void> {
    if (this.client) return;
    const client = createLanguageClient(this.context, this.output, this.config);
    this.client = client;
    this.serverState = 'starting';
    this.updateStatus();
    this.clientDisposables.push(
      client.onDidChangeState((e) => {
        this.serverState = e.newState === State.Running ? 'running' : e.newState === State.Starting ? 'starting' : 'stopped';
        this.updateStatus();
      }),
    );
    try {
      await client.start();
      this.serverState = 'running';
      this.clientDisposables.push(
        client.onNotification(STATUS_NOTIFICATION, (p: StatusParams) => {
          this.counts = { queues: p.queues, tasks: p.tasks };
          this.serverProblems = typeof p.problems === 'number' ? p.problems : undefined;
          this.scanning = p.state === 'indexing';
          this.updateStatus();
          this.scheduleTopology();
          if (p.state === 'ready') this.modelChanged.fire(p);
        }),
      );
      this.scheduleTopology(0);
    } catch (e) {
      this.serverState = 'failed';
      this.output.error(`The language server did not start: ${e instanceof Error ? e.message : String(e)}`);
      this.explorer.setTopology(undefined, 'The language server is not running: drift against the configuration is unavailable.');
    }
    void vscode.commands.executeCommand('setContext', 'celeryRouting.serverRunning', this.serverState === 'running');
    this.updateStatus();
  }

  async stop(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    for (const d of this.clientDisposables) d.dispose();
    this.clientDisposables = [];
    if (c) {
      try {
        await c.stop(2000);
      } catch (e) {
        this.output.warn(`Stopping the language server: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    this.serverState = 'stopped';
    this.updateStatus();
  }

  async restart(): Promise<void> {
    this.output.info('Restarting the language server');
    await this.stop();
    await this.start();
  }

  /** A custom request; rejects with a readable message when the server is not running. */
  async request<R>(method: string, params: unknown, token?: vscode.CancellationToken): Promise<R> {
    if (this.starting) await this.starting;
    const c = this.client;
    if (!c || !c.isRunning()) throw new Error('The Celery Routing language server is not running (see "Celery: Restart Server").');
    // Never pass an undefined token: the client forwards every argument, so `(params, undefined)` would reach the
    // server as the positional params `[params, null]` and the handler would get `null` as its token.
    return token ? c.sendRequest<R>(method, params, token) : c.sendRequest<R>(method, params);
  }

  scheduleTopology(delay = 400): void {
    if (this.topologyTimer) clearTimeout(this.topologyTimer);
    this.topologyTimer = setTimeout(() => {
      this.topologyTimer = undefined;
      void this.fetchTopology();
    }, delay);
  }

  async fetchTopology(): Promise<TopologyResult | undefined> {
    try {
      const t = await this.request<TopologyResult | null>(TOPOLOGY_REQUEST, {} satisfies TopologyParams);
      if (!t) {
        this.explorer.setTopology(undefined, 'No workspace folder with a Celery app: nothing to compare the broker with.');
        this.updateStatus();
        return undefined;
      }
      if (!this.counts) this.counts = { queues: t.queues.length, tasks: new Set(t.queues.flatMap((q) => q.routedFrom)).size };
      this.explorer.setTopology(t);
      this.updateStatus();
      return t;
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      this.output.warn(`celery/topology: ${msg}`);
      this.explorer.setTopology(undefined, `The configuration's topology is unavailable (${msg}).`);
      return undefined;
    }
  }

  // ----------------------------------------------------------------------------------- status bar

  private countProblems(): void {
    let n = 0;
    this.client?.diagnostics?.forEach((_uri, diags) => {
      n += diags.filter((d) => d.severity === vscode.DiagnosticSeverity.Error || d.severity === vscode.DiagnosticSeverity.Warning).length;
    });
    if (n !== this.problems) {
      this.problems = n;
      this.updateStatus();
    }
  }

  updateStatus(): void {
    const conns = this.explorer.list();
    const brokers = conns.filter((c) => c.session.active).map((c) => ({ label: c.def.label, state: c.session.state }));
    const t = this.explorer.getTopology();
    const relevant = !!t?.app || (this.counts?.tasks ?? 0) > 0 || brokers.length > 0 || this.serverState !== 'running';
    this.status.update({ server: this.serverState, counts: this.counts, problems: this.serverProblems ?? this.problems, scanning: this.scanning, brokers }, relevant);
  }

  dispose(): void {
    if (this.topologyTimer) clearTimeout(this.topologyTimer);
    for (const d of this.clientDisposables) d.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
