/**
 * Every command of the extension, in one table (id → handler). Titles, icons, menus and `when` clauses are
 * in package.json; mutating commands (purge, publish, declare) are also gated here, in code.
 */
import * as vscode from 'vscode';
import type { DriftReport } from '../../server/src/broker/drift';
import { formatDriftText } from '../../server/src/broker/cli-report';
import { declarePlan, peekMessages, publishTask, purgeQueue } from '../../server/src/broker/operations';
import { moveBack } from '../../server/src/broker/moveBack';
import { planFromTopology } from '../../server/src/broker/plan';
import { findVhost } from '../../server/src/broker/snapshot';
import { formatBrokerUrl, parseBrokerUrl } from '../../server/src/broker/url';
import {
  ROUTE_TRACE_REQUEST, TASKS_REQUEST, type Location, type RouteTraceParams, type RouteTraceResult, type TaskRow, type TasksResult,
  type TracePublish, type TraceResult,
} from '../../shared/protocol';
import type { Ctx } from './ctx';
import { RoutingMap } from './routingMap';
import { secretKey, stripPassword, userSettingFor, validateBrokerInput } from './explorer/connections';
import type { Connection } from './explorer/explorer';
import type { ExplorerAction } from './explorer/gating';
import type { TreeNode } from './explorer/model';
import {
  declareResultLines, missingPlan, parseArgsInput, peekMarkdown, planIsEmpty, planLines, planMarkdown, planSummary, publishSummary, traceMarkdown,
} from './render';

type Arg = TreeNode | string | undefined;
type Handler = (ctx: Ctx, ...args: any[]) => unknown; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Errors that end a command quietly (the user cancelled) or with a message already shown. */
class Cancelled extends Error {}

// ------------------------------------------------------------------------------------------ helpers

function isNode(a: unknown): a is TreeNode {
  return !!a && typeof a === 'object' && typeof (a as TreeNode).connectionId === 'string' && typeof (a as TreeNode).kind === 'string';
}

async function pickConnection(ctx: Ctx, arg: Arg, placeHolder = 'Broker connection'): Promise<Connection> {
  const id = isNode(arg) ? arg.connectionId : typeof arg === 'string' ? arg : undefined;
  if (id) {
    const c = ctx.explorer.get(id);
    if (c) return c;
  }
  const list = ctx.explorer.list().filter((c) => c.def.url);
  if (!list.length) {
    const add = await vscode.window.showInformationMessage('No broker connection yet.', 'Add Broker Connection');
    if (add) await vscode.commands.executeCommand('celeryRouting.addConnection');
    throw new Cancelled();
  }
  if (list.length === 1) return list[0];
  const pick = await vscode.window.showQuickPick(
    list.map((c) => ({ label: c.def.label, description: c.def.redacted, detail: `${c.session.state}${c.readOnly ? ' · read-only' : ''}`, c })),
    { placeHolder },
  );
  if (!pick) throw new Cancelled();
  return pick.c;
}

function ensure(ctx: Ctx, action: ExplorerAction, c: Connection): void {
  const why = ctx.explorer.check(action, c);
  if (why) {
    void vscode.window.showWarningMessage(why);
    throw new Cancelled();
  }
}

async function ensureConnected(ctx: Ctx, c: Connection): Promise<void> {
  if (c.session.snapshot) return;
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Connecting to ${c.def.redacted}…` }, () => ctx.explorer.connect(c.def.id));
  if (!c.session.snapshot) {
    void vscode.window.showErrorMessage(c.session.error ?? `Could not connect to ${c.def.redacted}.`);
    throw new Cancelled();
  }
}

/** Queue name from a node, or a pick among the broker's and the config's queues. */
async function pickQueue(ctx: Ctx, c: Connection, arg: Arg, placeHolder: string): Promise<{ queue: string; vhost?: string }> {
  if (isNode(arg) && arg.queue) return { queue: arg.queue, vhost: arg.vhost };
  const snap = c.session.snapshot;
  const vh = snap ? findVhost(snap) : undefined;
  const names = new Map<string, string>();
  for (const q of vh?.queues ?? []) names.set(q.name, `${q.messagesReady} ready`);
  for (const q of ctx.explorer.getTopology()?.queues ?? []) if (!names.has(q.name)) names.set(q.name, 'config only');
  const pick = await vscode.window.showQuickPick([...names].map(([label, description]) => ({ label, description })), { placeHolder });
  if (!pick) throw new Cancelled();
  return { queue: pick.label, vhost: snap?.currentVhost };
}

/** The connect URL (with password) for a vhost other than the URL's own (RabbitMQ). */
async function urlFor(ctx: Ctx, c: Connection, vhost?: string): Promise<string> {
  const url = await ctx.explorer.connectUrl(c.def);
  if (c.def.kind !== 'rabbitmq' || vhost === undefined) return url;
  const u = parseBrokerUrl(url);
  return u.vhost === vhost ? url : formatBrokerUrl(u, { vhost });
}

function opOptions(ctx: Ctx, c: Connection) {
  return { timeoutMs: ctx.config.brokerTimeoutMs, managementUrl: c.def.managementUrl ?? ctx.config.managementUrl };
}

async function openLocation(loc: Location): Promise<void> {
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(loc.uri));
  const r = loc.range;
  const range = new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
  await vscode.window.showTextDocument(doc, { selection: range });
}

async function fetchTasks(ctx: Ctx): Promise<TaskRow[]> {
  const r = await ctx.request<TasksResult>(TASKS_REQUEST, {});
  return Array.isArray(r) ? r : [];
}

/** A picked task: a workspace task, or a name typed by the user. */
type PickedTask = { name: string; row?: TaskRow };

async function pickTask(ctx: Ctx, placeHolder: string, preferQueue?: string): Promise<PickedTask> {
  const qp = vscode.window.createQuickPick<vscode.QuickPickItem & { task?: TaskRow; custom?: string }>();
  qp.placeholder = placeHolder;
  qp.matchOnDescription = true;
  qp.busy = true;
  qp.show();
  let tasks: TaskRow[] = [];
  const base = () => {
    const sorted = [...tasks].sort((a, b) => {
      const pa = preferQueue && a.deliveredTo?.includes(preferQueue) ? 0 : 1;
      const pb = preferQueue && b.deliveredTo?.includes(preferQueue) ? 0 : 1;
      return pa - pb || a.name.localeCompare(b.name);
    });
    return sorted.map((t) => ({
      label: t.name,
      description: t.summary,
      detail: t.location ? vscode.workspace.asRelativePath(vscode.Uri.parse(t.location.uri)) + `:${t.location.range.start.line + 1}` : undefined,
      task: t,
    }));
  };
  fetchTasks(ctx).then(
    (t) => {
      tasks = t;
      qp.items = base();
      qp.busy = false;
    },
    (e) => {
      qp.busy = false;
      qp.placeholder = `${e instanceof Error ? e.message : String(e)} — type a task name`;
    },
  );
  qp.onDidChangeValue((v) => {
    const name = v.trim();
    const items = base();
    const all: Array<vscode.QuickPickItem & { task?: TaskRow; custom?: string }> = items;
    if (name && !tasks.some((t) => t.name === name)) all.push({ label: name, description: 'a task name not defined in the workspace (routed like send_task)', custom: name });
    qp.items = all;
  });
  return new Promise<PickedTask>((resolve, reject) => {
    let done = false;
    qp.onDidAccept(() => {
      const s = qp.selectedItems[0];
      if (!s) return;
      done = true;
      qp.hide();
      resolve(s.task ? { name: s.task.name, row: s.task } : { name: s.custom ?? s.label });
    });
    qp.onDidHide(() => {
      qp.dispose();
      if (!done) reject(new Cancelled());
    });
  });
}

async function trace(ctx: Ctx, params: RouteTraceParams): Promise<TraceResult> {
  const r = await ctx.request<RouteTraceResult>(ROUTE_TRACE_REQUEST, params);
  if (!r) throw new Error(`No route trace for ${'task' in params ? `"${params.task}"` : 'this position'}.`);
  return r;
}

function isTraceResult(a: unknown): a is TraceResult {
  return !!a && typeof a === 'object' && Array.isArray((a as TraceResult).lines) && typeof (a as TraceResult).summary === 'string';
}

function currentDrift(c: Connection): DriftReport | undefined {
  return c.drift;
}

// ------------------------------------------------------------------------------------------ handlers

/** Code lenses pass their TraceResult; other callers a task name, RouteTraceParams, or nothing (→ pick). */
async function showTrace(ctx: Ctx, arg?: TraceResult | RouteTraceParams | string): Promise<void> {
  let r: TraceResult;
  if (isTraceResult(arg)) r = arg;
  else if (typeof arg === 'string' && arg) r = await trace(ctx, { task: arg });
  else if (arg && typeof arg === 'object' && ('task' in arg || 'uri' in arg)) r = await trace(ctx, arg);
  else {
    const editor = vscode.window.activeTextEditor;
    if (editor && editor.document.uri.scheme === 'file' && editor.document.languageId === 'python') {
      const pos = editor.selection.active;
      const here = await trace(ctx, { uri: editor.document.uri.toString(), position: { line: pos.line, character: pos.character } }).catch(() => undefined);
      if (here) return showResult(ctx, here);
    }
    return whereDoesTaskGo(ctx);
  }
  return showResult(ctx, r);
}

async function showResult(ctx: Ctx, r: TraceResult): Promise<void> {
  await ctx.docs.show(`trace ${r.task}.md`, traceMarkdown(r), true);
}

async function whereDoesTaskGo(ctx: Ctx): Promise<void> {
  const t = await pickTask(ctx, 'Where does this task go? Pick a task (or type a name)');
  await showResult(ctx, await trace(ctx, t.row ? { task: t.name, folderUri: t.row.folderUri } : { task: t.name, via: 'send_task' }));
}

async function addConnection(ctx: Ctx): Promise<void> {
  const input = await vscode.window.showInputBox({
    title: 'Add Broker Connection (1/3)',
    prompt: 'Broker URL. A password typed here is moved to VS Code\'s secret storage, never into settings.',
    placeHolder: 'amqp://guest@localhost:5672//   or   redis://localhost:6379/0',
    ignoreFocusOut: true,
    validateInput: (v) => validateBrokerInput(v),
  });
  if (!input) return;
  const { setting, password: typed } = userSettingFor(input);
  let password = typed;
  if (!password) {
    const p = await vscode.window.showInputBox({
      title: 'Add Broker Connection (2/3)',
      prompt: 'Password (kept in VS Code\'s secret storage). Leave empty for none or the URL\'s default.',
      password: true,
      ignoreFocusOut: true,
    });
    if (p === undefined) return;
    password = p || null;
  }
  const name = await vscode.window.showInputBox({ title: 'Add Broker Connection (3/3)', prompt: 'Display name (optional)', ignoreFocusOut: true });
  if (name === undefined) return;
  if (name.trim()) setting.name = name.trim();
  if (password) await ctx.context.secrets.store(secretKey(setting.url), password);
  await ctx.config.addBroker(setting);
  ctx.explorer.reloadDefinitions();
  const id = `user:${setting.url}`;
  if (setting.readOnly) void vscode.window.showInformationMessage(`"${setting.name ?? stripPassword(setting.url).url}" is not on this machine: it starts read-only (no purge, publish or declare).`);
  await ctx.explorer.connect(id);
}

async function removeConnection(ctx: Ctx, arg?: Arg): Promise<void> {
  const c = await pickConnection(ctx, arg, 'Connection to remove');
  if (c.def.source !== 'user') {
    void vscode.window.showInformationMessage(`"${c.def.label}" comes from the workspace's Celery configuration; it cannot be removed here.`);
    return;
  }
  const ok = await vscode.window.showWarningMessage(`Remove the connection "${c.def.label}" (${c.def.redacted})?`, { modal: true, detail: 'Its stored password is deleted too. Nothing changes on the broker.' }, 'Remove');
  if (ok !== 'Remove') return;
  ctx.explorer.disconnect(c.def.id);
  await ctx.config.updateBroker(c.def.url, null);
  await ctx.context.secrets.delete(secretKey(c.def.url));
  ctx.explorer.reloadDefinitions();
}

async function setPassword(ctx: Ctx, arg?: Arg): Promise<void> {
  const c = await pickConnection(ctx, arg, 'Connection');
  const p = await vscode.window.showInputBox({ title: `Password for ${c.def.redacted}`, password: true, ignoreFocusOut: true, prompt: 'Stored in VS Code\'s secret storage. Empty: forget the stored password.' });
  if (p === undefined) return;
  if (p) await ctx.context.secrets.store(secretKey(c.def.url), p);
  else await ctx.context.secrets.delete(secretKey(c.def.url));
  if (c.session.active) await ctx.explorer.refresh(c.def.id);
}

async function connect(ctx: Ctx, arg?: Arg): Promise<void> {
  const c = await pickConnection(ctx, arg, 'Connect to');
  await ctx.explorer.connect(c.def.id);
  if (c.session.error) void vscode.window.showErrorMessage(c.session.error);
}

async function disconnect(ctx: Ctx, arg?: Arg): Promise<void> {
  const c = await pickConnection(ctx, arg, 'Disconnect from');
  for (const t of ctx.taps.list().filter((t) => t.connectionId === c.def.id)) await ctx.taps.stop(t.key);
  ctx.explorer.disconnect(c.def.id);
}

async function refresh(ctx: Ctx, arg?: Arg): Promise<void> {
  if (arg === undefined) {
    ctx.scheduleTopology(0);
    await ctx.explorer.refresh();
    return;
  }
  const c = await pickConnection(ctx, arg);
  await ctx.explorer.refresh(c.def.id);
}

async function markReadOnly(ctx: Ctx, arg?: Arg): Promise<void> {
  const c = await pickConnection(ctx, arg, 'Mark read-only');
  await ctx.explorer.setReadOnly(c.def.id, true);
}

async function allowChanges(ctx: Ctx, arg?: Arg): Promise<void> {
  const c = await pickConnection(ctx, arg, 'Allow changes on');
  const ok = await vscode.window.showWarningMessage(
    `Allow purge, publish and declare on "${c.def.label}"?`,
    { modal: true, detail: `${c.def.redacted}\n\nEach change still asks for confirmation. "Mark Read-only" turns this off again.` },
    'Allow Changes',
  );
  if (ok !== 'Allow Changes') return;
  await ctx.explorer.setReadOnly(c.def.id, false);
}

async function peek(ctx: Ctx, arg?: Arg): Promise<void> {
  const c = await pickConnection(ctx, arg, 'Peek messages on');
  ensure(ctx, 'peek', c);
  await ensureConnected(ctx, c);
  const { queue, vhost } = await pickQueue(ctx, c, arg, 'Queue to peek into');
  const url = await urlFor(ctx, c, vhost);
  const count = ctx.config.peekCount;
  const r = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: `Peeking into ${queue}…` },
    () => peekMessages(url, queue, count, opOptions(ctx, c)),
  );
  await ctx.docs.show(`peek ${queue}.md`, peekMarkdown(r, c.def.redacted), true);
}

async function purge(ctx: Ctx, arg?: Arg): Promise<void> {
  const c = await pickConnection(ctx, arg, 'Purge a queue on');
  ensure(ctx, 'purge', c);
  await ensureConnected(ctx, c);
  const { queue, vhost } = await pickQueue(ctx, c, arg, 'Queue to purge');
  // Count from a fresh snapshot, so the confirmation shows what is there now.
  await ctx.explorer.refresh(c.def.id);
  ensure(ctx, 'purge', ctx.explorer.get(c.def.id) ?? c);
  const snap = c.session.snapshot;
  const q = snap ? findVhost(snap, vhost ?? snap.currentVhost)?.queues.find((x) => x.name === queue) : undefined;
  const count = q ? q.messagesReady : undefined;
  const countText = count === undefined ? 'an unknown number of' : String(count);
  const button = count === undefined ? 'Purge' : `Purge ${count} message${count === 1 ? '' : 's'}`;
  const ok = await vscode.window.showWarningMessage(
    `Purge ${countText} ready message(s) from queue "${queue}"?`,
    {
      modal: true,
      detail: `${c.def.redacted}${vhost && c.def.kind === 'rabbitmq' ? ` (vhost ${vhost})` : ''}\n\nThe messages are deleted and the tasks will never run. Messages being processed (unacknowledged) are not affected. This cannot be undone.`,
    },
    button,
  );
  if (ok !== button) return;
  const url = await urlFor(ctx, c, vhost);
  const n = await purgeQueue(url, queue, opOptions(ctx, c));
  ctx.output.info(`[purge] ${queue} on ${c.def.redacted}: ${n} message(s) removed`);
  void vscode.window.showInformationMessage(`Purged ${n} message(s) from "${queue}".`);
  await ctx.explorer.refresh(c.def.id);
}

/** Dead-letter queue → where each message came from (its x-death origin), after a confirmation with the count. */
async function moveMessagesBack(ctx: Ctx, arg?: Arg): Promise<void> {
  const c = await pickConnection(ctx, arg, 'Move dead-lettered messages back on');
  ensure(ctx, 'moveBack', c);
  if (c.def.kind !== 'rabbitmq') { void vscode.window.showInformationMessage('Dead-lettering exists on RabbitMQ only.'); return; }
  await ensureConnected(ctx, c);
  const { queue, vhost } = await pickQueue(ctx, c, arg, 'Dead-letter queue');
  await ctx.explorer.refresh(c.def.id);
  ensure(ctx, 'moveBack', ctx.explorer.get(c.def.id) ?? c);
  const snap = c.session.snapshot;
  const count = snap ? findVhost(snap, vhost ?? snap.currentVhost)?.queues.find((x) => x.name === queue)?.messagesReady : undefined;
  const button = count === undefined ? 'Move Back' : `Move ${count} message${count === 1 ? '' : 's'} back`;
  const ok = await vscode.window.showWarningMessage(
    `Move ${count ?? 'the'} ready message(s) of "${queue}" back to where they were dead-lettered from?`,
    { modal: true, detail: `${c.def.redacted}${vhost ? ` (vhost ${vhost})` : ''}\n\nEach message is republished to the exchange and routing key recorded in its x-death header, then removed from "${queue}" only once the broker confirmed it. Messages without x-death stay.` },
    button,
  );
  if (ok !== button) return;
  const res = await moveBack(await urlFor(ctx, c, vhost), queue, Infinity, opOptions(ctx, c));
  ctx.output.info(`[move back] ${queue} on ${c.def.redacted}: ${res.moved} moved, ${res.skipped} left${res.notes.length ? ` (${res.notes.join('; ')})` : ''}`);
  void vscode.window.showInformationMessage(`Moved ${res.moved} message(s) back from "${queue}"${res.skipped ? `; ${res.skipped} without x-death stayed` : ''}.`);
  await ctx.explorer.refresh(c.def.id);
}

async function publish(ctx: Ctx, arg?: Arg): Promise<void> {
  const c = await pickConnection(ctx, arg, 'Publish a test message on');
  ensure(ctx, 'publish', c);
  await ensureConnected(ctx, c);
  const queueHint = isNode(arg) ? arg.queue : undefined;
  const task = await pickTask(ctx, queueHint ? `Task to send (tasks routed to ${queueHint} first)` : 'Task to send', queueHint);
  let r: TraceResult | undefined;
  try {
    r = await trace(ctx, task.row ? { task: task.name, folderUri: task.row.folderUri } : { task: task.name, via: 'send_task' });
  } catch (e) {
    ctx.output.warn(`[publish] no route from the server: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (r?.error) {
    void vscode.window.showErrorMessage(`Celery would not send "${task.name}": ${r.error}`);
    return;
  }
  const keys = publishKeys(ctx, r?.publish ?? null, task.row, queueHint);
  if (!keys) {
    void vscode.window.showErrorMessage(`Cannot tell where "${task.name}" is published (the language server did not say). Run the command on a queue to publish straight into it.`);
    return;
  }
  const { exchange, routingKey, exchangeType, priority, deliveredTo } = keys;
  const argsText = await vscode.window.showInputBox({
    title: `Arguments for ${task.name}`,
    prompt: 'JSON: positional args as a list, or {"args": [...], "kwargs": {...}}. Empty: no arguments.',
    value: '[]',
    ignoreFocusOut: true,
    validateInput: (v) => {
      const p = parseArgsInput(v);
      return 'error' in p ? p.error : undefined;
    },
  });
  if (argsText === undefined) return;
  const parsed = parseArgsInput(argsText);
  if ('error' in parsed) return;
  const where = `${exchange === '' ? 'the default exchange' : `exchange "${exchange}"`} with routing key "${routingKey}"`;
  const dest = deliveredTo ? (deliveredTo.length ? deliveredTo.join(', ') : 'no queue (dropped)') : routingKey;
  const ok = await vscode.window.showWarningMessage(
    `Publish a test message for "${task.name}"?`,
    {
      modal: true,
      detail: `${c.def.redacted}\n\nTo ${where}${priority !== undefined ? `, priority ${priority}` : ''} → ${dest}.\nArguments: ${argsText.trim() || '[]'}\n\nA worker consuming it will run the task for real.`,
    },
    'Publish',
  );
  if (ok !== 'Publish') return;
  const res = await publishTask(await urlFor(ctx, c), { task: task.name, args: parsed.args, kwargs: parsed.kwargs, exchange, routingKey, exchangeType, priority }, opOptions(ctx, c));
  ctx.output.info(`[publish] ${task.name} on ${c.def.redacted}: ${res.message}`);
  if (res.routed) void vscode.window.showInformationMessage(publishSummary(res));
  else void vscode.window.showWarningMessage(publishSummary(res));
  await ctx.explorer.refresh(c.def.id);
}

interface Keys { exchange: string; routingKey: string; exchangeType?: string; priority?: number; deliveredTo?: string[] }

/**
 * Where to publish: the engine's answer when the server gives it; else the landing queue's own exchange and
 * key from the topology (right for the common case of routing by queue name); else the queue the command
 * was run on, through the default exchange.
 */
function publishKeys(ctx: Ctx, p: TracePublish | null, row: TaskRow | undefined, queueHint: string | undefined): Keys | undefined {
  if (p) {
    return { exchange: p.exchange, routingKey: p.routingKey ?? p.queue ?? '', exchangeType: p.exchangeType, priority: p.priority ?? undefined, deliveredTo: p.deliveredTo };
  }
  const qname = row?.queue ?? row?.deliveredTo[0];
  const q = qname ? ctx.explorer.getTopology()?.queues.find((x) => x.name === qname || x.alias === qname) : undefined;
  if (q && q.exchange) {
    return { exchange: q.exchange.name, exchangeType: q.exchange.type, routingKey: q.routingKey ?? q.name, deliveredTo: row?.deliveredTo };
  }
  if (qname) return { exchange: '', exchangeType: 'direct', routingKey: qname, deliveredTo: [qname] };
  if (queueHint) return { exchange: '', exchangeType: 'direct', routingKey: queueHint, deliveredTo: [queueHint] };
  return undefined;
}

async function declareMissing(ctx: Ctx, arg?: Arg): Promise<void> {
  const c = await pickConnection(ctx, arg, 'Declare the missing topology on');
  ensure(ctx, 'declare', c);
  await ensureConnected(ctx, c);
  const t = ctx.explorer.getTopology() ?? (await ctx.fetchTopology());
  if (!t?.app) {
    void vscode.window.showWarningMessage('No Celery configuration found in the workspace: nothing to declare.');
    return;
  }
  await ctx.explorer.refresh(c.def.id);
  const fresh = ctx.explorer.get(c.def.id) ?? c;
  const drift = currentDrift(fresh);
  const plan = missingPlan(planFromTopology({ queues: t.queues, exchanges: t.exchanges }), drift);
  if (planIsEmpty(plan)) {
    void vscode.window.showInformationMessage(`Nothing is missing on ${c.def.redacted}: the configuration's queues, exchanges and bindings are all there.`);
    return;
  }
  const docName = `declare plan ${c.def.label}.md`;
  await ctx.docs.show(docName, planMarkdown(plan, c.def.redacted), true);
  const lines = planLines(plan);
  const ok = await vscode.window.showWarningMessage(
    `Declare ${planSummary(plan)} on ${c.def.label}?`,
    { modal: true, detail: `${c.def.redacted}\n\n${lines.slice(0, 25).join('\n')}${lines.length > 25 ? `\n… and ${lines.length - 25} more (see the plan document)` : ''}` },
    'Declare',
  );
  if (ok !== 'Declare') return;
  const res = await declarePlan(await urlFor(ctx, c), plan, opOptions(ctx, c));
  const out = declareResultLines(res);
  ctx.output.info(`[declare] on ${c.def.redacted}:\n${out.join('\n')}`);
  ctx.docs.set(ctx.docs.uri(docName), `${planMarkdown(plan, c.def.redacted)}\n## Result\n\n\`\`\`text\n${out.join('\n')}\n\`\`\`\n`);
  if (res.ok) void vscode.window.showInformationMessage(`Declared ${planSummary(plan)} on ${c.def.label}.`);
  else void vscode.window.showErrorMessage(`Some declarations failed on ${c.def.label}; see the plan document.`);
  await ctx.explorer.refresh(c.def.id);
}

async function copyName(ctx: Ctx, arg?: Arg): Promise<void> {
  if (!isNode(arg)) return;
  const text = arg.kind === 'connection' ? ctx.explorer.get(arg.connectionId)?.def.redacted ?? arg.label : arg.name ?? arg.label;
  await vscode.env.clipboard.writeText(text);
  vscode.window.setStatusBarMessage(`Copied "${text}"`, 2000);
}

async function revealDeclaration(ctx: Ctx, arg?: Arg | string): Promise<void> {
  const t = ctx.explorer.getTopology() ?? (await ctx.fetchTopology());
  if (!t) {
    void vscode.window.showWarningMessage('The configuration is not available (is the language server running?).');
    return;
  }
  let queue = isNode(arg) ? arg.queue : typeof arg === 'string' ? arg : undefined;
  const exchange = isNode(arg) && !arg.queue ? arg.exchange : undefined;
  if (exchange !== undefined) {
    const x = t.exchanges.find((e) => e.name === exchange);
    const q = t.queues.find((q) => q.exchange?.name === exchange && q.location);
    const loc = x?.location ?? q?.location;
    if (loc) return openLocation(loc);
    void vscode.window.showInformationMessage(`Exchange "${exchange}" is not declared in the workspace configuration.`);
    return;
  }
  if (!queue) {
    const pick = await vscode.window.showQuickPick(t.queues.map((q) => ({ label: q.name, description: q.location ? vscode.workspace.asRelativePath(vscode.Uri.parse(q.location.uri)) : 'implicit' })), { placeHolder: 'Queue' });
    if (!pick) return;
    queue = pick.label;
  }
  const q = t.queues.find((x) => x.name === queue || x.alias === queue);
  if (q?.location) return openLocation(q.location);
  void vscode.window.showInformationMessage(
    q ? `Queue "${queue}" is not written in task_queues: Celery creates it implicitly (default queue or task_create_missing_queues).` : `Queue "${queue}" is not in the workspace configuration.`,
  );
}

async function tapExchange(ctx: Ctx, arg?: Arg): Promise<void> {
  const c = await pickConnection(ctx, arg, 'Tap an exchange on');
  if (c.def.kind !== 'rabbitmq') {
    void vscode.window.showWarningMessage('Tapping is only available on RabbitMQ: on Redis, reading a list would take the messages from the workers.');
    return;
  }
  ensure(ctx, 'tap', c);
  await ensureConnected(ctx, c);
  const snap = c.session.snapshot;
  const vh = snap ? findVhost(snap, isNode(arg) ? arg.vhost : undefined) : undefined;
  let exchange = isNode(arg) && arg.kind === 'exchange' ? arg.exchange : undefined;
  if (exchange === undefined) {
    const names = (vh?.exchanges ?? []).filter((x) => x.name && !x.name.startsWith('amq.')).map((x) => ({ label: x.name, description: x.type ?? '' }));
    const pick = await vscode.window.showQuickPick(names, { placeHolder: 'Exchange to tap' });
    if (!pick) return;
    exchange = pick.label;
  }
  const x = vh?.exchanges.find((e) => e.name === exchange);
  const keys = new Set<string>(x?.bindings.map((b) => b.routingKey) ?? []);
  for (const q of ctx.explorer.getTopology()?.queues ?? []) {
    for (const b of q.bindings) if (b.exchange === exchange && b.routingKey !== null) keys.add(b.routingKey);
    if (q.exchange?.name === exchange && q.routingKey !== null) keys.add(q.routingKey);
  }
  await ctx.taps.start(c.def.id, c.def.redacted, await urlFor(ctx, c, vh?.name), {
    exchange: exchange!,
    exchangeType: x?.type ?? undefined,
    bindingKeys: [...keys],
    ...opOptions(ctx, c),
  });
}

async function stopTap(ctx: Ctx, arg?: Arg): Promise<void> {
  const taps = ctx.taps.list();
  if (!taps.length) {
    void vscode.window.showInformationMessage('No tap is running.');
    return;
  }
  if (isNode(arg) && arg.exchange !== undefined) {
    const t = taps.find((t) => t.connectionId === arg.connectionId && t.exchange === arg.exchange);
    if (t) return ctx.taps.stop(t.key);
  }
  if (taps.length === 1) return ctx.taps.stop(taps[0].key);
  const pick = await vscode.window.showQuickPick([{ label: 'All taps', key: '*' }, ...taps.map((t) => ({ label: t.label, description: `${t.count} message(s)`, key: t.key }))], { placeHolder: 'Stop which tap?' });
  if (!pick) return;
  if (pick.key === '*') await ctx.taps.stopAll();
  else await ctx.taps.stop(pick.key);
}

async function showDrift(ctx: Ctx, arg?: Arg): Promise<void> {
  const c = await pickConnection(ctx, arg, 'Drift report of');
  await ensureConnected(ctx, c);
  const fresh = ctx.explorer.get(c.def.id) ?? c;
  const snap = fresh.session.snapshot;
  if (!fresh.drift || !snap) {
    void vscode.window.showWarningMessage('No drift report: the workspace configuration is not available yet.');
    return;
  }
  await ctx.docs.show(`drift ${c.def.label}.txt`, formatDriftText(fresh.drift, snap), true);
}

// ------------------------------------------------------------------------------------------- table

export const COMMANDS: Record<string, Handler> = {
  'celeryRouting.showTrace': showTrace,
  'celeryRouting.whereDoesTaskGo': whereDoesTaskGo,
  'celeryRouting.restartServer': (ctx) => ctx.restart(),
  'celeryRouting.showOutput': (ctx) => ctx.output.show(true),
  'celeryRouting.addConnection': addConnection,
  'celeryRouting.removeConnection': removeConnection,
  'celeryRouting.setPassword': setPassword,
  'celeryRouting.connect': connect,
  'celeryRouting.disconnect': disconnect,
  'celeryRouting.refresh': refresh,
  'celeryRouting.refreshAll': (ctx) => refresh(ctx),
  'celeryRouting.markReadOnly': markReadOnly,
  'celeryRouting.allowChanges': allowChanges,
  'celeryRouting.peekMessages': peek,
  'celeryRouting.publishTestMessage': publish,
  'celeryRouting.purgeQueue': purge,
  'celeryRouting.moveMessagesBack': moveMessagesBack,
  'celeryRouting.declareMissing': declareMissing,
  'celeryRouting.copyName': copyName,
  'celeryRouting.revealDeclaration': revealDeclaration,
  'celeryRouting.tapExchange': tapExchange,
  'celeryRouting.stopTap': stopTap,
  'celeryRouting.showDrift': showDrift,
  'celeryRouting.showRoutingMap': (ctx) => { RoutingMap.show(ctx); },
};

export function registerCommands(ctx: Ctx): vscode.Disposable[] {
  return Object.entries(COMMANDS).map(([id, handler]) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        return await handler(ctx, ...args);
      } catch (e) {
        if (e instanceof Cancelled) return undefined;
        const msg = e instanceof Error ? e.message : String(e);
        ctx.output.error(`${id}: ${msg}`);
        void vscode.window.showErrorMessage(msg);
        return undefined;
      }
    }),
  );
}
