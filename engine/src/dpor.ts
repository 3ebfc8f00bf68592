// Dynamic partial-order reduction (Flanagan–Godefroid, with sleep sets), stateless or stateful:
// the exhaustive explorer that explore() runs by default.

import { Machine } from './machine';
import { dependent, Footprint, orderedAfter, races } from './model';
import { hash53, Run, Stop } from './run';
import { State, stateKey } from './state';

type Clock = Map<string, number>;

const join = (a: Clock, b: Clock) => {
  for (const [k, v] of b) if ((a.get(k) ?? 0) < v) a.set(k, v);
};

interface Executed {
  task: string;
  fp: Footprint;
  clock: Clock;
}

interface Node {
  state: State;
  enabled: string[];
  backtrack: Set<string>;
  done: Set<string>;
  sleep: Map<string, Footprint>;
  /** per task: the clock of its last step (or of the step that created it) */
  clocks: Map<string, Clock>;
  /** footprints of the tasks' next steps here (also of blocked tasks: what they wait to do) */
  fps: Map<string, Footprint>;
  /** stateful: hash of the state, and the (task, footprint) pairs met in the subtree below it */
  hash?: number;
  summary?: Set<number>;
  execs: number;
  failing: number;
}

/** A state explored to the end by the stateful search. */
interface Cached {
  done: boolean;
  /** tasks asleep when it was explored: a later visit with at least these asleep adds nothing */
  sleep: string[];
  /** interned (task, footprint) pairs of every step that can be taken in the subtree */
  summary: Set<number>;
  execs: number;
  failing: number;
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
 * another task is treated as racing, which adds backtrack points and never removes one.
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
  private readonly pairIds = new Map<string, number>();
  private readonly pairs: { task: string; fp: Footprint }[] = [];
  /** which tasks' steps were seen creating a task (a kworker by queue_work_on) */
  private readonly creators = new Map<string, Set<string>>();

  constructor(
    private readonly run: Run,
    private readonly stateful: boolean,
  ) {
    this.m = run.m;
  }

  explore(): void {
    this.nodes.push(this.mkNode(this.m.initial(), new Map(), new Map()));
    this.go(0);
  }

  private intern(task: string, fp: Footprint): number {
    const k = `${task}|${fp.r.join(',')}|${fp.w.join(',')}|${(fp.wait ?? []).join(',')}`;
    let id = this.pairIds.get(k);
    if (id === undefined) {
      id = this.pairs.length;
      this.pairs.push({ task, fp });
      this.pairIds.set(k, id);
    }
    return id;
  }

  /** A node; its enabled tasks and footprints are filled by prepare(), once it is not a cache hit. */
  private mkNode(state: State, sleep: Map<string, Footprint>, clocks: Map<string, Clock>): Node {
    return {
      state,
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
    const exec = this.exec;
    const first = new Map<string, number>(); // each task's first step in v
    const out: string[] = [];
    const startsFree = (c: Clock | undefined) => [...first.values()].every((j) => !this.before(j, c));
    for (let k = i + 1; k < exec.length; k++) {
      const x = exec[k];
      if (this.before(i, x.clock) || first.has(x.task)) continue;
      if (startsFree(x.clock)) out.push(x.task);
      first.set(x.task, k);
    }
    if (!first.has(t) && startsFree(cp) && ![...first.values()].some((j) => orderedAfter(exec[j].fp, fp))) out.push(t);
    return out;
  }

  private addRaces(node: Node): void {
    for (const [t, fp] of node.fps) {
      const cp = node.clocks.get(t);
      for (let i = this.exec.length - 1; i >= 0; i--) {
        const e = this.exec[i];
        if (e.task === t || !races(e.fp, fp)) continue;
        if (cp && (e.clock.get(e.task) ?? 0) <= (cp.get(e.task) ?? 0)) continue; // e happens-before t
        const pre = this.nodes[i];
        const starts = this.initials(i, t, fp, cp);
        if (starts.some((q) => pre.backtrack.has(q))) break;
        const q = starts.includes(t) && pre.enabled.includes(t) ? t : starts.find((x) => pre.enabled.includes(x));
        if (q !== undefined) pre.backtrack.add(q);
        else this.reverse(i, t);
        break;
      }
    }
  }

  /** The tasks among `live` that may have created t (transitively); all of them when unknown. */
  private roots(t: string, live: Set<string>): string[] {
    const out = new Set<string>();
    const todo = [t];
    const seen = new Set<string>();
    while (todo.length) {
      const x = todo.pop()!;
      if (seen.has(x)) continue;
      seen.add(x);
      if (live.has(x)) out.add(x);
      else {
        const cs = this.creators.get(x);
        if (!cs) return [...live];
        todo.push(...cs);
      }
    }
    return [...out];
  }

  /**
   * A cached subtree's steps against the current path. A step of the path that happens before
   * a task's current position happens before all its later steps too (program order), and
   * before every step of a task spawned later if it happens before every task here (a new
   * task starts from its creator's clock). Every other dependent pair is taken as a race.
   */
  private replayRaces(node: Node, summary: Set<number>): void {
    const exec = this.exec;
    const hb = (i: number, t: string) => {
      const c = node.clocks.get(t);
      const e = exec[i];
      return c !== undefined && (e.clock.get(e.task) ?? 0) <= (c.get(e.task) ?? 0);
    };
    const live = new Set(node.state.tasks.filter((t) => !t.done).map((t) => t.id));
    for (const id of summary) {
      const { task, fp } = this.pairs[id];
      const from = this.roots(task, live);
      for (let i = exec.length - 1; i >= 0; i--) {
        const e = exec[i];
        if (e.task === task || !races(e.fp, fp)) continue;
        if (from.every((r) => hb(i, r))) continue;
        this.reverse(i, task);
      }
    }
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
    this.cache.set(node.hash!, {
      done: true,
      // explored twice with different sleep sets: what is covered is what both left awake
      sleep: prev && prev.done ? sleep.filter((q) => prev.sleep.includes(q)) : sleep,
      summary: node.summary!,
      execs: node.execs,
      failing: node.failing,
    });
    if (parent) for (const id of node.summary!) parent.summary!.add(id);
  }

  /**
   * Stateful: look the node's state up. True when it was explored to the end with a sleep set
   * this visit's contains: its races are replayed and its counts taken, and it is not explored.
   */
  private cached(node: Node, depth: number): boolean {
    const run = this.run;
    node.hash = hash53(stateKey(node.state));
    const hit = this.cache.get(node.hash);
    if (hit && !hit.done)
      throw new Stop('the state graph has a cycle, which the stateful search does not cover (use --stateless)');
    if (hit && hit.sleep.every((q) => node.sleep.has(q))) {
      run.pruned++;
      this.replayRaces(node, hit.summary);
      node.summary = hit.summary;
      node.execs = hit.execs;
      node.failing = hit.failing;
      run.executions += hit.execs;
      run.failing += hit.failing;
      const parent = depth > 0 ? this.nodes[depth - 1] : null;
      if (parent) {
        parent.execs += hit.execs;
        parent.failing += hit.failing;
        for (const id of hit.summary) parent.summary!.add(id);
      }
      return true;
    }
    if (!hit) run.visit(node.state);
    else run.revisits++;
    this.cache.set(node.hash, { done: false, sleep: [], summary: new Set(), execs: 0, failing: 0 });
    node.summary = new Set();
    this.prepare(node);
    for (const [t, fp] of node.fps) node.summary.add(this.intern(t, fp));
    return false;
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
    // A step that ends or moves another task (takedown_cpu drops a kworker whose CPU died or
    // moves a task to the control CPU; an unbound worker taking an item ends the other
    // candidates) replaces that task's next step: the step it replaced is never met later
    // to be found racing, so the reversal is scheduled here.
    for (const t of next.tasks) {
      const was = node.state.tasks.find((x) => x.id === t.id);
      if (t.id !== p && was && !was.done && node.fps.has(t.id) && (t.done || t.cpu !== was.cpu))
        this.reverse(depth, t.id);
    }

    const clock: Clock = new Map(node.clocks.get(p) ?? []);
    for (const e of exec) if (orderedAfter(e.fp, fp)) join(clock, e.clock);
    clock.set(p, exec.length + 1);
    const clocks = new Map(node.clocks);
    clocks.set(p, clock);
    for (const t of next.tasks) {
      if (node.state.tasks.some((x) => x.id === t.id)) continue;
      if (!clocks.has(t.id)) clocks.set(t.id, clock);
      const cs = this.creators.get(t.id) ?? new Set<string>();
      this.creators.set(t.id, cs.add(p));
    }

    const sleep = new Map<string, Footprint>();
    for (const [q, fq] of node.sleep) if (!dependent(fq, fp)) sleep.set(q, fq);

    exec.push({ task: p, fp, clock });
    schedule.push(p);
    nodes.push(this.mkNode(next, sleep, clocks));
    this.go(depth + 1);
    nodes.pop();
    schedule.pop();
    exec.pop();
  }
}
