// One call for "run this scenario with this strategy and give me a verdict with its trace".

import { explore, ExploreOptions, ExploreResult } from './explore';
import type { Scenario } from './scenario';
import { buildTrace, machineFor, Trace } from './trace';

export interface CheckResult extends Omit<ExploreResult, 'collected'> {
  scenario: string;
  title: string;
  ncpus: number;
  config: Record<string, boolean>;
  trace: Trace | null;
}

export function check(sc: Scenario, o: ExploreOptions): CheckResult {
  const r = explore(machineFor(sc), o);
  const { collected: _c, ...rest } = r;
  // The trace of a failure is its shortest counterexample; of a pass, the first execution explored.
  const trace = r.schedule.length || r.verdict !== 'incomplete' ? buildTrace(sc, r.schedule, r.verdict) : null;
  return { scenario: sc.id, title: sc.title, ncpus: sc.ncpus, config: sc.config, ...rest, trace };
}
