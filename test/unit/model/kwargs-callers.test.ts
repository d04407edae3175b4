// A send inside a wrapper that forwards its **kwargs (`def dispatch(x, countdown=0, **kwargs):
// run.apply_async((x,), countdown=countdown, **kwargs)`) routes by what the wrapper's callers in the workspace
// pass: none passing a routing option → the send's own route; callers agreeing on one → that; callers that
// differ, pass unreadable keywords, or none seen → an Unknown that says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeProject } from '../temp-project';
import { openProject } from '../../../server/src/service/project';

const wrappers = [
  'from proj.celery import app',
  '',
  "@app.task(queue='work')",
  'def run(x):',
  '    pass',
  '',
  'def quiet(x, countdown=0, **kwargs):',
  '    run.apply_async((x,), countdown=countdown, **kwargs)',
  '',
  'def agreed(x, **kwargs):',
  '    run.apply_async((x,), **kwargs)',
  '',
  'def differing(x, **options):',
  '    run.apply_async((x,), **options)',
  '',
  'def unread(x, **kwargs):',
  '    run.apply_async((x,), **kwargs)',
  '',
  'def uncalled(x, **kwargs):',
  '    run.apply_async((x,), **kwargs)',
  '',
].join('\n');

test('**kwargs of a sending function, from its callers', async () => {
  const p = await openProject(writeProject({
    'proj/__init__.py': '',
    'proj/celery.py': "from celery import Celery\napp = Celery('proj')\n",
    'proj/wrappers.py': wrappers,
    // a caller that imports inside its function (and mentions nothing Celery: loaded because it names the wrapper)
    'proj/a.py': [
      'def go():',
      '    from proj.wrappers import quiet, agreed, differing, unread',
      '    quiet(1, countdown=5, expires=60)',
      "    agreed(1, queue='urgent')",
      "    differing(1, queue='urgent')",
      '    unread(1, **settings_of_the_day())',
      '',
    ].join('\n'),
    'proj/b.py': [
      'from proj import wrappers',
      '',
      'def again():',
      '    wrappers.quiet(2)',
      "    wrappers.agreed(2, queue='urgent', expires=5)",
      "    wrappers.differing(2, queue='slow')",
      '',
    ].join('\n'),
  }, 'cr-kwargs-callers-'));
  const at = (line: number) => {
    const c = p.calls.find((x) => x.loc.file.endsWith('wrappers.py') && x.loc.range.start.line === line);
    assert.ok(c, `a send at wrappers.py:${line + 1}`);
    return p.routeCall(c)!;
  };
  assert.equal(at(7).queue, 'work');
  assert.deepEqual(at(7).unknowns, []);
  assert.equal(at(10).queue, 'urgent');
  assert.deepEqual(at(10).unknowns, []);
  assert.match(at(13).unknowns.join('\n'), /'queue' in \*\*options of differing\(\) differs between its 2 callers \(proj\.a:5, proj\.b:6\)/);
  assert.match(at(16).unknowns.join('\n'), /a caller passes keywords that cannot be read \(proj\.a:6\)/);
  assert.match(at(19).unknowns.join('\n'), /parameter '\*\*kwargs' of uncalled\(\), set by its callers \(none in the workspace\)/);
});
