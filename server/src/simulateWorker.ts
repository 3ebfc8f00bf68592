// Runs an exploration off the server's request thread, so hover and edits stay responsive;
// the server terminates it to cancel.

import { parentPort, workerData } from 'node:worker_threads';
import type { ProgramSet } from '../../engine/src';
import { SimulateParams, simulateFromSource } from './simulate';

const { programs, params } = workerData as { programs: ProgramSet; params: SimulateParams };
const result = simulateFromSource(programs, params, {
  onProgress: (p) => parentPort!.postMessage({ kind: 'progress', progress: p }),
});
parentPort!.postMessage({ kind: 'result', result });
