// What stateful dpor remembers of a subtree it explored to the end: each step e that can be
// taken in it (task, footprint), and for each path the search took from the subtree's root to e,
// what a race of e with a step before the root needs: the steps that begin the path's sequences
// (its leads) and what e's past on the path touches (its cone). A later visit replays the
// subtree's races against its own path from these (dpor.ts, replayRaces()).

import { bitsDependent, bitsOrderedAfter, Cones, FpBits } from './dporCone';
import { races } from './model';
import type { Footprint } from './model';
import type { Renaming } from './symRename';

/** A step of a task, interned. `live`: see Dpor.blockedRace(). */
export interface Pair {
  task: string;
  fp: Footprint;
  live?: string[];
}

/**
 * One path from a subtree's root to a step e (pair id `e`), as far as races of e with steps
 * before the root go. `leads`, a lead set. The steps that hide such a race, as dpor's racesOf()
 * has it: those that happen before e's task's position (program order, dependence, creation)
 * and those that race with e, with what happens before them; as `firsts`, a set of the pair ids
 * of those that are the first step of their task on the path, and `past`, the cone of the
 * others; `cone`, the cone of them all, with e's task. A step x before the root races with e on
 * this path when it happens before none of them and none of their tasks.
 * `ran`, for a step its task never took (`live`): the tasks with a step on the path (a cone of
 * tasks only); -1 for others.
 */
export interface PathRec {
  e: number;
  leads: number;
  firsts: number;
  past: number;
  cone: number;
  ran: number;
}

export const UNCERTAIN = 1;
export const OWN = 2;
/**
 * A family of more than MAX_PATHS paths: a race with its step is taken wherever its task's
 * position does not already follow the path's step, with no known reversal (the hit is refused
 * and the state explored again). F1 at 5 CPUs: 4,985 states and 5,387 transitions with every
 * path kept, 5,997 with 16, 12,219 with 4; keeping every path cost more than it saved.
 */
export const TOP = -1;
const MAX_PATHS = 16;

/** A step taken, with the tasks it created (`born`), its bits and its cone. */
interface Edge {
  pair: number;
  task: string;
  bits: FpBits;
  born: readonly string[];
  cone: number;
}

/** Per step that can be taken in the subtree (a pair id): the id of its family of paths. */
export type Summary = Map<number, number>;

/**
 * A subtree's summary, made when first asked for (Summaries.summary()): most subtrees are never
 * met again, and carrying each one's summary up to its parent was most of the search's cost.
 */
export class LazySummary {
  /** the steps met at the subtree's root (its tasks' next steps) */
  readonly own: Summary = new Map();
  /** its children's summaries, with the step (edge) that led to each */
  parts: { edge: number; child: LazySummary }[] = [];
  constructor(public made?: Summary) {}
}

/**
 * The interned pairs, lead sets, cones, paths and families of one search. A lead set belongs to
 * one path the search took from a subtree's root to a step e in it: the first step of each task
 * on that path that nothing before it on the path happens before (a dependent earlier step, or
 * the step that created the task). Those are the initials (Abdulla et al.'s I(v)) of a reversed
 * sequence made of the path's steps, and they are the exact ones but for wait keys, which order
 * a step after a waker only when the waker may have let it run (dpor.ts): a lead only such a
 * step precedes is kept, marked uncertain. A lead is pair id × 4, + UNCERTAIN, + OWN when it is
 * e itself (e's task takes no step before it on the path). A family is the paths to e that the
 * search took, as path ids.
 */
export class Summaries {
  readonly pairs: Pair[] = [];
  private readonly pairIds = new Map<string, number>();
  /** pair ids by footprint object, then task and `live`: a footprint is often met again as the same object */
  private readonly byFp = new WeakMap<Footprint, Map<string, number>>();
  private readonly sets = new Interned(true);
  private readonly families = new Interned(true);
  private readonly firstSets = new Interned(true);
  readonly cones = new Cones();
  private readonly paths: PathRec[] = [];
  private readonly pathIds = new Map<string, number>();
  private readonly unions = new Map<number, Map<number, number>>();
  private readonly edges: Edge[] = [];
  private readonly edgeIds = new Map<string, number>();
  private readonly throughs = new Map<number, Map<number, number>>();
  private readonly pathThroughs = new Map<number, Map<number, number>>();
  private readonly leadThroughs = new Map<number, Map<number, number>>();
  private readonly firstThroughs = new Map<number, Map<number, number>>();
  private readonly firstKept: number[] = [];
  private readonly firstMoved: number[] = [];
  private readonly pairCones: number[] = [];
  private readonly owns: number[] = [];
  private readonly empty = this.cones.empty;
  private readonly none = this.firstSets.of([]);

  intern(task: string, fp: Footprint, live?: string[]): number {
    const sub = `${task}|${live?.join(',') ?? '*'}`;
    let m = this.byFp.get(fp);
    const hit = m?.get(sub);
    if (hit !== undefined) return hit;
    // the exclusion tokens too: races() reads them, and they differ with what the task holds
    const k = `${sub}|${fp.r.join(',')}|${fp.w.join(',')}|${(fp.wait ?? []).join(',')}|${(fp.holds ?? []).join(',')}|${(fp.blockedBy ?? []).join(',')}`;
    let id = this.pairIds.get(k);
    if (id === undefined) {
      id = this.pairs.length;
      this.pairs.push({ task, fp, live });
      this.pairIds.set(k, id);
    }
    if (!m) this.byFp.set(fp, (m = new Map()));
    m.set(sub, id);
    return id;
  }

  /** The paths (ids) of a family. */
  family(f: number): readonly number[] {
    return this.families.get(f);
  }

  path(id: number): PathRec {
    return this.paths[id];
  }

  /** The leads of a lead set (pair id × 4 + flags). */
  leads(set: number): readonly number[] {
    return this.sets.get(set);
  }

  /** The cone of one step (a pair id). */
  coneOfPair(pair: number): number {
    let c = this.pairCones[pair];
    if (c === undefined) this.pairCones[pair] = c = this.cones.step(this.pairs[pair].task, this.pairs[pair].fp);
    return c;
  }

  /** The pair ids of a path's past steps that are the first of their task on it. */
  firsts(id: number): readonly number[] {
    return this.firstSets.get(id);
  }

  /** The family of a step met where it is the next step of its task: it is its own lead, and nothing hides its races but its task's position. */
  own(pair: number): number {
    const known = this.owns[pair];
    if (known !== undefined) return known;
    const { task, live } = this.pairs[pair];
    const cone = this.cones.ofTasks([task]);
    const path = this.pathOf(pair, this.sets.of([pair * 4 + OWN]), this.none, this.empty, cone, live ? this.empty : -1);
    return (this.owns[pair] = this.families.of([path]));
  }

  /**
   * A summary in the names of a CPU renaming (--symmetry): the subtree below a state reached
   * under the renaming is the cached subtree renamed. Undefined when a footprint key is of a
   * kind the renaming does not know.
   */
  renamed(s: Summary, to: Renaming): Summary | undefined {
    const pair = (id: number) => {
      const { task, fp, live } = this.pairs[id];
      const fq = to.footprint(fp);
      return fq && this.intern(to.task(task), fq, live && to.mapTasks(live));
    };
    const cone = (id: number) => {
      const c = this.cones.named(id);
      const fq = to.footprint(c);
      return fq && this.cones.of({ r: fq.r, w: fq.w, wait: fq.wait ?? [], tasks: to.mapTasks(c.tasks) });
    };
    const pairs = (ids: readonly number[], flags: number) => {
      const out: number[] = [];
      for (const l of ids) {
        const q = pair(l >> flags);
        if (q === undefined) return undefined;
        out.push((q << flags) + (l & ((1 << flags) - 1)));
      }
      return out;
    };
    const path = (id: number) => {
      const p = this.paths[id];
      const e = pair(p.e);
      const leads = pairs(this.sets.get(p.leads), 2);
      const firsts = pairs(this.firstSets.get(p.firsts), 0);
      const past = cone(p.past);
      const all = cone(p.cone);
      const ran = p.ran < 0 ? -1 : cone(p.ran);
      if (e === undefined || !leads || !firsts || past === undefined || all === undefined || ran === undefined)
        return undefined;
      return this.pathOf(e, this.sets.of(leads), this.firstSets.of(firsts), past, all, ran);
    };
    const out: Summary = new Map();
    for (const [id, f] of s) {
      const e = pair(id);
      const ps = f === TOP ? [] : this.families.get(f).map(path);
      if (e === undefined || ps.some((p) => p === undefined)) return undefined;
      this.add(out, e, f === TOP ? TOP : this.familyOf(ps as number[]));
    }
    return out;
  }

  /** Add step e with family f to a summary (a union with what it has for e). */
  add(s: Summary, e: number, f: number): void {
    const had = s.get(e);
    s.set(e, had === undefined ? f : this.union(had, f));
  }

  /** A step taken (pair id) with the tasks it created, interned: what a summary is carried through. */
  edge(pair: number, born: readonly string[]): number {
    const k = `${pair}|${born.join(',')}`;
    let id = this.edgeIds.get(k);
    if (id === undefined) {
      id = this.edges.length;
      const { task, fp } = this.pairs[pair];
      this.edges.push({ pair, task, bits: this.cones.bits(fp), born, cone: this.coneOfPair(pair) });
      this.edgeIds.set(k, id);
    }
    return id;
  }

  /** A subtree's summary: its own steps, and its children's through the steps that led to them. */
  summary(l: LazySummary): Summary {
    if (l.made) return l.made;
    const out = new Map(l.own);
    for (const { edge, child } of l.parts)
      for (const [e, f] of this.summary(child)) this.add(out, e, this.through(f, edge));
    l.made = out;
    l.parts = [];
    return out;
  }

  private pathOf(e: number, leads: number, firsts: number, past: number, cone: number, ran: number): number {
    const k = `${e},${leads},${firsts},${past},${cone},${ran}`;
    let id = this.pathIds.get(k);
    if (id === undefined) {
      id = this.paths.length;
      this.paths.push({ e, leads, firsts, past, cone, ran });
      this.pathIds.set(k, id);
    }
    return id;
  }

  private union(a: number, b: number): number {
    if (a === b || a === TOP) return a;
    if (b === TOP) return b;
    if (a > b) [a, b] = [b, a];
    let m = this.unions.get(a);
    if (!m) this.unions.set(a, (m = new Map()));
    let u = m.get(b);
    if (u === undefined) m.set(b, (u = this.familyOf([...this.families.get(a), ...this.families.get(b)])));
    return u;
  }

  /** The family of some paths; TOP past MAX_PATHS of them (the search's cost grows with the paths it carries). */
  private familyOf(ps: number[]): number {
    const sorted = [...new Set(ps)].sort((a, b) => a - b);
    return sorted.length > MAX_PATHS ? TOP : this.families.of(sorted);
  }

  /** A family from the state before a step (an edge): each of its paths through the step. */
  private through(f: number, edge: number): number {
    if (f === TOP) return TOP;
    return memo(this.throughs, edge, f, () => {
      const ps = this.families.get(f);
      const out = new Array<number>(ps.length);
      for (let j = 0; j < ps.length; j++) out[j] = this.pathThrough(ps[j], edge);
      return this.familyOf(out);
    });
  }

  /**
   * A path from the state before a step (an edge), which it begins. Leads: that step, then the
   * leads of the other tasks that it does not happen before (independent, and not created by
   * it). Cones: with the step when it happens before a step of the cone; it is then its task's
   * first step on the path, and the step of its task that was (in `firsts`) joins the past.
   */
  private pathThrough(id: number, edge: number): number {
    return memo(this.pathThroughs, edge, id, () => {
      const x = this.edges[edge];
      const p = this.paths[id];
      const cones = this.cones;
      const leads = memo(this.leadThroughs, edge, p.leads, () => this.leadsThrough(p.leads, x));
      const before =
        cones.hasTask(p.cone, x.task) ||
        x.born.some((t) => cones.hasTask(p.cone, t)) ||
        cones.dependent(x.bits, p.cone) ||
        races(this.pairs[x.pair].fp, this.pairs[p.e].fp);
      const ran = p.ran < 0 ? -1 : cones.union(p.ran, cones.ofTasks([x.task]));
      if (!before) return this.pathOf(p.e, leads, p.firsts, p.past, p.cone, ran);
      const firsts = memo(this.firstThroughs, edge, p.firsts, () => this.firstsThrough(p.firsts, x));
      const past = cones.union(p.past, this.firstMoved[firsts]);
      return this.pathOf(p.e, leads, this.firstKept[firsts], past, cones.union(p.cone, x.cone), ran);
    });
  }

  private leadsThrough(set: number, x: Edge): number {
    const out = [x.pair * 4];
    for (const l of this.sets.get(set)) {
      const q = this.pairs[l >> 2];
      if (q.task === x.task || x.born.includes(q.task)) continue;
      const b = this.cones.bits(q.fp);
      if (bitsDependent(x.bits, b)) continue;
      out.push(bitsOrderedAfter(x.bits, b) ? l | UNCERTAIN : l);
    }
    return this.sets.of(out);
  }

  /** `firsts` with the step: an index into firstKept (the new set) and firstMoved (the cone of the one it replaces). */
  private firstsThrough(set: number, x: Edge): number {
    const kept = [x.pair];
    let moved = this.cones.empty;
    for (const f of this.firstSets.get(set)) {
      if (this.pairs[f].task === x.task) moved = this.cones.union(moved, this.coneOfPair(f));
      else kept.push(f);
    }
    this.firstKept.push(this.firstSets.of(kept));
    this.firstMoved.push(moved);
    return this.firstKept.length - 1;
  }
}

/** f(edge, x), remembered. */
function memo(memos: Map<number, Map<number, number>>, step: number, x: number, f: () => number): number {
  let m = memos.get(step);
  const known = m?.get(x);
  if (known !== undefined) return known;
  const id = f();
  if (!m) memos.set(step, (m = new Map()));
  m.set(x, id);
  return id;
}

/** Interned sets of numbers, each an id: sorted, or in the order given. */
class Interned {
  private readonly all: number[][] = [];
  private readonly ids = new Map<string, number>();

  constructor(private readonly sort: boolean) {}

  get(id: number): readonly number[] {
    return this.all[id];
  }

  of(xs: number[]): number {
    let sorted = xs;
    if (this.sort) {
      sorted = xs.sort((a, b) => a - b);
      sorted = sorted.filter((x, j) => j === 0 || x !== sorted[j - 1]);
    } else sorted = [...new Set(xs)];
    const k = sorted.join(',');
    let id = this.ids.get(k);
    if (id === undefined) {
      id = this.all.length;
      this.all.push(sorted);
      this.ids.set(k, id);
    }
    return id;
  }
}
