/**
 * How Celery reads its settings (spec §1): new / old / namespaced names, `detect_settings`
 * (celery/app/utils.py:233-287) and the prefixed lookup of `Settings.__getitem__`
 * (celery/utils/collections.py:377-402).
 */
import type { AppFact, NameStyle, SettingFact, Value } from '../model/types';
import { SETTINGS, SETTINGS_55 } from './settings-table';

const NEW = new Map<string, { old: string; type: string; def: unknown }>();
const OLD_TO_NEW = new Map<string, string>();
for (const [name, old, type, def] of [...SETTINGS, ...SETTINGS_55]) {
  NEW.set(name, { old, type, def });
  OLD_TO_NEW.set(old, name);
}

export function settingInfo(key: string): { old: string; type: string; def: unknown } | undefined {
  return NEW.get(key);
}
export const allSettingNames = (): string[] => [...NEW.keys()];
export const oldNameOf = (key: string): string | undefined => NEW.get(key)?.old;
export const newNameOf = (old: string): string | undefined => OLD_TO_NEW.get(old);

/** Classify a name as a Celery setting: new (`task_routes`), old (`CELERY_ROUTES`) or namespaced (`CELERY_TASK_ROUTES`). */
export function settingStyle(name: string, namespace = 'CELERY'): { key: string; style: NameStyle } | undefined {
  if (NEW.has(name)) return { key: name, style: 'new' };
  const prefix = `${namespace}_`;
  if (name.startsWith(prefix)) {
    const k = name.slice(prefix.length).toLowerCase();
    // CELERY_TASK_ROUTES is namespaced; CELERY_ROUTES is old. A few are both spellings of one thing.
    if (NEW.has(k) && name === name.toUpperCase()) return { key: k, style: 'namespaced' };
  }
  const fromOld = OLD_TO_NEW.get(name);
  if (fromOld) return { key: fromOld, style: 'old' };
  return undefined;
}

/** One setting as Celery reads it for an app. */
export interface EffectiveSetting {
  key: string;
  value: Value;
  /** The fact that supplied it; undefined for Celery's default. */
  fact?: SettingFact;
  /** Where it came from (for traces). */
  origin: string;
}

export interface ResolvedSettings {
  get(key: string): EffectiveSetting;
  /** Settings written in a form Celery never reads (old names under a namespace, ...), with why. */
  ignored: Array<{ fact: SettingFact; why: string; replacement: string }>;
  /** `ImproperlyConfigured` when old and new names are mixed (raised at first config access). */
  error?: { message: string; facts: SettingFact[] };
  namespace?: string;
  /** Which naming the app uses ('new' or 'old'). */
  format: 'new' | 'old';
}

type Layer = Map<string, { value: Value; fact?: SettingFact; origin: string }>;

function toValue(v: unknown): Value {
  if (v === null || v === undefined) return { kind: 'none' };
  if (typeof v === 'string') return { kind: 'str', value: v };
  if (typeof v === 'number') return { kind: 'num', value: v };
  if (typeof v === 'boolean') return { kind: 'bool', value: v };
  if (Array.isArray(v)) return { kind: 'list', items: v.map(toValue) };
  return { kind: 'unknown', reason: 'default value' };
}

/**
 * Resolve the app's settings the way Celery does: the config source (module / class / Django settings) is
 * the `conf` layer, everything set on the app (constructor, `app.conf.x = ...`, `app.conf.update`) is
 * `preconf` and sits above it, Celery's defaults below.
 */
export function resolveSettings(app: AppFact): ResolvedSettings {
  const sourceFacts = app.sources.find((s) => s.kind === 'module' || s.kind === 'class');
  const namespace = sourceFacts?.namespace;
  const preconfFacts = app.sources.filter((s) => s !== sourceFacts).flatMap((s) => s.settings.map((f) => ({ f, origin: s.name })));
  // Constructor's broker/backend/include are "autoset": ignored when detecting the format.
  const autoset = new Set(app.sources.filter((s) => s.kind === 'constructor').flatMap((s) => s.settings.map((f) => f.written)));

  const conf: Layer = new Map();
  for (const f of sourceFacts?.settings ?? []) conf.set(f.written, { value: f.value, fact: f, origin: sourceFacts!.name });

  // detect_settings: which names count, new or old format, mixing error.
  const have = new Set([...conf.keys()].filter((k) => !autoset.has(k)));
  const inNew = [...have].filter((k) => NEW.has(k));
  const inOld = [...have].filter((k) => OLD_TO_NEW.has(k));
  let format: 'new' | 'old' = 'new';
  let left: string[] = inOld;
  if (inNew.length) {
    format = 'new'; left = inOld;
    if (inOld.length > inNew.length) { format = 'old'; left = inNew; }
  }
  if (inOld.length) {
    if (!inNew.length) { format = 'old'; left = inNew; }
    if (inNew.length > inOld.length) { format = 'new'; left = inOld; }
  }
  if (namespace) { format = 'new'; left = []; }
  const convert = (k: string) => (format === 'new' ? OLD_TO_NEW.get(k) : NEW.get(k)?.old);
  const reallyLeft = left.filter((k) => !have.has(convert(k) ?? ''));
  let error: ResolvedSettings['error'];
  if (reallyLeft.length) {
    const renames = reallyLeft.sort().map((k) => `${k} -> ${convert(k)}`).join(', ');
    error = {
      message: `ImproperlyConfigured: Cannot mix new and old setting keys, please rename the following settings to the ${format} format: ${renames}`,
      facts: reallyLeft.map((k) => conf.get(k)!.fact!).filter(Boolean),
    };
  }

  const preconf: Layer = new Map();
  for (const { f, origin } of preconfFacts) {
    const k = convert(f.written) ?? f.written;
    preconf.set(k, { value: f.value, fact: f, origin });
  }
  const defaults: Layer = new Map();
  for (const [name, info] of NEW) defaults.set(format === 'new' ? name : info.old, { value: toValue(info.def), origin: 'Celery default' });

  const prefix = namespace ? `${namespace.replace(/_+$/, '')}_` : undefined;
  const maps = [preconf, conf, defaults];
  const lookup = (key: string): EffectiveSetting => {
    const keys: string[] = [];
    if (prefix) {
      const pkey = key.startsWith(prefix) ? key : prefix + key;
      keys.push(prefix === prefix.toUpperCase() ? pkey.toUpperCase() : pkey, key);
    } else keys.push(key);
    const old = NEW.get(key)?.old;
    const nw = OLD_TO_NEW.get(key);
    keys.push(nw ?? key, old ?? key);
    for (const k of keys) for (const m of maps) {
      const hit = m.get(k);
      if (hit) return { key, value: hit.value, fact: hit.fact, origin: hit.origin };
    }
    return { key, value: { kind: 'none' }, origin: 'Celery default' };
  };

  // Under a namespace the defaults hold every new name, so an old alias is never reached.
  const ignored: ResolvedSettings['ignored'] = [];
  if (prefix) {
    for (const f of sourceFacts?.settings ?? []) {
      if (f.style === 'old') ignored.push({ fact: f, why: `old setting name ${f.written} is ignored under namespace='${namespace}'`, replacement: `${prefix}${f.key.toUpperCase()}` });
    }
  }
  return { get: lookup, ignored, error, namespace, format };
}
