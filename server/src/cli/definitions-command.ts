/**
 * `celery-routing definitions [DIR] [--vhost V]`: the RabbitMQ definitions the config implies, on stdout,
 * ready for `rabbitmqctl import_definitions` (every item names its vhost: 3.10's import has no vhost scope).
 */
import type { Parsed } from './args';
import { CliError } from './errors';
import type { Project } from '../service/project';
import { appVhost, impliedDefinitions } from '../service/definitions';

export async function runDefinitionsCommand(a: Parsed, load: (dir: string | undefined, a: Parsed) => Promise<Project>): Promise<number> {
  const p = await load(a.positional[0], a);
  const app = p.appFor();
  if (!app) throw new CliError(`no Celery app found under ${p.root}`);
  const vhost = typeof a.flags.vhost === 'string' ? a.flags.vhost : appVhost(app.settings);
  const { definitions, notes } = impliedDefinitions(p, vhost);
  for (const n of notes) process.stderr.write(`note: ${n}\n`);
  process.stdout.write(JSON.stringify(definitions, null, 2) + '\n');
  return 0;
}
