// One search's bookkeeping, shared by every explorer (explore.ts, dpor.ts): the options and the
// result, the counts, the limits and cancel (Stop), and what each terminal state adds to the verdict.

import { Machine } from './machine';
import { State, stateKey } from './state';
import { Renaming, Symmetry, SymmetryReport } from './symmetry';

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
  /** for tests: called with each final state reached */
  onFinal?: (s: State) => void;
  /** a condition over each final state (a scenario file's exists clause): counted in `observed` */
  observe?: (s: State) => boolean;
  /** stop (incomplete) when one execution grows longer than this many steps (an unbounded loop) */
  maxDepth?: number;
  /**
   * Symmetry reduction over CPUs (naive and stateful dpor): states equal up to a renaming of the
   * CPUs that nothing still to run tells apart share one key (symmetry.ts); the result's
   * `symmetry` says what it covered.
   */
  symmetry?: boolean;
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
  /** --symmetry: what it covered */
  symmetry?: SymmetryReport;
}

export class Stop extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** --stop-at-first: thrown at the first failing execution. */
export class FirstViolation extends Error {}

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

export class Run {
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
  readonly sym?: Symmetry;

  constructor(
    readonly m: Machine,
    readonly o: ExploreOptions,
  ) {
    if (o.collect) this.collected = new Set();
    if (o.observe) this.observed = { holds: 0, total: 0 };
    if (o.symmetry) {
      const cached = o.strategy === 'naive' || (o.strategy === 'dpor' && o.stateless !== true);
      const unused = !cached
        ? `the ${o.stateless ? 'stateless ' : ''}${o.strategy} search keeps no state set`
        : o.observe
          ? "a scenario file's exists clause may name one CPU or object: it is checked on every final state"
          : undefined;
      this.sym = new Symmetry(m, unused);
    }
  }

  /** The key state sets use: the state's own, or with --symmetry its key up to a CPU renaming (r: the renaming, null for none). */
  key(s: State): { key: string; r: Renaming | null } {
    return this.sym ? this.sym.key(s) : { key: stateKey(s), r: null };
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
        this.o.onProgress({
          states: this.states,
          transitions: this.transitions,
          executions: this.executions,
          elapsedMs: now - this.t0,
        });
      }
    }
    if (this.states > (this.o.maxStates ?? 1_000_000))
      throw new Stop(`limit reached after ${this.states - 1} states (--max-states)`);
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
    this.o.onFinal?.(s);
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
      ...(this.sym ? { symmetry: this.sym.report } : {}),
    };
    if (this.best) {
      // A violation is definitive even if the exploration stopped early; keep why it stopped.
      return {
        ...base,
        verdict: 'fail',
        property: this.best.property,
        message: this.best.message,
        schedule: this.best.schedule,
        violationStep: this.best.step,
        reason: stopped,
      };
    }
    if (stopped)
      return {
        ...base,
        verdict: 'incomplete',
        reason: stopped,
        message: `incomplete: ${stopped}; no violation in what was explored`,
        schedule: this.first ?? [],
      };
    return { ...base, verdict: 'pass', schedule: this.first ?? [] };
  }
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
