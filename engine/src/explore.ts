// Explorers over the one execution model (Machine). Exhaustive: dpor (Flanagan–Godefroid
// dynamic partial-order reduction with sleep sets), naive (every interleaving), bounded
// (every interleaving with at most k preemptions). Sampling: random and pct (Burckhardt et al.,
// ASPLOS'10) with a seed. Replay re-executes a schedule. A verdict is never a silent pass:
// hitting a limit or a cancel gives "incomplete" with the reason.

import { counted, UNCOUNTED_CYCLE } from './cycles';
import { dpor } from './dpor';
import { Machine } from './machine';
import { FirstViolation, hash53, rng, Run, Stop } from './run';
import type { ExploreOptions, ExploreResult } from './run';
import { State } from './state';

export { hash53, rng, STRATEGIES } from './run';
export type { ExploreOptions, ExploreResult, Observed, Progress, Strategy } from './run';

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
        reason:
          'stopped at the first counterexample: counts cover the search up to it (turn off stop-at-first to count every failing interleaving)',
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

/**
 * The baseline without reduction: every reachable state, once (a visited set, no partial-order
 * reduction). Exact, so tests compare dpor's final states with it.
 */
function naive(run: Run): void {
  const m = run.m;
  const seen = new Set<number>();
  const schedule: string[] = [];
  // the states on the path: one met again closes a cycle, and is keyed with its loop counters
  const onPath = new Set<number>();
  const go = (s: State) => {
    const key = run.key(s).key;
    let h = hash53(key);
    if (onPath.has(h)) {
      h = hash53(counted(key, s));
      if (onPath.has(h)) throw new Stop(UNCOUNTED_CYCLE);
    }
    if (seen.has(h)) {
      run.pruned++;
      return;
    }
    seen.add(h);
    onPath.add(h);
    run.visit(s);
    run.deep(schedule.length);
    run.early(s, schedule);
    const en = m.enabled(s);
    if (!en.length) run.terminal(s, schedule);
    for (const p of en) {
      const next = m.step(s, p).state;
      run.transitions++;
      schedule.push(p);
      go(next);
      schedule.pop();
    }
    onPath.delete(h);
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
