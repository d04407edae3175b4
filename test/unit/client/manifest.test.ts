// The manifest (package.json contributes) agrees with the command table and gates mutating actions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const commandsSrc = readFileSync(join(root, 'client/src/commands.ts'), 'utf8');
const tableIds = [...commandsSrc.slice(commandsSrc.indexOf('export const COMMANDS')).matchAll(/'(celeryRouting\.[A-Za-z]+)'/g)].map((m) => m[1]);
const contributed: Array<{ command: string; title: string; category: string }> = pkg.contributes.commands;
const MUTATING = ['celeryRouting.purgeQueue', 'celeryRouting.publishTestMessage', 'celeryRouting.declareMissing'];

test('every contributed command has a handler in the table, and vice versa; category Celery', () => {
  assert.deepEqual([...contributed.map((c) => c.command)].sort(), [...new Set(tableIds)].sort());
  for (const c of contributed) assert.equal(c.category, 'Celery', c.command);
  const ids = new Set(contributed.map((c) => c.command));
  for (const required of ['celeryRouting.showTrace', 'celeryRouting.whereDoesTaskGo', 'celeryRouting.restartServer', 'celeryRouting.addConnection',
    'celeryRouting.connect', 'celeryRouting.disconnect', 'celeryRouting.refresh', 'celeryRouting.peekMessages', 'celeryRouting.publishTestMessage',
    'celeryRouting.purgeQueue', 'celeryRouting.declareMissing', 'celeryRouting.copyName', 'celeryRouting.revealDeclaration', 'celeryRouting.tapExchange',
    'celeryRouting.stopTap']) assert.ok(ids.has(required), required);
});

test('menus only name contributed commands; mutating ones need a writable connection', () => {
  const ids = new Set(contributed.map((c) => c.command));
  for (const [where, items] of Object.entries(pkg.contributes.menus as Record<string, Array<{ command: string; when?: string }>>)) {
    for (const m of items) {
      assert.ok(ids.has(m.command), `${where}: ${m.command}`);
      if (MUTATING.includes(m.command) && where !== 'commandPalette') assert.match(m.when ?? '', /writable|anyWritable/, `${where}: ${m.command}`);
      if (MUTATING.includes(m.command) && where === 'commandPalette') assert.match(m.when ?? '', /celeryRouting\.explorer\.anyWritable/);
    }
  }
  assert.ok(pkg.contributes.menus.commandPalette.some((m: { command: string }) => m.command === 'celeryRouting.purgeQueue'));
});

test('settings: scopes set, no password field, brokers URL pattern rejects passwords', () => {
  const props = pkg.contributes.configuration.properties as Record<string, { scope?: string; items?: { properties: Record<string, { pattern?: string }> } }>;
  for (const k of ['celeryRouting.brokers', 'celeryRouting.workerGlobs', 'celeryRouting.diagnostics.severity', 'celeryRouting.transport',
    'celeryRouting.codeLens.enable', 'celeryRouting.explorer.refreshInterval', 'celeryRouting.maxFileSize']) {
    assert.ok(props[k], k);
    assert.ok(props[k].scope, `${k} has a scope`);
  }
  const item = props['celeryRouting.brokers'].items!.properties;
  assert.ok(!('password' in item));
  const re = new RegExp(item.url.pattern!);
  assert.equal(re.test('amqp://user:pw@host//'), false);
  assert.equal(re.test('amqp://user@host//'), true);
  assert.equal(re.test('redis://localhost:6379/0'), true);
});

test('activation, capabilities, views, walkthrough, icon', () => {
  for (const e of ['workspaceContains:**/celeryconfig.py', 'workspaceContains:**/celery.py', 'onLanguage:python', 'onView:celeryRouting.explorer']) {
    assert.ok(pkg.activationEvents.includes(e), e);
  }
  assert.equal(pkg.capabilities.untrustedWorkspaces.supported, true);
  assert.equal(pkg.capabilities.virtualWorkspaces.supported, false);
  assert.ok(pkg.capabilities.virtualWorkspaces.description);
  assert.equal(pkg.contributes.viewsContainers.activitybar[0].title, 'Celery');
  assert.equal(pkg.contributes.views.celeryRouting[0].id, 'celeryRouting.explorer');
  assert.ok(pkg.contributes.viewsWelcome.length);
  assert.ok(pkg.contributes.walkthroughs[0].steps.length >= 3);
  assert.equal(pkg.main, './dist/client.js');
  for (const f of [pkg.icon, pkg.contributes.viewsContainers.activitybar[0].icon, ...pkg.contributes.walkthroughs[0].steps.map((s: { media: { markdown: string } }) => s.media.markdown)]) {
    assert.ok(readFileSync(join(root, f)).length > 0, f);
  }
});
