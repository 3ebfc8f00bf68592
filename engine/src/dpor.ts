// Dynamic partial-order reduction (source-DPOR: Flanagan–Godefroid's races reversed with source
// sets, Abdulla et al. POPL'14; with sleep sets), stateless or stateful: the exhaustive explorer
// that explore() runs by default.

import { counted, UNCOUNTED_CYCLE } from './cycles';
import { Machine } from './machine';
import { bitsDependent, bitsOrderedAfter, FpBits } from './dporCone';
import { LazySummary, OWN, Pair, PathRec, Summaries, Summary, TOP, UNCERTAIN } from './dporSummary';
import { dependent, Footprint, orderedAfter, races } from './model';
import { hash53, Run, Stop } from './run';
import { State } from './state';
import { Renaming } from './symmetry';

type Clock = Map<string, number>;

const join = (a: Clock, b: Clock) => {
  for (const [k, v] of b) if ((a.get(k) ?? 0) < v) a.set(k, v);
};

interface Executed {
  task: string;
  fp: Footprint;
  clock: Clock;
  /** stateful: the step's interned pair and the tasks it created (dporSummary.ts's edge) */
  edge?: number;
}

interface Node {
  state: State;
  enabled: string[];
  backtrack: Set<string>;
  done: Set<string>;
  sleep: Map<string, Footprint>;
  /** per task: the clock of its last step (or of the step that created it) */
  clocks: Map<string, Clock>;
  /**
   * per task, the first node on the path where its next step (the one it has here) could run;
   * absent while it never could (it waits, since it was spawned, took its last step or moved)
   */
  enabledAt: Map<string, number>;
  /** footprints of the tasks' next steps here (also of blocked tasks: what they wait to do) */
  fps: Map<string, Footprint>;
  /** stateful: hash of the state, and the steps met in the subtree below it with their leads */
  hash?: number;
  /** --symmetry: the renaming the state's key was taken under (null: none) */
  ren?: Renaming | null;
  summary?: LazySummary;
  execs: number;
  failing: number;
}

/** A state explored to the end by the stateful search. */
interface Cached {
  done: boolean;
  /** tasks asleep when it was explored: a later visit with at least these asleep adds nothing */
  sleep: string[];
  /** every step that can be taken in the subtree, with its leads (dporSummary.ts) */
  summary: LazySummary;
  execs: number;
  failing: number;
  /** --symmetry: the renaming its key was taken under; its sleep set and summary are in its own names */
  ren?: Renaming | null;
}

/**
 * DPOR: explore one interleaving; wherever a step races with a later step of another task
 * (dependent, not ordered by happens-before), schedule the reversal at the earlier point.
 * Sleep sets skip interleavings that only swap independent steps.
 *
 * Stateful (the default): a state explored to the end with sleep set S is not explored again
 * when reached with a sleep set that contains S (everything the new visit would run was run).
 * The races its subtree would have found against the new path are replayed from a summary of
 * the subtree's steps (task, footprint), as Yang et al. (SPIN 2008) do with their visible
 * dependency graph, but without the happens-before relation: every earlier dependent step of
 * another task is treated as racing, which adds backtrack points and never removes one. What
 * leads to such a step below the hit is unknown, so a hit is taken only when each reversal is
 * known from the path's part of the reversed sequence (replayRaces()).
 */
export function dpor(run: Run, stateful: boolean): void {
  new Dpor(run, stateful).explore();
}

/** The state of one DPOR search: the path (nodes, steps, schedule) and the stateful cache. */
class Dpor {
  private readonly m: Machine;
  private readonly exec: Executed[] = [];
  private readonly nodes: Node[] = [];
  private readonly schedule: string[] = [];
  private readonly cache = new Map<number, Cached>();
  /**
   * The interned steps (task, footprint) and their lead sets. `live`, for a step its task never
   * took in an execution (met where it ended): the tasks that had not finished by themselves
   * there, the only ones that may have taken no step (enablers())
   */
  private readonly sums = new Summaries();

  constructor(
    private readonly run: Run,
    private readonly stateful: boolean,
  ) {
    this.m = run.m;
  }

  explore(): void {
    this.nodes.push(this.mkNode(this.m.initial(), new Map(), new Map(), new Map()));
    this.go(0);
  }

  /** A step met at the node: its own lead. */
  private met(node: Node, task: string, fp: Footprint, live?: string[]): void {
    if (!node.summary) return;
    const id = this.sums.intern(task, fp, live);
    this.sums.add(node.summary.own, id, this.sums.own(id));
  }

  /** A node; its enabled tasks and footprints are filled by prepare(), once it is not a cache hit. */
  private mkNode(
    state: State,
    sleep: Map<string, Footprint>,
    clocks: Map<string, Clock>,
    enabledAt: Map<string, number>,
  ): Node {
    return {
      state,
      enabledAt,
      enabled: [],
      backtrack: new Set(),
      done: new Set(),
      sleep,
      clocks,
      fps: new Map(),
      execs: 0,
      failing: 0,
    };
  }

  /** What a node's tasks can do: computed only for a state that is explored (a softirq's footprint runs it on a copy). */
  private prepare(node: Node): void {
    const state = node.state;
    for (const t of state.tasks) {
      if (t.done) continue;
      const fp = this.m.footprint(state, t);
      if (fp) node.fps.set(t.id, fp);
    }
    node.enabled = this.m.enabled(state);
  }

  /** Schedule the reversal of a race between the step at i and a later step of task t. */
  private reverse(i: number, t: string): void {
    const pre = this.nodes[i];
    if (pre.enabled.includes(t)) {
      pre.backtrack.add(t);
      return;
    }
    // t cannot run at i (it waits for something else there, or does not exist yet): try
    // everything runnable at i (Flanagan–Godefroid). Steps that are never enabled together
    // are no race (races()), so this is not reached for a lock its holder releases.
    for (const q of pre.enabled) pre.backtrack.add(q);
  }

  /** exec[j] happens before a step with clock c */
  private before(j: number, c: Clock | undefined): boolean {
    return (c?.get(this.exec[j].task) ?? 0) >= j + 1;
  }

  /**
   * The tasks that can begin v: the steps after i that do not happen after exec[i], then t's
   * pending step (Abdulla et al.'s initials, POPL'14). Running one of them at i reverses the
   * race; t itself may not be able to run there (it waits, or is spawned later in v).
   */
  private initials(i: number, t: string, fp: Footprint, cp: Clock | undefined): string[] {
    const { out, first, firsts, tWaits } = this.pathInitials(i, fp);
    if (!first.has(t) && firsts.every((j) => !this.before(j, cp)) && !tWaits) out.push(t);
    return out;
  }

  /**
   * The steps after i that do not happen after exec[i] (the part of a reversed sequence v on the
   * path): the tasks whose first such step nothing before it in v happens before (out), the
   * tasks with such a step (first, at firsts), and whether a step t's (fp) is ordered after is
   * among them (any step, not only a first).
   */
  private pathInitials(i: number, fp?: Footprint) {
    const exec = this.exec;
    const first = new Set<string>();
    const firsts: number[] = [];
    const out: string[] = [];
    let tWaits = false;
    for (let k = i + 1; k < exec.length; k++) {
      const x = exec[k];
      if (this.before(i, x.clock)) continue;
      if (fp) tWaits ||= orderedAfter(x.fp, fp);
      if (first.has(x.task)) continue;
      if (firsts.every((j) => !this.before(j, x.clock))) out.push(x.task);
      first.add(x.task);
      firsts.push(k);
    }
    return { out, first, firsts, tWaits };
  }

  /**
   * The races of the tasks' next steps here against the path. A step that could not run at any
   * node yet is raced only where it first can (with the same races, but a clock that knows what
   * let it run), or, if it never can, where the execution ends (every task done, blocked or
   * asleep) or another task's step replaces it: raced here, FG's fallback (every task runnable
   * at the race) explored orders that sleep sets then cut short, 6,903 states for F2 at 8 CPUs.
   */
  private addRaces(node: Node): void {
    const ends = node.enabled.every((p) => node.sleep.has(p));
    for (const [t, fp] of node.fps) {
      if (node.enabled.includes(t) || node.enabledAt.has(t)) this.raceWith(node, t, fp);
      else if (ends) this.blockedRace(node, t, fp);
    }
  }

  /**
   * The steps on the path that race with t's next step (fp): schedule the reversal of each, an
   * initial of the reversed sequence v that can run at i. When none can, the pair cannot be
   * reversed and is no race (source-DPOR's races are the reversible ones): a first step of v
   * that nothing in v happens before depends on no step between i and it, so it could already
   * run at i (independent steps neither enable nor disable each other: independence.ts checks
   * it); what is left is t's step, which none of v lets run, so exec[i] or a step after it does.
   * Flanagan–Godefroid's fallback there (every task runnable at i) explored orders that sleep
   * sets then cut short: F1@5 24,653 states, 4,985 without it.
   */
  private raceWith(node: Node, t: string, fp: Footprint): void {
    this.met(node, t, fp);
    for (const i of this.racesOf(node, t, fp)) {
      const pre = this.nodes[i];
      const starts = this.initials(i, t, fp, node.clocks.get(t));
      if (starts.some((q) => pre.backtrack.has(q))) continue;
      const q = starts.includes(t) && pre.enabled.includes(t) ? t : starts.find((x) => pre.enabled.includes(x));
      if (q !== undefined) pre.backtrack.add(q);
    }
  }

  /** A step t never took in this execution: its races are reversed by t, or by what may enable t (enablers()). */
  private blockedRace(node: Node, t: string, fp: Footprint): void {
    // a task ended by another's step (takedown_cpu, an unbound worker's pick) keeps its frames
    const live = node.state.tasks.filter((x) => !x.done || x.frames.length > 0).map((x) => x.id);
    this.met(node, t, fp, live);
    for (const i of this.racesOf(node, t, fp)) this.reverseBlocked(i, t, live);
  }

  /** `below`: for a step replayed from a cached subtree, the tasks with a step on its path there. */
  private reverseBlocked(i: number, t: string, live: string[], below: readonly string[] = []): void {
    const pre = this.nodes[i];
    if (pre.enabled.includes(t)) pre.backtrack.add(t);
    else for (const q of this.enablers(i, live, below)) pre.backtrack.add(q);
  }

  /**
   * The steps on the path that race with t's next step (fp), latest first: a step of another
   * task that is dependent with it, may be enabled together with it, and happens neither before
   * t's position nor before a later such race (source-DPOR's races, Abdulla et al., POPL'14).
   * Every one is reversed, not only the last: a reversal is scheduled with any initial of the
   * reversed sequence (initials()), and with such source sets the last race alone misses orders
   * (a step between two independent steps that both race with it: seed 2 #249 of the generated
   * programs). A dependent step never enabled together with fp (one that lets it run: a
   * kworker's end before flush_work, an unlock before a lock) is no race and hides none.
   */
  private racesOf(node: Node, t: string, fp: Footprint): number[] {
    const cp = node.clocks.get(t);
    const out: number[] = [];
    const later: Clock = new Map(); // what happens before a dependent step already met
    for (let i = this.exec.length - 1; i >= 0; i--) {
      const e = this.exec[i];
      if (e.task === t || (cp && i < (cp.get(e.task) ?? 0))) continue; // e happens-before t
      if (i < (later.get(e.task) ?? 0) || !races(e.fp, fp)) continue;
      out.push(i);
      join(later, e.clock);
    }
    return out;
  }

  /**
   * Who may let a step run before exec[i] that could not run there and never ran after it: the
   * tasks runnable at i that take no step after it. One that does take a step after i takes
   * it in this execution, and a step it enables is raced where that step first can run.
   */
  private enablers(i: number, live: string[], below: readonly string[]): string[] {
    const ran = new Set(this.exec.slice(i).map((x) => x.task));
    return this.nodes[i].enabled.filter((q) => !ran.has(q) && !below.includes(q) && live.includes(q));
  }

  /**
   * A cached subtree's steps against the current path, path by path (the paths to each step
   * that the search took below the hit, dporSummary.ts). A step of the path races with such a
   * step e when they race and the step happens before nothing in e's past on that path (nor e,
   * but for the race itself: racesOnPath()). The reversal is taken from the reversed sequence:
   * an initial of its part on this path (the steps after the race point that do not happen
   * after it; knownInitial()), or, when that part is empty, from the leads of e's path
   * (leadInitials()). When none is known, nothing is scheduled and false says to explore the
   * state again, which finds the races anew.
   */
  private replayRaces(node: Node, summary: Summary): boolean {
    const exec = this.exec;
    const plan = new Map<number, Set<string>>(); // per race point: the initials to schedule
    const parts = new Map<number, ReturnType<Dpor['pathInitials']>>(); // per race point: its path part
    const blocked: { i: number; task: string; live: string[]; ran: readonly string[] }[] = [];
    const hb = (i: number, t: string) => (node.clocks.get(t)?.get(exec[i].task) ?? 0) >= i + 1;
    for (const [id, fam] of summary) {
      const { task, fp, live } = this.sums.pairs[id];
      for (let i = exec.length - 1; i >= 0; i--) {
        const e = exec[i];
        if (e.task === task || !races(e.fp, fp)) continue;
        if (fam === TOP) {
          if (!hb(i, task)) return false;
          continue;
        }
        for (const pid of this.sums.family(fam)) {
          const path = this.sums.path(pid);
          if (!this.racesOnPath(node, i, id, path)) continue;
          if (live) {
            blocked.push({ i, task, live, ran: this.sums.cones.named(path.ran).tasks });
            continue;
          }
          let part = parts.get(i);
          if (!part) parts.set(i, (part = this.pathInitials(i)));
          let at = plan.get(i);
          if (!at) plan.set(i, (at = new Set()));
          if (!part.out.length) this.leadInitials(i, path.leads, at);
          else if (!this.pathReversal(node, i, id, path.leads, part, at)) return false;
        }
      }
    }
    for (const [i, qs] of plan) for (const q of qs) this.nodes[i].backtrack.add(q);
    for (const b of blocked) this.reverseBlocked(b.i, b.task, b.live, b.ran);
    return true;
  }

  /**
   * A race at i, with a step (pair id) below the hit node, whose reversed sequence v has a part
   * on the path (`part`, pathInitials()): v's initials are that part's, and the step's own task
   * when nothing in v happens before the step (its own lead on this path, and initials()'s
   * conditions on the path part). One of them scheduled (or in `plan`) reverses the race; else
   * one is scheduled as raceWith() does. False when none can run at i.
   */
  private pathReversal(
    node: Node,
    i: number,
    id: number,
    leads: number,
    part: ReturnType<Dpor['pathInitials']>,
    plan: Set<string>,
  ): boolean {
    const { task: t, fp } = this.sums.pairs[id];
    const pre = this.nodes[i];
    const cp = node.clocks.get(t);
    const own =
      this.sums.leads(leads).includes(id * 4 + OWN) &&
      !part.first.has(t) &&
      part.firsts.every((j) => !this.before(j, cp)) &&
      !this.waitsIn(i, fp);
    const starts = own ? [...part.out, t] : part.out;
    if (starts.some((q) => pre.backtrack.has(q) || plan.has(q))) return true;
    const q = own && pre.enabled.includes(t) ? t : part.out.find((x) => pre.enabled.includes(x));
    if (q === undefined) return false;
    plan.add(q);
    return true;
  }

  /** Whether a step (fp) is ordered after a step of the path part at i (the steps after i that do not happen after exec[i]). */
  private waitsIn(i: number, fp: Footprint): boolean {
    for (let k = i + 1; k < this.exec.length; k++) {
      const x = this.exec[k];
      if (!this.before(i, x.clock) && orderedAfter(x.fp, fp)) return true;
    }
    return false;
  }

  /**
   * Whether exec[i] races with a step e (pair id) below the hit node, on a path to it, as
   * racesOf() would find where e is met: no task of the path's hiding steps (dporSummary.ts) is
   * at a position after exec[i] (program order, creation), and no step from i on that happens
   * after exec[i] comes before one of them, or races with e (but exec[i] itself). "Comes
   * before" is happens-before's edge as stepAndGo() draws it: a step that waits on what x
   * writes is ordered after x unless it could already run before x, which only its task's first
   * step on the path may (since the node enabledAt gives).
   */
  private racesOnPath(node: Node, i: number, id: number, path: PathRec): boolean {
    const { exec, sums } = this;
    const cones = sums.cones;
    const x = exec[i];
    const at = x.clock.get(x.task) ?? 0;
    for (const t of cones.named(path.cone).tasks) if ((node.clocks.get(t)?.get(x.task) ?? 0) >= at) return false;
    const firsts = sums.firsts(path.firsts);
    const fp = sums.pairs[id].fp;
    const since = (t: string) => node.enabledAt.get(t) ?? exec.length;
    const edge = (a: FpBits, k: number, first: Pair) => {
      const b = cones.bits(first.fp);
      return k >= since(first.task) ? bitsDependent(a, b) : bitsOrderedAfter(a, b);
    };
    for (let k = i; k < exec.length; k++) {
      if (k > i && !this.before(i, exec[k].clock)) continue;
      const a = cones.bits(exec[k].fp);
      if (cones.after(a, path.past)) return false;
      for (const f of firsts) if (edge(a, k, sums.pairs[f])) return false;
      if (k > i && races(exec[k].fp, fp)) return false;
    }
    return true;
  }

  /**
   * A race at i whose reversed sequence v lies wholly below the hit (its path part is empty:
   * every step after i happens after exec[i]), v made of one path's steps (a lead set,
   * dporSummary.ts): v's initials are the leads whose task takes no step from i on and which
   * happen after none of those steps (but the racing step itself, OWN, after none but exec[i]),
   * all of which can run at i. One of them scheduled there (in `plan`, or in the backtrack set)
   * reverses the race; when wait keys leave it uncertain whether a lead is one, every lead that
   * may be is scheduled. When none may, v has no initial that can run at i: the step happens
   * after exec[i] through others (no race), or the race cannot be reversed, and raceWith()
   * schedules nothing for it either.
   */
  private leadInitials(i: number, set: number, plan: Set<string>): void {
    const exec = this.exec;
    const pre = this.nodes[i];
    const sure: string[] = [];
    const may: string[] = [];
    let own: string | undefined;
    for (const l of this.sums.leads(set)) {
      const { task, fp } = this.sums.pairs[l >> 2];
      if (!pre.enabled.includes(task)) continue;
      let free = true;
      let waits = (l & UNCERTAIN) !== 0;
      for (let k = l & OWN ? i + 1 : i; k < exec.length && free; k++) {
        free = exec[k].task !== task && !dependent(exec[k].fp, fp);
        waits ||= orderedAfter(exec[k].fp, fp);
      }
      if (free) (waits ? may : sure).push(task);
      if (free && l & OWN) own = task;
    }
    if (sure.some((q) => plan.has(q) || pre.backtrack.has(q))) return;
    // as raceWith() would: the racing step's own task first
    if (sure.length) plan.add(own !== undefined && sure.includes(own) ? own : sure[0]);
    else for (const q of may) plan.add(q);
  }

  /** A node's summary into its parent's, through the step that led to the node (exec[depth - 1]). */
  private intoParent(parent: Node, depth: number, summary: LazySummary): void {
    parent.summary!.parts.push({ edge: this.exec[depth - 1].edge!, child: summary });
  }

  private leave(node: Node, depth: number, entrySleep: string[]): void {
    const parent = depth > 0 ? this.nodes[depth - 1] : null;
    if (parent) {
      parent.execs += node.execs;
      parent.failing += node.failing;
    }
    if (!this.stateful) return;
    const prev = this.cache.get(node.hash!);
    const sleep = entrySleep;
    const prevSleep = prev && prev.done ? this.toHere(prev.ren, node.ren)?.mapTasks(prev.sleep) : undefined;
    this.cache.set(node.hash!, {
      done: true,
      // explored twice with different sleep sets: what is covered is what both left awake
      sleep: prevSleep ? sleep.filter((q) => prevSleep.includes(q)) : sleep,
      summary: node.summary!,
      execs: node.execs,
      failing: node.failing,
      ren: node.ren,
    });
    if (parent) this.intoParent(parent, depth, node.summary!);
  }

  /**
   * Stateful: look the node's state up. True when it was explored to the end with a sleep set
   * this visit's contains: its races are replayed and its counts taken, and it is not explored.
   */
  private cached(node: Node, depth: number): boolean {
    const run = this.run;
    const key = run.key(node.state);
    node.hash = hash53(key.key);
    node.ren = key.r;
    let hit = this.cache.get(node.hash);
    if (hit && !hit.done) {
      // on the path: a cycle, which goes on as a new state with its loop counters (cycles.ts)
      node.hash = hash53(counted(key.key, node.state));
      hit = this.cache.get(node.hash);
      if (hit && !hit.done) throw new Stop(UNCOUNTED_CYCLE);
    }
    const mapped = hit && this.mapped(hit, node.ren);
    if (
      hit &&
      mapped &&
      mapped.sleep.every((q) => node.sleep.has(q)) &&
      this.replayRaces(node, this.sums.summary(mapped.summary))
    ) {
      run.pruned++;
      node.summary = mapped.summary;
      node.execs = hit.execs;
      node.failing = hit.failing;
      run.executions += hit.execs;
      run.failing += hit.failing;
      const parent = depth > 0 ? this.nodes[depth - 1] : null;
      if (parent) {
        parent.execs += hit.execs;
        parent.failing += hit.failing;
        this.intoParent(parent, depth, mapped.summary);
      }
      return true;
    }
    if (!hit) run.visit(node.state);
    else run.revisits++;
    node.summary = new LazySummary();
    this.cache.set(node.hash, { done: false, sleep: [], summary: node.summary, execs: 0, failing: 0 });
    this.prepare(node);
    return false;
  }

  /** --symmetry: the renaming from a cached state's names to this visit's (null: the same names). */
  private toHere(cached: Renaming | null | undefined, here: Renaming | null | undefined): Renaming | null {
    if (!cached && !here) return null;
    const n = this.m.scenario.ncpus;
    const id = new Renaming([...Array(n).keys()], []);
    const bundles = this.run.sym!.bundles;
    const to = (cached ?? id).then((here ?? id).inverse(bundles), bundles);
    return to.identity ? null : to;
  }

  /**
   * A cached state's sleep set and summary in this visit's names: the subtree below a state
   * reached under a CPU renaming is the cached subtree renamed, so its (task, footprint) pairs
   * are renamed too. Undefined when a footprint key is of a kind the renaming does not know.
   */
  private mapped(
    hit: Cached,
    here: Renaming | null | undefined,
  ): { sleep: string[]; summary: LazySummary } | undefined {
    const to = this.toHere(hit.ren, here);
    if (!to) return hit;
    const renamed = this.sums.renamed(this.sums.summary(hit.summary), to);
    if (!renamed) {
      this.run.sym!.report.refusedHits++;
      return undefined;
    }
    this.run.sym!.report.mappedHits++;
    return { sleep: to.mapTasks(hit.sleep), summary: new LazySummary(renamed) };
  }

  /** The next task of the node's backtrack set to run, skipping (and counting) those asleep. */
  private nextToRun(node: Node): string | undefined {
    for (const q of node.backtrack) {
      if (node.done.has(q)) continue;
      if (node.sleep.has(q)) {
        node.done.add(q);
        this.run.pruned++;
        continue;
      }
      return q;
    }
    return undefined;
  }

  private go(depth: number): void {
    const run = this.run;
    const node = this.nodes[depth];
    const entrySleep = [...node.sleep.keys()];
    if (this.stateful) {
      if (this.cached(node, depth)) return;
    } else {
      run.visit(node.state);
      this.prepare(node);
    }
    run.deep(depth);
    run.early(node.state, this.schedule);
    this.addRaces(node);
    if (!node.enabled.length) {
      const before = run.failing;
      run.terminal(node.state, this.schedule);
      node.execs = 1;
      node.failing = run.failing - before;
      return this.leave(node, depth, entrySleep);
    }
    const awake = node.enabled.find((p) => !node.sleep.has(p));
    if (awake === undefined) {
      run.pruned++;
      return this.leave(node, depth, entrySleep);
    }
    node.backtrack.add(awake);
    for (let p = this.nextToRun(node); p !== undefined; p = this.nextToRun(node)) {
      node.done.add(p);
      this.stepAndGo(node, depth, p);
      node.sleep.set(p, node.fps.get(p)!);
    }
    return this.leave(node, depth, entrySleep);
  }

  /** Run p at the node, and explore the state it leads to one level deeper. */
  private stepAndGo(node: Node, depth: number, p: string): void {
    const { exec, schedule, nodes } = this;
    const fp = node.fps.get(p)!;
    const next = this.m.step(node.state, p).state;
    this.run.transitions++;
    const enabledAt = new Map(node.enabledAt);
    for (const q of node.enabled) if (!enabledAt.has(q)) enabledAt.set(q, depth);
    enabledAt.delete(p);
    // A step that ends or moves another task (takedown_cpu drops a kworker whose CPU died or
    // moves a task to the control CPU; an unbound worker taking an item ends the other
    // candidates) replaces that task's next step: the step it replaced is never met later
    // to be found racing, so the reversal is scheduled here.
    for (const t of next.tasks) {
      const was = node.state.tasks.find((x) => x.id === t.id);
      if (t.id !== p && was && !was.done && node.fps.has(t.id) && (t.done || t.cpu !== was.cpu)) {
        // a replaced step that never could run was not raced yet (addRaces)
        if (!node.enabled.includes(t.id) && !node.enabledAt.has(t.id))
          this.blockedRace(node, t.id, node.fps.get(t.id)!);
        this.reverse(depth, t.id);
        enabledAt.delete(t.id);
      }
    }

    const clock: Clock = new Map(node.clocks.get(p) ?? []);
    // A step that waits on what e writes is ordered after e only if e may have let it run: not
    // when it could already run before e (wait keys gate enabledness only, model.ts). Such an
    // order would hide the races behind it, which no reversal of e and this step then finds.
    const since = node.enabledAt.get(p) ?? depth;
    for (let j = exec.length - 1; j >= 0; j--) {
      const e = exec[j];
      if (j < (clock.get(e.task) ?? 0)) continue; // already before this step
      if (j < since ? orderedAfter(e.fp, fp) : dependent(e.fp, fp)) join(clock, e.clock);
    }
    clock.set(p, exec.length + 1);
    const clocks = new Map(node.clocks);
    clocks.set(p, clock);
    const born: string[] = [];
    for (const t of next.tasks) {
      if (node.state.tasks.some((x) => x.id === t.id)) continue;
      born.push(t.id);
      if (!clocks.has(t.id)) clocks.set(t.id, clock);
    }

    const sleep = new Map<string, Footprint>();
    for (const [q, fq] of node.sleep) if (!dependent(fq, fp)) sleep.set(q, fq);

    const edge = this.stateful ? this.sums.edge(this.sums.intern(p, fp), born) : undefined;
    exec.push({ task: p, fp, clock, edge });
    schedule.push(p);
    nodes.push(this.mkNode(next, sleep, clocks, enabledAt));
    this.go(depth + 1);
    nodes.pop();
    schedule.pop();
    exec.pop();
  }
}
