import fs from 'node:fs';
import path from 'node:path';
import { UserFacingError } from '../errors.js';

/** DATA_DIR (or a folder in it) cannot be used; the message names the setting, the path and what to do. */
export class DataDirError extends UserFacingError {}

const WHAT_TO_DO = 'set DATA_DIR to a folder this user can write (default ./data; it is created if missing)';

/** A filesystem error as one line that names DATA_DIR, the path and what to do. */
export function dataDirError(dataDir: string, at: string, err: unknown): DataDirError {
  const code = (err as NodeJS.ErrnoException).code;
  const why =
    code === 'EACCES' || code === 'EPERM'
      ? `${at} cannot be written (permission denied)`
      : code === 'EROFS'
        ? `${at} is on a read-only file system`
        : code === 'ENOTDIR' || code === 'EEXIST'
          ? `${at} is a file, not a folder`
          : code === 'ENOENT'
            ? `no folder can be made at ${at}`
            : `${at}: ${(err as Error).message}`;
  return new DataDirError(`DATA_DIR=${dataDir}: ${why}; ${WHAT_TO_DO}`);
}

/**
 * Makes sure `folder` (DATA_DIR or a folder under it) exists and can be written, creating missing
 * folders one level at a time from the nearest existing one. Node's recursive mkdir can loop for
 * ever where the kernel answers "no such file" to a mkdir (under /proc); this cannot: it walks the
 * path once up and once down.
 */
export function ensureFolder(folder: string, dataDir = folder): void {
  const missing: string[] = [];
  let at = path.resolve(folder);
  for (;;) {
    let st: fs.Stats;
    try {
      st = fs.statSync(at);
    } catch (err) {
      const up = path.dirname(at);
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || up === at) throw dataDirError(dataDir, at, err);
      missing.unshift(at);
      at = up;
      continue;
    }
    if (!st.isDirectory()) throw dataDirError(dataDir, at, Object.assign(new Error('not a folder'), { code: 'ENOTDIR' }));
    break;
  }
  for (const m of missing) {
    try {
      fs.mkdirSync(m);
    } catch (err) {
      throw dataDirError(dataDir, m, err);
    }
  }
  try {
    fs.accessSync(folder, fs.constants.W_OK);
  } catch (err) {
    throw dataDirError(dataDir, path.resolve(folder), err);
  }
}
