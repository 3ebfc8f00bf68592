// Runs explorations off the server's request thread, so hover and edits stay responsive. One
// worker is kept warm between runs (its engine code loaded and compiled: a run on the fixtures is
// then a fraction of a fresh worker's); the server terminates it to cancel and starts another.

import { parentPort } from 'node:worker_threads';
import { checkClause } from '../../engine/src';
import type { Clause, ExploreOptions, Observation, ProgramSet, Scenario } from '../../engine/src';
import { SimulateParams, simulateFromSource } from './simulate';

/** What the server asks of the worker: Simulate's run on the source, or a scenario file's (already lowered). */
export type WorkerJob =
  | { kind: 'simulate'; programs: ProgramSet; params: SimulateParams; teardown?: string[] }
  | { kind: 'litmus'; scenario: Scenario; clause: Clause; expected?: Observation; options: ExploreOptions };

parentPort?.on('message', (m: { id: number; job: WorkerJob }) => {
  const onProgress: ExploreOptions['onProgress'] = (p) =>
    parentPort!.postMessage({ kind: 'progress', id: m.id, progress: p });
  const { job } = m;
  const result =
    job.kind === 'simulate'
      ? simulateFromSource(job.programs, job.params, { onProgress }, job.teardown)
      : checkClause(job.scenario, job.clause, { ...job.options, onProgress }, job.expected);
  parentPort!.postMessage({ kind: 'result', id: m.id, result });
});
