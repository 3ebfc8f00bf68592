// Which files of a workspace folder the language server indexes: those the `slablens.files` globs
// match, without the ones over `slablens.maxFileBytes`, and never more than MAX_FILES (widening
// the set is an explicit setting, and bounded: a language server that parsed a whole kernel tree
// would be the CPU and memory blow-up bash-language-server's users hit). No LSP here.

import * as fs from 'node:fs';
import * as path from 'node:path';

/** At most this many files are indexed per workspace, whatever the globs match. */
export const MAX_FILES = 200;

const WILD = /[*?[{]/;

/** A glob (`**`, `*`, `?`, `{a,b}`, `[abc]`, `/` separated) as a regular expression over relative paths. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  let braces = 0;
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i];
    if (ch === '*') {
      if (glob[i + 1] === '*') {
        // `**/` is any number of whole directories (none too); a trailing `**` is anything
        if (glob[i + 2] === '/') {
          re += '(?:[^/]*/)*';
          i += 2;
        } else {
          re += '.*';
          i += 1;
        }
      } else re += '[^/]*';
    } else if (ch === '?') re += '[^/]';
    else if (ch === '{') {
      re += '(?:';
      braces++;
    } else if (ch === '}' && braces > 0) {
      re += ')';
      braces--;
    } else if (ch === ',' && braces > 0) re += '|';
    else if (ch === '[' && glob.indexOf(']', i + 2) > i) {
      const j = glob.indexOf(']', i + 2);
      const body = glob.slice(i + 1, j);
      re += '[' + (body[0] === '!' ? '^' + body.slice(1) : body).replace(/\\/g, '\\\\') + ']';
      i = j;
    } else re += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp('^' + re + '$');
}

export interface FoundFiles {
  /** absolute paths, in the order the globs and directories gave them */
  files: string[];
  /** matched, but over maxFileBytes */
  tooLarge: { file: string; bytes: number }[];
  /** more files matched than `maxFiles` */
  capped: boolean;
}

/**
 * The files under `root` that `globs` match (relative paths, `/` separated), at most `maxFiles`;
 * those over `maxFileBytes` are listed apart, unread. A glob without wildcards is one path; the
 * others walk the directories below their fixed prefix (hidden directories left out).
 */
export async function findFiles(
  root: string,
  globs: string[],
  maxFileBytes: number,
  maxFiles = MAX_FILES,
): Promise<FoundFiles> {
  const out: FoundFiles = { files: [], tooLarge: [], capped: false };
  const seen = new Set<string>();
  const consider = async (abs: string): Promise<boolean> => {
    if (seen.has(abs)) return true;
    seen.add(abs);
    let st: fs.Stats;
    try {
      st = await fs.promises.stat(abs);
    } catch {
      return true;
    }
    if (!st.isFile()) return true;
    if (st.size > maxFileBytes) {
      out.tooLarge.push({ file: abs, bytes: st.size });
      return true;
    }
    if (out.files.length >= maxFiles) {
      out.capped = true;
      return false;
    }
    out.files.push(abs);
    return true;
  };
  for (const raw of globs) {
    const glob = raw.replace(/\\/g, '/').replace(/^\.\//, '');
    if (!glob || path.isAbsolute(glob) || glob.split('/').includes('..')) continue;
    if (!WILD.test(glob)) {
      if (!(await consider(path.join(root, glob)))) break;
      continue;
    }
    const parts = glob.split('/');
    const fixed: string[] = [];
    while (parts.length > 1 && !WILD.test(parts[0])) fixed.push(parts.shift()!);
    const re = globToRegExp(glob);
    if (!(await walk(path.join(root, ...fixed), fixed.join('/'), re, consider))) break;
  }
  return out;
}

/** Depth first, directories in name order; false once `consider` says stop. */
async function walk(
  dir: string,
  rel: string,
  re: RegExp,
  consider: (abs: string) => Promise<boolean>,
): Promise<boolean> {
  let entries: fs.Dirent[];
  try {
    entries = await fs.promises.readdir(dir, { withFileTypes: true });
  } catch {
    return true;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const r = rel ? `${rel}/${e.name}` : e.name;
    const abs = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (!(await walk(abs, r, re, consider))) return false;
    } else if (re.test(r) && !(await consider(abs))) return false;
  }
  return true;
}

/** 5.2 MiB, 512 KiB, 800 bytes. */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1).replace(/\.0$/, '')} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1).replace(/\.0$/, '')} KiB`;
  return `${n} bytes`;
}
