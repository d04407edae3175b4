/** `celeryRouting.*` settings as one typed object (read fresh on each access). */
import * as vscode from 'vscode';
import { DEFAULT_SERVER_SETTINGS, SETTINGS_SECTION, type ServerSettings, type SeverityOverride } from '../../shared/protocol';
import { stripPassword, type UserBrokerSetting } from './explorer/connections';

export class Config {
  private get cfg(): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration(SETTINGS_SECTION);
  }

  get brokers(): UserBrokerSetting[] {
    const v = this.cfg.get<unknown>('brokers');
    return Array.isArray(v) ? (v.filter((x) => x && typeof x === 'object' && typeof (x as UserBrokerSetting).url === 'string') as UserBrokerSetting[]) : [];
  }

  /** Seconds → ms; 0 = off. */
  get refreshIntervalMs(): number {
    const s = this.cfg.get<number>('explorer.refreshInterval', 10);
    return typeof s === 'number' && s > 0 ? Math.max(1, s) * 1000 : 0;
  }

  get autoConnectLocal(): boolean {
    return this.cfg.get<boolean>('explorer.autoConnectLocal', true);
  }

  get showAllVhosts(): boolean {
    return this.cfg.get<boolean>('explorer.allVhosts', false);
  }

  get peekCount(): number {
    const n = this.cfg.get<number>('explorer.peekCount', 10);
    return Math.min(200, Math.max(1, Math.floor(n || 10)));
  }

  get brokerTimeoutMs(): number {
    const n = this.cfg.get<number>('broker.timeout', 5000);
    return Math.min(120_000, Math.max(500, n || 5000));
  }

  get managementUrl(): string | undefined {
    return this.cfg.get<string>('broker.managementUrl') || undefined;
  }

  /** What the language server reads (also pulled by it through workspace/configuration). */
  server(scope?: vscode.ConfigurationScope): ServerSettings {
    const c = vscode.workspace.getConfiguration(SETTINGS_SECTION, scope);
    const d = DEFAULT_SERVER_SETTINGS;
    const transport = c.get<string>('transport', 'auto');
    return {
      workerGlobs: c.get<string[]>('workerGlobs', d.workerGlobs).filter((g) => typeof g === 'string'),
      diagnostics: { severity: { ...(c.get<Record<string, SeverityOverride>>('diagnostics.severity') ?? {}) } },
      transport: transport === 'amqp' || transport === 'redis' ? transport : 'auto',
      codeLens: { enable: c.get<boolean>('codeLens.enable', true) },
      maxFileSize: c.get<number>('maxFileSize', d.maxFileSize),
    };
  }

  /** Add a connection to the user's (global) list: it names a host, never a password. */
  async addBroker(entry: UserBrokerSetting): Promise<void> {
    const global = (this.cfg.inspect<UserBrokerSetting[]>('brokers')?.globalValue ?? []).filter((b) => b.url !== entry.url);
    await this.cfg.update('brokers', [...global, entry], vscode.ConfigurationTarget.Global);
  }

  /** Change or remove (`patch` null) the entry with this password-less URL wherever it is set. */
  async updateBroker(url: string, patch: Partial<UserBrokerSetting> | null): Promise<boolean> {
    const inspect = this.cfg.inspect<UserBrokerSetting[]>('brokers');
    const targets: Array<[UserBrokerSetting[] | undefined, vscode.ConfigurationTarget]> = [
      [inspect?.globalValue, vscode.ConfigurationTarget.Global],
      [inspect?.workspaceValue, vscode.ConfigurationTarget.Workspace],
      [inspect?.workspaceFolderValue, vscode.ConfigurationTarget.WorkspaceFolder],
    ];
    let changed = false;
    for (const [list, target] of targets) {
      if (!Array.isArray(list)) continue;
      const match = (b: UserBrokerSetting) => typeof b?.url === 'string' && stripPassword(b.url).url === url;
      if (!list.some(match)) continue;
      const next = patch === null ? list.filter((b) => !match(b)) : list.map((b) => (match(b) ? { ...b, ...patch } : b));
      await this.cfg.update('brokers', next, target);
      changed = true;
    }
    return changed;
  }
}
