/** Reading a file for the analysis: one bounded read (no stat: a stat per file was a third of the scan). */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export interface ReadResult { text?: string; reason?: string }

/** Files over this size are skipped with a note (the `celeryRouting.maxFileSize` setting overrides it). */
export const DEFAULT_MAX_FILE_SIZE = 2 * 1024 * 1024;

/** Most files fit: one buffer reused by every read of a thread. */
const shared = Buffer.allocUnsafe(256 * 1024);

/** The text of a file, or why there is none (larger than `maxSize`, an errno code). */
export function readText(file: string, maxSize = DEFAULT_MAX_FILE_SIZE): ReadResult {
  let fd: number | undefined;
  const tooBig = (size: number) => ({ reason: `larger than ${Math.round(maxSize / 1024)} KiB (${Math.round(size / 1024)} KiB): skipped` });
  try {
    fd = openSync(file, 'r');
    let buf = shared;
    let n = 0;
    for (;;) {
      if (n === buf.length) {
        if (n > maxSize) return tooBig(fstatSync(fd).size);
        const bigger = Buffer.allocUnsafe(Math.max(n + 1, Math.min(buf.length * 4, maxSize + 1)));
        buf.copy(bigger, 0, 0, n);
        buf = bigger;
      }
      const want = buf.length - n;
      const got = readSync(fd, buf, n, want, null);
      n += got;
      // a regular file's read comes back short only at its end: no second read to see 0 (a third of the
      // cost of reading 10,000 small files)
      if (got < want) break;
    }
    return n > maxSize ? tooBig(n) : { text: buf.toString('utf8', 0, n) };
  } catch (err) {
    return { reason: (err as NodeJS.ErrnoException).code ?? String(err) };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
