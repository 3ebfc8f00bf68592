// The simulated allocator state. Plain data: cloned per explored node, hashed for state sets,
// rendered into traces. Names follow the kernel (pcs, barn, kmem_cache_cpu, quarantine).

import type { CExpr } from './cir';
import type { Stmt } from './ir';

export type Context = 'process' | 'kworker' | 'softirq';

/** Where an object is. `slab` means free on its slab's freelist. */
export type Where =
  | 'allocated'
  | 'slab'
  | `main:${number}`
  | `spare:${number}`
  | `rcu_free:${number}`
  | `rcu_cb:${number}`
  | `quarantine:${number}`
  | `cpu_freelist:${number}`
  | `barn`
  /** in a sheaf that no pcs, barn or RCU callback holds (taken into a local by the C) */
  | `sheaf:${number}`
  | 'lost';

export interface SlabObject {
  id: number;
  slab: number;
  where: Where;
  /** free pointer of an object on no freelist (a chain held in a local by interpreted C) */
  fp?: string;
}

export interface Slab {
  id: number;
  node: number;
  objects: number;
  /** Objects not on the slab's freelist (allocated, in sheaves, quarantined, on a cpu freelist). */
  inuse: number;
  freelist: number[];
  /** Owned by a CPU as its cpu slab (pre-series allocator). */
  frozen: boolean;
  discarded: boolean;
  /** taken off the node's lists by interpreted C (list_del(&slab->slab_list)) */
  off?: boolean;
}

export interface Sheaf {
  id: number;
  objects: number[];
  /** freed by free_empty_sheaf()/kfree() in interpreted C: any later access is a use after free */
  freed?: boolean;
}

/** struct slub_percpu_sheaves, by sheaf id */
export interface PercpuSheaves {
  main: number | null;
  spare: number | null;
  rcu_free: number | null;
}

/** struct kmem_cache_cpu of the pre-series allocator */
export interface KmemCacheCpu {
  slab: number | null;
  freelist: number[];
  tid: number;
}

export interface RcuCallback {
  id: number;
  cpu: number;
  fn: string;
  sheaf: number;
  /** the CPU it was queued on, when CPU hotplug moved it to another one (rcu_barrier() counts it there) */
  queuedOn?: number;
  /** Readers (task@epoch) that were inside rcu_read_lock() at call_rcu time. */
  readers: string[];
}

export interface CpuState {
  /** Task holding irqs disabled (local_lock_irqsave), or the softirq running on this CPU. */
  irqOwner: string | null;
  /** Task holding preemption disabled (local_lock). */
  preemptOwner: string | null;
  /** nesting of the sections interpreted C entered (spin_lock_irqsave inside local_lock, ...) */
  irqDepth?: number;
  preemptDepth?: number;
}

/** A lock instance (one per C lock expression; cpu_hotplug_lock is a percpu rw-semaphore). */
export interface LockState {
  /** the task holding it exclusively (a mutex/spinlock owner, the hotplug writer) */
  owner: string | null;
  /** tasks holding it for read (cpu_hotplug_lock) */
  readers: string[];
  /** a writer that announced itself and waits for the readers: new readers block */
  writerWaiting?: string;
  /** where the owner (or the waiting writer) took it: fn:line */
  at?: string;
  readersAt?: Record<string, string>;
  /** taken with an _irq/_irqsave form: irqs are off on the owner's CPU until it is released */
  irq?: boolean;
}

export interface WorkItem {
  key: string;
  cpu: number;
  fn: string;
  task: string;
  pending: boolean;
}

export type Value = number | boolean | string | null | number[] | string[] | ValueRecord;
/** A struct value held in a local of interpreted C (freelist_aba_t). */
export interface ValueRecord {
  [field: string]: Value;
}

export type Frame =
  /** A statement list. `fnFrame` frames hold the function's locals. */
  | {
      k: 'body';
      fn: string;
      body: Stmt[];
      pc: number;
      locals?: Record<string, Value>;
      assign?: string;
      assignTo?: number;
    }
  /** for_each_online_cpu / for_each_kmem_cache_node: iteration i of the loop statement */
  | { k: 'loop'; fn: string; stmt: Extract<Stmt, { op: 'for_each' }>; i: number; probed?: number }
  /** A leaf model at a phase; `data` is the model's own scratch (snapshots taken in earlier phases). */
  | {
      k: 'leaf';
      fn: string;
      phase: number;
      args: Record<string, Value>;
      data: Record<string, Value>;
      anchor?: Stmt['anchor'];
      assign?: string;
    }
  /**
   * A C function interpreted from its body (cir.ts): instruction `pc` of its code; `to` is where
   * the caller keeps the result (a C lvalue in a C caller, a local name in an IR body).
   */
  | {
      k: 'c';
      fn: string;
      pc: number;
      locals: Record<string, Value>;
      to?: CExpr;
      assign?: string;
      anchor?: Stmt['anchor'];
      loops?: number;
    };

export interface Task {
  id: string;
  cpu: number;
  ctx: Context;
  frames: Frame[];
  done: boolean;
  /** Persistent service tasks (softirq rcu_core) are idle, not stuck, when they have nothing to do. */
  service?: boolean;
  /** A finished thread's locals (herd's registers: `0:r0=1` in a scenario file's exists clause). */
  regs?: Record<string, Value>;
}

export interface Violation {
  property: string;
  message: string;
  step: number;
  task: string;
}

export interface State {
  cache: { name: string; cpu_sheaves: boolean; sheaf_capacity: number; refcount: number; flags: string[] };
  ncpus: number;
  nnodes: number;
  cpus: CpuState[];
  slabs: Slab[];
  objects: SlabObject[];
  sheaves: Sheaf[];
  pcs: PercpuSheaves[];
  barn: { full: number[]; empty: number[] };
  cpuSlab: KmemCacheCpu[];
  rcu: {
    cbs: RcuCallback[];
    nextCb: number;
    /** per CPU: callbacks ever queued / completed (queues run in order), for rcu_barrier() */
    queued: number[];
    completed: number[];
    readers: Record<string, { depth: number; epoch: number }>;
  };
  quarantine: number[][];
  works: WorkItem[];
  /** lock instances by C expression (`&slab_mutex`), and cpu_hotplug_lock */
  locks: Record<string, LockState>;
  /** cpu_online_mask: false while a CPU is offline (CPU hotplug) */
  online: boolean[];
  tasks: Task[];
  warnings: string[];
  violation: Violation | null;
  /** Every property violated so far, in order (violation is the first); for exists clauses. */
  events?: string[];
  steps: number;
}

const cloneFrame = (f: Frame): Frame => {
  if (f.k === 'body') return f.locals ? { ...f, locals: { ...f.locals } } : { ...f };
  if (f.k === 'loop') return { ...f };
  if (f.k === 'c') return { ...f, locals: { ...f.locals } };
  const data: Record<string, Value> = {};
  for (const key in f.data) {
    const v = f.data[key];
    data[key] = Array.isArray(v) ? v.slice() : v;
  }
  return { ...f, data };
};

function cloneLocks(locks: Record<string, LockState>): Record<string, LockState> {
  const out: Record<string, LockState> = {};
  for (const k in locks) {
    const l = locks[k];
    out[k] = { ...l, readers: l.readers.slice() };
    if (l.readersAt) out[k].readersAt = { ...l.readersAt };
  }
  return out;
}

/** Structure-aware deep copy (programs are shared, never copied). */
export function cloneState(s: State): State {
  return {
    cache: { ...s.cache },
    ncpus: s.ncpus,
    nnodes: s.nnodes,
    cpus: s.cpus.map((c) => ({ ...c })),
    slabs: s.slabs.map((x) => ({ ...x, freelist: x.freelist.slice() })),
    objects: s.objects.map((o) => ({ ...o })),
    sheaves: s.sheaves.map((x) => ({ ...x, objects: x.objects.slice() })),
    pcs: s.pcs.map((p) => ({ ...p })),
    barn: { full: s.barn.full.slice(), empty: s.barn.empty.slice() },
    cpuSlab: s.cpuSlab.map((c) => ({ ...c, freelist: c.freelist.slice() })),
    rcu: {
      cbs: s.rcu.cbs.map((c) => ({ ...c })),
      nextCb: s.rcu.nextCb,
      queued: s.rcu.queued.slice(),
      completed: s.rcu.completed.slice(),
      readers: Object.fromEntries(Object.entries(s.rcu.readers).map(([k, v]) => [k, { ...v }])),
    },
    quarantine: s.quarantine.map((q) => q.slice()),
    works: s.works.map((w) => ({ ...w })),
    locks: cloneLocks(s.locks),
    online: s.online.slice(),
    tasks: s.tasks.map((t) => ({ ...t, frames: t.frames.map(cloneFrame) })),
    warnings: s.warnings.slice(),
    violation: s.violation,
    events: s.events?.slice(),
    steps: s.steps,
  };
}

/**
 * RCU callbacks named by their place in their CPU's queue, not by the order call_rcu() ran in:
 * two call_rcu() on different CPUs commute (the explorers take them as independent), and only
 * each CPU's queue order is observable (rcu_do_batch takes its CPU's head).
 */
function canonicalCbs(s: State): { cbs: unknown[]; name: Map<number, string> } {
  const name = new Map<number, string>();
  const at = new Array<number>(s.ncpus).fill(0);
  for (const cb of s.rcu.cbs) name.set(cb.id, `${cb.cpu}.${at[cb.cpu]++}`);
  const cbs = s.rcu.cbs
    .map((cb) => [name.get(cb.id)!, cb.fn, cb.sheaf, cb.queuedOn ?? null, cb.readers] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : 1));
  return { cbs, name };
}

/** A canonical key for state sets (steps and warnings text excluded: same allocator + control state). */
export function stateKey(s: State): string {
  const { cbs, name } = canonicalCbs(s);
  const where = (w: Where): string =>
    w.startsWith('rcu_cb:') ? `rcu_cb:${name.get(Number(w.slice(7))) ?? w.slice(7)}` : w;
  // tasks, work items and readers by name: the order two CPUs spawned or queued them in is not state
  const byName = <T>(xs: T[], nameOf: (x: T) => string) => xs.slice().sort((a, b) => (nameOf(a) < nameOf(b) ? -1 : 1));
  // a task's CPU too: hotplug moves tasks, and a CPU renaming (symmetry.ts) moves a thread
  const tasks = byName(s.tasks, (t) => t.id).map((t) => [
    t.id,
    t.cpu,
    t.done,
    t.frames.map((f) =>
      f.k === 'body'
        ? ['b', f.fn, f.pc, f.locals ?? null]
        : f.k === 'loop'
          ? ['l', f.fn, f.i, f.probed ?? null]
          : f.k === 'c'
            ? ['c', f.fn, f.pc, f.locals]
            : ['f', f.fn, f.phase, f.data],
    ),
    t.regs ?? null,
  ]);
  return JSON.stringify([
    s.cache.refcount,
    s.cpus,
    s.slabs,
    s.objects.map((o) => (o.fp === undefined ? where(o.where) : [where(o.where), o.fp])),
    s.sheaves,
    s.pcs,
    s.barn,
    s.cpuSlab,
    [cbs, s.rcu.nextCb, s.rcu.queued, s.rcu.completed, byName(Object.entries(s.rcu.readers), ([t]) => t)],
    s.quarantine,
    byName(s.works, (w) => w.key),
    // who holds what (not where it was taken: the same lock state reached two ways is one state)
    // in the order of the names: which lock was first taken ever is not state
    Object.entries(s.locks)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .filter(([, l]) => l.owner !== null || l.readers.length || l.writerWaiting)
      .map(([k, l]) => [k, l.owner, l.readers, l.writerWaiting ?? null]),
    s.online,
    tasks,
    // which properties were violated, not which first: two steps of different tasks that each
    // violate one touch nothing in common, so dpor takes them as independent and runs one order
    s.violation !== null,
    s.events?.slice().sort() ?? null,
  ]);
}

/** Flat view of the allocator (not control) state, for "what changed in this step". */
export function flatView(s: State): Record<string, string> {
  const v: Record<string, string> = {};
  const sheaf = (id: number | null) =>
    id === null ? 'NULL' : `sheaf#${id}[${s.sheaves[id].objects.map((o) => 'o' + o).join(',')}]`;
  s.pcs.forEach((p, c) => {
    if (!s.cache.cpu_sheaves) return;
    v[`cpu${c}.pcs.main`] = sheaf(p.main);
    v[`cpu${c}.pcs.spare`] = sheaf(p.spare);
    v[`cpu${c}.pcs.rcu_free`] = sheaf(p.rcu_free);
  });
  s.cpuSlab.forEach((k, c) => {
    if (k.slab === null && k.freelist.length === 0 && k.tid === c) return;
    v[`cpu${c}.kmem_cache_cpu`] =
      `slab=${k.slab === null ? 'NULL' : 'slab#' + k.slab} freelist=[${k.freelist.map((o) => 'o' + o).join(',')}] tid=${k.tid}`;
  });
  s.cpus.forEach((c, i) => {
    if (c.irqOwner) v[`cpu${i}.irqs_off`] = c.irqOwner;
    if (c.preemptOwner) v[`cpu${i}.preempt_off`] = c.preemptOwner;
  });
  s.slabs.forEach((sl) => {
    v[`slab#${sl.id}`] = sl.discarded
      ? 'discarded'
      : `inuse=${sl.inuse}/${sl.objects}${sl.frozen ? ' frozen' : ''} freelist=[${sl.freelist.map((o) => 'o' + o).join(',')}]`;
  });
  s.objects.forEach((o) => (v[`o${o.id}`] = o.where));
  s.quarantine.forEach((q, c) => {
    if (q.length) v[`kasan.quarantine.cpu${c}`] = `[${q.map((o) => 'o' + o).join(',')}]`;
  });
  s.rcu.cbs.forEach((cb) => (v[`rcu.cb#${cb.id}`] = `${cb.fn}(sheaf#${cb.sheaf}) on cpu${cb.cpu}`));
  if (s.barn.full.length || s.barn.empty.length) v['barn'] = `full=${s.barn.full.length} empty=${s.barn.empty.length}`;
  s.works.forEach((w) => (v[`work.${w.key}`] = w.pending ? `pending ${w.fn}` : `idle ${w.fn}`));
  for (const [k, l] of Object.entries(s.locks)) {
    const who = [
      l.owner ? `held by ${l.owner}` : '',
      l.readers.length ? `read by ${l.readers.join(', ')}` : '',
      l.writerWaiting ? `writer ${l.writerWaiting} waiting` : '',
    ]
      .filter(Boolean)
      .join('; ');
    if (who) v[`lock.${k}`] = who;
  }
  s.online.forEach((on, c) => {
    if (!on) v[`cpu${c}.online`] = 'offline';
  });
  return v;
}

export function diffViews(
  a: Record<string, string>,
  b: Record<string, string>,
): { key: string; from: string | null; to: string | null }[] {
  const out: { key: string; from: string | null; to: string | null }[] = [];
  for (const k of Object.keys(b)) if (a[k] !== b[k]) out.push({ key: k, from: a[k] ?? null, to: b[k] });
  for (const k of Object.keys(a)) if (!(k in b)) out.push({ key: k, from: a[k], to: null });
  return out;
}
