/**
 * The broker explorer view: connections (config + user), their sessions, drift against the server's
 * topology, and the TreeDataProvider. The tree itself is built by the pure `model.ts`.
 */
import * as vscode from 'vscode';
import { computeDrift, type ConfigTopology, type DriftReport } from '../../../server/src/broker/drift';
import { BrokerError } from '../../../server/src/broker/errors';
import { loadSnapshot, type BrokerSnapshot } from '../../../server/src/broker/snapshot';
import type { TopologyResult } from '../../../shared/protocol';
import type { Config } from '../config';
import { buildConnections, effectiveReadOnly, secretKey, withPassword, type ConnectionDef } from './connections';
import { gate, type ExplorerAction } from './gating';
import { buildConnectionNode, type ConnectionView, type TreeNode } from './model';
import { Session } from './session';

const OVERRIDES_KEY = 'celeryRouting.readOnlyOverrides';
/** Refresh this much slower while the view is hidden. */
const HIDDEN_SLOWDOWN = 6;

export interface Connection {
  def: ConnectionDef;
  session: Session;
  readOnly: boolean;
  drift?: DriftReport;
}

export class BrokerExplorer implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private defs: ConnectionDef[] = [];
  private readonly sessions = new Map<string, Session>();
  private topology: TopologyResult | undefined;
  private topologyNote: string | undefined;
  private roots: TreeNode[] = [];
  private readonly driftCache = new WeakMap<BrokerSnapshot, { topology: TopologyResult | undefined; report: DriftReport | undefined }>();
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined | void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly stateChanged = new vscode.EventEmitter<void>();
  /** Fired when a connection's state changes (status bar). */
  readonly onDidChangeState = this.stateChanged.event;
  private rebuildTimer: ReturnType<typeof setTimeout> | undefined;
  private visible = false;
  private autoConnected = new Set<string>();
  /** Exchanges being tapped, per connection id (set by the tap manager). */
  tapping = new Map<string, string[]>();

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly config: Config,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.reloadDefinitions();
  }

  // ------------------------------------------------------------------------------- definitions

  setTopology(t: TopologyResult | undefined, note?: string): void {
    this.topology = t;
    this.topologyNote = note;
    this.reloadDefinitions();
  }

  getTopology(): TopologyResult | undefined {
    return this.topology;
  }

  reloadDefinitions(): void {
    this.defs = buildConnections(this.topology?.brokerUrls ?? [], this.config.brokers);
    const ids = new Set(this.defs.map((d) => d.id));
    for (const [id, s] of this.sessions) {
      if (!ids.has(id)) {
        s.dispose();
        this.sessions.delete(id);
      }
    }
    void vscode.commands.executeCommand('setContext', 'celeryRouting.explorer.hasConnections', this.defs.length > 0);
    this.maybeAutoConnect();
    this.scheduleRebuild();
  }

  setVisible(visible: boolean): void {
    const was = this.visible;
    this.visible = visible;
    if (visible && !was) {
      this.maybeAutoConnect();
      for (const s of this.sessions.values()) if (s.active) s.schedule();
    }
  }

  private maybeAutoConnect(): void {
    if (!this.visible || !this.config.autoConnectLocal) return;
    for (const d of this.defs) {
      if (this.autoConnected.has(d.id) || !d.url || d.problem || d.readOnly) continue; // local = not read-only by default
      this.autoConnected.add(d.id);
      void this.connect(d.id);
    }
  }

  // ----------------------------------------------------------------------------- connections

  private overrides(): Record<string, boolean> {
    return this.context.globalState.get<Record<string, boolean>>(OVERRIDES_KEY) ?? {};
  }

  list(): Connection[] {
    const o = this.overrides();
    return this.defs.map((def) => {
      const session = this.sessionFor(def);
      return { def, session, readOnly: effectiveReadOnly(def, o), drift: this.driftFor(session.snapshot) };
    });
  }

  get(id: string): Connection | undefined {
    return this.list().find((c) => c.def.id === id);
  }

  /** The most recent snapshot of any live connection (the routing map's queue depths), with its connection. */
  latestSnapshot(): { connection: Connection; snapshot: BrokerSnapshot } | undefined {
    let best: { connection: Connection; snapshot: BrokerSnapshot } | undefined;
    for (const c of this.list()) {
      const snap = c.session.active ? c.session.snapshot : undefined;
      if (snap && (!best || snap.takenAt > best.snapshot.takenAt)) best = { connection: c, snapshot: snap };
    }
    return best;
  }

  private sessionFor(def: ConnectionDef): Session {
    let s = this.sessions.get(def.id);
    if (!s) {
      s = new Session({
        load: () => this.load(def.id),
        intervalMs: () => (this.visible ? this.config.refreshIntervalMs : this.config.refreshIntervalMs * HIDDEN_SLOWDOWN),
        onChange: () => {
          this.scheduleRebuild();
          this.stateChanged.fire();
        },
        describeError: (e) => (e instanceof BrokerError ? e.message : `Unexpected error: ${e instanceof Error ? e.message : String(e)}`),
      });
      this.sessions.set(def.id, s);
    }
    return s;
  }

  /** The URL to connect with: password from SecretStorage, else the one written in the workspace config. */
  async connectUrl(def: ConnectionDef): Promise<string> {
    const stored = await this.context.secrets.get(secretKey(def.url));
    return withPassword(def.url, stored ?? def.configPassword ?? null);
  }

  private async load(id: string): Promise<BrokerSnapshot> {
    const def = this.defs.find((d) => d.id === id);
    if (!def || !def.url) throw new BrokerError('invalid-url', def?.problem ?? 'No URL for this connection.');
    const url = await this.connectUrl(def);
    const started = Date.now();
    const t = this.topology;
    const snap = await loadSnapshot(url, {
      timeoutMs: this.config.brokerTimeoutMs,
      managementUrl: def.managementUrl ?? this.config.managementUrl,
      allVhosts: this.config.showAllVhosts,
      knownQueues: t?.queues.map((q) => q.name),
      knownExchanges: t?.exchanges.map((x) => x.name),
    });
    this.log.debug(`[explorer] ${def.redacted}: snapshot in ${Date.now() - started} ms`);
    return snap;
  }

  async connect(id: string): Promise<void> {
    const c = this.get(id);
    if (!c) return;
    this.log.info(`[explorer] connecting to ${c.def.redacted}`);
    await c.session.connect();
    if (c.session.error) this.log.warn(`[explorer] ${c.def.redacted}: ${c.session.error}`);
  }

  disconnect(id: string): void {
    this.sessions.get(id)?.disconnect();
  }

  async refresh(id?: string): Promise<void> {
    if (id) {
      await this.get(id)?.session.refresh();
      return;
    }
    await Promise.all(this.list().filter((c) => c.session.active).map((c) => c.session.refresh()));
    this.scheduleRebuild();
  }

  async setReadOnly(id: string, readOnly: boolean): Promise<void> {
    const c = this.get(id);
    if (!c) return;
    if (c.def.source === 'user') await this.config.updateBroker(c.def.url, { readOnly });
    const o = { ...this.overrides(), [id]: readOnly };
    await this.context.globalState.update(OVERRIDES_KEY, o);
    this.reloadDefinitions();
    this.stateChanged.fire();
  }

  /** null when allowed; otherwise shows nothing and returns the reason (the caller reports it). */
  check(action: ExplorerAction, c: Connection): string | null {
    return gate(action, { readOnly: c.readOnly, connected: c.session.state === 'connected' || !!c.session.snapshot, label: c.def.label });
  }

  driftFor(snapshot: BrokerSnapshot | undefined): DriftReport | undefined {
    if (!snapshot || !this.topology?.app) return undefined;
    const cached = this.driftCache.get(snapshot);
    if (cached && cached.topology === this.topology) return cached.report;
    const config: ConfigTopology = { queues: this.topology.queues, exchanges: this.topology.exchanges };
    let report: DriftReport | undefined;
    try {
      report = computeDrift(config, snapshot);
    } catch (e) {
      this.log.error(`[explorer] drift failed: ${(e as Error).message}`);
    }
    this.driftCache.set(snapshot, { topology: this.topology, report });
    return report;
  }

  // ------------------------------------------------------------------------------------- tree

  private scheduleRebuild(): void {
    if (this.rebuildTimer) return;
    this.rebuildTimer = setTimeout(() => {
      this.rebuildTimer = undefined;
      this.rebuild();
    }, 30);
  }

  rebuild(): void {
    this.roots = this.list().map((c) => {
      const s = c.session;
      const view: ConnectionView = {
        def: c.def,
        readOnly: c.readOnly,
        state: s.state,
        refreshing: s.refreshing && !!s.snapshot,
        snapshot: s.snapshot,
        drift: c.drift,
        driftNote: s.snapshot && !c.drift ? this.topologyNote ?? (this.topology && !this.topology.app ? 'No Celery app in the workspace: nothing to compare with.' : 'Waiting for the workspace configuration to compare with…') : undefined,
        error: s.error,
        failures: s.failures,
        nextRetryMs: s.nextRetryMs,
        configQueues: this.topology?.queues,
        tapping: this.tapping.get(c.def.id),
      };
      return buildConnectionNode(view);
    });
    void vscode.commands.executeCommand(
      'setContext', 'celeryRouting.explorer.anyWritable', this.list().some((c) => !c.readOnly && c.session.state === 'connected'),
    );
    this.changed.fire();
  }

  getTreeItem(n: TreeNode): vscode.TreeItem {
    const state = n.collapsible === 'none'
      ? vscode.TreeItemCollapsibleState.None
      : n.collapsible === 'expanded' ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed;
    const item = new vscode.TreeItem(n.label, state);
    item.id = n.id;
    item.description = n.description;
    if (n.tooltip) item.tooltip = new vscode.MarkdownString(n.tooltip);
    item.iconPath = new vscode.ThemeIcon(n.icon.id, n.icon.color ? new vscode.ThemeColor(n.icon.color) : undefined);
    item.contextValue = n.contextValue;
    if (n.command) item.command = { command: n.command.id, title: n.command.title, arguments: n.command.args };
    return item;
  }

  getChildren(n?: TreeNode): TreeNode[] {
    if (!n) {
      if (!this.roots.length && this.defs.length) this.rebuild();
      return this.roots;
    }
    return n.children;
  }

  rootNodes(): TreeNode[] {
    return this.roots;
  }

  dispose(): void {
    if (this.rebuildTimer) clearTimeout(this.rebuildTimer);
    for (const s of this.sessions.values()) s.dispose();
    this.sessions.clear();
    this.changed.dispose();
    this.stateChanged.dispose();
  }
}
