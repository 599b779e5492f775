/**
 * Flushing a directory's entries (a rename into it) to the disk, for files
 * replaced atomically (write a temporary file, fsync, rename, then this).
 *
 * @public
 */
import { closeSync, fsyncSync, openSync } from 'node:fs';

/**
 * Flushes a directory entry change where the system allows it. Windows
 * cannot open a directory; elsewhere a failure only means a machine crash
 * could leave the old entry, which callers accept as less strict, never
 * as wrong.
 */
export function syncDirectory(directory: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(directory, 'r');
    fsyncSync(fd);
  } catch {
    // See above: best effort by design.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
