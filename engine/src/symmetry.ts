// Symmetry reduction over CPUs (--symmetry): states that differ only by a renaming of CPUs share
// one key. Sound only where the renaming is an automorphism of everything still to run, so the
// key permutes just the CPUs that (1) the setup made interchangeable (same per-CPU setup, with
// their objects, slabs and sheaves renamed along: checked on the initial state), (2) no thread
// still running is pinned to, (3) no live for_each_online_cpu loop is still to visit (it visits
// in increasing order), and (4) nothing still to run can tell apart: no for_each loop over CPUs
// left in any task's future (programs still to run, work functions, RCU callbacks), no C body
// interpreted (its code is not read here), no number in a frame that may name one of them or its
// objects (those stay fixed), no model that walks CPUs in an order that shows in the state.
// See the README ("Search techniques") for the argument and for what is not covered.

import type { Machine } from './machine';
import { stateKey } from './state';
import type { Frame, State, Value } from './state';
import { FutureScan, merge, Scan } from './symScan';
import { Bundle, renameState, Renaming, typedFields } from './symRename';

export { Renaming } from './symRename';

/** What symmetry covered in one search (reported with the result). */
export interface SymmetryReport {
  /** CPUs the setup makes interchangeable, by class (singletons left out) */
  classes: number[][];
  /** why no state can be keyed up to a permutation, when none can */
  none?: string;
  /** states whose key permuted at least two CPUs */
  permuted: number;
  /** states keyed */
  keyed: number;
  /** cache hits through a permutation that was not the identity (stateful dpor: summaries mapped) */
  mappedHits: number;
  /** stateful dpor: hits refused because a footprint key was of a kind the renaming does not know */
  refusedHits: number;
}

/** One search's symmetry: the setup's classes, then per state the free CPUs and the key. */
export class Symmetry {
  readonly bundles: Bundle[] = [];
  /** class index per CPU (-1: not interchangeable with any other) */
  private readonly classOf: number[] = [];
  readonly report: SymmetryReport = { classes: [], permuted: 0, keyed: 0, mappedHits: 0, refusedHits: 0 };
  private readonly future: FutureScan;
  private readonly tie: { obj: Map<number, number>; slab: Map<number, number>; sheaf: Map<number, number> } = {
    obj: new Map(),
    slab: new Map(),
    sheaf: new Map(),
  };

  constructor(
    readonly m: Machine,
    unused?: string,
  ) {
    const sc = m.scenario;
    const s0 = m.initial();
    this.future = new FutureScan(m);
    this.classOf = new Array<number>(s0.ncpus).fill(-1);
    if (unused) this.report.none = unused;
    else if (sc.hotplug)
      this.report.none = 'CPU hotplug in the scenario (takedown_cpu moves tasks between CPUs by number)';
    else if (sc.cfuncs && Object.keys(sc.cfuncs).length)
      this.report.none = 'C bodies are interpreted (their code is not checked for CPU order)';
    this.bundle(s0);
    if (!this.report.none) this.classes(s0);
    if (!this.report.none && !this.report.classes.length)
      this.report.none = 'no two CPUs have the same setup (up to renaming) and no pinned thread';
  }

  /** The CPU each object, slab and sheaf of the setup belongs to (those that belong to one). */
  private bundle(s: State): void {
    const n = s.ncpus;
    const { obj, slab, sheaf } = this.tie;
    const conflict = new Set<number>();
    const put = (m: Map<number, number>, id: number, c: number) => {
      const was = m.get(id);
      if (was !== undefined && was !== c) conflict.add(was).add(c);
      else m.set(id, c);
    };
    s.pcs.forEach((p, c) => [p.main, p.spare, p.rcu_free].forEach((id) => id !== null && put(sheaf, id, c)));
    for (const cb of s.rcu.cbs) put(sheaf, cb.sheaf, cb.cpu);
    s.cpuSlab.forEach((k, c) => k.slab !== null && put(slab, k.slab, c));
    for (const o of s.objects) {
      const m = /^(?:main|spare|rcu_free|quarantine|cpu_freelist):(\d+)$/.exec(o.where);
      const cb = o.where.startsWith('rcu_cb:') ? s.rcu.cbs.find((x) => `rcu_cb:${x.id}` === o.where) : undefined;
      const c = m ? Number(m[1]) : cb?.cpu;
      if (c !== undefined) put(obj, o.id, c);
    }
    for (const sh of s.sheaves) for (const o of sh.objects) if (sheaf.has(sh.id)) put(obj, o, sheaf.get(sh.id)!);
    // a slab belongs to the CPU its tied objects belong to, and takes its other objects along
    for (const sl of s.slabs)
      for (const o of s.objects) if (o.slab === sl.id && obj.has(o.id)) put(slab, sl.id, obj.get(o.id)!);
    for (const o of s.objects) if (!obj.has(o.id) && slab.has(o.slab)) put(obj, o.id, slab.get(o.slab)!);
    for (let c = 0; c < n; c++) {
      const of = (m: Map<number, number>) =>
        [...m]
          .filter(([, x]) => x === c)
          .map(([id]) => id)
          .sort((a, b) => a - b);
      this.bundles.push({ objs: of(obj), slabs: of(slab), sheaves: of(sheaf) });
    }
    for (const c of conflict) this.classOf[c] = -2;
  }

  /** Classes of CPUs whose swap maps the initial state onto itself. */
  private classes(s0: State): void {
    const key0 = stateKey(s0);
    const n = s0.ncpus;
    const same = (a: Bundle, b: Bundle) =>
      a.objs.length === b.objs.length && a.slabs.length === b.slabs.length && a.sheaves.length === b.sheaves.length;
    const reps: number[] = [];
    for (let c = 0; c < n; c++) {
      if (this.classOf[c] === -2) {
        this.classOf[c] = -1;
        continue;
      }
      const k = reps.findIndex((r) => {
        if (!same(this.bundles[r], this.bundles[c])) return false;
        const swap = [...Array(n).keys()];
        swap[r] = c;
        swap[c] = r;
        return stateKey(renameState(s0, new Renaming(swap, this.bundles))) === key0;
      });
      if (k >= 0) this.classOf[c] = k;
      else {
        this.classOf[c] = reps.length;
        reps.push(c);
      }
    }
    const by = reps.map((_, k) => [...Array(n).keys()].filter((c) => this.classOf[c] === k));
    this.report.classes = by.filter((c) => c.length > 1);
    by.forEach((cs) => cs.length < 2 && cs.forEach((c) => (this.classOf[c] = -1)));
  }

  /** The key of a state up to the permutations allowed there, and the renaming it was taken under. */
  key(s: State): { key: string; r: Renaming | null } {
    this.report.keyed++;
    const free = this.report.none ? null : this.free(s);
    if (!free) return { key: stateKey(s), r: null };
    const r = this.choose(s, free);
    if (r.identity) return { key: stateKey(s), r: null };
    this.report.permuted++;
    return { key: stateKey(renameState(s, r)), r };
  }

  /**
   * The renaming to take the key under: each class's free CPUs sorted by what they hold (with
   * ids made relative to their bundles), onto the same CPU numbers in increasing order. Any
   * choice is sound (the key is the whole renamed state); a good one meets more states.
   */
  private choose(s: State, free: number[][]): Renaming {
    const perm = [...Array(s.ncpus).keys()];
    for (const cs of free) {
      const sigs = new Map(cs.map((c) => [c, this.signature(s, c)]));
      const sorted = cs
        .slice()
        .sort((a, b) => (sigs.get(a)! < sigs.get(b)! ? -1 : sigs.get(a)! > sigs.get(b)! ? 1 : a - b));
      sorted.forEach((c, k) => (perm[c] = cs[k]));
    }
    return new Renaming(perm, this.bundles);
  }

  /** What CPU c holds, in words that do not name it or its bundle's ids. */
  private signature(s: State, c: number): string {
    const b = this.bundles[c];
    const rel = (o: number) => {
      const k = b.objs.indexOf(o);
      if (k >= 0) return `b${k}`;
      return this.tie.obj.has(o) ? `x${this.bundles[this.tie.obj.get(o)!].objs.indexOf(o)}` : `o${o}`;
    };
    const sheaf = (id: number | null) => (id === null ? null : s.sheaves[id].objects.map(rel));
    const where = (w: string) => w.replace(/:(\d+)$/, (_, n) => (Number(n) === c ? ':self' : ':other'));
    const strip = (id: string | null) => id && id.replace(/\/\d+/, '/');
    const tasks = s.tasks.filter((t) => t.cpu === c).map((t) => [strip(t.id), t.done, t.frames.map(frameShape)]);
    tasks.sort((x, y) => (JSON.stringify(x) < JSON.stringify(y) ? -1 : 1));
    return JSON.stringify([
      [strip(s.cpus[c].irqOwner), strip(s.cpus[c].preemptOwner)],
      [sheaf(s.pcs[c].main), sheaf(s.pcs[c].spare), sheaf(s.pcs[c].rcu_free)],
      s.quarantine[c].map(rel),
      s.rcu.cbs.filter((cb) => cb.cpu === c).map((cb) => [cb.fn, sheaf(cb.sheaf), cb.readers.length]),
      [s.rcu.queued[c], s.rcu.completed[c], s.online[c]],
      s.works.filter((w) => w.cpu === c).map((w) => [w.key.replace(/@\d+$/, ''), w.fn, w.pending]),
      tasks,
      b.objs.map((o) => where(s.objects[o].where)),
      b.slabs.map((sl) => [s.slabs[sl].inuse, s.slabs[sl].freelist.map(rel), s.slabs[sl].discarded]),
      [s.cpuSlab[c].slab === null, s.cpuSlab[c].freelist.map(rel), s.cpuSlab[c].tid - c],
    ]);
  }

  /** Per class, the CPUs a renaming may move in this state (classes with fewer than two left out); null if none. */
  free(s: State): number[][] | null {
    const fixed = new Set<number>();
    if (!this.scanState(s, fixed)) return null;
    const out: number[][] = [];
    for (const cs of this.report.classes) {
      const f = cs.filter((c) => !fixed.has(c));
      if (f.length > 1) out.push(f);
    }
    return out.length ? out : null;
  }

  /** Fix what the state's frames, objects and locks can tell apart; false when that is everything. */
  private scanState(s: State, fixed: Set<number>): boolean {
    if (s.objects.some((o) => o.fp !== undefined)) return false;
    if (Object.keys(s.locks).some((k) => /\d/.test(k))) return false;
    const scans = new Map<string, Scan>();
    for (const t of s.tasks) {
      if (t.regs && !this.markValue(t.regs, fixed)) return false;
      if (t.done) continue;
      if (t.ctx === 'process') fixed.add(t.cpu); // a thread is pinned to its CPU
      const parts: Scan[] = [];
      for (const f of t.frames) {
        const scan = this.scanFrame(s, f, fixed);
        if (!scan) return false;
        parts.push(scan);
      }
      // a softirq runs the callbacks queued on its CPU, now and later
      if (t.service)
        parts.push(
          ...[...new Set(['rcu_free_sheaf_nobarn', ...s.rcu.cbs.map((cb) => cb.fn)])].map((fn) => this.future.fn(fn)),
        );
      const scan = merge(parts);
      if (scan.all) return false;
      for (const n of scan.lits) this.markNumber(n, fixed);
      scans.set(t.id, scan);
    }
    return this.orderFree(s, scans) && (![...scans.values()].some((x) => x.kasan) || this.oneOutPerSlab(s));
  }

  /**
   * The queue-then-flush loops are order-free only while no other task queues or flushes their
   * work item, and none of it is pending unless its task is inside those loops.
   */
  private orderFree(s: State, scans: Map<string, Scan>): boolean {
    for (const [id, scan] of scans) {
      for (const w of new Set(scan.orderFree)) {
        for (const [other, o] of scans) if (other !== id && o.works.includes(w)) return false;
        const pending = s.works.some((x) => x.pending && x.key.startsWith(`${w}@`));
        if (pending && !this.insideWorkLoops(s.tasks.find((t) => t.id === id)!.frames, w)) return false;
      }
    }
    return true;
  }

  /** The task is in a flush loop of w, or in a queue loop of w that a flush loop of w follows. */
  private insideWorkLoops(frames: Frame[], w: string): boolean {
    for (let i = frames.length - 1; i > 0; i--) {
      const f = frames[i];
      if (f.k !== 'loop' || f.stmt.body.length !== 1) continue;
      const b = f.stmt.body[0];
      if (b.op === 'flush_work' && b.work === w) return true;
      const up = frames[i - 1];
      const next = up.k === 'body' ? up.body[up.pc] : undefined;
      if (b.op === 'queue_work_on' && b.work === w && next?.op === 'for_each' && next.body[0]?.op === 'flush_work')
        return next.body[0].work === w;
    }
    return false;
  }

  /**
   * kasan_cache_shutdown() puts the quarantined objects back on their slabs in CPU order; that
   * order cannot show in a slab's freelist while every slab has at most one object off it (no
   * model takes an object off a slab's freelist, so this stays so).
   */
  private oneOutPerSlab(s: State): boolean {
    const out = new Map<number, number>();
    for (const o of s.objects) if (o.where !== 'slab') out.set(o.slab, (out.get(o.slab) ?? 0) + 1);
    return [...out.values()].every((n) => n <= 1);
  }

  /** What a frame may still do, with the numbers in it marked fixed; null when it tells every CPU apart. */
  private scanFrame(s: State, f: Frame, fixed: Set<number>): Scan | null {
    switch (f.k) {
      case 'c':
        return null;
      case 'body': {
        if (f.locals) {
          for (const [k, v] of Object.entries(f.locals)) {
            // `s` is the cache (0 by convention), per-CPU locals (`skip#2`) are renamed with their CPU
            if ((k === 's' && v === 0) || /#\d+$/.test(k)) continue;
            if (!this.markValue(v, fixed)) return null;
          }
        }
        return this.future.stmts(f.body.slice(f.pc));
      }
      case 'loop':
        // it visits the CPUs from i-1 (its current one) upwards in order: those stay where they are
        if (f.stmt.over === 'cpu') for (let c = Math.max(0, f.i - 1); c < s.ncpus; c++) fixed.add(c);
        return f.stmt.over === 'cpu' ? this.future.loopBody(f.stmt) : this.future.stmts(f.stmt.body);
      case 'leaf': {
        const parts = [this.future.fn(f.fn, true)];
        if (f.fn === 'process_one_work' && f.phase === 0) parts.push(this.future.fn(String(f.args.fn)));
        const typed = typedFields(f.fn) ?? {};
        for (const rec of [f.args, f.data])
          for (const [k, v] of Object.entries(rec)) if (!typed[k] && !this.markValue(v, fixed)) return null;
        return merge(parts);
      }
    }
  }

  /** A value in a frame may name a CPU, an object, a slab or a sheaf: all of them stay fixed. */
  private markValue(v: Value, fixed: Set<number>): boolean {
    if (v === null || typeof v === 'boolean') return true;
    if (typeof v === 'number') {
      this.markNumber(v, fixed);
      return true;
    }
    if (typeof v === 'string') return !/\d/.test(v);
    if (Array.isArray(v)) return (v as Value[]).every((x) => this.markValue(x, fixed));
    return Object.values(v).every((x) => this.markValue(x, fixed));
  }

  private markNumber(n: number, fixed: Set<number>): void {
    fixed.add(n);
    for (const m of [this.tie.obj, this.tie.slab, this.tie.sheaf]) {
      const c = m.get(n);
      if (c !== undefined) fixed.add(c);
    }
  }
}

/** A frame's shape for the signature (no ids). */
function frameShape(f: Frame): unknown {
  return f.k === 'leaf' ? [f.fn, f.phase] : f.k === 'loop' ? ['loop', f.fn, f.i] : [f.k, f.fn, f.pc];
}

/**
 * The orbit's least key over every permutation of each setup class (tests: a final state has
 * nothing left to run, so any renaming compares it "up to symmetry"; a few CPUs only).
 */
export function orbitKey(sym: Symmetry, s: State): string {
  const classes = sym.report.classes;
  let best = stateKey(s);
  const perms = (xs: number[]): number[][] =>
    xs.length <= 1 ? [xs] : xs.flatMap((x, i) => perms([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
  const walk = (k: number, perm: number[]) => {
    if (k === classes.length) {
      const key = stateKey(renameState(s, new Renaming(perm, sym.bundles)));
      if (key < best) best = key;
      return;
    }
    for (const p of perms(classes[k])) {
      const next = perm.slice();
      classes[k].forEach((c, i) => (next[c] = p[i]));
      walk(k + 1, next);
    }
  };
  walk(0, [...Array(s.ncpus).keys()]);
  return best;
}
