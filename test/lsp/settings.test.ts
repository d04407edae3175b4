// Protocol tests of the server settings (initializationOptions / workspace configuration) and of several
// workspace folders, each its own project.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { CodeLensRequest, HoverRequest } from 'vscode-languageserver-protocol/node';
import { startSession, uriOf, FIXTURE, REPO, type Session } from './harness';

const STRICT = join(REPO, 'test', 'oracle', 'fixtures', '20_create_missing_false');
const TASKS = join(FIXTURE, 'mediahub', 'tasks.py');
const STRICT_TASKS = join(STRICT, 'inventory', 'tasks.py');

let s: Session;
before(async () => {
  s = await startSession([FIXTURE, STRICT], {
    initializationOptions: { protocolVersion: 1, settings: { codeLens: { enable: false }, diagnostics: { severity: { 'message-dropped': 'error', 'unreachable-queue': 'off' } } } },
    capabilities: { workspace: { workspaceFolders: true } }, // no workspace/configuration: initializationOptions decide
  });
  await s.open(TASKS);
  await s.open(STRICT_TASKS);
  await s.waitFor('textDocument/publishDiagnostics', (p) => p.uri === uriOf(STRICT_TASKS) && p.diagnostics.length > 0);
  await s.waitFor('textDocument/publishDiagnostics', (p) => p.uri === uriOf(TASKS) && p.diagnostics.length > 0);
});
after(async () => { await s?.stop(); });

test('severity overrides: raised to error, turned off', () => {
  const ds = s.diagnostics.get(uriOf(TASKS))!;
  assert.equal(ds.find((d) => d.code === 'message-dropped')?.severity, 1);
  assert.equal(ds.filter((d) => d.code === 'unreachable-queue').length, 0);
});

test('codeLens.enable false: no lenses', async () => {
  assert.deepEqual(await s.conn.sendRequest(CodeLensRequest.type, { textDocument: { uri: uriOf(TASKS) } }), []);
});

test('two folders, two projects: each answers from its own configuration', async () => {
  const strict = s.diagnostics.get(uriOf(STRICT_TASKS))!;
  assert.ok(strict.some((d) => d.code === 'send-raises' && /QueueNotFound/.test(typeof d.message === 'string' ? d.message : d.message.value)));
  const h = await s.conn.sendRequest(HoverRequest.type, { textDocument: { uri: uriOf(STRICT_TASKS) }, position: { line: 9, character: 6 } });
  assert.match((h!.contents as { value: string }).value, /QueueNotFound/);
  const status = s.notifications.filter((n) => n.method === 'celery/status').pop()!.params as { folders: number; tasks: number };
  assert.equal(status.folders, 2);
  assert.ok(status.tasks >= 7);
});
