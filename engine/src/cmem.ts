// Element pointers of interpreted C: into a sheaf's objects[] (the heap) or into a local array of
// a frame (`void *objects[PCS_BATCH_MAX]` in sheaf_flush_main), written "local:<frame>:<name>[i]".
// A local array lives in its frame's locals as a record of its set elements and its length.

import { CStruct, CVal, Halt, HeapStep, isRef } from './heap';
import { ModelError } from './modelError';
import type { Task, Value } from './state';

const localRe = /^local:(\d+):(\w+)\[(-?\d+)\]$/;

/** The length field of a local array's record. */
export const ARRAY_LEN = '#len';
/** The entries field of a local list head's record (LIST_HEAD(name)): references, comma-separated. */
export const LIST_ENTRIES = '#list';

export class Mem {
  constructor(
    readonly heap: HeapStep,
    readonly t: Task,
    private readonly violate: (property: string, message: string) => void,
  ) {}

  offset(p: CVal, i: number, line: number): string {
    const m = isRef(p) ? localRe.exec(p) : null;
    if (m) return `local:${m[1]}:${m[2]}[${Number(m[3]) + i}]`;
    return this.heap.offset(p, i, line);
  }

  load(p: CVal, line: number): CVal {
    const m = isRef(p) ? localRe.exec(p) : null;
    if (!m) return this.heap.load(p, line);
    const { arr, i } = this.array(m, line);
    const v = arr[String(i)];
    if (v === undefined) {
      this.violate('uninitialised variable', `${m[2]}[${i}] is read before it is set (line ${line + 1})`);
      throw new Halt();
    }
    return v;
  }

  store(p: CVal, v: CVal, line: number): void {
    const m = isRef(p) ? localRe.exec(p) : null;
    if (!m) return this.heap.store(p, v, line);
    const { locals, arr, i } = this.array(m, line);
    // locals are copied shallowly from state to state: the array is replaced, never changed
    locals[m[2]] = { ...arr, [String(i)]: v } as Value;
  }

  private array(m: RegExpExecArray, line: number): { locals: Record<string, Value>; arr: CStruct; i: number } {
    const f = this.t.frames[Number(m[1])];
    const arr = f && f.k === 'c' ? (f.locals[m[2]] as CStruct | undefined) : undefined;
    if (!f || f.k !== 'c' || !arr || typeof arr !== 'object')
      throw new ModelError(`not modelled: ${m[0]} outside its frame (line ${line + 1})`);
    const i = Number(m[3]);
    if (i < 0 || i >= Number(arr[ARRAY_LEN]))
      throw new ModelError(
        `not modelled: ${m[2]}[${i}] outside the array of ${String(arr[ARRAY_LEN])} (line ${line + 1})`,
      );
    return { locals: f.locals, arr, i };
  }
}
