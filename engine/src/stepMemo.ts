// What the machine remembers of steps it ran on a copy to learn their footprint (an interpreted C
// step, a whole RCU callback invocation): the footprint, and the copy, which becomes the step's
// result when the explorer takes that step, so the step runs once. A footprint also carries over
// to the state after another task's step when that step touched nothing the footprint names and
// left the task as it was: the step would run the same way there (the explorers' independence
// assumption), so it is not run again only to learn what it touches.

import { Footprint, orderedAfter } from './model';
import type { State, Task } from './state';

export interface DryStep<I> {
  /** what the step reads and writes (no exclusion tokens: they depend on the state it runs from) */
  fp: Footprint;
  /** the task as it was in the state the step was run from */
  task: Task;
  /** the state after the step and its step infos, until the explorer takes it */
  next?: State;
  infos?: I[];
}

interface Parent<I> {
  /** the task whose step led here, and that step's footprint */
  id: string;
  fp: Footprint;
  /** what was known of the other tasks' steps in the state before */
  before: Map<string, DryStep<I>>;
}

export class StepMemo<I> {
  private readonly byState = new WeakMap<State, Map<string, DryStep<I>>>();
  private readonly parents = new WeakMap<State, Parent<I>>();

  /** The dry step of task t in s: run there, or carried over from the state before. */
  get(s: State, t: Task): DryStep<I> | undefined {
    const own = this.byState.get(s)?.get(t.id);
    if (own) return own;
    const p = this.parents.get(s);
    const d = p?.before.get(t.id);
    if (!p || !d || p.id === t.id || orderedAfter(p.fp, d.fp) || !sameValue(d.task, t)) return undefined;
    const carried: DryStep<I> = { fp: d.fp, task: t };
    this.put(s, carried);
    return carried;
  }

  put(s: State, d: DryStep<I>): void {
    let m = this.byState.get(s);
    if (!m) this.byState.set(s, (m = new Map()));
    m.set(d.task.id, d);
  }

  /** The state a dry run of `id`'s step made from `prev`, handed out once (it is the caller's from now on). */
  take(prev: State, id: string): DryStep<I> | undefined {
    const d = this.byState.get(prev)?.get(id);
    if (!d?.next) return undefined;
    const out = { ...d };
    delete d.next;
    delete d.infos;
    return out;
  }

  /** Whether anything is known of the steps in s (else there is nothing to carry over from it). */
  knows(s: State): boolean {
    return (this.byState.get(s)?.size ?? 0) > 0;
  }

  /** `next` was reached from `prev` by a step of `id` with footprint fp. */
  link(next: State, prev: State, id: string, fp: Footprint): void {
    const before = this.byState.get(prev);
    if (before?.size) this.parents.set(next, { id, fp, before });
  }
}

/** Structural equality of plain data (shared parts, such as program bodies, compare by reference first). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameValue(a[i], bb[i])) return false;
    return true;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  let n = 0;
  for (const k in ao) {
    if (ao[k] === undefined) continue;
    n++;
    if (!sameValue(ao[k], bo[k])) return false;
  }
  for (const k in bo) if (bo[k] !== undefined) n--;
  return n === 0;
}
