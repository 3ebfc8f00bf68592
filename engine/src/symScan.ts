// What a task may still run, read from the programs and models for symmetry.ts: whether it can
// tell CPUs apart (a loop over CPUs whose order shows, interpreted C, a leaf that walks CPUs by
// number), which numbers written in the program text it uses, and which work items it queues
// or flushes.

import type { Pred, Stmt } from './ir';
import type { Machine } from './machine';

/**
 * Leaves whose effect depends on the numeric order of CPUs, or that move things between CPUs:
 * the hotplug steps pick CPUs by number. (kasan_cache_shutdown() returns the quarantines to the
 * slabs in CPU order: `kasan` below, symmetry.ts checks when that order cannot show.)
 */
const ORDERED = new Set(['cpumask_next', 'workqueue_pick_cpu', 'takedown_cpu', 'bringup_cpu', '__pcs_flush_all_cpu']);

/** Functions a leaf model calls by name (c.call). */
const LEAF_CALLS: Record<string, string[]> = {
  rcu_free_sheaf_nobarn: ['do_slab_free'],
  pcs_flush_all: ['do_slab_free'],
  flush_cpu_slab: ['pcs_flush_all', 'flush_slab'],
  flush_cpu_sheaves: ['pcs_flush_all'],
};

export interface Scan {
  /** tells every CPU apart */
  all: boolean;
  /** numbers in the program text (`do_slab_free(s, 0)`): a CPU or an object, left fixed */
  lits: number[];
  /** work items (by name) it queues or flushes */
  works: string[];
  /** work items it queues and flushes in order-free loops (see loops()) */
  orderFree: string[];
  /** may run kasan_cache_shutdown() */
  kasan: boolean;
}

const NONE: Scan = { all: false, lits: [], works: [], orderFree: [], kasan: false };
const ALL: Scan = { ...NONE, all: true };

export const merge = (xs: Scan[]): Scan => ({
  all: xs.some((x) => x.all),
  lits: xs.flatMap((x) => x.lits),
  works: xs.flatMap((x) => x.works),
  orderFree: xs.flatMap((x) => x.orderFree),
  kasan: xs.some((x) => x.kasan),
});

/** Numbers written in the program text. */
const lits = (args: string[] | undefined): Scan => ({
  ...NONE,
  lits: (args ?? []).filter((a) => /^-?\d+$/.test(a)).map(Number),
});

type Loop = Extract<Stmt, { op: 'for_each' }>;

/** `for_each_online_cpu(cpu) queue_work_on(cpu, wq, &w)` or `... flush_work(&w)`: the work name and how. */
function workLoop(st: Stmt | undefined): { how: 'queue' | 'flush'; work: string; fn?: string } | undefined {
  if (!st || st.op !== 'for_each' || st.over !== 'cpu' || st.body.length !== 1) return undefined;
  const b = st.body[0];
  if (b.op === 'queue_work_on' && b.cpu === st.var) return { how: 'queue', work: b.work, fn: b.fn };
  if (b.op === 'flush_work' && b.cpu === st.var) return { how: 'flush', work: b.work };
  return undefined;
}

export class FutureScan {
  private readonly memo = new Map<string, Scan>();
  constructor(private readonly m: Machine) {}

  /** What calling fn may still do (leafOnly: the leaf model of that name, a frame already pushed). */
  fn(fn: string, leafOnly = false): Scan {
    const id = leafOnly ? `leaf:${fn}` : fn;
    const known = this.memo.get(id);
    if (known) return known;
    this.memo.set(id, NONE); // a recursive call adds nothing new
    let out: Scan;
    const prog = leafOnly ? undefined : this.m.programs[fn];
    if (this.m.interp.has(fn) && !leafOnly) out = ALL;
    else if (prog) out = this.stmts(prog);
    else if (!this.m.registry.leaf(fn) || ORDERED.has(fn)) out = ALL;
    else
      out = merge([
        ...(LEAF_CALLS[fn] ?? []).map((x) => this.fn(x)),
        { ...NONE, kasan: fn === 'kasan_cache_shutdown' },
      ]);
    this.memo.set(id, out);
    return out;
  }

  /**
   * A statement list. A loop over CPUs tells them apart by its order, except the two loops of
   * flush_all_cpus_locked() and flush_rcu_sheaves_on_cache(): queue a work item on every CPU,
   * then flush it on every CPU (README, "Search techniques": their order cannot show while no
   * other task queues or flushes that work item; symmetry.ts checks that in each state).
   */
  stmts(body: Stmt[]): Scan {
    const out: Scan[] = [];
    for (let i = 0; i < body.length; i++) {
      const st = body[i];
      const w = workLoop(st);
      const next = workLoop(body[i + 1]);
      if (w?.how === 'queue' && next?.how === 'flush' && next.work === w.work) {
        out.push(this.fn(w.fn!), { ...NONE, works: [w.work], orderFree: [w.work] });
        i++;
      } else if (w?.how === 'flush') out.push({ ...NONE, works: [w.work], orderFree: [w.work] });
      else out.push(this.stmt(st));
    }
    return merge(out);
  }

  /** The rest of a live loop's body, run for the CPUs still to come. */
  loopBody(st: Loop): Scan {
    const w = workLoop(st);
    if (w) return merge([w.fn ? this.fn(w.fn) : NONE, { ...NONE, works: [w.work] }]);
    return this.stmts(st.body);
  }

  private stmt(st: Stmt): Scan {
    switch (st.op) {
      case 'call':
        return merge([this.fn(st.fn), lits(st.args)]);
      case 'if':
        return merge([this.pred(st.cond), this.stmts(st.then), this.stmts(st.else ?? [])]);
      case 'for_each':
        return st.over === 'cpu' ? ALL : this.stmts(st.body);
      case 'queue_work_on':
        return merge([this.fn(st.fn), lits([st.cpu]), { ...NONE, works: [st.work] }]);
      case 'flush_work':
        return merge([lits([st.cpu]), { ...NONE, works: [st.work] }]);
      case 'lock':
        return /\d/.test(st.lock ?? '') ? ALL : NONE;
      case 'warn':
        return this.pred(st.cond);
      case 'set':
        return this.pred(st.value);
      case 'return':
        return st.value ? this.pred(st.value) : NONE;
      default:
        return NONE;
    }
  }

  private pred(p: Pred): Scan {
    switch (p.kind) {
      case 'call':
        return lits(p.args);
      case 'local':
        return lits(p.index ? [p.index] : []);
      case 'not':
        return this.pred(p.arg);
      case 'and':
      case 'or':
        return merge(p.args.map((a) => this.pred(a)));
      default:
        return NONE;
    }
  }
}
