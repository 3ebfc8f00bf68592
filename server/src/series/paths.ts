// Paths and keys that come from mail. A diff's file name is a path relative to the kernel tree and
// nothing else: "a/../secret.txt", "/etc/passwd" or a symlink in the tree that leads out of it must
// not make slablens show (or send back) a file outside the tree. A change-id or Message-Id becomes
// part of a file name under .slablens/, so it is checked before it is used as one.

import * as fs from 'node:fs';
import * as path from 'node:path';

// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/;

/**
 * The normalized form of a path from a diff ("mm/./slub.c" → "mm/slub.c"), or why it is refused:
 * empty, absolute, with a ".." segment, a backslash or a control character.
 */
export function treePath(p: string): { path: string } | { refused: string } {
  if (!p) return { refused: 'an empty path' };
  if (CONTROL.test(p)) return { refused: 'a control character in the path' };
  if (p.includes('\\')) return { refused: 'a backslash in the path' };
  if (p.startsWith('/') || /^[A-Za-z]:/.test(p)) return { refused: 'an absolute path' };
  if (p.split('/').includes('..')) return { refused: 'a ".." segment leaves the tree' };
  const n = path.posix.normalize(p);
  if (n === '.' || n.endsWith('/')) return { refused: 'not a file path' };
  return { path: n };
}

/**
 * The file `rel` of the tree `root`, when it is a regular file inside the tree once every symlink
 * is followed; else why it is not read. `rootReal` is root's own realpath.
 */
export function containedFile(
  root: string,
  rootReal: string,
  rel: string,
): { file: string } | { refused: string } | undefined {
  const t = treePath(rel);
  if ('refused' in t) return t;
  const f = path.join(root, t.path);
  let real: string;
  try {
    real = fs.realpathSync(f);
  } catch {
    return undefined; // not in this tree
  }
  if (real !== rootReal && !real.startsWith(rootReal.endsWith(path.sep) ? rootReal : rootReal + path.sep))
    return { refused: `${rel} is a symlink that leads out of the tree (to ${real})` };
  let st: fs.Stats;
  try {
    st = fs.statSync(real);
  } catch {
    return undefined;
  }
  if (!st.isFile())
    return st.isDirectory() ? undefined : { refused: `${rel} is not a regular file (a FIFO, socket or device)` };
  return { file: real };
}

/** A change-id as b4 writes it ("20260116-sheaves-for-all-5595cb000772"): safe in a file name. */
export const isChangeId = (s: string): boolean => /^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/.test(s) && !s.includes('..');
