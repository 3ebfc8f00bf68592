// CPU renamings for symmetry reduction (symmetry.ts): a permutation π of CPUs, with the objects,
// slabs and sheaves the setup tied to each CPU renamed along (the k-th object of CPU c's bundle
// becomes the k-th object of π(c)'s bundle), applied to a whole state, to task names and to
// footprint keys. Ids created at run time (new sheaves, RCU callbacks) are counts, the same under
// any renaming, so they stay.

import type { Footprint } from './model';
import type { Frame, State, Task, Value, Where } from './state';

/** What the setup tied to each CPU: the ids of its objects, slabs and sheaves, in increasing order. */
export interface Bundle {
  objs: number[];
  slabs: number[];
  sheaves: number[];
}

/** A CPU permutation with the id maps it induces; `null` maps mean "fixed". */
export class Renaming {
  readonly obj = new Map<number, number>();
  readonly slab = new Map<number, number>();
  readonly sheaf = new Map<number, number>();

  constructor(
    readonly cpu: number[],
    bundles: Bundle[],
  ) {
    cpu.forEach((to, from) => {
      if (to === from) return;
      const a = bundles[from];
      const b = bundles[to];
      a.objs.forEach((x, k) => this.obj.set(x, b.objs[k]));
      a.slabs.forEach((x, k) => this.slab.set(x, b.slabs[k]));
      a.sheaves.forEach((x, k) => this.sheaf.set(x, b.sheaves[k]));
    });
  }

  get identity(): boolean {
    return this.cpu.every((to, from) => to === from);
  }

  c = (n: number): number => this.cpu[n] ?? n;
  o = (n: number): number => this.obj.get(n) ?? n;
  sl = (n: number): number => this.slab.get(n) ?? n;
  sh = (n: number | null): number | null => (n === null ? null : (this.sheaf.get(n) ?? n));

  /** The inverse permutation (with its own id maps). */
  inverse(bundles: Bundle[]): Renaming {
    const inv = new Array<number>(this.cpu.length);
    this.cpu.forEach((to, from) => (inv[to] = from));
    return new Renaming(inv, bundles);
  }

  /** this, then `next` */
  then(next: Renaming, bundles: Bundle[]): Renaming {
    return new Renaming(
      this.cpu.map((to) => next.cpu[to]),
      bundles,
    );
  }

  /** Task names that carry a CPU: the softirq and the kworkers bound to it. */
  task = (id: string): string => {
    let m = /^rcu_core\/(\d+)$/.exec(id);
    if (m) return `rcu_core/${this.c(Number(m[1]))}`;
    m = /^kworker\/(\d+):(.*)$/.exec(id);
    if (m) return `kworker/${this.c(Number(m[1]))}:${m[2]}`;
    return id;
  };

  mapTasks = (ids: string[]): string[] => ids.map(this.task);

  /** A work item's key, `work@cpu`. */
  work = (key: string): string => {
    const m = /^(.*)@(\d+)$/.exec(key);
    return m ? `${m[1]}@${this.c(Number(m[2]))}` : key;
  };

  where = (w: Where): Where => {
    const m = /^(main|spare|rcu_free|quarantine|cpu_freelist|sheaf):(\d+)$/.exec(w);
    if (!m) return w;
    const n = Number(m[2]);
    return `${m[1]}:${m[1] === 'sheaf' ? this.sh(n) : this.c(n)}` as Where;
  };

  /** A footprint key in these names, or undefined when its kind is not known here. */
  key = (k: string): string | undefined => {
    const m = /^(cpu|c|pcs|rcu:cbs|rcu:run|rcu:done|quarantine|irq|preempt|obj|slab|sheaf):(\d+)$/.exec(k);
    if (m) {
      const n = Number(m[2]);
      const to = m[1] === 'obj' ? this.o(n) : m[1] === 'slab' ? this.sl(n) : m[1] === 'sheaf' ? this.sh(n) : this.c(n);
      return `${m[1]}:${to}`;
    }
    if (k.startsWith('work:')) return `work:${this.work(k.slice(5))}`;
    // workqueue.ts: an item pending under its kworker, and the kworker name a queue_work_on takes
    if (k.startsWith('pending:')) return `pending:${this.work(k.slice(8))}`;
    if (k.startsWith('kworker/')) return this.task(k);
    if (k === 'rcu:readers' || k === 'online' || k === 'barn' || k.startsWith('lock:') || k.startsWith('own:'))
      return k;
    if (k.startsWith('read:') || k.startsWith('write:')) return k;
    return undefined;
  };

  /** A footprint in these names, or undefined when one of its keys is of a kind not known here. */
  footprint(fp: Footprint): Footprint | undefined {
    const map = (ks: string[] | undefined): string[] | undefined | null => {
      if (!ks) return undefined;
      const out: string[] = [];
      for (const k of ks) {
        const to = this.key(k);
        if (to === undefined) return null;
        out.push(to);
      }
      return out;
    };
    const r = map(fp.r);
    const w = map(fp.w);
    const wait = map(fp.wait);
    const holds = map(fp.holds);
    const blockedBy = map(fp.blockedBy);
    if (r === null || w === null || wait === null || holds === null || blockedBy === null) return undefined;
    const out: Footprint = { r: r!, w: w! };
    if (wait) out.wait = wait;
    if (holds) out.holds = holds;
    if (blockedBy) out.blockedBy = blockedBy;
    return out;
  }
}

/** Per-CPU arrays: out[π(c)] = f(in[c]). */
function permute<T, U>(xs: T[], r: Renaming, f: (x: T) => U): U[] {
  const out = new Array<U>(xs.length);
  xs.forEach((x, c) => (out[r.c(c)] = f(x)));
  return out;
}

/** Leaf frames whose args and data hold CPUs or work keys, by field (the rest symmetry.ts left fixed). */
const TYPED: Record<string, Record<string, 'cpu' | 'cpus' | 'work' | 'keep'>> = {
  // cb: a callback's id, a count that no renaming changes
  rcu_do_batch: { q: 'cpu', cb: 'keep' },
  rcu_barrier: { target: 'cpus' },
  process_one_work: { key: 'work' },
  queue_work_on: { cpu: 'cpu' },
  flush_work: { cpu: 'cpu' },
};

export const typedFields = (fn: string) => TYPED[fn];

function renameFields(fn: string, rec: Record<string, Value>, r: Renaming): Record<string, Value> {
  const types = TYPED[fn];
  if (!types) return rec;
  const out: Record<string, Value> = { ...rec };
  for (const [k, t] of Object.entries(types)) {
    const v = rec[k];
    if (v === undefined || v === null) continue;
    if (t === 'keep') continue;
    if (t === 'cpu') out[k] = r.c(Number(v));
    else if (t === 'work') out[k] = r.work(String(v));
    else out[k] = permute(v as number[], r, (x) => x);
  }
  return out;
}

/** Body locals named per CPU (`skip#2`, from `sfw->skip` with `sfw = &per_cpu(slub_flush, cpu)`). */
function renameLocals(locals: Record<string, Value>, r: Renaming): Record<string, Value> {
  const out: Record<string, Value> = {};
  for (const [k, v] of Object.entries(locals)) {
    const m = /^(.*)#(\d+)$/.exec(k);
    out[m ? `${m[1]}#${r.c(Number(m[2]))}` : k] = v;
  }
  return out;
}

function renameFrame(f: Frame, r: Renaming): Frame {
  if (f.k === 'leaf') return { ...f, args: renameFields(f.fn, f.args, r), data: renameFields(f.fn, f.data, r) };
  if (f.k === 'body' && f.locals) return { ...f, locals: renameLocals(f.locals, r) };
  return f;
}

function renameTask(t: Task, r: Renaming): Task {
  return { ...t, id: r.task(t.id), cpu: r.c(t.cpu), frames: t.frames.map((f) => renameFrame(f, r)) };
}

const reader = (x: string, r: Renaming) => {
  const at = x.lastIndexOf('@');
  return `${r.task(x.slice(0, at))}${x.slice(at)}`;
};

/** Per-id arrays: out[map(i)] = f(in[i]). */
function reindex<T>(xs: T[], map: (n: number) => number, f: (x: T) => T): T[] {
  const out = new Array<T>(xs.length);
  xs.forEach((x, i) => (out[map(i)] = f(x)));
  return out;
}

/**
 * The state under the renaming, for its key: every CPU, object, slab, sheaf and task name in
 * it is renamed (warnings and where locks were taken, which the key leaves out, are not).
 */
export function renameState(s: State, r: Renaming): State {
  const sh = (n: number | null) => r.sh(n);
  return {
    ...s,
    cpus: permute(s.cpus, r, (c) => ({
      ...c,
      irqOwner: c.irqOwner && r.task(c.irqOwner),
      preemptOwner: c.preemptOwner && r.task(c.preemptOwner),
    })),
    slabs: reindex(s.slabs, r.sl, (x) => ({ ...x, id: r.sl(x.id), freelist: x.freelist.map(r.o) })),
    objects: reindex(s.objects, r.o, (o) => ({ ...o, id: r.o(o.id), slab: r.sl(o.slab), where: r.where(o.where) })),
    sheaves: reindex(
      s.sheaves,
      (n) => r.sh(n)!,
      (x) => ({ ...x, id: r.sh(x.id)!, objects: x.objects.map(r.o) }),
    ),
    pcs: permute(s.pcs, r, (p) => ({ main: sh(p.main), spare: sh(p.spare), rcu_free: sh(p.rcu_free) })),
    barn: { full: s.barn.full.map((n) => r.sh(n)!), empty: s.barn.empty.map((n) => r.sh(n)!) },
    // c->tid starts at the CPU's number and only counts up: it moves with its CPU
    cpuSlab: s.cpuSlab.map((_, to) => {
      const from = r.cpu.indexOf(to);
      const k = s.cpuSlab[from];
      return {
        slab: k.slab === null ? null : r.sl(k.slab),
        freelist: k.freelist.map(r.o),
        tid: k.tid - from + to,
      };
    }),
    rcu: {
      ...s.rcu,
      cbs: s.rcu.cbs.map((cb) => ({
        ...cb,
        cpu: r.c(cb.cpu),
        queuedOn: cb.queuedOn === undefined ? undefined : r.c(cb.queuedOn),
        sheaf: r.sh(cb.sheaf)!,
        readers: cb.readers.map((x) => reader(x, r)),
      })),
      queued: permute(s.rcu.queued, r, (x) => x),
      completed: permute(s.rcu.completed, r, (x) => x),
      readers: Object.fromEntries(Object.entries(s.rcu.readers).map(([t, v]) => [r.task(t), v])),
    },
    quarantine: permute(s.quarantine, r, (q) => q.map(r.o)),
    works: s.works.map((w) => ({ ...w, key: r.work(w.key), cpu: r.c(w.cpu), task: r.task(w.task) })),
    locks: Object.fromEntries(
      Object.entries(s.locks).map(([k, l]) => [
        k,
        {
          ...l,
          owner: l.owner && r.task(l.owner),
          readers: l.readers.map(r.task),
          writerWaiting: l.writerWaiting && r.task(l.writerWaiting),
        },
      ]),
    ),
    online: permute(s.online, r, (x) => x),
    tasks: s.tasks.map((t) => renameTask(t, r)),
  };
}
