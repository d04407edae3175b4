/**
 * Which workers consume a queue (celery/worker/worker.py:167-181 `setup_queues`, amqp.py:153-180
 * `Queues.select/deselect`). Without -Q a worker consumes app.amqp.queues as built at start-up:
 * not queues auto-created later by producers, not task_default_queue unless declared.
 */
import type { WorkerFact } from '../model/types';
import type { RoutingConfig } from './types';
import { XQueue, expandQueues, lookupQueue, newMissingQueue } from './queues';
import { pyRepr } from './pyutil';

export interface Consumer {
  worker: WorkerFact;
  /** 'all': no -Q (every queue of task_queues); 'Q': named with -Q. */
  via: 'all' | 'Q';
  /** The worker itself creates the queue at start-up (-Q name not in task_queues, create_missing). */
  createdByWorker: boolean;
  /** Broadcast: each consuming worker gets its own `bcast.<uuid>` queue, hence its own copy. */
  ownCopy: boolean;
}

export interface WorkerQueues {
  queues: XQueue[];
  /** `ImproperlyConfigured` at start-up (-Q name unknown and create_missing off). */
  error?: string;
}

const memo = new WeakMap<RoutingConfig, WeakMap<WorkerFact, WorkerQueues>>();

/** The queues one worker consumes (by `Queues` key: the real name). Memoised per config and worker. */
export function workerQueues(worker: WorkerFact, config: RoutingConfig): WorkerQueues {
  let m = memo.get(config);
  if (!m) memo.set(config, (m = new WeakMap()));
  let hit = m.get(worker);
  if (!hit) m.set(worker, (hit = computeWorkerQueues(worker, config)));
  return hit;
}

function computeWorkerQueues(worker: WorkerFact, config: RoutingConfig): WorkerQueues {
  const eq = expandQueues(config);
  const exclude = worker.excludeQueues ?? [];
  if (!worker.queues || worker.queues.length === 0) {
    // deselect without a selection: `select(k for k in self if k not in exclude)` — keys are real
    // names, so `-X <broadcast alias>` excludes nothing (amqp.py:168-176)
    return { queues: eq.list.filter((q) => !exclude.includes(q.name)) };
  }
  const picked = new Map<string, XQueue>();
  for (const name of worker.queues) {
    // select: {name: self[name]} → alias, name, __missing__ (amqp.py:153-160)
    let q = lookupQueue(eq, name);
    if (!q) {
      if (!config.createMissingQueues) {
        return {
          queues: [],
          // SELECT_UNKNOWN_QUEUE (worker.py:49-55); {0!r} is the -Q list, {1} the KeyError's str
          error: `ImproperlyConfigured: Trying to select queue subset of [${worker.queues.map(pyRepr).join(', ')}], but queue ${pyRepr(name)} isn't\ndefined in the \`task_queues\` setting.\n\nIf you want to automatically declare unknown queues you can\nenable the \`task_create_missing_queues\` setting.`,
        };
      }
      q = newMissingQueue(name);
    }
    picked.set(name, q);
  }
  for (const x of exclude) picked.delete(x); // deselect with a selection pops by -Q name
  return { queues: [...picked.values()] };
}

/** Workers consuming the queue the user calls `queueName` (alias for Broadcast, else name). A worker's queues
 * come from its own app's configuration (`configOf`, e.g. its `-A`) when known, else from `config`'s. */
export function consumersOf(queueName: string, workers: WorkerFact[], config: RoutingConfig, configOf?: (w: WorkerFact) => RoutingConfig | undefined): Consumer[] {
  const out: Consumer[] = [];
  for (const w of workers) {
    if (w.failsToStart) continue;
    const wq = workerQueues(w, configOf?.(w) ?? config);
    const q = wq.queues.find((x) => x.display === queueName || x.name === queueName || x.alias === queueName);
    if (!q) continue;
    out.push({ worker: w, via: w.queues && w.queues.length ? 'Q' : 'all', createdByWorker: q.autoCreated, ownCopy: q.broadcast });
  }
  return out;
}
