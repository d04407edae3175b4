// Send calls inside functions: a local assigned once is read; one assigned more than once, a loop variable and a
// parameter are Unknowns that say so (a parameter shadows a module-level name of the same name).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeProject } from '../temp-project';
import { openProject } from '../../../server/src/service/project';

test('send options from function locals and parameters', async () => {
  const p = await openProject(writeProject({
    'proj/__init__.py': '',
    'proj/celery.py': [
      'from celery import Celery',
      "app = Celery('proj')",
      "queue = 'module-level'",
      '',
      '@app.task',
      'def ping():',
      '    pass',
      '',
      'def once():',
      "    q = 'fast'",
      '    target = q',
      '    ping.apply_async(queue=target)',
      '',
      'def twice(flag):',
      "    q = 'a'",
      '    if flag:',
      "        q = 'b'",
      '    ping.apply_async(queue=q)',
      '',
      'def loop():',
      "    for q in ['x', 'y']:",
      '        ping.apply_async(queue=q)',
      '',
      'def shadow(queue):',
      '    ping.apply_async(queue=queue)',
      '',
      'def module_name():',
      '    ping.apply_async(queue=queue)',
      '',
    ].join('\n'),
  }, 'cr-locals-'));
  const at = (line: number) => p.routeCall(p.calls.find((c) => c.loc.range.start.line === line)!)!;
  assert.equal(at(11).queue, 'fast');
  assert.deepEqual(at(11).unknowns, []);
  assert.match(at(17).unknowns.join('\n'), /'q' is assigned more than once in twice\(\): not followed/);
  assert.match(at(21).unknowns.join('\n'), /'q' is assigned more than once in loop\(\)/);
  assert.match(at(24).unknowns.join('\n'), /parameter 'queue' of shadow\(\), set by its callers/);
  assert.equal(at(27).queue, 'module-level');
});
