/** `celery-routing broker [DIR] [--url URL] [--json]`: a live broker compared with the config; exit 1 on drift. */
import type { Parsed } from './args';
import { CliError, rootFrom } from './errors';
import { openProject } from '../service/project';
import { topology } from '../service/topology';
import { loadSnapshot, computeDrift, formatDriftText, formatDriftJson, driftExitCode, redactUrl, BrokerError, formatBrokerErrorText } from '../broker';

export async function runBrokerCommand(a: Parsed): Promise<number> {
  const p = await openProject(rootFrom(a.positional[0]));
  const topo = topology(p);
  if (!topo.app) throw new CliError(`no Celery app found under ${p.root}`);
  const known = topo.brokerUrls.find((b) => b.app === topo.app) ?? topo.brokerUrls[0];
  const url = typeof a.flags.url === 'string' ? a.flags.url : known?.url;
  if (!url) throw new CliError(`the broker URL is not known statically${known?.unknown ? ` (${known.unknown})` : ''}; pass --url URL`);
  let snapshot;
  try {
    snapshot = await loadSnapshot(url, { knownQueues: topo.queues.map((q) => q.name), knownExchanges: topo.exchanges.map((e) => e.name), fallbackToAmqp: true });
  } catch (err) {
    if (err instanceof BrokerError) throw new CliError(`${redactUrl(url)}: ${formatBrokerErrorText(err)}`);
    throw err;
  }
  const report = computeDrift(topo, snapshot);
  process.stdout.write((a.flags.json ? formatDriftJson(report, snapshot) : formatDriftText(report, snapshot)) + '\n');
  return driftExitCode(report, 'error');
}
