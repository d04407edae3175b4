/**
 * Every line the client writes to its output channels about brokers (the explorer's log, a tap's channel),
 * built here, away from the VS Code API, so the secrets test (test/broker/client-secrets.test.ts) produces
 * exactly these strings from real connections and checks that no password is in them. Broker URLs arrive
 * redacted; broker errors (BrokerError) carry no credentials.
 */
import { BrokerError } from '../../server/src/broker/errors';

export const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** The explorer's text for a failed load: a broker error as it is, anything else marked unexpected. */
export function describeBrokerError(e: unknown): string {
  return e instanceof BrokerError ? e.message : `Unexpected error: ${errorText(e)}`;
}

export const explorerLog = {
  connecting: (redacted: string) => `[explorer] connecting to ${redacted}`,
  failed: (redacted: string, error: string) => `[explorer] ${redacted}: ${error}`,
  snapshot: (redacted: string, ms: number) => `[explorer] ${redacted}: snapshot in ${ms} ms`,
  driftFailed: (e: unknown) => `[explorer] drift failed: ${errorText(e)}`,
};

export const tapLog = {
  start: (exchange: string, where: string) => `Tapping exchange "${exchange}" on ${where} — copies of the messages, nobody's messages are taken.`,
  retry: (e: unknown, n: number, delayMs: number) => `… cannot tap yet (${errorText(e)}); retry ${n} in ${Math.round(delayMs / 1000)} s`,
  listening: (tap: { queue: string; bindings: Array<{ routingKey: string }> }) => `Listening (queue ${tap.queue}, bindings ${tap.bindings.map((b) => b.routingKey || "''").join(', ')}).`,
  lost: (e: unknown) => `${errorText(e)} — reconnecting…`,
  couldNotStart: (e: unknown) => `Could not start: ${errorText(e)}`,
  stopped: (e: unknown) => `Tap stopped: ${errorText(e)}`,
  warn: (label: string, e: unknown) => `[tap] ${label}: ${errorText(e)}`,
};
