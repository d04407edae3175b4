// A client that takes one edit range per completion list (LSP 3.17 itemDefaults.editRange, as VS Code does) gets
// long lists without a range on every item; the same labels, ranges and resolve as a client without it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CompletionRequest, CompletionResolveRequest, type CompletionItem, type CompletionList } from 'vscode-languageserver-protocol/node';
import { startSession, uriOf, FIXTURE, type Session } from './harness';

const SETTINGS = join(FIXTURE, 'mediahub', 'settings.py');
const lines = readFileSync(SETTINGS, 'utf8').split('\n');
const sessions: Session[] = [];
after(async () => { for (const s of sessions) await s.stop(); });

test('setting-name completion: one editRange for the list when the client supports it', async () => {
  const ask = async (capabilities?: Record<string, unknown>) => {
    const s = await startSession([FIXTURE], capabilities ? { capabilities } : {});
    sessions.push(s);
    await s.open(SETTINGS);
    return s.conn.sendRequest(CompletionRequest.type, { textDocument: { uri: uriOf(SETTINGS) }, position: { line: lines.length - 1, character: 0 } });
  };
  const plain = (await ask()) as CompletionItem[];
  const withDefaults = (await ask({ textDocument: { completion: { completionList: { itemDefaults: ['editRange'] } } } })) as CompletionList;
  assert.ok(Array.isArray(plain) && plain.length > 40);
  assert.ok(!Array.isArray(withDefaults) && withDefaults.itemDefaults?.editRange);
  // the list's range is each plain item's range; the items carry none of their own
  const first = plain[0].textEdit as { range: unknown };
  assert.deepEqual(withDefaults.itemDefaults!.editRange, first.range);
  assert.deepEqual(withDefaults.items.map((i) => i.label), plain.map((i) => i.label));
  assert.ok(withDefaults.items.every((i) => i.textEdit === undefined && i.filterText === undefined));
  assert.ok(JSON.stringify(withDefaults).length < JSON.stringify(plain).length * 0.75);
  const item = withDefaults.items.find((i) => i.label === 'task_create_missing_queues')!;
  const resolved = await sessions[1].conn.sendRequest(CompletionResolveRequest.type, item);
  assert.match((resolved.documentation as { value: string }).value, /QueueNotFound/);
});
