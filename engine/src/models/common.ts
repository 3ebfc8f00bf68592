// Small state operations shared by the models: returning an object to its slab, RCU callback
// bookkeeping. They are not steps; the phases that use them declare the footprint.

import type { State } from '../state';

export const oname = (o: number) => `o${o}`;
export const list = (objs: number[]) => objs.map(oname).join(', ');

/** __slab_free(): the object goes back on its slab's freelist. */
export function returnToSlab(s: State, obj: number): void {
  const o = s.objects[obj];
  const sl = s.slabs[o.slab];
  sl.freelist.push(obj);
  sl.inuse--;
  o.where = 'slab';
}

/** Readers currently inside rcu_read_lock(), as task@epoch. */
export function activeReaders(s: State): string[] {
  return Object.entries(s.rcu.readers)
    .filter(([, r]) => r.depth > 0)
    .map(([t, r]) => `${t}@${r.epoch}`);
}

/** A grace period for this callback is over once every reader it waited for has left. */
export function readersDone(s: State, readers: string[]): boolean {
  return readers.every((r) => {
    const [t, e] = r.split('@');
    const cur = s.rcu.readers[t];
    return !cur || cur.epoch !== Number(e) || cur.depth === 0;
  });
}

/** call_rcu(&sheaf->rcu_head, fn) on `cpu`: the sheaf's objects wait in the callback. */
export function callRcu(s: State, cpu: number, fn: string, sheaf: number): number {
  const id = s.rcu.nextCb++;
  s.rcu.cbs.push({ id, cpu, fn, sheaf, readers: activeReaders(s) });
  s.rcu.queued[cpu]++;
  for (const o of s.sheaves[sheaf].objects) s.objects[o].where = `rcu_cb:${id}`;
  return id;
}

export const allCpus = (s: State, prefix: string) => Array.from({ length: s.ncpus }, (_, c) => `${prefix}:${c}`);
/**
 * The footprint key of each object's place (o->where): every phase that moves an object declares
 * it, so that two paths freeing the same object (a double free) are dependent even when their
 * other keys (this CPU's sheaves, another CPU's c->freelist) are disjoint.
 */
export const objKeys = (objs: number[]) => objs.map((o) => `obj:${o}`);
export const slabKeys = (s: State, objs: number[]) => [...new Set(objs.map((o) => `slab:${s.objects[o].slab}`))];
