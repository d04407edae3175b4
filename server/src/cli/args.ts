/** A strict little argument parser: unknown flags are errors, not silently ignored. */

export interface FlagSpec { [name: string]: 'string' | 'boolean' }

export interface Parsed { positional: string[]; flags: Record<string, string | boolean> }

export class UsageError extends Error {}

export function parseArgs(argv: string[], spec: FlagSpec, aliases: Record<string, string> = {}): Parsed {
  const out: Parsed = { positional: [], flags: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') { out.positional.push(...argv.slice(i + 1)); break; }
    if (!a.startsWith('-') || a === '-') { out.positional.push(a); continue; }
    let name = a.replace(/^--?/, '');
    let value: string | undefined;
    const eq = name.indexOf('=');
    if (eq >= 0) { value = name.slice(eq + 1); name = name.slice(0, eq); }
    name = aliases[name] ?? name;
    const kind = spec[name];
    if (!kind) throw new UsageError(`unknown option ${a.split('=')[0]}`);
    if (kind === 'boolean') {
      if (value !== undefined) throw new UsageError(`option --${name} takes no value`);
      out.flags[name] = true;
    } else {
      if (value === undefined) {
        value = argv[++i];
        if (value === undefined) throw new UsageError(`option --${name} needs a value`);
      }
      out.flags[name] = value;
    }
  }
  return out;
}
