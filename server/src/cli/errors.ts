/** Errors the CLI reports as one line (no stack trace). */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';

export class CliError extends Error {}

export function rootFrom(dir: string | undefined): string {
  const root = resolve(dir ?? '.');
  if (!existsSync(root)) throw new CliError(`no such folder: ${root}`);
  if (!statSync(root).isDirectory()) throw new CliError(`not a folder: ${root} (give the project's folder)`);
  return root;
}
