// The end-to-end scenarios: the packaged extension in code-server, driven in Debian's Chromium by
// playwright-core. Started by run.sh (which builds, packages, installs and starts code-server), with
// E2E_PORT, E2E_STATE (fresh state folder holding the workspace copies in ws/), E2E_VHOST, E2E_ROOT.
//
// Every scenario asserts on what the workbench shows (DOM text) and saves a screenshot to
// test/e2e/screenshots/. A failing scenario does not stop the others; the exit code says whether all passed.
import fs from 'node:fs';
import { execSync } from 'node:child_process';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = process.env.E2E_ROOT ?? path.resolve(HERE, '../..');
const STATE = process.env.E2E_STATE ?? path.join(HERE, '.state');
const PORT = Number(process.env.E2E_PORT);
const VHOST = process.env.E2E_VHOST ?? `e2e-${Date.now()}`;
const ONLY = process.env.E2E_ONLY ? new RegExp(process.env.E2E_ONLY) : null;
const SHOTS = path.join(HERE, 'screenshots');
const WS = path.join(STATE, 'ws');
const RABBIT = { amqp: `amqp://guest:guest@127.0.0.1:5672/${encodeURIComponent(VHOST)}`, api: 'http://127.0.0.1:15672/api', auth: 'Basic ' + Buffer.from('guest:guest').toString('base64') };

const { chromium } = createRequire(path.join(HERE, '.cache/playwright/package.json'))('playwright-core');
const amqp = createRequire(path.join(ROOT, 'package.json'))('amqplib');

if (!PORT) throw new Error('E2E_PORT is not set: start the scenarios with test/e2e/run.sh');
fs.mkdirSync(SHOTS, { recursive: true });

const T0 = Date.now();
const lap = (m) => console.log(`[e2e ${((Date.now() - T0) / 1000).toFixed(1).padStart(6)}s]   ${m}`);
/** Step log, with E2E_VERBOSE=1. */
const step = (m) => process.env.E2E_VERBOSE && console.log(`[e2e ${((Date.now() - T0) / 1000).toFixed(1).padStart(6)}s]     · ${m}`);

// ------------------------------------------------------------------------------------------ assertions

class AssertionError extends Error {}
const escapeRe = (t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
function assert(cond, msg) {
  if (!cond) throw new AssertionError(msg);
}
function assertIncludes(text, needle, what) {
  assert(text.includes(needle), `${what}: expected to contain ${JSON.stringify(needle)}, got ${JSON.stringify(text.slice(0, 600))}`);
}

/** Poll fn until it returns a truthy value (returned) or the time is up (throws with the last value). */
async function until(what, fn, timeout = 30000, interval = 250) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new AssertionError(`timed out after ${timeout} ms waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)?.slice(0, 600)}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

// ------------------------------------------------------------------------------------------ files

function lineOf(file, needle, from = 0) {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  for (let i = from; i < lines.length; i++) {
    const c = lines[i].indexOf(needle);
    if (c >= 0) return { line: i + 1, col: c + 1, text: lines[i] };
  }
  throw new Error(`${needle} not found in ${file}`);
}

// ------------------------------------------------------------------------------------------ workbench helpers

function workbench(page) {
  const activeEditor = () => page.locator('.editor-group-container.active .monaco-editor').first();
  const self = {
    page,
    activeEditor,

    async open(folder) {
      await page.goto(`http://127.0.0.1:${PORT}/?folder=${encodeURIComponent(folder)}`);
      await page.locator('.monaco-workbench .part.activitybar').waitFor({ timeout: 60000 });
      await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 60000 });
    },

    async escape(n = 2) {
      for (let i = 0; i < n; i++) await page.keyboard.press('Escape');
    },

    /** Run a command by its palette label (F1). */
    async command(label, { exact = true } = {}) {
      step(`command ${label}`);
      const input = page.locator('.quick-input-widget input');
      const rows = page.locator('.quick-input-list .monaco-list-row');
      // right after the window loads the palette may not list an extension's commands yet: reopen it
      for (let attempt = 1; ; attempt++) {
        await self.escape();
        await page.keyboard.press('F1');
        await input.waitFor({ state: 'visible', timeout: 10000 });
        await input.fill(`>${label}`);
        const found = await rows.filter({ hasText: label }).first().waitFor({ timeout: 5000 }).then(() => true, () => false);
        if (found) break;
        if (attempt === 4) throw new AssertionError(`palette: no entry "${label}" among ${JSON.stringify(await rows.allInnerTexts())}`);
      }
      // the entry whose label is exactly this one (fuzzy neighbours rank first sometimes)
      const exactRow = rows.filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${escapeRe(label)}$`) }) }).first();
      if (await exactRow.count()) await exactRow.click();
      else if (exact) throw new AssertionError(`palette: no entry labelled "${label}" among ${JSON.stringify(await rows.allInnerTexts())}`);
      else await page.keyboard.press('Enter');
    },

    /** Quick Open (Ctrl+P) a workspace-relative path and wait for its text. */
    async openFile(rel, expect) {
      await self.escape();
      const base = path.basename(rel);
      const dir = path.dirname(rel);
      step(`open ${rel}`);
      await page.keyboard.press('Control+P');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible', timeout: 10000 });
      await input.fill(rel);
      // the row of this very file (label = base name, description = its folder): click it, the list may still
      // be refreshing when Enter would be pressed
      let row = page.locator('.quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${escapeRe(base)}$`) }) });
      if (dir !== '.') row = row.filter({ hasText: dir.split('/').pop() });
      await row.first().waitFor({ timeout: 20000 });
      await row.first().click();
      await page.locator('.tabs-container .tab.active', { hasText: base }).waitFor({ timeout: 20000 });
      if (expect) await activeEditor().locator('.view-lines', { hasText: expect }).waitFor({ timeout: 20000 });
    },

    /** Ctrl+G line:col (1-based). */
    async gotoLine(line, col = 1) {
      step(`go to ${line}:${col}`);
      await self.escape();
      // focus the editor (a code lens may sit on the spot: no actionability wait)
      await activeEditor().locator('.view-lines').click({ position: { x: 5, y: 5 }, force: true, timeout: 2000 }).catch(() => {});
      await page.keyboard.press('Control+G');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible', timeout: 10000 });
      await input.fill(`:${line}:${col}`);
      await page.keyboard.press('Enter');
      await until(`cursor at Ln ${line}, Col ${col}`, async () => (await self.cursor()).line === line, 5000);
    },

    /** The cursor position from the status bar. */
    async cursor() {
      const t = await page.locator('[id="status.editor.selection"]').innerText({ timeout: 5000 });
      const m = /Ln (\d+), Col (\d+)/.exec(t);
      return m ? { line: Number(m[1]), col: Number(m[2]) } : { line: -1, col: -1 };
    },

    /** Text of the visible lines of the active editor. */
    async editorText() {
      return activeEditor().locator('.view-lines').innerText();
    },

    async save() {
      await page.keyboard.press('Control+S');
      await until('the editor saved', async () => !(await page.locator('.tabs-container .tab.active.dirty').count()), 10000);
    },

    async lenses() {
      return activeEditor().locator('.codelens-decoration').allInnerTexts();
    },

    /** Problems panel rows (opens/focuses the panel; the list is filtered to keep it short). */
    async problems(filter = '') {
      if (!(await page.locator('.markers-panel').isVisible().catch(() => false))) {
        await page.keyboard.press('Control+Shift+M');
        await page.locator('.markers-panel').waitFor({ state: 'visible', timeout: 10000 });
      }
      const box = page.locator('[id="workbench.parts.panel"]').getByPlaceholder(/^Filter/).first();
      if (await box.isVisible().catch(() => false)) {
        if ((await box.inputValue()) !== filter) await box.fill(filter);
      }
      await page.waitForTimeout(300);
      return page.locator('.markers-panel .monaco-list-row').allInnerTexts();
    },

    /** The content frame of the (last) webview shown in the editor area. */
    async webview() {
      const outer = page.locator('iframe.webview.ready');
      await outer.last().waitFor({ state: 'attached', timeout: 20000 });
      return page.frameLocator('iframe.webview.ready').last().frameLocator('#active-frame');
    },

    async sidebarRows() {
      return page.locator('[id="workbench.parts.sidebar"] .pane-body .monaco-list-row').allInnerTexts();
    },

    async shot(name) {
      await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
    },
  };
  return self;
}

// ------------------------------------------------------------------------------------------ RabbitMQ

async function api(method, p, body) {
  const r = await fetch(`${RABBIT.api}${p}`, {
    method, headers: { authorization: RABBIT.auth, 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined,
  });
  if (!r.ok && !(method === 'DELETE' && r.status === 404)) throw new Error(`RabbitMQ API ${method} ${p}: ${r.status} ${await r.text()}`);
}

const PEEK_MARKER = `e2e-peek-${process.pid}-${Date.now()}`;

/**
 * events-app's topology in a fresh vhost, with planted drift: sms_notifications is left out (missing on the
 * broker), legacy_events is extra (not in the config), and user_events holds 3 messages nobody consumes.
 */
async function declareBroker() {
  await api('PUT', `/vhosts/${encodeURIComponent(VHOST)}`, {});
  await api('PUT', `/permissions/${encodeURIComponent(VHOST)}/guest`, { configure: '.*', write: '.*', read: '.*' });
  const conn = await amqp.connect(RABBIT.amqp);
  try {
    const ch = await conn.createConfirmChannel();
    for (const [x, type] of [['events', 'topic'], ['notifications', 'topic'], ['default', 'direct'], ['bulk', 'direct']]) await ch.assertExchange(x, type, { durable: true });
    const queues = [
      ['default', 'default', 'default'], ['bulk', 'bulk', 'bulk'], ['user_events', 'events', 'user.*'], ['order_events', 'events', 'order.#'],
      ['all_events', 'events', '#'], ['push_notifications', 'notifications', 'notify.push.*'], ['legacy_events', 'events', 'legacy.#'],
    ];
    for (const [q, x, key] of queues) {
      await ch.assertQueue(q, { durable: true });
      await ch.bindQueue(q, x, key);
    }
    for (let i = 0; i < 3; i++) {
      const id = i === 0 ? PEEK_MARKER : `${PEEK_MARKER}-${i}`;
      ch.publish('events', 'user.signed_up', Buffer.from(JSON.stringify([[1000 + i], { plan: 'e2e' }, { callbacks: null, errbacks: null, chain: null, chord: null }])), {
        contentType: 'application/json', contentEncoding: 'utf-8', persistent: true, correlationId: id,
        headers: { lang: 'py', task: 'events.tasks.user_signed_up', id, root_id: id, parent_id: null, group: null, argsrepr: `(${1000 + i},)`, kwargsrepr: "{'plan': 'e2e'}" },
      });
    }
    await ch.waitForConfirms();
    await ch.close();
  } finally {
    await conn.close();
  }
}

async function deleteBroker() {
  await api('DELETE', `/vhosts/${encodeURIComponent(VHOST)}`).catch((e) => lap(`could not delete vhost ${VHOST}: ${e.message}`));
}

// ------------------------------------------------------------------------------------------ scenarios

const EVENTS = path.join(WS, 'events-app');
const SHOP = path.join(WS, 'django-shop');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const contributed = (id) => (pkg.contributes?.commands ?? []).find((c) => c.command === id);

/** Scenarios in order, grouped by the workspace they run in (one page load per workspace). */
const SCENARIOS = [
  {
    ws: EVENTS, name: 'hover-topic-exchange',
    async run(wb) {
      const cfg = path.join(EVENTS, 'events/celeryconfig.py');
      await wb.openFile('events/celeryconfig.py', "type='topic'");
      // the language server has indexed the project once its code lenses show
      await wb.activeEditor().locator('.codelens-decoration').first().waitFor({ timeout: 90000 });
      const at = lineOf(cfg, "type='topic'");
      const col = at.text.indexOf('topic') + 1;
      await wb.gotoLine(at.line, col);
      // hover with the mouse on the token; the keyboard's "Show Hover" if the mouse path misses it
      const line = wb.activeEditor().locator('.view-line', { hasText: "type='topic'" }).first();
      const token = line.locator('span > span', { hasText: /topic/ }).last();
      const hover = wb.page.locator('.monaco-hover-content', { hasText: /topic exchange/i });
      await token.hover();
      let how = 'mouse';
      if (!(await hover.first().waitFor({ timeout: 8000 }).then(() => true, () => false))) {
        how = 'keyboard (Ctrl+K Ctrl+I)';
        await wb.gotoLine(at.line, col);
        await wb.page.keyboard.press('Control+K');
        await wb.page.keyboard.press('Control+I');
        await hover.first().waitFor({ timeout: 15000 });
      }
      const text = await hover.first().innerText();
      assertIncludes(text.toLowerCase(), 'topic exchange', 'hover');
      assert(/\*/.test(text) && /#/.test(text), `hover should explain the * and # wildcards: ${text}`);
      await wb.shot('01-hover-topic');
      return `hover (${how}): ${text.split('\n').filter(Boolean).slice(0, 3).join(' | ').slice(0, 140)}`;
    },
  },
  {
    ws: EVENTS, name: 'completion-queue-names',
    async run(wb) {
      const cfg = path.join(EVENTS, 'events/celeryconfig.py');
      await wb.openFile('events/celeryconfig.py', 'task_routes');
      const at = lineOf(cfg, 'task_routes = {');
      await wb.gotoLine(at.line, at.text.length + 1);
      await wb.page.keyboard.press('End');
      await wb.page.keyboard.press('Enter');
      await wb.page.keyboard.type("    'events.tasks.e2e_probe': {'queue': '", { delay: 5 });
      await wb.page.keyboard.press('Control+Space');
      const widget = wb.page.locator('.editor-widget.suggest-widget');
      await widget.locator('.monaco-list-row', { hasText: 'user_events' }).first().waitFor({ timeout: 20000 });
      const labels = await widget.locator('.monaco-list-row .label-name').allInnerTexts();
      await wb.shot('02-completion-queues');
      for (const q of ['default', 'bulk', 'user_events', 'order_events', 'all_events']) assert(labels.includes(q), `completion list lacks "${q}": ${JSON.stringify(labels)}`);
      await wb.escape();
      await wb.command('File: Revert File');
      await until('celeryconfig.py reverted', async () => !(await wb.page.locator('.tabs-container .tab.active.dirty').count()), 10000);
      return `completion: ${labels.join(', ')}`;
    },
  },
  {
    ws: EVENTS, name: 'project-file-schema-completion',
    async run(wb) {
      // celery-routing.json gets completion from the bundled JSON Schema (package.json jsonValidation)
      const file = path.join(EVENTS, 'celery-routing.json');
      fs.writeFileSync(file, '{\n  \n}\n');
      try {
        // opened from the explorer, which shows files created while the window is open
        const item = wb.page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'celery-routing.json' }).first();
        await item.waitFor({ timeout: 30000 });
        await item.dblclick();
        await wb.page.locator('.tabs-container .tab.active', { hasText: 'celery-routing.json' }).first().waitFor({ timeout: 15000 });
        await wb.gotoLine(2, 3);
        await wb.page.keyboard.type('"', { delay: 5 });
        await wb.page.keyboard.press('Control+Space');
        const widget = wb.page.locator('.editor-widget.suggest-widget');
        await widget.locator('.monaco-list-row', { hasText: 'taskDecorators' }).first().waitFor({ timeout: 30000 });
        const labels = await widget.locator('.monaco-list-row .label-name').allInnerTexts();
        await wb.shot('15-project-file-completion');
        for (const k of ['env', 'externalApp', 'profiles', 'taskDecorators']) assert(labels.some((l) => l.includes(k)), `schema completion lacks "${k}": ${JSON.stringify(labels)}`);
        // the list shows 12 rows at a time: the last key alphabetically, found by typing its start
        await wb.page.keyboard.type('wor', { delay: 5 });
        await widget.locator('.monaco-list-row', { hasText: 'workers' }).first().waitFor({ timeout: 15000 });
        await wb.escape();
        await wb.command('File: Revert File');
        return `schema completion: ${labels.slice(0, 8).join(', ')}`;
      } finally {
        fs.rmSync(file, { force: true });
      }
    },
  },
  {
    ws: EVENTS, name: 'go-to-definition-queue',
    async run(wb) {
      const cfg = path.join(EVENTS, 'events/celeryconfig.py');
      await wb.openFile('events/celeryconfig.py', 'task_routes');
      const routes = lineOf(cfg, 'task_routes = {');
      const use = lineOf(cfg, "{'queue': 'user_events'}", routes.line);
      const decl = lineOf(cfg, "Queue('user_events'");
      await wb.gotoLine(use.line, use.text.indexOf("'user_events'") + 3);
      await wb.page.keyboard.press('F12');
      const c = await until(`the cursor on the declaration (line ${decl.line})`, async () => {
        const p = await wb.cursor();
        return p.line === decl.line ? p : false;
      }, 15000);
      await wb.shot('03-definition-queue');
      return `F12 on line ${use.line} → Ln ${c.line}, Col ${c.col} (Queue('user_events', …))`;
    },
  },
  {
    ws: EVENTS, name: 'broker-explorer-drift-and-peek',
    async run(wb) {
      const { page } = wb;
      await wb.escape();
      await page.locator('.part.activitybar [aria-label^="Celery"]').first().click();
      const rows = page.locator('[id="workbench.parts.sidebar"] .pane-body .monaco-list-row');
      const conn = rows.filter({ hasText: 'e2e broker' });
      await conn.first().waitFor({ timeout: 30000 });
      // the config's own broker_url (the default vhost) connects too: fold it away to keep the list short
      const other = rows.filter({ hasText: 'RabbitMQ localhost:5672' }).first();
      if (await other.isVisible().catch(() => false) && (await other.getAttribute('aria-expanded')) === 'true') await other.locator('.monaco-tl-twistie').click();
      await until('the e2e connection connected', async () => /RabbitMQ|connected/.test(await conn.first().innerText()) && !/connecting|not connected|unavailable/.test(await conn.first().innerText()), 30000);
      // the list re-renders on every refresh (rows are reused), so a fold above can land on this row, and a row
      // that had no children while connecting may stay folded: unfold it until it shows expanded
      await until('the e2e connection unfolded', async () => {
        const expanded = await conn.first().getAttribute('aria-expanded');
        if (expanded === 'false') await conn.first().locator('.monaco-tl-twistie').click();
        return expanded === 'true';
      }, 15000);
      // fold the Exchanges group: the queues are what this scenario reads
      const exchanges = rows.filter({ hasText: /^Exchanges/ }).first();
      if (await exchanges.isVisible().catch(() => false) && (await exchanges.getAttribute('aria-expanded')) === 'true') await exchanges.locator('.monaco-tl-twistie').click();
      const row = (name, re) => rows.filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${name}$`) }) }).filter({ hasText: re });
      // message counts come from the broker (AMQP / management API); the explorer refreshes every 2 s here
      await row('user_events', /3 ready/).first().waitFor({ timeout: 45000 });
      await row('legacy_events', /not in config/).first().waitFor({ timeout: 15000 });
      await row('sms_notifications', /missing on broker/).first().waitFor({ timeout: 15000 });
      const connText = await conn.first().innerText();
      assert(/[⚠✖ℹ]/.test(connText), `connection row shows no drift count: ${connText}`);
      const ue = (await row('user_events', /3 ready/).first().innerText()).replace(/\s+/g, ' ');
      assert(/no consumer/.test(ue) && /[⚠✖ℹ]/.test(ue), `user_events row lacks its drift mark: ${ue}`);
      const all = (await wb.sidebarRows()).map((t) => t.replace(/\s+/g, ' '));
      await wb.shot('04-broker-explorer');

      // Peek: the inline action on the queue (shown when it has messages) opens the messages as a document
      const target = row('user_events', /3 ready/).first();
      await target.click();
      await target.hover();
      await target.locator('.action-label[aria-label^="Peek Messages"]').click({ timeout: 10000 });
      await page.locator('.tabs-container .tab', { hasText: 'peek-user_events' }).first().waitFor({ timeout: 20000 });
      const doc = page.locator('.editor-group-container .monaco-editor .view-lines', { hasText: PEEK_MARKER });
      await doc.first().waitFor({ timeout: 15000 });
      const text = await doc.first().innerText();
      assertIncludes(text, 'events.tasks.user_signed_up', 'peek document');
      await wb.shot('05-broker-peek');
      await wb.command('View: Close All Editors');
      return `explorer: ${all.filter((t) => /user_events|legacy_events|sms_notifications|e2e broker/.test(t)).map((t) => t.slice(0, 90)).join(' | ')}; peek shows ${PEEK_MARKER}`;
    },
  },
  {
    ws: EVENTS, name: 'routing-map',
    async run(wb) {
      const cmd = contributed('celeryRouting.showRoutingMap');
      if (!cmd) return { pending: 'celeryRouting.showRoutingMap is not contributed yet (routing map issue not landed)' };
      const label = `${cmd.category ? `${cmd.category}: ` : ''}${cmd.title}`;
      await wb.command(label);
      // a webview editor: outer iframe.webview → inner #active-frame holding the extension's HTML
      const view = await wb.webview();
      // visible nodes only (SVG <title> tooltips carry the same names, hidden)
      const shown = (re) => view.getByText(re).filter({ visible: true }).first();
      await shown(/^events\.tasks\.user_signed_up$/).waitFor({ timeout: 30000 });
      for (const re of [/^user_events$/, /^order_events$/, /^all_events$/, /^notifications$/]) await shown(re).waitFor({ timeout: 5000 });
      // the planted mistake shows on the map too: send_push is dropped
      await view.getByText(/dropped/).filter({ visible: true }).first().waitFor({ timeout: 5000 });
      const body = await view.locator('body').innerText();
      await wb.shot('06-routing-map');
      return `routing map "${label}": ${body.replace(/\s+/g, ' ').slice(0, 120)}`;
    },
  },
  {
    ws: SHOP, name: 'code-lens-definition-and-call',
    async run(wb) {
      await wb.openFile('orders/tasks.py', 'def capture_payment');
      const lenses = await until('code lenses in orders/tasks.py', async () => {
        const l = await wb.lenses();
        return l.some((t) => /payments/.test(t)) ? l : false;
      }, 90000);
      const def = lenses.find((t) => /payments/.test(t));
      assertIncludes(def, 'payments@%h', 'code lens on capture_payment');
      await wb.shot('07-code-lens-task');
      await wb.openFile('orders/services.py', 'capture_payment.apply_async');
      const call = await until('code lenses in orders/services.py', async () => {
        const l = await wb.lenses();
        return l.find((t) => /payments/.test(t)) ?? false;
      }, 30000);
      assert(/payments@%h|payments/.test(call), `call-site lens: ${call}`);
      await wb.shot('08-code-lens-call');
      return `task lens "${def}" · call lens "${call}"`;
    },
  },
  {
    ws: SHOP, name: 'unreachable-queue-diagnostic-fixed',
    async run(wb) {
      await wb.openFile('reports/tasks.py', 'generate_sales_report');
      const want = /no known worker consumes it|no known worker consumes 'reports'|which no known worker consumes/;
      const before = await until('unreachable-queue rows in Problems', async () => {
        const r = await wb.problems('reports');
        return r.filter((t) => want.test(t)).length >= 2 ? r : false;
      }, 60000);
      await wb.shot('09-problems-unreachable');
      // the fix, typed: the default worker also consumes 'reports'
      const compose = path.join(SHOP, 'docker-compose.yml');
      const at = lineOf(compose, '-Q default,emails');
      await wb.openFile('docker-compose.yml', 'services:');
      await wb.gotoLine(at.line, at.text.indexOf('default,emails') + 'default,emails'.length + 1);
      await wb.page.keyboard.type(',reports', { delay: 10 });
      await wb.activeEditor().locator('.view-lines', { hasText: '-Q default,emails,reports' }).waitFor({ timeout: 5000 });
      await wb.save();
      await until('the unreachable-queue rows gone from Problems', async () => {
        const r = await wb.problems('reports');
        return r.filter((t) => want.test(t)).length === 0;
      }, 30000);
      const after = await wb.problems('');
      await wb.shot('10-problems-after-fix');
      assert(after.some((t) => /old-setting-ignored|CELERY_ROUTES/.test(t)), `the other problems should remain: ${JSON.stringify(after)}`);
      return `Problems before: ${before.filter((t) => want.test(t)).length} unreachable-queue row(s); after typing ",reports" in docker-compose.yml: 0 (${after.length} other rows remain)`;
    },
  },
  {
    ws: SHOP, name: 'palette-where-does-this-task-go',
    async run(wb) {
      await wb.command('Celery: Where does this task go?');
      const input = wb.page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible', timeout: 10000 });
      const row = wb.page.locator('.quick-input-list .monaco-list-row', { hasText: 'orders.tasks.capture_payment' });
      await row.first().waitFor({ timeout: 20000 });
      await input.fill('orders.tasks.capture_payment');
      await row.first().waitFor({ timeout: 10000 });
      await wb.page.keyboard.press('Enter');
      const tab = wb.page.locator('.tabs-container .tab', { hasText: 'trace-orders.tasks.capture_payment' });
      await tab.first().waitFor({ timeout: 20000 });
      const doc = wb.page.locator('.editor-group-container.active .monaco-editor .view-lines', { hasText: 'capture_payment' }).first();
      await doc.waitFor({ timeout: 10000 });
      const text = await doc.innerText();
      assertIncludes(text, 'payments', 'trace document');
      await wb.shot('13-where-does-this-task-go');
      return `trace: ${text.split('\n').filter(Boolean).slice(0, 4).join(' | ').slice(0, 160)}`;
    },
  },
  {
    ws: SHOP, name: 'server-crash-recovers',
    async run(wb) {
      // The language server dies (kill -9): the client starts a new one, which re-indexes and answers again.
      const servers = () => { try { return execSync("pgrep -f 'celery-routing[^ ]*/dist/server.js'").toString().split(/\s+/).filter(Boolean); } catch { return []; } };
      const before = servers();
      assert(before.length > 0, 'no language server process found');
      for (const pid of before) process.kill(Number(pid), 'SIGKILL');
      const after = await until('a new language server process', async () => { const now = servers().filter((p) => !before.includes(p)); return now.length ? now : false; }, 30000);
      // the new server re-indexed the workspace: it answers the task list the command asks for
      await wb.command('Celery: Where does this task go?');
      const input = wb.page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible', timeout: 10000 });
      const row = wb.page.locator('.quick-input-list .monaco-list-row', { hasText: 'orders.tasks.capture_payment' });
      await row.first().waitFor({ timeout: 60000 });
      const rows = await wb.page.locator('.quick-input-list .monaco-list-row').count();
      await wb.shot('14-server-restarted');
      await wb.page.keyboard.press('Escape');
      return `killed ${before.join(',')}; new server ${after.join(',')} answers the task list (${rows} rows)`;
    },
  },
  {
    ws: SHOP, name: 'quick-fix-old-setting-name',
    async run(wb) {
      const prod = path.join(SHOP, 'shop/settings/production.py');
      const at = lineOf(prod, 'CELERY_ROUTES = {');
      await wb.openFile('shop/settings/production.py', 'CELERY_ROUTES');
      await wb.activeEditor().locator('.squiggly-warning, .squiggly-error, .squiggly-info').first().waitFor({ timeout: 30000 });
      await wb.gotoLine(at.line, at.col + 2);
      await wb.page.keyboard.press('Control+.');
      const menu = wb.page.locator('.action-widget .monaco-list-row, .context-view .action-widget .monaco-list-row');
      await menu.first().waitFor({ timeout: 15000 });
      const titles = (await menu.allInnerTexts()).map((t) => t.trim()).filter(Boolean);
      await wb.shot('11-quick-fix-menu');
      const fix = menu.filter({ hasText: /CELERY_TASK_ROUTES|new setting name/i }).first();
      assert(await fix.count(), `no rename quick fix among ${JSON.stringify(titles)}`);
      await fix.click();
      await wb.activeEditor().locator('.view-line', { hasText: 'CELERY_TASK_ROUTES = {' }).waitFor({ timeout: 10000 });
      const text = await wb.editorText();
      assert(!/\bCELERY_ROUTES = \{/.test(text), `CELERY_ROUTES still in the editor: ${text}`);
      // base.py's CELERY_TASK_ROUTES (star-imported) must survive the rename: the fix merges them
      assert(/CELERY_TASK_ROUTES\s*=\s*\{\*\*CELERY_TASK_ROUTES,/.test(text), `the inherited routes were not kept: ${text.slice(0, 400)}`);
      await wb.save();
      await until('old-setting-ignored gone from Problems', async () => !(await wb.problems('')).some((t) => /old-setting-ignored/.test(t)), 30000);
      await wb.shot('12-quick-fix-applied');
      return `quick fixes ${JSON.stringify(titles)}; applied → "CELERY_TASK_ROUTES = {" and the warning left Problems`;
    },
  },
];

// ------------------------------------------------------------------------------------------ runner

const results = [];
let browser;
try {
  const tb = Date.now();
  await declareBroker();
  lap(`RabbitMQ vhost ${VHOST} declared with events-app's topology (+ planted drift) in ${Date.now() - tb} ms`);
} catch (e) {
  lap(`RabbitMQ setup failed: ${e.message}`);
}
try {
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: !process.env.E2E_HEADFUL,
    env: { ...process.env, HOME: path.join(STATE, 'browser-home'), XDG_CONFIG_HOME: path.join(STATE, 'browser-home/.config'), XDG_CACHE_HOME: path.join(STATE, 'browser-home/.cache') },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  page.on('dialog', (d) => d.accept().catch(() => {}));
  const consoleLog = fs.createWriteStream(path.join(STATE, 'browser-console.log'));
  page.on('console', (m) => consoleLog.write(`[${m.type()}] ${m.text()}\n`));
  page.on('pageerror', (e) => consoleLog.write(`[pageerror] ${e.message}\n`));
  const wb = workbench(page);

  let openWs = null;
  for (const s of SCENARIOS) {
    if (ONLY && !ONLY.test(s.name)) continue;
    const t = Date.now();
    let status = 'PASS';
    let detail = '';
    try {
      if (openWs !== s.ws) {
        await wb.open(s.ws);
        openWs = s.ws;
        lap(`workspace ${path.basename(s.ws)} open (${Date.now() - t} ms)`);
      }
      const r = await s.run(wb);
      if (r && typeof r === 'object' && r.pending) {
        status = 'PENDING';
        detail = r.pending;
      } else detail = r ?? '';
    } catch (e) {
      status = 'FAIL';
      detail = e instanceof AssertionError ? e.message : String(e?.stack ?? e).split('\n').slice(0, 4).join(' ');
      await wb.shot(`FAILED-${s.name}`).catch(() => {});
      await wb.escape(3).catch(() => {});
    }
    const ms = Date.now() - t;
    results.push({ name: s.name, status, ms, detail });
    lap(`${status.padEnd(7)} ${s.name} (${(ms / 1000).toFixed(1)} s) ${detail}`);
  }
} finally {
  await browser?.close().catch(() => {});
  await deleteBroker();
}

console.log('\nE2E scenarios');
for (const r of results) console.log(`  ${r.status.padEnd(7)} ${(r.ms / 1000).toFixed(1).padStart(6)} s  ${r.name}${r.status !== 'PASS' ? `  — ${r.detail}` : ''}`);
const failed = results.filter((r) => r.status === 'FAIL');
const total = results.reduce((a, r) => a + r.ms, 0);
console.log(`  ${results.filter((r) => r.status === 'PASS').length} passed, ${failed.length} failed, ${results.filter((r) => r.status === 'PENDING').length} pending; scenarios ${(total / 1000).toFixed(1)} s; screenshots in ${path.relative(ROOT, SHOTS)}/`);
if (!results.length) {
  console.log('  no scenario ran');
  process.exitCode = 1;
}
if (failed.length) process.exitCode = 1;
