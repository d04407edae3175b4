/** `celery-routing broker`: compare a live broker with the config (filled in with the broker library). */
import type { Parsed } from './args';
import { CliError } from './errors';

export async function runBrokerCommand(_a: Parsed): Promise<number> {
  throw new CliError('broker: not available yet in this build');
}
