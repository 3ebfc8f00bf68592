// A scenario = configuration + initial state (setup ops, run once, not explored) + threads +
// the properties to check. JSON-serialisable: traces embed it so they replay on their own.

import type { CFuncSet } from './cir';
import type { Program, ProgramSet } from './ir';
import type { Switches } from './model';
import { callRcu } from './models/common';
import type { State } from './state';

export type SetupOp =
  /** a new slab with `objects` objects on node 0, all free */
  | { op: 'new_slab'; objects: number }
  /** allocate object `obj` (from its slab's freelist) */
  | { op: 'alloc'; obj: number }
  /** kfree_rcu(obj) on `cpu`: __kfree_rcu_sheaf puts it into pcs->rcu_free */
  | { op: 'kfree_rcu'; obj: number; cpu: number }
  /** kmem_cache_free(obj) on `cpu` into pcs->main */
  | { op: 'free_to_main'; obj: number; cpu: number }
  /** flush_rcu_sheaf() already ran on `cpu`: its rcu_free sheaf was handed to call_rcu() */
  | { op: 'call_rcu_sheaf'; cpu: number }
  /** make `slab` the cpu slab of `cpu` (pre-series allocator): frozen, its freelist taken */
  | { op: 'cpu_slab'; slab: number; cpu: number };

export interface ThreadSpec {
  id: string;
  cpu: number;
  program: Program;
  /** the thread's variables at start (the hotplug thread's `cpu`) */
  locals?: Record<string, number>;
}

export interface Scenario {
  id: string;
  title: string;
  /** what the thread in the seed says of it; shown by `list` */
  description: string;
  fact?: string;
  /** expected verdict, from the mailing-list analysis (for the demo table and tests) */
  expect?: 'pass' | 'fail';
  expectProperty?: string;
  ncpus: number;
  config: Record<string, boolean>;
  switches: Switches;
  cache: { name: string; cpu_sheaves: boolean; sheaf_capacity: number; refcount: number; flags: string[] };
  setup: SetupOp[];
  threads: ThreadSpec[];
  /** orchestration programs (kmem_cache_destroy, ...): built-in, or extracted from C by the server */
  programs: ProgramSet;
  /** functions interpreted from their C bodies (lowered by the server); preferred over leaf models */
  cfuncs?: CFuncSet;
  /** built-in programs, or IR extracted from C text by the server (no replay token then) */
  source?: 'builtin' | 'extracted';
  /**
   * CPU hotplug: a thread on the control CPU takes `cpu` down at any point (cpus_write_lock,
   * takedown_cpu, the cpuhp teardown callbacks `teardown` (programs), cpus_write_unlock) and,
   * with `up`, brings it back.
   */
  hotplug?: { cpu: number; up: boolean; teardown: string[] };
  /** at the end, objects outside their slabs (sheaves, quarantine, rcu) are a leak */
  checkLeak?: boolean;
}

/** One setup operation on the initial state (objects allocated, freed to a sheaf, a cpu slab…). */
function applySetupOp(s: State, op: SetupOp): void {
  const cpuOk = (cpu: number) => {
    if (cpu < 0 || cpu >= s.ncpus) throw new Error(`setup uses cpu ${cpu}, but the scenario has ${s.ncpus} CPUs`);
  };
  const objOk = (obj: number) => {
    if (!s.objects[obj]) throw new Error(`setup uses object o${obj}, which no slab holds`);
  };
  const sheafOf = (cpu: number, which: 'main' | 'rcu_free') => {
    let id = s.pcs[cpu][which];
    if (id === null) {
      id = s.sheaves.length;
      s.sheaves.push({ id, objects: [] });
      s.pcs[cpu][which] = id;
    }
    return s.sheaves[id];
  };
  switch (op.op) {
    case 'new_slab': {
      const id = s.slabs.length;
      const objs: number[] = [];
      for (let i = 0; i < op.objects; i++) {
        objs.push(s.objects.length);
        s.objects.push({ id: s.objects.length, slab: id, where: 'slab' });
      }
      s.slabs.push({ id, node: 0, objects: op.objects, inuse: 0, freelist: objs, frozen: false, discarded: false });
      break;
    }
    case 'alloc': {
      objOk(op.obj);
      const o = s.objects[op.obj];
      const sl = s.slabs[o.slab];
      if (sl.frozen) {
        const c = s.cpuSlab.find((k) => k.slab === sl.id)!;
        c.freelist = c.freelist.filter((x) => x !== o.id);
      } else {
        sl.freelist = sl.freelist.filter((x) => x !== o.id);
        sl.inuse++;
      }
      o.where = 'allocated';
      break;
    }
    case 'kfree_rcu':
    case 'free_to_main': {
      // kfree_rcu() fills the CPU's rcu_free sheaf; a plain free its main sheaf
      const which = op.op === 'kfree_rcu' ? 'rcu_free' : 'main';
      cpuOk(op.cpu);
      objOk(op.obj);
      sheafOf(op.cpu, which).objects.push(op.obj);
      s.objects[op.obj].where = `${which}:${op.cpu}`;
      break;
    }
    case 'call_rcu_sheaf': {
      cpuOk(op.cpu);
      const id = s.pcs[op.cpu].rcu_free;
      if (id === null) throw new Error(`setup: cpu ${op.cpu} has no rcu_free sheaf to hand to call_rcu`);
      s.pcs[op.cpu].rcu_free = null;
      callRcu(s, op.cpu, 'rcu_free_sheaf_nobarn', id);
      break;
    }
    case 'cpu_slab': {
      cpuOk(op.cpu);
      const sl = s.slabs[op.slab];
      if (!sl) throw new Error(`setup uses slab#${op.slab}, which does not exist`);
      const c = s.cpuSlab[op.cpu];
      sl.frozen = true;
      c.slab = sl.id;
      c.freelist = sl.freelist;
      for (const o of sl.freelist) s.objects[o].where = `cpu_freelist:${op.cpu}`;
      sl.freelist = [];
      sl.inuse = sl.objects;
      break;
    }
  }
}

export function applySetup(sc: Scenario): State {
  const n = sc.ncpus;
  const s: State = {
    cache: { ...sc.cache, flags: sc.cache.flags.slice() },
    ncpus: n,
    nnodes: 1,
    cpus: Array.from({ length: n }, () => ({ irqOwner: null, preemptOwner: null })),
    slabs: [],
    objects: [],
    sheaves: [],
    pcs: Array.from({ length: n }, () => ({ main: null, spare: null, rcu_free: null })),
    barn: { full: [], empty: [] },
    cpuSlab: Array.from({ length: n }, (_, c) => ({ slab: null, freelist: [], tid: c })),
    rcu: { cbs: [], nextCb: 0, queued: Array(n).fill(0), completed: Array(n).fill(0), readers: {} },
    quarantine: Array.from({ length: n }, () => []),
    works: [],
    locks: {},
    online: Array(n).fill(true),
    tasks: [],
    warnings: [],
    violation: null,
    steps: 0,
  };
  for (const op of sc.setup) applySetupOp(s, op);
  return s;
}
