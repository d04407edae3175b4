// `celery-routing tasks | head`: the reader closes the pipe early; the CLI stops quietly, no stack trace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { writeProject } from '../temp-project';

const CLI = join(__dirname, '../../../server/src/cli/main.ts');

/** A project whose `tasks` listing is far larger than a pipe's buffer, so writes go on after the reader left. */
function bigProject(): string {
  const defs = Array.from({ length: 3000 }, (_, i) => `@app.task\ndef task_with_a_long_name_${i}():\n    pass\n`).join('\n');
  return writeProject({ 'proj/__init__.py': '', 'proj/tasks.py': `from celery import Celery\napp = Celery('proj')\n\n${defs}` }, 'cr-pipe-');
}

test('a reader that closes stdout after the first bytes ends the CLI with exit 0 and nothing on stderr', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'tasks', bigProject()], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  let first = '';
  await new Promise<void>((resolve) => child.stdout.once('data', (d: Buffer) => { first = d.toString(); child.stdout.destroy(); resolve(); }));
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  assert.match(first, /proj\.tasks\.task_with_a_long_name_/);
  assert.equal(stderr, '');
  assert.equal(code, 0);
});
