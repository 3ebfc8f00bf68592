// Pinned call paths with a note ("kmem_cache_destroy → kvfree_rcu_barrier_on_cache → ..."),
// kept in <workspace>/.slablens/annotations.json. Anchored by function name, so they survive
// edits; written atomically; a corrupt file is reported and never overwritten.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeDirs, withLock, writeAtomic } from '../../io/src';

export interface Annotation {
  id: number;
  path: string[];
  note: string;
}

interface FileShape {
  version: 1;
  annotations: Annotation[];
}

const MAX_NOTE = 10_000;

/** One annotation of the file's shape (what load() accepts, and all that save() writes). */
const wellFormed = (a: Partial<Annotation> | null): boolean =>
  !!a &&
  Number.isInteger(a.id) &&
  Array.isArray(a.path) &&
  a.path.every((p) => typeof p === 'string') &&
  typeof a.note === 'string';

export class AnnotationStore {
  readonly file: string;
  constructor(root: string) {
    this.file = path.join(root, '.slablens', 'annotations.json');
  }

  /** The annotations, or why they cannot be read (the file is left as it is). */
  load(): { annotations: Annotation[]; error?: string } {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { annotations: [] };
      return { annotations: [], error: `cannot read ${this.file}: ${(e as Error).message}` };
    }
    try {
      const data = JSON.parse(text) as Partial<FileShape>;
      const ok = data.version === 1 && Array.isArray(data.annotations) && data.annotations.every(wellFormed);
      if (!ok)
        return {
          annotations: [],
          error: `${this.file} is not a slablens annotations file (version 1); it was kept as it is`,
        };
      return { annotations: data.annotations! };
    } catch {
      return {
        annotations: [],
        error: `${this.file} is corrupt (not valid JSON); it was kept as it is and will not be overwritten`,
      };
    }
  }

  private save(annotations: Annotation[]): void {
    writeAtomic(this.file, JSON.stringify({ version: 1, annotations } satisfies FileShape, null, 1) + '\n');
  }

  /**
   * Re-read, change and write under the lock file: concurrent writers (two windows, a script)
   * serialize and keep each other's annotations; what is written is what load() accepts.
   */
  private change(f: (cur: Annotation[]) => Annotation[] | string): { annotations: Annotation[]; error?: string } {
    makeDirs(path.dirname(this.file));
    return withLock(this.file, () => {
      const cur = this.load();
      if (cur.error) return cur;
      const next = f(cur.annotations);
      if (typeof next === 'string') return { ...cur, error: next };
      if (!next.every(wellFormed))
        return { ...cur, error: 'the change would not leave a valid annotations file: not saved' };
      this.save(next);
      return { annotations: next };
    });
  }

  add(callPath: unknown, note: unknown): { annotations: Annotation[]; error?: string } {
    return this.change((cur) => {
      if (
        !Array.isArray(callPath) ||
        !callPath.length ||
        callPath.some((f) => typeof f !== 'string' || !/^[A-Za-z_]\w*$/.test(f))
      )
        return 'a call path is a list of C function names';
      if (typeof note !== 'string' || note.length > MAX_NOTE) return `a note is text of at most ${MAX_NOTE} characters`;
      const id = cur.reduce((m, a) => Math.max(m, a.id), 0) + 1;
      return [...cur, { id, path: callPath as string[], note }];
    });
  }

  remove(id: number): { annotations: Annotation[]; error?: string } {
    return this.change((cur) => cur.filter((a) => a.id !== id));
  }
}
