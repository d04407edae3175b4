import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeProject } from '../temp-project';
import { openProject } from '../../../server/src/service/project';
import { computeDiagnostics } from '../../../server/src/service/diagnostics';

const project = (files: Record<string, string>): string => writeProject(files, 'cr-beat-');

const FILES = {
  'proj/__init__.py': '',
  'proj/celery.py': `from celery import Celery
from celery.schedules import crontab
from kombu import Queue

app = Celery('proj')
app.conf.task_queues = [Queue('celery'), Queue('reports'), Queue('maint')]
app.conf.task_routes = {'proj.tasks.nightly_report': {'queue': 'reports'}}
app.conf.beat_schedule = {
    'nightly': {'task': 'proj.tasks.nightly_report', 'schedule': crontab(hour=2)},
    'cleanup': {'task': 'proj.tasks.cleanup', 'schedule': 3600.0, 'options': {'queue': 'maint'}},
    'typo': {'task': 'proj.tasks.nightly_reprot', 'schedule': 60.0},
}

@app.on_after_configure.connect
def setup_periodic_tasks(sender, **kwargs):
    from proj.tasks import ping
    sender.add_periodic_task(30.0, ping.s(), name='ping every 30s', queue='maint')
`,
  'proj/tasks.py': `from proj.celery import app

@app.task
def nightly_report():
    pass

@app.task(queue='reports')
def cleanup():
    pass

@app.task
def ping():
    pass

@app.task
def render(i):
    return i

def fan_out(ids):
    render.map(ids).apply_async()
    render.chunks(zip(ids), 10).delay()
`,
};

test('beat_schedule entries and add_periodic_task become periodic sends, routed the way beat sends them', async () => {
  const p = await openProject(project(FILES));
  const beat = p.calls.filter((c) => c.via === 'beat');
  assert.deepEqual(beat.map((c) => c.periodic).sort(), ['cleanup', 'nightly', 'ping every 30s', 'typo']);
  const nightly = p.routeCall(beat.find((c) => c.periodic === 'nightly')!)!;
  assert.equal(nightly.queue, 'reports');
  assert.match(nightly.steps[0], /task\.apply_async/);
  // entry options beat the decorator's queue='reports' (apply_async > task attribute)
  assert.equal(p.routeCall(beat.find((c) => c.periodic === 'cleanup')!)!.queue, 'maint');
  assert.equal(p.routeCall(beat.find((c) => c.periodic === 'ping every 30s')!)!.queue, 'maint');
  const typo = p.routeCall(beat.find((c) => c.periodic === 'typo')!)!;
  assert.match(typo.steps[0], /send_task/);
  const d = computeDiagnostics(p).find((x) => x.code === 'unknown-periodic-task');
  assert.ok(d, 'expected an unknown-periodic-task diagnostic');
  assert.match(d.message, /did you mean 'proj\.tasks\.nightly_report'/);
  assert.equal(d.fixes?.[0].edits[0].newText, 'proj.tasks.nightly_report');
});

test('.map / .chunks are routed by the builtin task name, and say so', async () => {
  const p = await openProject(project(FILES));
  const canvas = p.calls.filter((c) => c.runsTask === 'proj.tasks.render');
  assert.deepEqual(canvas.map((c) => c.taskName).sort(), ['celery.chunks', 'celery.map']);
  const r = p.routeCall(canvas.find((c) => c.taskName === 'celery.map')!)!;
  assert.equal(r.queue, 'celery');
  assert.match(r.steps[0], /runs inside the builtin task 'celery\.map'/);
});

test('call options: a **splat or options= the engine cannot read makes the routing options Unknown, said in the trace', async () => {
  const p = await openProject(project({
    'jobs/__init__.py': '',
    'jobs/app.py': "from celery import Celery\napp = Celery('jobs')\napp.conf.task_default_queue = 'default'\n\n@app.task\ndef run_job(j=None):\n    pass\n",
    'jobs/send.py': [
      'from celery import signature',
      'from jobs.app import run_job',
      '',
      'def run(job_celery_kwargs, extra):',
      '    run_job.apply_async(args=[1], **job_celery_kwargs)',
      "    signature('jobs.app.run_job', options=extra).apply_async()",
      "    run_job.apply_async(args=[1], options=extra)",
      '',
    ].join('\n'),
  }));
  const calls = p.calls.filter((c) => c.module === 'jobs.send' && c.via === 'apply_async').sort((a, b) => a.loc.range.start.line - b.loc.range.start.line);
  assert.equal(calls.length, 3);
  const [splat, sigOptions, asyncOptions] = calls.map((c) => p.routeCall(c)!);
  assert.match(splat.unknowns.join('\n'), /queue: \*\*job_celery_kwargs may set it/);
  assert.match(sigOptions.unknowns.join('\n'), /queue: options=extra may set it/);
  // apply_async(options=...) is an option named "options": Celery routes as if it were not there
  assert.equal(asyncOptions.queue, 'default');
  assert.deepEqual(asyncOptions.unknowns, []);
});
