// Protocol tests: the bundled server over stdio, a real LSP client, the fixture project (test/lsp/fixture).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  HoverRequest, CompletionRequest, CodeLensRequest, DefinitionRequest, ReferencesRequest, RenameRequest, PrepareRenameRequest,
  DocumentSymbolRequest, WorkspaceSymbolRequest, CodeActionRequest, DidChangeTextDocumentNotification, CodeLensResolveRequest, CompletionResolveRequest, type CodeLens,
  type CompletionItem, type Location, type CodeAction, type DocumentSymbol, type SymbolInformation, type WorkspaceEdit, type Diagnostic,
} from 'vscode-languageserver-protocol/node';
import { startSession, posOf, uriOf, FIXTURE, type Session } from './harness';
import { ROUTE_TRACE_REQUEST, TASKS_REQUEST, TOPOLOGY_REQUEST, SHOW_TRACE_COMMAND, type TraceResult, type TasksResult, type TopologyResult } from '../../shared/protocol';

const SETTINGS = join(FIXTURE, 'mediahub', 'settings.py');
const TASKS = join(FIXTURE, 'mediahub', 'tasks.py');
const COMPOSE = join(FIXTURE, 'docker-compose.yml');
const settingsText = readFileSync(SETTINGS, 'utf8');
const tasksText = readFileSync(TASKS, 'utf8');
const composeText = readFileSync(COMPOSE, 'utf8');
const resolveLenses = (ls: CodeLens[]) => Promise.all(ls.map((l) => s.conn.sendRequest(CodeLensResolveRequest.type, l)));
const msg = (d: Diagnostic) => (typeof d.message === 'string' ? d.message : d.message.value);
const doc = (file: string) => ({ textDocument: { uri: uriOf(file) } });

let s: Session;
before(async () => {
  s = await startSession([FIXTURE]);
  await s.open(SETTINGS);
  await s.open(TASKS);
  await s.open(COMPOSE);
  await s.waitFor('textDocument/publishDiagnostics', (p) => p.uri === uriOf(TASKS) && p.diagnostics.length > 0);
});
after(async () => { await s?.stop(); });

test('initialize announces the features', () => {
  const c = s.init.capabilities;
  assert.ok(c.hoverProvider && c.definitionProvider && c.referencesProvider && c.codeLensProvider && c.documentSymbolProvider && c.workspaceSymbolProvider);
  assert.deepEqual(c.renameProvider, { prepareProvider: true });
  assert.ok((c.completionProvider?.triggerCharacters ?? []).includes("'"));
});

test('work-done progress is reported during the scan', async () => {
  const begin = await s.waitFor('$/progress', (p) => p.value?.kind === 'begin');
  assert.match(begin.value.title, /indexing/);
  await s.waitFor('$/progress', (p) => p.value?.kind === 'end');
});

test('publishDiagnostics: dropped message, unreachable queue, typo route, unknown send_task name', () => {
  const t = s.diagnostics.get(uriOf(TASKS)) ?? [];
  const byCode = (code: string, ds: Diagnostic[]) => ds.filter((d) => d.code === code);
  const dropped = byCode('message-dropped', t);
  assert.equal(dropped.length, 1);
  assert.equal(dropped[0].range.start.line, posOf(tasksText, 'def transcode').line + 0);
  assert.match(msg(dropped[0]), /media\.vid\.transcode/);
  assert.equal(dropped[0].source, 'celery-routing');
  const unreachable = byCode('unreachable-queue', t);
  assert.equal(unreachable.length, 1);
  assert.match(msg(unreachable[0]), /'archive'/);
  assert.ok(unreachable[0].relatedInformation?.some((r) => r.location.uri === uriOf(COMPOSE)), 'related: the workers');
  assert.equal(byCode('unknown-task-name', t).length, 1);
  const st = s.diagnostics.get(uriOf(SETTINGS)) ?? [];
  const typo = byCode('route-matches-no-task', st);
  assert.equal(typo.length, 1);
  assert.match(msg(typo[0]), /mediahub\.tasks\.report/);
  assert.equal(byCode('unused-queue', st).length, 1);
  assert.equal(byCode('regex-unanchored', st).length, 1);
});

test('hover: queue, exchange type, binding pattern, setting, task trace, worker -Q entry', async () => {
  const h = async (file: string, text: string, needle: string, d = 2) => {
    const r = await s.conn.sendRequest(HoverRequest.type, { ...doc(file), position: posOf(text, needle, d) });
    return r ? (r.contents as { value: string }).value : '';
  };
  const q = await h(SETTINGS, settingsText, "'images', media");
  assert.match(q, /queue `images`/);
  assert.match(q, /consumed by: worker \*\*media\*\*/);
  assert.match(q, /exchange: `media` \(topic\)/);
  assert.match(await h(SETTINGS, settingsText, "type='topic'", 7), /topic exchange[\s\S]*Redis/);
  assert.match(await h(SETTINGS, settingsText, "'media.image.*'", 3), /binds queue `images`[\s\S]*media\.image\.resize/);
  const setting = await h(SETTINGS, settingsText, 'task_default_queue', 3);
  assert.match(setting, /CELERY_TASK_DEFAULT_QUEUE/);
  assert.match(setting, /CELERY_DEFAULT_QUEUE/);
  assert.match(setting, /default `'celery'`/);
  assert.match(await h(TASKS, tasksText, 'def resize', 6), /RabbitMQ +delivered to images/);
  assert.match(await h(COMPOSE, composeText, 'images,default', 1), /queue `images`/);
});

test('completion: queue names, exchange types, setting names in the file style, -Q lists, kombu kwargs', async () => {
  const labels = async (file: string, _text: string, pos: { line: number; character: number }) => {
    const r = await s.conn.sendRequest(CompletionRequest.type, { ...doc(file), position: pos });
    const items = (Array.isArray(r) ? r : r?.items ?? []) as CompletionItem[];
    return items;
  };
  const queues = await labels(SETTINGS, settingsText, posOf(settingsText, "{'queue': 'images'", 12));
  assert.deepEqual(queues.map((i) => i.label).sort(), ['archive', 'default', 'feeds', 'images', 'reports', 'videos']);
  assert.match((queues.find((i) => i.label === 'feeds')!.documentation as { value: string }).value, /consumed by: worker \*\*feeds\*\*/);
  const types = await labels(SETTINGS, settingsText, posOf(settingsText, "type='topic'", 7));
  assert.deepEqual(types.map((i) => i.label), ['direct', 'topic', 'fanout', 'headers']);
  const lines = settingsText.split('\n');
  const settingItems = await labels(SETTINGS, settingsText, { line: lines.length - 1, character: 0 });
  assert.ok(settingItems.some((i) => i.label === 'task_create_missing_queues'), 'new lowercase names in a lowercase config');
  assert.ok(!settingItems.some((i) => i.label.startsWith('CELERY_')));
  // a long list: documentation comes with completionItem/resolve
  const item = settingItems.find((i) => i.label === 'task_create_missing_queues')!;
  assert.equal(item.documentation, undefined);
  const resolved = await s.conn.sendRequest(CompletionResolveRequest.type, item);
  assert.match((resolved.documentation as { value: string }).value, /QueueNotFound/);
  const q = await labels(COMPOSE, composeText, posOf(composeText, 'images,default', 7));
  assert.ok(q.some((i) => i.label === 'feeds') && !q.some((i) => i.label === 'images'), 'queues not yet in the -Q list');
  const kw = await labels(SETTINGS, settingsText, posOf(settingsText, "Queue('images',", 15));
  assert.ok(kw.some((i) => i.label === 'routing_key') && kw.some((i) => i.label === 'queue_arguments'));
});

test('code lens over tasks, calls and routes, with the showTrace command', async () => {
  const raw = (await s.conn.sendRequest(CodeLensRequest.type, doc(TASKS))) ?? [];
  assert.ok(raw.every((l) => !l.command && l.data), 'traces come with codeLens/resolve');
  const lenses = await resolveLenses(raw);
  const titles = lenses.map((l) => l.command!.title);
  assert.ok(titles.includes('→ images · consumed by media (docker-compose.yml)'), titles.join('\n'));
  assert.ok(titles.includes("✖ dropped: no binding for 'media.vid.transcode' on exchange 'media'"));
  assert.ok(titles.includes("⚠ archive: no known worker consumes 'archive'"));
  const first = lenses.find((l) => l.command!.title.startsWith('→ images'))!;
  assert.equal(first.command!.command, SHOW_TRACE_COMMAND);
  const arg = first.command!.arguments![0] as TraceResult;
  assert.equal(arg.task, 'mediahub.tasks.resize');
  assert.ok(arg.lines.some((l) => /queue +images/.test(l)));
  const routeLenses = await resolveLenses((await s.conn.sendRequest(CodeLensRequest.type, doc(SETTINGS))) ?? []);
  assert.ok(routeLenses.some((l) => l.command!.title === '⚠ catches no task defined in the workspace'));
  assert.equal(routeLenses.length, 5);
});

test('definition: queue → declaration, task name → function, worker -Q entry → declaration', async () => {
  const def = async (file: string, text: string, needle: string, d: number) => (await s.conn.sendRequest(DefinitionRequest.type, { ...doc(file), position: posOf(text, needle, d) })) as Location[];
  const q = await def(SETTINGS, settingsText, "{'queue': 'images'", 12);
  assert.equal(q.length, 1);
  assert.equal(q[0].uri, uriOf(SETTINGS));
  assert.deepEqual(q[0].range.start, posOf(settingsText, "Queue('images'", 7));
  const t = await def(SETTINGS, settingsText, "'mediahub.tasks.resize'", 3);
  assert.equal(t[0].uri, uriOf(TASKS));
  assert.deepEqual(t[0].range.start, posOf(tasksText, 'def resize', 4));
  const w = await def(COMPOSE, composeText, 'feeds,reports', 1);
  assert.deepEqual(w[0].range.start, posOf(settingsText, "Queue('feeds'", 7));
});

test('references of a queue: declaration, route, worker -Q', async () => {
  const refs = (await s.conn.sendRequest(ReferencesRequest.type, { ...doc(SETTINGS), position: posOf(settingsText, "Queue('feeds'", 8), context: { includeDeclaration: true } })) ?? [];
  const where = refs.map((r) => `${r.uri.endsWith('settings.py') ? 'settings' : r.uri.endsWith('compose.yml') ? 'compose' : r.uri}:${r.range.start.line}`).sort();
  assert.deepEqual(where, [`compose:${posOf(composeText, 'feeds,reports').line}`, `settings:${posOf(settingsText, "Queue('feeds'").line}`, `settings:${posOf(settingsText, "'mediahub.tasks.fetch_*'").line}`].sort());
  const noDecl = (await s.conn.sendRequest(ReferencesRequest.type, { ...doc(SETTINGS), position: posOf(settingsText, "Queue('feeds'", 8), context: { includeDeclaration: false } })) ?? [];
  assert.equal(noDecl.length, 2);
});

test('rename a queue across Python and the compose file', async () => {
  const pos = posOf(settingsText, "Queue('reports'", 8);
  const prep = await s.conn.sendRequest(PrepareRenameRequest.type, { ...doc(SETTINGS), position: pos });
  assert.equal((prep as { placeholder: string }).placeholder, 'reports');
  const edit = (await s.conn.sendRequest(RenameRequest.type, { ...doc(SETTINGS), position: pos, newName: 'daily' })) as WorkspaceEdit;
  const s1 = edit.changes![uriOf(SETTINGS)];
  const c1 = edit.changes![uriOf(COMPOSE)];
  assert.equal(s1.length, 3, 'declaration + 2 routes');
  assert.ok(s1.every((e) => e.newText === 'daily'));
  assert.equal(c1.length, 1);
  assert.equal(composeText.split('\n')[c1[0].range.start.line].slice(c1[0].range.start.character, c1[0].range.end.character), 'reports');
  await assert.rejects(s.conn.sendRequest(RenameRequest.type, { ...doc(SETTINGS), position: pos, newName: 'bad name' }));
});

test('document and workspace symbols', async () => {
  const syms = (await s.conn.sendRequest(DocumentSymbolRequest.type, doc(SETTINGS))) as DocumentSymbol[];
  const names = syms.map((x) => x.name);
  for (const n of ['images', 'videos', 'media', 'mediahub.tasks.fetch_*']) assert.ok(names.includes(n), n);
  const ws = (await s.conn.sendRequest(WorkspaceSymbolRequest.type, { query: 'transcode' })) as SymbolInformation[];
  assert.ok(ws.some((x) => x.name === 'mediahub.tasks.transcode' && x.location.uri === uriOf(TASKS)));
  assert.ok(ws.some((x) => x.name === 'mediahub.tasks.transcode' && x.location.uri === uriOf(SETTINGS)), 'the route too');
});

test('code actions: typo fix, regex anchor, declare queue, add to -Q', async () => {
  const actions = async (file: string, line: number) => (await s.conn.sendRequest(CodeActionRequest.type, { ...doc(file), range: { start: { line, character: 0 }, end: { line, character: 200 } }, context: { diagnostics: s.diagnostics.get(uriOf(file)) ?? [] } })) as CodeAction[];
  const typo = await actions(SETTINGS, posOf(settingsText, "'mediahub.tasks.reprot'").line);
  const fix = typo.find((a) => a.title === "Change to 'mediahub.tasks.report'")!;
  assert.ok(fix?.isPreferred);
  assert.equal(fix.edit!.changes![uriOf(SETTINGS)][0].newText, 'mediahub.tasks.report');
  const anchor = (await actions(SETTINGS, posOf(settingsText, 're.compile').line)).find((a) => /Anchor/.test(a.title))!;
  const e = anchor.edit!.changes![uriOf(SETTINGS)][0];
  assert.equal(e.newText, '$');
  assert.deepEqual(e.range.start, posOf(settingsText, "rep'):", 3));
  const cleanup = await actions(TASKS, posOf(tasksText, 'def cleanup').line);
  const declare = cleanup.find((a) => a.title === "Declare queue 'archive' in task_queues")!;
  assert.match(declare.edit!.changes![uriOf(SETTINGS)][0].newText, /Queue\('archive', Exchange\('archive'\), routing_key='archive'\),/);
  const addQ = cleanup.find((a) => a.title === "Add 'archive' to worker media's -Q")!;
  const qe = addQ.edit!.changes![uriOf(COMPOSE)][0];
  assert.equal(qe.newText, ',archive');
  assert.deepEqual(qe.range.start, posOf(composeText, 'images,default', 14));
});

test('custom requests: celery/routeTrace, celery/tasks, celery/topology', async () => {
  const tr = (await s.conn.sendRequest(ROUTE_TRACE_REQUEST, { uri: uriOf(TASKS), position: posOf(tasksText, 'def fetch_feed', 5) })) as TraceResult;
  assert.equal(tr.task, 'mediahub.tasks.fetch_feed');
  assert.deepEqual(tr.publish, { queue: 'feeds', exchange: '', exchangeType: 'direct', routingKey: 'feeds', priority: null, deliveredTo: ['feeds'] });
  assert.match(tr.summary, /→ feeds/);
  const byName = (await s.conn.sendRequest(ROUTE_TRACE_REQUEST, { task: 'mediahub.tasks.fetch_feed', options: { queue: 'reports' } })) as TraceResult;
  assert.ok(byName.lines.some((l) => /RabbitMQ +delivered to reports/.test(l)), byName.lines.join('\n'));
  // apply_async(queue=...) keeps the route's routing key (lpmerge): a topic queue then lands by that key
  const merged = (await s.conn.sendRequest(ROUTE_TRACE_REQUEST, { task: 'mediahub.tasks.resize', options: { queue: 'videos' } })) as TraceResult;
  assert.ok(merged.lines.some((l) => /RabbitMQ +delivered to images/.test(l)), merged.lines.join('\n'));
  const tasks = (await s.conn.sendRequest(TASKS_REQUEST, {})) as TasksResult;
  assert.equal(tasks.length, 5);
  assert.equal(tasks.find((t) => t.name === 'mediahub.tasks.transcode')!.problem, 'dropped');
  assert.equal(tasks.find((t) => t.name === 'mediahub.tasks.cleanup')!.problem, 'unreachable');
  const topo = (await s.conn.sendRequest(TOPOLOGY_REQUEST, {})) as TopologyResult;
  assert.equal(topo.app, 'mediahub.celery:app');
  assert.deepEqual(topo.queues.map((q) => q.name), ['default', 'images', 'videos', 'feeds', 'reports']);
  assert.deepEqual(topo.queues.find((q) => q.name === 'images')!.consumedBy, ['media']);
  assert.equal(topo.brokerUrls[0].redacted, 'amqp://guest:***@localhost:5672//');
  assert.match(topo.mermaid, /^flowchart LR/);
});

// Last: it changes the open settings buffer.
test('editing settings.py updates diagnostics and code lenses of tasks.py (debounced)', async () => {
  const fixed = settingsText.replace("'media.vid.transcode'", "'media.video.transcode'");
  const start = s.notifications.length;
  s.conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri: uriOf(SETTINGS), version: 2 }, contentChanges: [{ text: fixed }] });
  await s.waitFor('textDocument/publishDiagnostics', (p) => p.uri === uriOf(TASKS) && !p.diagnostics.some((d: Diagnostic) => d.code === 'message-dropped'));
  for (let i = 0; i < 100 && !s.notifications.slice(start).some((n) => n.method === 'workspace/codeLens/refresh'); i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(s.notifications.slice(start).some((n) => n.method === 'workspace/codeLens/refresh'), 'code lens refresh requested');
  const lenses = await resolveLenses((await s.conn.sendRequest(CodeLensRequest.type, doc(TASKS))) ?? []);
  const transcode = lenses.find((l) => l.range.start.line === posOf(tasksText, 'def transcode').line)!;
  assert.equal(transcode.command!.title, "⚠ videos: no known worker consumes 'videos'");
});
