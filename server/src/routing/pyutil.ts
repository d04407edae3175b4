/**
 * Small pieces of Python semantics the routing rules depend on: `repr()` of a str (error
 * messages are `str(exc)`, and KeyError's str is the repr of its argument), `fnmatch.translate`
 * (glob keys of task_routes) and Python `re` patterns run in JavaScript.
 */

/** Python `repr(str)`: single quotes unless the text has `'` and no `"`. */
const NEEDS_ESCAPE = /[\\'"\x00-\x1f\x7f]/;

export function pyRepr(s: string): string {
  // most names need no escape (trace steps quote several per route)
  if (!NEEDS_ESCAPE.test(s)) return `'${s}'`;
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + quote;
}

/** `str(KeyError(x))` is `repr(x)`; QueueNotFound is a KeyError (celery/exceptions.py). */
export function keyError(name: string, cls = 'KeyError'): string {
  return `${cls}: ${pyRepr(name)}`;
}

/** `QueueNotFound(f'Queue {queue!r} missing from task_queues')` (routes.py:93-95), str() = repr(msg). */
export function queueNotFound(name: string): string {
  return keyError(`Queue ${pyRepr(name)} missing from task_queues`, 'QueueNotFound');
}

/**
 * Error of `for k, v in x` over a str of length n (a bare list of (pattern, route) pairs in
 * task_routes makes every pair a router: MapRoute(('feed.*', {...})) unpacks the pattern string).
 */
export function unpackError(n: number): string {
  return n > 2
    ? 'ValueError: too many values to unpack (expected 2)'
    : `ValueError: not enough values to unpack (expected 2, got ${n})`;
}

const reEscape = (s: string): string => s.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');

/**
 * `fnmatch.translate(glob)` as a JS regex source, anchored both ends. Python emits
 * `(?s:...)\Z` (DOTALL), so `*` and `?` also match newlines; `[!..]` negates; an unclosed
 * `[` is literal (fnmatch.py translate()).
 */
export function globToRegexSource(glob: string): string {
  let out = '';
  let i = 0;
  const n = glob.length;
  while (i < n) {
    const c = glob[i++];
    if (c === '*') {
      while (glob[i] === '*') i++;
      out += '[\\s\\S]*';
    } else if (c === '?') out += '[\\s\\S]';
    else if (c === '[') {
      let j = i;
      if (glob[j] === '!') j++;
      if (glob[j] === ']') j++;
      while (j < n && glob[j] !== ']') j++;
      if (j >= n) out += '\\[';
      else {
        let stuff = glob.slice(i, j).replace(/\\/g, '\\\\');
        i = j + 1;
        if (stuff.startsWith('!')) stuff = '^' + stuff.slice(1);
        else if (stuff.startsWith('^')) stuff = '\\' + stuff;
        out += stuff === '' ? '(?!)' : stuff === '^' ? '[\\s\\S]' : `[${stuff.replace(/\[/g, '\\[')}]`;
      }
    } else out += reEscape(c);
  }
  return `^(?:${out})$`;
}

export interface PyRegex { re: RegExp | null; error?: string }

/**
 * Compiles a Python `re` pattern for `pattern.match(name)` (routes.py:46): anchored at the
 * start only. Converts the common differences: `(?P<n>`, `(?P=n)`, `\A`, `\Z`, leading inline
 * flags `(?i)`/`(?s)`/`(?m)`. Python `$` also matches before a final newline; task names have none.
 */
export function compilePyRegex(pattern: string): PyRegex {
  let src = pattern;
  let flags = '';
  const lead = /^\(\?([aiLmsux]+)\)/.exec(src);
  if (lead) {
    src = src.slice(lead[0].length);
    for (const f of lead[1]) {
      if (f === 'i' || f === 's' || f === 'm') flags += flags.includes(f) ? '' : f;
      else if (f === 'x') return { re: null, error: 'verbose (?x) patterns are not supported' };
    }
  }
  let out = '';
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') {
      const d = src[i + 1];
      if (d === 'Z') out += '$';
      else if (d === 'A') out += '^';
      else if (d !== undefined) out += c + d;
      else out += '\\\\';
      i++;
    } else if (c === '[') {
      // copy a character class verbatim (no group syntax inside)
      let j = i + 1;
      if (src[j] === '^') j++;
      if (src[j] === ']') j++;
      while (j < src.length && src[j] !== ']') j += src[j] === '\\' ? 2 : 1;
      out += src.slice(i, j + 1);
      i = j;
    } else if (src.startsWith('(?P<', i)) {
      out += '(?<';
      i += 3;
    } else if (src.startsWith('(?P=', i)) {
      const end = src.indexOf(')', i);
      out += `\\k<${src.slice(i + 4, end)}>`;
      i = end;
    } else out += c;
  }
  try {
    return { re: new RegExp(`^(?:${out})`, flags) };
  } catch (e) {
    return { re: null, error: `cannot run the Python pattern ${pyRepr(pattern)} here: ${(e as Error).message}` };
  }
}
