// Runs explorations off the server's request thread, so hover and edits stay responsive. One
// worker is kept warm between runs (its engine code loaded and compiled: a run on the fixtures is
// then a fraction of a fresh worker's); the server terminates it to cancel and starts another.

import { parentPort } from 'node:worker_threads';
import type { ProgramSet } from '../../engine/src';
import { SimulateParams, simulateFromSource } from './simulate';

parentPort!.on('message', (m: { id: number; programs: ProgramSet; params: SimulateParams; teardown?: string[] }) => {
  const result = simulateFromSource(m.programs, m.params, {
    onProgress: (p) => parentPort!.postMessage({ kind: 'progress', id: m.id, progress: p }),
  }, m.teardown);
  parentPort!.postMessage({ kind: 'result', id: m.id, result });
});
