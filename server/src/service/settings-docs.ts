/**
 * Documentation texts for hovers and completion items: what each routing setting, exchange type and kombu
 * argument does in real Celery 5.2 / kombu 5.2 (see docs/celery-routing-semantics.md). Data, not logic.
 */
import { settingInfo, oldNameOf } from '../routing/settings';

/** Meaning of the settings that take part in routing (the others get a generic text). */
export const ROUTING_SETTING_DOCS: Record<string, string> = {
  task_queues: 'The queues of `app.amqp.queues`: what a worker started without `-Q` declares and consumes, and what names in routes resolve to. A list/tuple of kombu `Queue` objects, or a dict of option dicts. When unset, the only queue is `task_default_queue` on `task_default_exchange`.',
  task_routes: 'Routers asked, in order, for every sent task; the first answer that is not `None` wins. A dict (exact names first, then `*` globs / `re.compile` patterns in insertion order), a tuple of routers, a dotted path to a router function/class, or a callable. A bare list of `(pattern, route)` pairs must be wrapped: `([...],)`. Route values are merged under apply_async options and task attributes, key by key.',
  task_default_queue: 'Queue used when neither apply_async, the task, nor a route names one. Also the name of the default exchange and routing key unless those are set. Workers without `-Q` consume it only if it is in `task_queues`.',
  task_default_exchange: 'Exchange of queues declared without one (and of the default queue). Defaults to the value of `task_default_queue`.',
  task_default_exchange_type: 'Type of the default exchange: `direct`, `topic`, `fanout` or `headers`. Sends to a direct queue always go through the default exchange `\'\'` by queue name unless both exchange and routing_key are given.',
  task_default_routing_key: 'Routing key given to queues declared without one (their binding key), and used for topic/fanout sends without a key. Defaults to the value of `task_default_queue`.',
  task_create_missing_queues: 'When on (default), a queue name not in `task_queues` is created on first send as `Queue(name, Exchange(name), name)` (always direct). Workers without `-Q` do not consume such queues. When off, routing to an undeclared queue raises `QueueNotFound`, and an undeclared default queue makes every send fail with `KeyError`.',
  task_default_priority: 'Copied into every task\'s `priority` attribute, so it beats a priority given in `task_routes` (attributes win the merge). `send_task` ignores it.',
  task_queue_max_priority: 'Adds `x-max-priority` to every queue in `task_queues` that has none: RabbitMQ caps message priorities at that value (and ignores priorities on queues without it).',
  task_default_delivery_mode: '`persistent` (2) or `transient` (1) messages.',
  task_inherit_parent_priority: 'A task sent from inside another task gets the parent\'s priority.',
  task_default_queue_type: 'Celery 5.5: `classic` or `quorum` for queues Celery declares by default.',
  worker_direct: 'Each worker also consumes a dedicated queue `<hostname>.dq` on the `C.dq2` exchange, so tasks can be routed to one worker.',
  broker_url: 'The broker: `amqp://` (RabbitMQ: real exchanges and bindings), `redis://` (kombu virtual transport: bindings in Redis sets, fanout is PUB/SUB, no headers exchanges), `sqs://` (no priorities, no broker-side exchanges).',
  broker_transport: 'Transport name when not given by `broker_url`.',
  broker_transport_options: 'Transport-specific options (Redis: `priority_steps`, `sep`, `queue_order_strategy`; SQS: `predefined_queues`, `region`...).',
  control_exchange: 'Exchange of remote-control (broadcast) commands.',
  event_exchange: 'Exchange monitoring events are published on.',
};

export interface SettingDoc { key: string; markdown: string; oldName?: string; namespaced: string }

const show = (v: unknown) => (v === null || v === undefined ? 'None' : typeof v === 'string' ? `'${v}'` : typeof v === 'boolean' ? (v ? 'True' : 'False') : JSON.stringify(v));

/** Markdown for a setting (canonical new name): meaning, default, its three spellings. */
export function settingDoc(key: string): SettingDoc | undefined {
  const info = settingInfo(key);
  if (!info) return undefined;
  const namespaced = `CELERY_${key.toUpperCase()}`;
  const old = oldNameOf(key);
  const meaning = ROUTING_SETTING_DOCS[key] ?? `Celery setting \`${key}\`.`;
  const md = [
    `**${key}** _(${info.type}, default \`${show(info.def)}\`)_`,
    '',
    meaning,
    '',
    `- new name: \`${key}\``,
    `- Django (\`namespace='CELERY'\`): \`${namespaced}\``,
    old && old !== key.toUpperCase() ? `- old name: \`${old}\` (ignored under \`namespace='CELERY'\`; mixing old and new names raises ImproperlyConfigured)` : old ? `- old name: \`${old}\`` : '',
  ].filter((l, i, a) => l !== '' || (i > 0 && a[i - 1] !== '')).join('\n');
  return { key, markdown: md, oldName: old, namespaced };
}

export interface ExchangeTypeDoc { what: string; celery: string; transports: string }

export const EXCHANGE_TYPES: Record<string, ExchangeTypeDoc> = {
  direct: {
    what: 'Delivers to the queues whose binding key equals the routing key exactly (`*` and `#` are literal).',
    celery: 'The default. A send to a direct queue goes through the default exchange `\'\'` with routing key = queue name, ignoring the queue\'s exchange and any routing key, unless both `exchange` and `routing_key` are given — then a key mismatch drops the message.',
    transports: 'RabbitMQ: yes. Redis: yes (binding rows in `_kombu.binding.<exchange>`). SQS: yes (routing by queue name).',
  },
  topic: {
    what: 'Delivers to every queue with a matching binding pattern: words separated by `.`, `*` = exactly one word, `#` = zero or more words.',
    celery: 'A send to a topic queue without a routing key publishes with the queue\'s binding pattern as the key (`\'user.*\'` literally), and lands in every queue whose pattern accepts it.',
    transports: 'RabbitMQ: yes. Redis: emulated with regexes — `*` also matches across dots and `a.#` does not match `a`; a producer only knows the types of exchanges it declared itself (others are routed as direct). SQS: emulated in the client like Redis.',
  },
  fanout: {
    what: 'Delivers to every bound queue; the routing key is ignored.',
    celery: 'Naming one queue delivers to all queues on the exchange. `Broadcast(name)` queues use a fanout exchange named after them, one `bcast.<uuid>` queue per worker.',
    transports: 'RabbitMQ: yes. Redis: PUB/SUB — nothing is stored, only consumers connected at that moment get it. SQS: emulated in the client, no broker-side broadcast.',
  },
  headers: {
    what: 'Delivers by message headers (`x-match: all|any` on the binding arguments); the routing key is ignored.',
    celery: 'Bindings see Celery\'s own headers (`task`, `id`, `lang`...), so `x-match` on `task` works.',
    transports: 'RabbitMQ: yes. Redis and SQS: not supported (kombu raises `KeyError: \'headers\'`).',
  },
};

export function exchangeTypeMarkdown(type: string, transport?: string): string | undefined {
  const d = EXCHANGE_TYPES[type];
  if (!d) return undefined;
  const lines = [`**${type} exchange**`, '', d.what, '', `**In Celery:** ${d.celery}`, '', `**Transports:** ${d.transports}`];
  if (transport && transport !== 'amqp' && transport !== 'unknown') lines.push('', `_This project's transport: ${transport}._`);
  return lines.join('\n');
}

/** kombu constructor keyword arguments, for completion inside `Queue(`, `Exchange(`, `binding(`, `Broadcast(`. */
export const KOMBU_KWARGS: Record<string, Array<[name: string, doc: string]>> = {
  Queue: [
    ['name', 'Queue name.'], ['exchange', 'Exchange (object or name) the queue is bound to. None/\'\' → Celery gives it the default exchange.'],
    ['routing_key', 'Binding key (a pattern on topic exchanges). Empty → `task_default_routing_key`.'],
    ['bindings', 'List of `binding(exchange, routing_key)`: the queue then has no own exchange and Celery adds the default one.'],
    ['queue_arguments', 'Arguments of queue.declare, e.g. `{\'x-max-priority\': 10}` or `{\'x-queue-type\': \'quorum\'}`.'],
    ['binding_arguments', 'Arguments of the binding (headers exchanges: `x-match` and header values).'],
    ['max_priority', 'Sets `x-max-priority`: RabbitMQ honours message priorities 0..max on this queue.'],
    ['durable', 'Survives a broker restart (default True).'], ['exclusive', 'Only this connection may consume; deleted when it closes.'],
    ['auto_delete', 'Deleted when the last consumer goes away.'], ['no_declare', 'Never declared by kombu (must exist).'],
    ['expires', 'x-expires in seconds.'], ['message_ttl', 'x-message-ttl in seconds.'], ['max_length', 'x-max-length.'],
    ['consumer_arguments', 'Arguments of basic.consume (e.g. x-priority).'],
  ],
  Exchange: [
    ['name', 'Exchange name (\'\' is the default exchange).'], ['type', 'direct | topic | fanout | headers.'],
    ['durable', 'Survives a broker restart (default True).'], ['auto_delete', 'Deleted when no queue is bound.'],
    ['delivery_mode', 'Default delivery mode of messages (1 transient, 2 persistent).'], ['arguments', 'Arguments of exchange.declare.'],
    ['passive', 'Only check that it exists.'], ['no_declare', 'Never declared by kombu.'],
  ],
  binding: [
    ['exchange', 'Exchange to bind to.'], ['routing_key', 'Binding key / pattern.'], ['arguments', 'Binding arguments (headers: x-match).'],
    ['unbind_arguments', 'Arguments used when unbinding.'],
  ],
  Broadcast: [
    ['name', 'The alias the queue is routed by; the real queue is `bcast.<uuid>`, one per worker.'],
    ['queue', 'Explicit queue name (default: a unique `bcast.<uuid>`).'], ['unique', 'Make the queue name unique (default False when a name is given).'],
    ['auto_delete', 'Default True.'], ['exchange', 'Fanout exchange (default `Exchange(name, type=\'fanout\')`).'],
  ],
};
