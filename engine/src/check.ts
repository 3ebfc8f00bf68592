// One call for "run this scenario with this strategy and give me a verdict with its trace".

import { explore, ExploreOptions, ExploreResult } from './explore';
import type { Anchor } from './ir';
import type { Scenario, SetupOp } from './scenario';
import { buildTrace, machineFor, Trace } from './trace';

export interface CheckResult extends Omit<ExploreResult, 'collected'> {
  scenario: string;
  title: string;
  ncpus: number;
  config: Record<string, boolean>;
  trace: Trace | null;
  /** the program statements some explored execution reached (function, IR index, source line) */
  covered: Anchor[];
  /** the scenario's threads and setup, in one line: what a verdict is about */
  covers: string;
}

/**
 * `passTrace: false`: no trace for a pass (null), for a caller that shows only a failure's: the
 * replay that records it costs more than a small search (F2 at 8 CPUs: 129 steps).
 */
export function check(sc: Scenario, o: ExploreOptions, want: { passTrace?: boolean } = {}): CheckResult {
  const m = machineFor(sc);
  const r = explore(m, o);
  const { collected: _c, ...rest } = r;
  // The trace of a failure is its shortest counterexample; of a pass, the first execution explored.
  const traced = r.verdict === 'pass' ? want.passTrace !== false : r.schedule.length || r.verdict !== 'incomplete';
  const trace = traced ? buildTrace(sc, r.schedule, r.verdict) : null;
  const covered = [...new Map([...m.executed].map((a) => [`${a.fn}#${a.index}`, a])).values()].map((a) => ({ ...a }));
  return {
    scenario: sc.id,
    title: sc.title,
    ncpus: sc.ncpus,
    config: sc.config,
    ...rest,
    trace,
    covered,
    covers: scenarioLine(sc),
  };
}

/** "P0 on CPU0: kmem_cache_destroy(s) · setup: 1 slab of 3, o1 kfree_rcu() on CPU0, … · a kworker and rcu_core per CPU" */
export function scenarioLine(sc: Scenario): string {
  const threads = sc.threads.map(
    (t) =>
      `${t.id} on CPU${t.cpu}: ${t.program.map((st) => (st.op === 'call' ? `${st.fn}(${(st.args ?? []).join(', ')})` : st.op)).join('; ')}`,
  );
  const setup = sc.setup.map(setupWords).filter(Boolean);
  return `${threads.join(' ∥ ')} · setup: ${setup.join(', ') || 'none'} · a kworker and an rcu_core softirq on each of ${sc.ncpus} CPUs`;
}

function setupWords(op: SetupOp): string {
  switch (op.op) {
    case 'new_slab':
      return `a slab of ${op.objects}`;
    case 'alloc':
      return '';
    case 'kfree_rcu':
      return `o${op.obj} kfree_rcu() on CPU${op.cpu}`;
    case 'free_to_main':
      return `o${op.obj} freed to CPU${op.cpu}'s main sheaf`;
    case 'call_rcu_sheaf':
      return `CPU${op.cpu}'s rcu_free sheaf already in call_rcu()`;
    case 'cpu_slab':
      return `slab#${op.slab} the cpu slab of CPU${op.cpu}`;
  }
}
