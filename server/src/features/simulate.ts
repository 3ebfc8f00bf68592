// slablens/simulate (explore in a worker thread, progress and Cancel to the client, the verdict
// left on the lines involved), and the built-in scenarios and trace replay beside it.

import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  CancellationToken,
  CancellationTokenSource,
  Diagnostic,
  DiagnosticSeverity,
  ErrorCodes,
  LSPErrorCodes,
  ResponseError,
  WorkDoneProgressReporter,
} from 'vscode-languageserver/node';
import { listScenarios, Progress, Trace } from '../../../engine/src';
import {
  Replay,
  ReplayParams,
  ReplayResult,
  Scenarios,
  ScenarioInfo,
  Simulate,
  SimulateParams,
  SimulateResult,
} from '../../../protocol/src';
import { extractOrchestrationReport, notModelledByFunction } from '../analyzer';
import { ServerContext } from '../context';
import { ExperimentError, ExperimentPrograms, experimentPrograms } from '../experiment';
import { simulateFromSource, unsupportedIn } from '../simulate';
import type { WorkerJob } from '../simulateWorker';
import { configOf } from '../verdicts';
import { refreshDiagnostics, VERDICT } from './diagnostics';
import { refreshCodeLenses } from './lenses';

type WorkerResult = ReturnType<typeof simulateFromSource>;

/** The warm worker (dist/simulateWorker.js, beside the bundled server) and whether a run has it. */
let warm: { worker: Worker; busy: boolean } | undefined;
let runs = 0;

function startWorker(): { worker: Worker; busy: boolean } {
  const w = { worker: new Worker(path.join(__dirname, 'simulateWorker.js')), busy: false };
  w.worker.on('error', () => {
    if (warm === w) warm = undefined;
  });
  w.worker.unref();
  return w;
}

/** Start the warm worker ahead of the first run (called in idle time after indexing). */
export function warmWorker(): void {
  warm ??= startWorker();
}

/**
 * Explore in the warm worker (a second run at the same time gets a worker of its own); progress
 * goes to the client, a cancel terminates the worker at once and the next run starts another.
 */
export function runInWorker<R = WorkerResult>(
  job: WorkerJob,
  token: CancellationToken,
  progress: WorkDoneProgressReporter,
): Promise<R | null> {
  const own = warm && !warm.busy ? warm : startWorker();
  if (!warm) warm = own;
  own.busy = true;
  const id = ++runs;
  return new Promise((resolve, reject) => {
    const done = () => {
      sub.dispose();
      own.worker.off('message', onMessage);
      own.worker.off('error', onError);
      own.busy = false;
      if (own !== warm) void own.worker.terminate();
    };
    const sub = token.onCancellationRequested(() => {
      done();
      if (warm === own) warm = undefined;
      void own.worker.terminate();
      resolve(null);
    });
    const onMessage = (
      m: { kind: 'progress'; id: number; progress: Progress } | { kind: 'result'; id: number; result: R },
    ) => {
      if (m.id !== id) return;
      if (m.kind === 'progress') progress.report(`${m.progress.states} states, ${m.progress.executions} interleavings`);
      else {
        done();
        resolve(m.result);
      }
    };
    const onError = (e: Error) => {
      done();
      if (warm === own) warm = undefined;
      reject(e);
    };
    own.worker.on('message', onMessage);
    own.worker.on('error', onError);
    own.worker.postMessage({ id, job });
  });
}

/** Cancelled when either the request or the progress notification's Cancel button is. */
function mergeTokens(a: CancellationToken, b: CancellationToken): CancellationToken {
  const src = new CancellationTokenSource();
  a.onCancellationRequested(() => src.cancel());
  b.onCancellationRequested(() => src.cancel());
  return src.token;
}

/**
 * A run on the files: its verdict for this configuration (KASAN or not, the other one kept), and a
 * failing one on the simulated function's line and on the line of the step that failed.
 */
function leaveVerdict(ctx: ServerContext, p: SimulateParams, r: WorkerResult): void {
  const verdict = `${r.verdict.toUpperCase()}${r.property ? ` (${r.property})` : ''}, ${r.states} states`;
  const config = configOf(!!p.kasan);
  const diags: { uri: string; diagnostic: Diagnostic }[] = [];
  const bad = r.trace?.steps.find((s) => s.violation);
  const fn = p.function ? ctx.analyzer.definition(p.function) : undefined;
  const at = bad?.anchor?.line !== undefined ? ctx.analyzer.definition(bad.anchor.fn) : undefined;
  if (r.verdict === 'fail') {
    for (const [target, line] of [
      [fn, fn?.selectionRange.start.line],
      [at, bad?.anchor?.line],
    ] as const) {
      if (!target || line === undefined) continue;
      diags.push({
        uri: target.uri,
        diagnostic: {
          severity: DiagnosticSeverity.Warning,
          range: { start: { line, character: 0 }, end: { line, character: 200 } },
          message: `slablens (${config}): ${r.message ?? r.property} (quick fix "Show trace" opens it)`,
          source: 'slablens',
          code: VERDICT,
          data: { function: p.function ?? p.scenario, kasan: !!p.kasan, config },
        },
      });
    }
  }
  ctx.verdicts.set(p.function, config, verdict, diags);
}

/**
 * Progress of a run with Cancel: on the client's workDoneToken when it shows its own progress,
 * else on one the server asks for. The token is cancelled by the request's or the progress's Cancel.
 */
export async function beginProgress(
  ctx: ServerContext,
  workDoneToken: string | number | undefined,
  title: string,
  token: CancellationToken,
): Promise<{ reporter: WorkDoneProgressReporter; token: CancellationToken }> {
  const { connection } = ctx;
  const attached = workDoneToken !== undefined ? connection.window.attachWorkDoneProgress(workDoneToken) : null;
  const created = attached ? null : await connection.window.createWorkDoneProgress().catch(() => null);
  const progress = attached ?? created;
  progress?.begin(title, undefined, undefined, true);
  const reporter =
    progress ??
    ({ begin: () => undefined, report: () => undefined, done: () => undefined } as unknown as WorkDoneProgressReporter);
  return { reporter, token: created ? mergeTokens(token, created.token) : token };
}

/** Pending refreshes of the diagnostics and lenses, one per server. */
const refreshes = new WeakMap<ServerContext, ReturnType<typeof setTimeout>>();

/**
 * The diagnostics and lenses a moment after the answer: the verdict in the trace view is what the
 * user waits for, and the editor redrawn meanwhile would hold it up. Runs in a row refresh once.
 */
function refreshSoon(ctx: ServerContext): void {
  clearTimeout(refreshes.get(ctx));
  refreshes.set(
    ctx,
    setTimeout(() => {
      refreshes.delete(ctx);
      refreshDiagnostics(ctx);
      refreshCodeLenses(ctx);
    }, 300),
  );
}

export async function simulate(
  ctx: ServerContext,
  p: SimulateParams,
  token: CancellationToken,
): Promise<SimulateResult | ResponseError> {
  const base = extractOrchestrationReport(ctx.analyzer);
  let exp: ExperimentPrograms | undefined;
  try {
    exp = p.experiment ? experimentPrograms(ctx.analyzer, p.experiment, base) : undefined;
  } catch (e) {
    if (e instanceof ExperimentError) return new ResponseError(ErrorCodes.InvalidParams, e.message);
    throw e;
  }
  const { programs, extractions } = exp ?? base;
  const unsupported = unsupportedIn(extractions);
  if (unsupported && !(p.builtin && p.scenario))
    return new ResponseError(ErrorCodes.InvalidParams, `not simulated, no verdict: ${unsupported}`);
  const progress = await beginProgress(
    ctx,
    p.workDoneToken,
    `Simulating ${p.function ?? p.scenario ?? 'kmem_cache_destroy'}${p.kasan ? ' (KASAN)' : ''}${exp ? ' — experiment' : ''}`,
    token,
  );
  let r: WorkerResult | null;
  try {
    r = await runInWorker(
      { kind: 'simulate', programs, params: p, teardown: base.teardown },
      progress.token,
      progress.reporter,
    );
  } finally {
    progress.reporter.done();
  }
  if (!r) return new ResponseError(LSPErrorCodes.RequestCancelled, 'simulation cancelled');
  // the statements each function has, by file: what "Show Coverage" greys when no run reached them
  const statements: SimulateResult['statements'] = {};
  for (const [fn, x] of Object.entries(extractions)) {
    const uri = exp?.changed[fn] ?? ctx.analyzer.definition(fn)?.uri;
    if (uri) statements[fn] = { uri, lines: [...new Set(x.lines.filter((l) => l >= 0))] };
  }
  // an experiment is not the file: its verdict is labelled, and no diagnostic claims it of the file
  if (exp) {
    if (p.function)
      ctx.verdicts.setExperiment(
        p.function,
        configOf(!!p.kasan),
        `${r.verdict.toUpperCase()}${r.property ? ` (${r.property})` : ''}, ${r.states} states — ${exp.label}`,
      );
  } else if (!p.builtin) leaveVerdict(ctx, p, r);
  refreshSoon(ctx);
  const out: SimulateResult = { ...r, notModelled: notModelledByFunction(extractions), statements };
  if (exp) out.experiment = exp.label;
  return out;
}

/** The engine's built-in scenarios, for "Run Scenario…". */
export function scenarios(): ScenarioInfo[] {
  return listScenarios().map((s) => ({
    id: s.id,
    title: s.title,
    fact: s.fact,
    expect: s.expect,
    description: s.description,
  }));
}

/**
 * Re-run an imported trace file or a replay token in a worker (a cancel terminates it): what the
 * replay reaches is the verdict. The trace is checked against its schema and limits there first.
 */
export function replay(p: ReplayParams, token: CancellationToken): Promise<ReplayResult | ResponseError> {
  return new Promise((resolve) => {
    const worker = new Worker(path.join(__dirname, 'replayWorker.js'), { workerData: p });
    const finish = (r: ReplayResult | ResponseError) => {
      sub.dispose();
      resolve(r);
      void worker.terminate();
    };
    const sub = token.onCancellationRequested(() =>
      finish(new ResponseError(LSPErrorCodes.RequestCancelled, 'replay cancelled')),
    );
    worker.on('message', (m: { kind: 'result'; trace: Trace } | { kind: 'refused' | 'error'; message: string }) => {
      if (m.kind !== 'result')
        return finish(
          m.kind === 'refused'
            ? new ResponseError(ErrorCodes.InvalidParams, m.message)
            : new ResponseError(ErrorCodes.InternalError, `the replay failed: ${m.message}`),
        );
      const t = m.trace;
      finish({
        scenario: t.scenario.id,
        title: t.scenario.title,
        ncpus: t.scenario.ncpus,
        config: t.scenario.config,
        verdict: t.verdict,
        property: t.property,
        message: t.message,
        strategy: 'replay',
        states: t.schedule.length + 1,
        transitions: t.schedule.length,
        pruned: 0,
        executions: 1,
        outcomes: 1,
        failing: t.verdict === 'fail' ? 1 : 0,
        elapsedMs: 0,
        schedule: t.schedule,
        violationStep: t.violationStep,
        trace: t,
      });
    });
    // a worker that dies (out of memory) answers too
    worker.on('error', (e) => finish(new ResponseError(ErrorCodes.InternalError, `the replay failed: ${e.message}`)));
  });
}

export function registerSimulate(ctx: ServerContext): void {
  ctx.connection.onRequest(Simulate, (p, token) => simulate(ctx, p, token));
  ctx.connection.onRequest(Scenarios, () => scenarios());
  ctx.connection.onRequest(Replay, (p, token) => replay(p, token));
}
