// Replays an imported trace or a token off the server's request thread, like an exploration: the
// trace is someone else's file, and even checked against its limits a replay is work in its input.

import { parentPort, workerData } from 'node:worker_threads';
import { ModelError, replayTrace, TraceError, UnknownScenario } from '../../engine/src';
import type { ReplayParams } from '../../protocol/src';
import { builtinScenario } from './litmus/cli';

const params = workerData as ReplayParams;
try {
  // a built-in's trace is checked against the scenario its .litmus file lowers to
  const trace = replayTrace(params, builtinScenario);
  parentPort!.postMessage({ kind: 'result', trace });
} catch (e) {
  // a trace refused by its checks, or one whose programs do not run: said to the user as such
  const refused = e instanceof TraceError || e instanceof UnknownScenario || e instanceof ModelError;
  parentPort!.postMessage({ kind: refused ? 'refused' : 'error', message: (e as Error).message });
}
