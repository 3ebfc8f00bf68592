// How the engine's State is laid out in Promela globals, and the initial state (after the
// scenario's setup ops, which are not explored) written as assignments.
//
// Objects: owhere[o] (a W code) and oarg[o] (its CPU, or its RCU callback). Slabs: sinuse,
// sobjects, sfrozen, sdisc (a slab's freelist order decides nothing the properties read, so
// only inuse is kept). Sheaves: shobj[sheaf * NOBJ + i], shn[sheaf]. struct kmem_cache_cpu:
// cslab, cfl (c->freelist as a bit set: between a snapshot and its cmpxchg it only gains objects
// or is cleared for good, so set equality is list equality), ctid. RCU: callbacks by id
// per CPU a queue of callbacks by place (cbq[cpu * QLEN + k]: the sheaf, cbn[cpu] how many,
// cbrd: each thread's reader epoch + 1 when it was inside rcu_read_lock() at call_rcu time),
// queued, completed. Work items: wpend[work * NCPU + cpu]. irq[cpu]: _pid + 1 of the task holding
// local_lock_irqsave.

import type { State, Where } from '../state';
import { ExportError } from './errors';

export const W = {
  allocated: 0,
  slab: 1,
  main: 2,
  spare: 3,
  rcu_free: 4,
  rcu_cb: 5,
  quarantine: 6,
  cpu_freelist: 7,
  barn: 8,
  lost: 9,
} as const;

export const NONE = 255;

export function whereCode(w: Where): { code: number; arg: number } {
  const m = /^([a-z_]+)(?::(\d+))?$/.exec(w);
  const code = m ? (W as Record<string, number>)[m[1]] : undefined;
  if (!m || code === undefined) throw new ExportError(`not exportable: object place '${w}'`);
  return { code, arg: m[2] ? Number(m[2]) : 0 };
}

export interface Sizes {
  NCPU: number;
  NOBJ: number;
  NSLAB: number;
  NSHEAF: number;
  NCB: number;
  NTHR: number;
  NWORK: number;
  NLOCK: number;
  /** 1 with CPU hotplug (its globals are declared) */
  HOTPLUG: number;
}

/** The bounds one scenario needs. Sheaves and callbacks are made at run time: one per freed object at most. */
export function sizesOf(s: State, threads: number, works: number, locks: number, hotplug = false): Sizes {
  if (s.objects.length > 31)
    throw new ExportError(`not exportable: ${s.objects.length} objects (c->freelist is a 31-bit set in the export)`);
  return {
    NCPU: s.ncpus,
    NOBJ: Math.max(1, s.objects.length),
    NSLAB: Math.max(1, s.slabs.length),
    NSHEAF: Math.max(1, s.sheaves.length + s.objects.length),
    NCB: Math.max(1, s.rcu.cbs.length + s.sheaves.length + s.objects.length),
    NTHR: Math.max(1, threads),
    NWORK: Math.max(1, works),
    NLOCK: Math.max(1, locks),
    HOTPLUG: hotplug ? 1 : 0,
  };
}

/** Assignments that set the globals to state `s` (all other globals start at 0). */
export function initialAssignments(s: State, readerSlot: (task: string) => number): string[] {
  const out: string[] = [`refcount = ${s.cache.refcount}`];
  if (s.barn.full.length || s.barn.empty.length)
    throw new ExportError('not exportable: sheaves in the barn at the start');
  if (s.works.length) throw new ExportError('not exportable: work items at the start');
  // CPU hotplug has no Promela translation yet, and locks start free in the export: refused, not dropped
  if (s.online.some((on) => !on)) throw new ExportError('not exportable: an offline CPU at the start (CPU hotplug)');
  if (Object.values(s.locks).some((l) => l.owner !== null || l.readers.length))
    throw new ExportError('not exportable: a lock held at the start');
  if (s.cpus.some((c) => c.irqOwner !== null || c.preemptOwner !== null))
    throw new ExportError('not exportable: a CPU with irqs or preemption off at the start');
  const cbCpu = new Map(s.rcu.cbs.map((cb) => [cb.id, cb.cpu]));
  s.objects.forEach((o, i) => {
    const w = whereCode(o.where);
    const code = w.code;
    const arg = code === W.rcu_cb ? (cbCpu.get(w.arg) ?? 0) : w.arg;
    out.push(`oslab[${i}] = ${o.slab}`);
    if (code) out.push(`owhere[${i}] = ${code}`);
    if (arg) out.push(`oarg[${i}] = ${arg}`);
  });
  s.slabs.forEach((sl, i) => {
    out.push(`sobjects[${i}] = ${sl.objects}`, `sinuse[${i}] = ${sl.inuse}`);
    if (sl.frozen) out.push(`sfrozen[${i}] = 1`);
    if (sl.discarded) out.push(`sdisc[${i}] = 1`);
  });
  s.sheaves.forEach((sh, i) => {
    sh.objects.forEach((o, j) => out.push(`shobj[${i} * NOBJ + ${j}] = ${o}`));
    if (sh.objects.length) out.push(`shn[${i}] = ${sh.objects.length}`);
  });
  out.push(`nsh = ${s.sheaves.length}`);
  const ref = (v: number | null) => (v === null ? NONE : v);
  s.pcs.forEach((p, c) =>
    out.push(`pmain[${c}] = ${ref(p.main)}`, `pspare[${c}] = ${ref(p.spare)}`, `prcu[${c}] = ${ref(p.rcu_free)}`),
  );
  s.cpuSlab.forEach((k, c) => {
    out.push(`cslab[${c}] = ${ref(k.slab)}`, `ctid[${c}] = ${k.tid}`);
    const bits = k.freelist.reduce((a, o) => a | (1 << o), 0);
    if (bits) out.push(`cfl[${c}] = ${bits}`);
  });
  const at = new Array<number>(s.ncpus).fill(0);
  for (const cb of s.rcu.cbs) {
    if (cb.fn !== 'rcu_free_sheaf_nobarn') throw new ExportError(`not exportable: RCU callback ${cb.fn}`);
    const slot = `(${cb.cpu} * QLEN + ${at[cb.cpu]++})`;
    out.push(`cbq[${slot}] = ${cb.sheaf}`);
    for (const r of cb.readers) {
      const [t, e] = r.split('@');
      out.push(`cbrd[${slot} * NTHR + ${readerSlot(t)}] = ${Number(e) + 1}`);
    }
  }
  for (let c = 0; c < s.ncpus; c++) {
    if (at[c]) out.push(`cbn[${c}] = ${at[c]}`);
    if (s.rcu.queued[c]) out.push(`queued[${c}] = ${s.rcu.queued[c]}`);
    if (s.rcu.completed[c]) out.push(`completed[${c}] = ${s.rcu.completed[c]}`);
  }
  s.quarantine.forEach((q, c) =>
    q.forEach((o) => {
      if (s.objects[o].where !== `quarantine:${c}`)
        throw new ExportError(`not exportable: o${o} in a quarantine list and at ${s.objects[o].where}`);
    }),
  );
  for (const [t, r] of Object.entries(s.rcu.readers)) {
    out.push(`rdepth[${readerSlot(t)}] = ${r.depth}`, `repoch[${readerSlot(t)}] = ${r.epoch}`);
  }
  return out;
}
