// Explorers over the one execution model (Machine). Exhaustive: dpor (Flanagan–Godefroid
// dynamic partial-order reduction with sleep sets), naive (every interleaving), bounded
// (every interleaving with at most k preemptions). Sampling: random and pct (Burckhardt et al.,
// ASPLOS'10) with a seed. Replay re-executes a schedule. A verdict is never a silent pass:
// hitting a limit or a cancel gives "incomplete" with the reason.

import { Machine } from './machine';
import { dependent, Footprint, orderedAfter, races } from './model';
import { State, stateKey } from './state';

export type Strategy = 'dpor' | 'naive' | 'bounded' | 'random' | 'pct';
export const STRATEGIES: Strategy[] = ['dpor', 'naive', 'bounded', 'random', 'pct'];

export interface ExploreOptions {
  strategy: Strategy;
  /** stop (incomplete) after visiting this many states */
  maxStates?: number;
  seed?: number;
  /** executions for random / pct */
  runs?: number;
  /** PCT bug depth d */
  pctDepth?: number;
  /** preemption bound for `bounded` */
  preemptions?: number;
  /** polled every few hundred states; true stops the exploration (incomplete: cancelled) */
  shouldStop?: () => boolean;
  onProgress?: (p: Progress) => void;
  /**
   * Stop at the first execution that violates a property, then shorten its schedule (fewer
   * context switches, the violation no later). The counts then cover only what was explored.
   */
  stopAtFirst?: boolean;
  /** dpor without the state cache (every interleaving class re-walks the states it shares) */
  stateless?: boolean;
  /** for tests: keep the key of every visited state (or only terminal ones) */
  collect?: 'all' | 'terminal';
  /** a condition over each final state (a scenario file's exists clause): counted in `observed` */
  observe?: (s: State) => boolean;
  /** stop (incomplete) when one execution grows longer than this many steps (an unbounded loop) */
  maxDepth?: number;
}

/** How often the observed condition held over the complete executions explored. */
export interface Observed {
  holds: number;
  total: number;
  /** the shortest execution where it holds, and one where it does not */
  witness?: string[];
  counter?: string[];
}

export interface Progress {
  states: number;
  transitions: number;
  executions: number;
  elapsedMs: number;
}

export interface ExploreResult {
  verdict: 'pass' | 'fail' | 'incomplete';
  property?: string;
  message?: string;
  /** why the exploration is incomplete */
  reason?: string;
  strategy: Strategy;
  states: number;
  transitions: number;
  /** branches skipped: by sleep sets (dpor), the preemption bound (bounded), or as already-seen states (naive) */
  pruned: number;
  /** complete executions (interleavings) run to the end */
  executions: number;
  /** distinct final states */
  outcomes: number;
  /** executions that violated a property */
  failing: number;
  elapsedMs: number;
  /** the failing schedule (task per step), shortest found; else the first execution's */
  schedule: string[];
  /** index of the step that violated the property, in `schedule` */
  violationStep?: number;
  observed?: Observed;
  /** --stop-at-first: the search stopped at its first violation (failing counts only that one) */
  stoppedAtFirst?: boolean;
  /** --stop-at-first: context switches of the counterexample as found, and after shortening */
  shortened?: { from: number; to: number; stepsFrom: number; stepsTo: number };
  collected?: Set<string>;
}

class Stop extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** --stop-at-first: thrown at the first failing execution. */
class FirstViolation extends Error {}

/** Deterministic PRNG (mulberry32) so --seed reproduces a sampling run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Run {
  states = 0;
  transitions = 0;
  pruned = 0;
  /** stateful dpor: states explored again because they came back with fewer tasks asleep */
  revisits = 0;
  executions = 0;
  failing = 0;
  outcomes = new Set<string>();
  best: { schedule: string[]; step: number; property: string; message: string } | null = null;
  first: string[] | null = null;
  observed?: Observed;
  collected?: Set<string>;
  readonly t0 = Date.now();
  private lastProgress = 0;

  constructor(
    readonly m: Machine,
    readonly o: ExploreOptions,
  ) {
    if (o.collect) this.collected = new Set();
    if (o.observe) this.observed = { holds: 0, total: 0 };
  }

  /** Called at each new depth of an execution: an unbounded loop ends as incomplete, not as a stack overflow. */
  deep(depth: number): void {
    const max = this.o.maxDepth ?? 2000;
    if (depth > max) throw new Stop(`an execution ran longer than ${max} steps (an unbounded loop?)`);
  }

  visit(s: State): void {
    this.states++;
    if (this.o.collect === 'all') this.collected!.add(stateKey(s));
    if ((this.states & 255) === 0) {
      if (this.o.shouldStop?.()) throw new Stop('cancelled');
      const now = Date.now();
      if (this.o.onProgress && now - this.lastProgress > 200) {
        this.lastProgress = now;
        this.o.onProgress({ states: this.states, transitions: this.transitions, executions: this.executions, elapsedMs: now - this.t0 });
      }
    }
    if (this.states > (this.o.maxStates ?? 1_000_000)) throw new Stop(`limit reached after ${this.states - 1} states (--max-states)`);
  }

  /**
   * A state that already holds a violation ends the search under --stop-at-first: the
   * execution is completed (first runnable task each step) so its trace runs to the end.
   */
  early(s: State, schedule: string[]): void {
    if (!this.o.stopAtFirst || !s.violation) return;
    const sched = schedule.slice();
    for (let en = this.m.enabled(s); en.length; en = this.m.enabled(s)) {
      s = this.m.step(s, en[0]).state;
      sched.push(en[0]);
    }
    this.terminal(s, sched);
  }

  /** A terminal state: no task can move. */
  terminal(s: State, schedule: string[]): void {
    this.m.finalCheck(s);
    this.executions++;
    const key = stateKey(s);
    this.outcomes.add(key);
    if (this.o.collect === 'terminal') this.collected!.add(key);
    if (!this.first) this.first = schedule.slice();
    const ob = this.observed;
    if (ob) {
      ob.total++;
      if (this.o.observe!(s)) {
        ob.holds++;
        if (!ob.witness || schedule.length < ob.witness.length) ob.witness = schedule.slice();
      } else if (!ob.counter || schedule.length < ob.counter.length) ob.counter = schedule.slice();
    }
    const v = s.violation;
    if (!v) return;
    this.failing++;
    const b = this.best;
    if (!b || v.step < b.step || (v.step === b.step && schedule.length < b.schedule.length)) {
      this.best = { schedule: schedule.slice(), step: v.step, property: v.property, message: v.message };
    }
    if (this.o.stopAtFirst) throw new FirstViolation();
  }

  result(stopped?: string): ExploreResult {
    const base = {
      strategy: this.o.strategy,
      states: this.states,
      transitions: this.transitions,
      pruned: this.pruned,
      executions: this.executions,
      outcomes: this.outcomes.size,
      failing: this.failing,
      elapsedMs: Date.now() - this.t0,
      observed: this.observed,
      collected: this.collected,
    };
    if (this.best) {
      // A violation is definitive even if the exploration stopped early; keep why it stopped.
      return { ...base, verdict: 'fail', property: this.best.property, message: this.best.message, schedule: this.best.schedule, violationStep: this.best.step, reason: stopped };
    }
    if (stopped) return { ...base, verdict: 'incomplete', reason: stopped, message: `incomplete: ${stopped}; no violation in what was explored`, schedule: this.first ?? [] };
    return { ...base, verdict: 'pass', schedule: this.first ?? [] };
  }
}

export function explore(m: Machine, o: ExploreOptions): ExploreResult {
  const run = new Run(m, o);
  try {
    switch (o.strategy) {
      case 'dpor':
        dpor(run, o.stateless !== true);
        break;
      case 'naive':
        naive(run);
        break;
      case 'bounded':
        bounded(run, o.preemptions ?? 2);
        break;
      case 'random':
      case 'pct':
        sample(run);
        break;
      default:
        throw new Error(`unknown strategy ${o.strategy as string}`);
    }
  } catch (e) {
    if (e instanceof FirstViolation) {
      const r = run.result();
      const short = shorten(m, r.schedule, r.property!);
      return {
        ...r,
        stoppedAtFirst: true,
        reason: 'stopped at the first counterexample: counts cover the search up to it (turn off stop-at-first to count every failing interleaving)',
        schedule: short.schedule,
        violationStep: short.violationStep,
        message: short.message,
        shortened: { from: short.from, to: short.to, stepsFrom: r.violationStep ?? 0, stepsTo: short.violationStep },
        elapsedMs: Date.now() - run.t0,
      };
    }
    if (e instanceof Stop) return run.result(e.reason);
    throw e;
  }
  return run.result();
}

/** Context switches away from a task that could have gone on. */
export function preemptions(m: Machine, schedule: string[]): number {
  let s = m.initial();
  let n = 0;
  schedule.forEach((p, i) => {
    if (i > 0 && p !== schedule[i - 1] && m.enabled(s).includes(schedule[i - 1])) n++;
    s = m.step(s, p).state;
  });
  return n;
}

/**
 * Shorten a failing schedule: at each context switch, try letting the previous task go on
 * (then the tasks in the order the schedule had them) and keep the result when it still
 * violates the same property no later, with fewer switches. Greedy delta-debugging over the
 * schedule's switch points, on replay; bounded so it stays a fraction of a search.
 */
export function shorten(m: Machine, schedule: string[], property: string, budget = 20_000) {
  type Run = { schedule: string[]; states: State[]; switches: number; violationStep: number; message: string };
  const replay = (sched: string[]): Run | null => {
    const states = [m.initial()];
    let s = states[0];
    let switches = 0;
    for (let i = 0; i < sched.length; i++) {
      const en = m.enabled(s);
      if (!en.includes(sched[i])) return null;
      if (i > 0 && sched[i] !== sched[i - 1] && en.includes(sched[i - 1])) switches++;
      s = m.step(s, sched[i]).state;
      states.push(s);
    }
    if (m.enabled(s).length) return null;
    m.finalCheck(s);
    if (s.violation?.property !== property) return null;
    return { schedule: sched, states, switches, violationStep: s.violation.step, message: s.violation.message };
  };
  let best = replay(schedule)!;
  const from = best.switches;
  let spent = 0;
  let improved = true;
  while (improved && spent < budget) {
    improved = false;
    for (let k = 1; k < best.schedule.length && spent < budget; k++) {
      const prev = best.schedule[k - 1];
      if (best.schedule[k] === prev || !m.enabled(best.states[k]).includes(prev)) continue;
      // from state k: run `prev` while it can, then follow the old order
      const rest = best.schedule.slice(k);
      const sched = best.schedule.slice(0, k);
      let s = best.states[k];
      let cur = prev;
      for (;;) {
        const en = m.enabled(s);
        if (!en.length) break;
        let p = en.includes(cur) ? cur : undefined;
        if (p === undefined) {
          const at = rest.findIndex((q) => en.includes(q));
          p = at >= 0 ? rest[at] : en[0];
        }
        const at = rest.indexOf(p);
        if (at >= 0) rest.splice(at, 1);
        s = m.step(s, p).state;
        sched.push(p);
        cur = p;
        spent++;
      }
      const r = replay(sched);
      spent += sched.length;
      if (r && r.switches < best.switches && r.violationStep <= best.violationStep) {
        best = r;
        improved = true;
        break;
      }
    }
  }
  return { schedule: best.schedule, violationStep: best.violationStep, message: best.message, from, to: best.switches };
}

/** 53-bit string hash (cyrb53): state sets of millions of states without keeping the keys. */
export function hash53(str: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < str.length; i++) {
    const ch = str.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/**
 * The baseline without reduction: every reachable state, once (a visited set, no partial-order
 * reduction). Exact, so tests compare dpor's final states with it.
 */
function naive(run: Run): void {
  const m = run.m;
  const seen = new Set<number>();
  const schedule: string[] = [];
  const go = (s: State) => {
    const h = hash53(stateKey(s));
    if (seen.has(h)) {
      run.pruned++;
      return;
    }
    seen.add(h);
    run.visit(s);
    run.deep(schedule.length);
    run.early(s, schedule);
    const en = m.enabled(s);
    if (!en.length) return run.terminal(s, schedule);
    for (const p of en) {
      const next = m.step(s, p).state;
      run.transitions++;
      schedule.push(p);
      go(next);
      schedule.pop();
    }
  };
  go(m.initial());
}

/** Every interleaving with at most `bound` preemptions (switching away from a task that could go on). */
function bounded(run: Run, bound: number): void {
  const m = run.m;
  const schedule: string[] = [];
  const go = (s: State, prev: string | null, preempts: number) => {
    run.visit(s);
    run.deep(schedule.length);
    const en = m.enabled(s);
    if (!en.length) return run.terminal(s, schedule);
    const prevGoesOn = prev !== null && en.includes(prev);
    for (const p of en) {
      const cost = prevGoesOn && p !== prev ? 1 : 0;
      if (preempts + cost > bound) {
        run.pruned++;
        continue;
      }
      const next = m.step(s, p).state;
      run.transitions++;
      schedule.push(p);
      go(next, p, preempts + cost);
      schedule.pop();
    }
  };
  go(m.initial(), null, 0);
}

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
function dpor(run: Run, stateful: boolean): void {
  const m = run.m;
  const exec: Executed[] = [];
  const nodes: Node[] = [];
  const schedule: string[] = [];
  const cache = new Map<number, Cached>();
  const pairIds = new Map<string, number>();
  const pairs: { task: string; fp: Footprint }[] = [];
  /** which tasks' steps were seen creating a task (a kworker by queue_work_on) */
  const creators = new Map<string, Set<string>>();
  const intern = (task: string, fp: Footprint): number => {
    const k = `${task}|${fp.r.join(',')}|${fp.w.join(',')}|${(fp.wait ?? []).join(',')}`;
    let id = pairIds.get(k);
    if (id === undefined) {
      id = pairs.length;
      pairs.push({ task, fp });
      pairIds.set(k, id);
    }
    return id;
  };

  const mkNode = (state: State, sleep: Map<string, Footprint>, clocks: Map<string, Clock>): Node => {
    const fps = new Map<string, Footprint>();
    for (const t of state.tasks) {
      if (t.done) continue;
      const fp = m.footprint(state, t);
      if (fp) fps.set(t.id, fp);
    }
    return { state, enabled: m.enabled(state), backtrack: new Set(), done: new Set(), sleep, clocks, fps, execs: 0, failing: 0 };
  };

  /** Schedule the reversal of a race between the step at i and a later step of task t. */
  const reverse = (i: number, t: string) => {
    const pre = nodes[i];
    if (pre.enabled.includes(t)) {
      pre.backtrack.add(t);
      return;
    }
    // t cannot run at i (it waits for something else there, or does not exist yet): try
    // everything runnable at i (Flanagan–Godefroid). Steps that are never enabled together
    // are no race (races()), so this is not reached for a lock its holder releases.
    for (const q of pre.enabled) pre.backtrack.add(q);
  };

  /** exec[j] happens before a step with clock c */
  const before = (j: number, c: Clock | undefined) => (c?.get(exec[j].task) ?? 0) >= j + 1;

  /**
   * The tasks that can begin v: the steps after i that do not happen after exec[i], then t's
   * pending step (Abdulla et al.'s initials, POPL'14). Running one of them at i reverses the
   * race; t itself may not be able to run there (it waits, or is spawned later in v).
   */
  const initials = (i: number, t: string, fp: Footprint, cp: Clock | undefined): string[] => {
    const first = new Map<string, number>(); // each task's first step in v
    const out: string[] = [];
    const startsFree = (c: Clock | undefined) => [...first.values()].every((j) => !before(j, c));
    for (let k = i + 1; k < exec.length; k++) {
      const x = exec[k];
      if (before(i, x.clock) || first.has(x.task)) continue;
      if (startsFree(x.clock)) out.push(x.task);
      first.set(x.task, k);
    }
    if (!first.has(t) && startsFree(cp) && ![...first.values()].some((j) => orderedAfter(exec[j].fp, fp))) out.push(t);
    return out;
  };

  const addRaces = (node: Node) => {
    for (const [t, fp] of node.fps) {
      const cp = node.clocks.get(t);
      for (let i = exec.length - 1; i >= 0; i--) {
        const e = exec[i];
        if (e.task === t || !races(e.fp, fp)) continue;
        if (cp && (e.clock.get(e.task) ?? 0) <= (cp.get(e.task) ?? 0)) continue; // e happens-before t
        const pre = nodes[i];
        const starts = initials(i, t, fp, cp);
        if (starts.some((q) => pre.backtrack.has(q))) break;
        const q = starts.includes(t) && pre.enabled.includes(t) ? t : starts.find((x) => pre.enabled.includes(x));
        if (q !== undefined) pre.backtrack.add(q);
        else reverse(i, t);
        break;
      }
    }
  };

  /**
   * A cached subtree's steps against the current path. A step of the path that happens before
   * a task's current position happens before all its later steps too (program order), and
   * before every step of a task spawned later if it happens before every task here (a new
   * task starts from its creator's clock). Every other dependent pair is taken as a race.
   */
  const replayRaces = (node: Node, summary: Set<number>) => {
    const hb = (i: number, t: string) => {
      const c = node.clocks.get(t);
      const e = exec[i];
      return c !== undefined && (e.clock.get(e.task) ?? 0) <= (c.get(e.task) ?? 0);
    };
    const live = new Set(node.state.tasks.filter((t) => !t.done).map((t) => t.id));
    // the tasks here that may have created a task (transitively); all of them when unknown
    const roots = (t: string): string[] => {
      const out = new Set<string>();
      const todo = [t];
      const seen = new Set<string>();
      while (todo.length) {
        const x = todo.pop()!;
        if (seen.has(x)) continue;
        seen.add(x);
        if (live.has(x)) out.add(x);
        else {
          const cs = creators.get(x);
          if (!cs) return [...live];
          todo.push(...cs);
        }
      }
      return [...out];
    };
    for (const id of summary) {
      const { task, fp } = pairs[id];
      const from = roots(task);
      for (let i = exec.length - 1; i >= 0; i--) {
        const e = exec[i];
        if (e.task === task || !races(e.fp, fp)) continue;
        if (from.every((r) => hb(i, r))) continue;
        reverse(i, task);
      }
    }
  };

  const leave = (node: Node, depth: number, entrySleep: string[]) => {
    const parent = depth > 0 ? nodes[depth - 1] : null;
    if (parent) {
      parent.execs += node.execs;
      parent.failing += node.failing;
    }
    if (!stateful) return;
    const prev = cache.get(node.hash!);
    const sleep = entrySleep;
    cache.set(node.hash!, {
      done: true,
      // explored twice with different sleep sets: what is covered is what both left awake
      sleep: prev && prev.done ? sleep.filter((q) => prev.sleep.includes(q)) : sleep,
      summary: node.summary!,
      execs: node.execs,
      failing: node.failing,
    });
    if (parent) for (const id of node.summary!) parent.summary!.add(id);
  };

  const go = (depth: number) => {
    const node = nodes[depth];
    const entrySleep = [...node.sleep.keys()];
    if (stateful) {
      node.hash = hash53(stateKey(node.state));
      const hit = cache.get(node.hash);
      if (hit && !hit.done) throw new Stop('the state graph has a cycle, which the stateful search does not cover (use --stateless)');
      if (hit && hit.sleep.every((q) => node.sleep.has(q))) {
        run.pruned++;
        replayRaces(node, hit.summary);
        node.summary = hit.summary;
        node.execs = hit.execs;
        node.failing = hit.failing;
        run.executions += hit.execs;
        run.failing += hit.failing;
        const parent = depth > 0 ? nodes[depth - 1] : null;
        if (parent) {
          parent.execs += hit.execs;
          parent.failing += hit.failing;
          for (const id of hit.summary) parent.summary!.add(id);
        }
        return;
      }
      if (!hit) run.visit(node.state);
      else run.revisits++;
      cache.set(node.hash, { done: false, sleep: [], summary: new Set(), execs: 0, failing: 0 });
      node.summary = new Set();
      for (const [t, fp] of node.fps) node.summary.add(intern(t, fp));
    } else run.visit(node.state);
    run.deep(depth);
    run.early(node.state, schedule);
    addRaces(node);
    if (!node.enabled.length) {
      const before = run.failing;
      run.terminal(node.state, schedule);
      node.execs = 1;
      node.failing = run.failing - before;
      return leave(node, depth, entrySleep);
    }
    const awake = node.enabled.find((p) => !node.sleep.has(p));
    if (awake === undefined) {
      run.pruned++;
      return leave(node, depth, entrySleep);
    }
    node.backtrack.add(awake);
    for (;;) {
      let p: string | undefined;
      for (const q of node.backtrack) {
        if (node.done.has(q)) continue;
        if (node.sleep.has(q)) {
          node.done.add(q);
          run.pruned++;
          continue;
        }
        p = q;
        break;
      }
      if (p === undefined) return leave(node, depth, entrySleep);
      node.done.add(p);
      const fp = node.fps.get(p)!;
      const next = m.step(node.state, p).state;
      run.transitions++;
      // A step that ends or moves another task (takedown_cpu drops a kworker whose CPU died or
      // moves a task to the control CPU; an unbound worker taking an item ends the other
      // candidates) replaces that task's next step: the step it replaced is never met later
      // to be found racing, so the reversal is scheduled here.
      for (const t of next.tasks) {
        const was = node.state.tasks.find((x) => x.id === t.id);
        if (t.id !== p && was && !was.done && node.fps.has(t.id) && (t.done || t.cpu !== was.cpu)) reverse(depth, t.id);
      }

      const clock: Clock = new Map(node.clocks.get(p) ?? []);
      for (const e of exec) if (orderedAfter(e.fp, fp)) join(clock, e.clock);
      clock.set(p, exec.length + 1);
      const clocks = new Map(node.clocks);
      clocks.set(p, clock);
      for (const t of next.tasks) {
        if (node.state.tasks.some((x) => x.id === t.id)) continue;
        if (!clocks.has(t.id)) clocks.set(t.id, clock);
        const cs = creators.get(t.id) ?? new Set<string>();
        creators.set(t.id, cs.add(p));
      }

      const sleep = new Map<string, Footprint>();
      for (const [q, fq] of node.sleep) if (!dependent(fq, fp)) sleep.set(q, fq);

      exec.push({ task: p, fp, clock });
      schedule.push(p);
      nodes.push(mkNode(next, sleep, clocks));
      go(depth + 1);
      nodes.pop();
      schedule.pop();
      exec.pop();
      node.sleep.set(p, fp);
    }
  };

  nodes.push(mkNode(m.initial(), new Map(), new Map()));
  go(0);
}

/** Random walks and PCT: `runs` executions from a seeded generator. */
function sample(run: Run): void {
  const m = run.m;
  const o = run.o;
  const random = rng(o.seed ?? 1);
  const runs = o.runs ?? 1000;
  const depth = Math.max(1, o.pctDepth ?? 3);
  let longest = 50;
  for (let r = 0; r < runs; r++) {
    let s = m.initial();
    run.visit(s);
    const schedule: string[] = [];
    // PCT: random distinct priorities (higher runs first), d-1 change points over the expected length.
    const prio = new Map<string, number>();
    const give = (id: string) => prio.set(id, depth + random() * 1e6);
    for (const t of s.tasks) give(t.id);
    const changes = Array.from({ length: depth - 1 }, () => 1 + Math.floor(random() * longest));
    for (;;) {
      const en = m.enabled(s);
      if (!en.length) break;
      let p: string;
      if (o.strategy === 'random') p = en[Math.floor(random() * en.length)];
      else {
        for (const t of s.tasks) if (!prio.has(t.id)) give(t.id);
        p = en.reduce((a, b) => (prio.get(b)! > prio.get(a)! ? b : a));
        const ci = changes.indexOf(schedule.length + 1);
        if (ci >= 0) prio.set(p, ci + 1 - depth); // drop below every initial priority
      }
      s = m.step(s, p).state;
      run.transitions++;
      schedule.push(p);
      run.visit(s);
      run.deep(schedule.length);
    }
    longest = Math.max(longest, schedule.length);
    run.terminal(s, schedule);
  }
}
