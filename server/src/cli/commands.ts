/** The CLI's commands: each parses its flags, asks the service, formats. No Celery rules here. */
import { relative, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import type { FlagSpec, Parsed } from './args';
import { UsageError } from './args';
import { CliError, rootFrom } from './errors';
import { openProject, type Project, type Route } from '../service/project';
import { traceLines, summary, where } from '../service/trace';
import { computeDiagnostics } from '../service/diagnostics';
import { formatDiagnostics } from './format-diagnostics';
import { buildGraph, graphToDot, graphToMermaid } from '../service/graph';
import { graphToHtml, graphToSvg, toRenderGraph } from '../service/graph-render';
import { queueReport } from '../service/queues';
import type { RouteOptions } from '../routing/types';
import { closest } from '../service/names';
import { runBrokerCommand } from './broker-command';
import { runDefinitionsCommand } from './definitions-command';
import { startServer } from '../lsp/server';
import { spawn } from 'node:child_process';
import SERVER_NODE_FLAGS from '../../../shared/server-node-flags.json';

interface Command { flags: FlagSpec; aliases?: Record<string, string>; run(a: Parsed): Promise<number> }

const PROJECT_FLAGS: FlagSpec = { config: 'string', profile: 'string' };

async function load(dir: string | undefined, a?: Parsed): Promise<Project> {
  const root = rootFrom(dir);
  const configPath = a && typeof a.flags.config === 'string' ? a.flags.config : undefined;
  if (configPath && !existsSync(configPath)) throw new CliError(`no such project file: ${configPath}`);
  const p = await openProject(root, { configPath: configPath && resolve(configPath), profile: a && typeof a.flags.profile === 'string' ? a.flags.profile : undefined });
  for (const e of p.projectFile?.errors ?? []) process.stderr.write(`${relative(process.cwd(), e.loc.file) || e.loc.file}:${e.loc.range.start.line + 1}:${e.loc.range.start.character + 1}: ${e.message}\n`);
  if (p.ws.modules.size === 0 && p.workers.length === 0) throw new CliError(`no Python files that use Celery were found under ${root}`);
  return p;
}

const str = (a: Parsed, k: string): string | undefined => (typeof a.flags[k] === 'string' ? (a.flags[k] as string) : undefined);

function routeJson(r: Route) {
  return {
    task: r.task, queue: r.queue, exchange: r.exchange, routingKey: r.routingKey, priority: r.priority,
    deliveredTo: r.deliveredTo, deliveredToRedis: r.deliveredToRedis, dropped: r.dropped,
    error: r.error, brokerError: r.brokerError, decidedBy: r.decidedBy,
    consumers: r.consumers.map((c) => ({ worker: c.worker.name, file: c.worker.loc.file, line: c.worker.loc.range.start.line + 1, via: c.via })),
    unknowns: r.unknowns, app: r.app,
    ...(r.delayed ? { delayed: r.delayed } : {}),
  };
}

const NO_APP = 'note: no Celery app is made in this folder (no Celery(...) call): routes assume Celery\'s defaults. An app made by a package: describe how it reads its settings under externalApp in celery-routing.json.\n';

export const commands: Record<string, Command> = {
  route: {
    flags: { ...PROJECT_FLAGS, root: 'string', queue: 'string', exchange: 'string', 'routing-key': 'string', priority: 'string', countdown: 'string', eta: 'string', 'send-task': 'boolean', app: 'string', json: 'boolean' },
    async run(a) {
      const task = a.positional[0];
      if (!task) throw new UsageError('route needs a task name, e.g. celery-routing route proj.tasks.add');
      if (a.positional.length > 1) throw new UsageError(`unexpected argument '${a.positional[1]}' (use --root DIR for the project folder)`);
      const p = await load(str(a, 'root'), a);
      const options: RouteOptions = {};
      if (str(a, 'queue') !== undefined) options.queue = str(a, 'queue');
      if (str(a, 'exchange') !== undefined) options.exchange = str(a, 'exchange');
      if (str(a, 'routing-key') !== undefined) options.routing_key = str(a, 'routing-key');
      if (str(a, 'priority') !== undefined) {
        const n = Number(str(a, 'priority'));
        if (!Number.isInteger(n) || n < 0 || n > 255) throw new UsageError(`--priority must be an integer 0-255, got '${str(a, 'priority')}'`);
        options.priority = n;
      }
      if (str(a, 'countdown') !== undefined) {
        const n = Number(str(a, 'countdown'));
        if (!Number.isFinite(n)) throw new UsageError(`--countdown must be a number of seconds, got '${str(a, 'countdown')}'`);
        options.countdown = n;
      }
      if (str(a, 'eta') !== undefined) {
        const eta = str(a, 'eta')!;
        if (Number.isNaN(Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(eta) ? eta : `${eta}Z`))) throw new UsageError(`--eta must be an ISO 8601 date-time, got '${eta}'`);
        options.eta = eta;
      }
      const appId = str(a, 'app');
      if (appId && !p.appFor(appId)) throw new CliError(`no app '${appId}' (apps: ${p.apps.map((x) => x.id).join(', ') || 'none'})`);
      const r = p.route({ task, options, via: a.flags['send-task'] ? 'send_task' : 'apply_async', app: appId });
      if (a.flags.json) process.stdout.write(JSON.stringify(routeJson(r), null, 2) + '\n');
      else {
        if (!r.definition) {
          const close = closest(task, p.tasks.map((t) => t.name));
          process.stderr.write(`note: task '${task}' is not defined in ${p.root}${close ? ` (did you mean '${close}'?)` : ''}\n`);
        }
        process.stdout.write(traceLines(r, p.root).join('\n') + '\n');
      }
      return 0;
    },
  },
  check: {
    flags: { ...PROJECT_FLAGS, format: 'string', json: 'boolean' },
    async run(a) {
      const p = await load(a.positional[0], a);
      const format = a.flags.json ? 'json' : str(a, 'format') ?? 'text';
      if (!['text', 'json', 'sarif'].includes(format)) throw new UsageError(`--format must be text, json or sarif, got '${format}'`);
      const diags = computeDiagnostics(p);
      process.stdout.write(formatDiagnostics(diags, format as 'text' | 'json' | 'sarif', p.root) + '\n');
      return diags.some((d) => d.severity === 'error') ? 1 : 0;
    },
  },
  graph: {
    flags: { ...PROJECT_FLAGS, format: 'string' },
    async run(a) {
      const p = await load(a.positional[0], a);
      const format = str(a, 'format') ?? 'mermaid';
      if (!['json', 'dot', 'mermaid', 'svg', 'html'].includes(format)) throw new UsageError(`--format must be mermaid, dot, json, svg or html, got '${format}'`);
      const g = buildGraph(p);
      if (format === 'json') process.stdout.write(JSON.stringify(g, null, 2) + '\n');
      else if (format === 'dot') process.stdout.write(graphToDot(g) + '\n');
      else if (format === 'mermaid') process.stdout.write(graphToMermaid(g) + '\n');
      else {
        // The same drawing as the editor's routing map (graph-render.ts).
        const rg = toRenderGraph(g, p.root);
        const title = 'Celery routing map';
        const subtitle = `${p.appFor()?.id ?? 'no Celery app'} · ${p.root}`;
        process.stdout.write(format === 'svg' ? (await graphToSvg(rg, { title })) + '\n' : await graphToHtml(rg, { title, subtitle }));
      }
      return 0;
    },
  },
  queues: {
    flags: { ...PROJECT_FLAGS, json: 'boolean' },
    async run(a) {
      const p = await load(a.positional[0], a);
      const rows = queueReport(p);
      if (a.flags.json) { process.stdout.write(JSON.stringify(rows, null, 2) + '\n'); return 0; }
      if (!p.apps.length) process.stderr.write(NO_APP);
      for (const q of rows) {
        process.stdout.write(`${q.name}  [${q.exchange || "''"} ${q.exchangeType}${q.routingKey !== null ? ` key=${q.routingKey}` : ''}]${q.declared ? '' : '  (not declared: auto-created on first send)'}\n`);
        process.stdout.write(`    routed from: ${q.routedFrom.length ? q.routedFrom.join(', ') : '-'}\n`);
        process.stdout.write(`    consumed by: ${q.consumers.length ? q.consumers.join(', ') : '- (no known worker)'}\n`);
      }
      return 0;
    },
  },
  tasks: {
    flags: { ...PROJECT_FLAGS, json: 'boolean' },
    async run(a) {
      const p = await load(a.positional[0], a);
      const rows = p.tasks.map((t) => ({ task: t, route: p.route({ task: t.name }) }));
      if (!a.flags.json && !p.apps.length) process.stderr.write(NO_APP);
      if (a.flags.json) {
        process.stdout.write(JSON.stringify(rows.map(({ task, route }) => ({ name: task.name, file: relative(p.root, task.loc.file), line: task.loc.range.start.line + 1, ...routeJson(route) })), null, 2) + '\n');
        return 0;
      }
      const width = Math.max(10, ...rows.map((r) => r.task.name.length));
      for (const { task, route } of rows) process.stdout.write(`${task.name.padEnd(width)}  ${summary(route, p.root, p.workers.length > 0)}   ${where(task.loc, p.root)}\n`);
      return 0;
    },
  },
  broker: {
    flags: { url: 'string', json: 'boolean', 'no-mgmt': 'boolean' },
    async run(a) {
      return runBrokerCommand(a);
    },
  },
  definitions: {
    flags: { ...PROJECT_FLAGS, vhost: 'string' },
    async run(a) {
      return runDefinitionsCommand(a, load);
    },
  },
  lsp: {
    flags: { stdio: 'boolean', 'node-ipc': 'boolean', socket: 'string', clientProcessId: 'string' },
    async run(a) {
      if (!a.flags.stdio && !a.flags['node-ipc'] && !a.flags.socket) throw new UsageError('lsp needs --stdio');
      // the server's Node flags (as the extension starts it) take effect at process start only: over stdio,
      // run again with them, the streams inherited
      if (a.flags.stdio && !SERVER_NODE_FLAGS.every((f) => process.execArgv.includes(f))) {
        const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
        return new Promise<number>((done) => { child.on('exit', (code) => done(code ?? 1)); child.on('error', () => { startServer(); }); });
      }
      startServer();
      return new Promise<number>(() => undefined);
    },
  },
};
