// Pinned call paths with a note ("kmem_cache_destroy → kvfree_rcu_barrier_on_cache → ..."),
// kept in <workspace>/.slablens/annotations.json. Anchored by function name, so they survive
// edits; written atomically; a corrupt file is reported and never overwritten.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeAtomic } from '../../io/src';

export interface Annotation {
  id: number;
  path: string[];
  note: string;
}

interface FileShape {
  version: 1;
  annotations: Annotation[];
}

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
      const ok =
        data.version === 1 &&
        Array.isArray(data.annotations) &&
        data.annotations.every((a) => Number.isInteger(a.id) && Array.isArray(a.path) && a.path.every((p) => typeof p === 'string') && typeof a.note === 'string');
      if (!ok) return { annotations: [], error: `${this.file} is not a slablens annotations file (version 1); it was kept as it is` };
      return { annotations: data.annotations! };
    } catch {
      return { annotations: [], error: `${this.file} is corrupt (not valid JSON); it was kept as it is and will not be overwritten` };
    }
  }

  private save(annotations: Annotation[]): void {
    writeAtomic(this.file, JSON.stringify({ version: 1, annotations } satisfies FileShape, null, 1) + '\n');
  }

  add(callPath: string[], note: string): { annotations: Annotation[]; error?: string } {
    const cur = this.load();
    if (cur.error) return cur;
    if (!callPath.length || callPath.some((f) => !/^[A-Za-z_]\w*$/.test(f))) return { ...cur, error: 'a call path is a list of C function names' };
    const id = cur.annotations.reduce((m, a) => Math.max(m, a.id), 0) + 1;
    const annotations = [...cur.annotations, { id, path: callPath, note }];
    this.save(annotations);
    return { annotations };
  }

  remove(id: number): { annotations: Annotation[]; error?: string } {
    const cur = this.load();
    if (cur.error) return cur;
    const annotations = cur.annotations.filter((a) => a.id !== id);
    this.save(annotations);
    return { annotations };
  }
}
