// What a string literal stands for, from where it is written (lexical, works on broken buffers).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tokenize, tokenAt } from '../../../server/src/service/pylex';
import { rolesIn, stringRole } from '../../../server/src/service/roles';

const roles = (src: string) => { const t = tokenize(src); return rolesIn(t).map((r) => `${t[r.index].v}:${r.role.role}`); };

test('kombu constructors: queue declaration, exchange, binding pattern, exchange type', () => {
  assert.deepEqual(roles("task_queues = [Queue('a', Exchange('ex', type='topic'), routing_key='a.*'), Queue('b', ex, 'b.#')]\n"),
    ['a:queue-decl', 'ex:exchange-decl', 'topic:exchange-type', 'a.*:binding-key', 'b:queue-decl', 'b.#:binding-key']);
  assert.deepEqual(roles("x = binding(media, routing_key='m.*')\n"), ['m.*:binding-key']);
});

test('task_routes: keys are task patterns, string values and queue options are queues, routing keys are published keys', () => {
  assert.deepEqual(roles("task_routes = {'a.b': {'queue': 'q', 'routing_key': 'k.x'}, 'c.*': 'q2'}\n"),
    ['a.b:route-key', 'q:queue', 'k.x:routing-key', 'c.*:route-key', 'q2:queue']);
  assert.deepEqual(roles("app.conf.update(task_routes=([('a.*', {'queue': 'x'}), (re.compile(r'b'), 'y')],))\n"),
    ['a.*:route-key', 'x:queue', 'b:route-key', 'y:queue']);
  assert.deepEqual(roles("CELERY_TASK_ROUTES = ('proj.routers.route_task',)\n"), ['proj.routers.route_task:router-path']);
});

test('settings in conf.update dicts, Django names, dict-form queues', () => {
  assert.deepEqual(roles("app.conf.update({'task_default_exchange_type': 'topic'})\n"), ['task_default_exchange_type:setting-name', 'topic:exchange-type']);
  assert.deepEqual(roles("CELERY_TASK_DEFAULT_QUEUE = 'dq'\n"), ['dq:queue']);
  assert.deepEqual(roles("task_queues = {'q1': {'exchange': 'e1', 'binding_key': 'a.#'}}\n"), ['q1:queue-decl', 'e1:exchange', 'a.#:binding-key']);
});

test('call options: apply_async, send_task, decorators; unrelated strings have no role', () => {
  assert.deepEqual(roles("add.apply_async(queue='x', routing_key='rk', exchange='ex')\napp.send_task('t.name', queue='y')\nprint('hello', end='')\n"),
    ['x:queue', 'rk:routing-key', 'ex:exchange', 't.name:task-name', 'y:queue']);
  assert.deepEqual(roles("@app.task(name='custom.name', queue='q')\ndef f(): pass\n"), ['custom.name:task-name-decl', 'q:queue']);
});

test('an unterminated string while typing still has its role', () => {
  const src = "add.apply_async(queue='ima\n";
  const t = tokenize(src);
  const i = tokenAt(t, src.indexOf('ima') + 3);
  assert.equal(t[i].unterminated, true);
  assert.equal(stringRole(t, i)?.role, 'queue');
});

test('comments and triple-quoted strings do not confuse the lexer', () => {
  assert.deepEqual(roles("# Queue('nope')\ndoc = '''Queue('nope')'''\nQueue('yes')\n"), ['yes:queue-decl']);
});
