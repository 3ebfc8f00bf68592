// Scenario files (.litmus) in the editor. Every parse and lowering error is a diagnostic with its
// position. Run (slablens/litmus/run, the file's CodeLens) explores in the simulate worker against
// the workspace's C and answers in herd7's words. When the observation is not the file's
// (* Result: … *), the clause gets a diagnostic. In a trusted workspace, a check runs in the
// background after each edit (of the file, or of the C it calls into); in an untrusted one nothing
// runs by itself.

import { fileURLToPath } from 'node:url';
import {
  CancellationToken,
  CancellationTokenSource,
  CodeLensRefreshRequest,
  Diagnostic,
  DiagnosticSeverity,
  ErrorCodes,
  LSPErrorCodes,
  ResponseError,
  WorkDoneProgressReporter,
} from 'vscode-languageserver/node';
import { ExploreOptions, LitmusCheckResult, ORCHESTRATION, ProgramSet } from '../../../engine/src';
import {
  LitmusFromTrace,
  LitmusRow,
  LitmusRun,
  LitmusRunAll,
  LitmusRunAllParams,
  LitmusRunParams,
  LitmusRunResult,
  WorkspaceTrust,
} from '../../../protocol/src';
import { DEFAULT_INDEX_SETTINGS } from '../../../protocol/src/settings';
import { readInputFile } from '../../../io/src';
import { extractOrchestrationReport } from '../analyzer';
import { ScenarioRun, ServerContext } from '../context';
import {
  Diagnostic as LitmusDiagnostic,
  firstError,
  isScenarioUri,
  LitmusError,
  loadScenarioText,
  LoadedScenario,
} from '../litmus';
import { litmusSummary } from '../litmus/cli';
import { unsupportedIn } from '../simulate';
import { FromTraceError, scenarioFromTrace } from '../litmus/fromTrace';
import { decodeScenario } from '../litmus/parse';
import { registerLitmusCompletion } from './litmusCompletion';
import { beginProgress, runInWorker } from './simulate';

/** A check in the background stops here (a Run uses slablens.simulation.maxStates): it must not hog a core. */
export const BACKGROUND_MAX_STATES = 200_000;
/** Quiet time after an edit before the background check. */
const SETTLE_MS = 700;

interface FileState {
  version: number;
  loaded: LoadedScenario;
  timer?: NodeJS.Timeout;
  running?: CancellationTokenSource;
}

const states = new WeakMap<ServerContext, Map<string, FileState>>();
const filesOf = (ctx: ServerContext): Map<string, FileState> => {
  let m = states.get(ctx);
  if (!m) states.set(ctx, (m = new Map()));
  return m;
};

/**
 * The workspace's orchestration programs, or none (the built-in IR) when it has none of them;
 * `unsupported` when one could not be extracted whole (then no run may give a verdict).
 */
export function workspacePrograms(ctx: ServerContext): {
  programs?: ProgramSet;
  fallback: string[];
  unsupported?: string;
} {
  const { programs, extractions } = extractOrchestrationReport(ctx.analyzer);
  const fallback = ORCHESTRATION.filter((fn) => !programs[fn]);
  const unsupported = unsupportedIn(extractions);
  return {
    ...(fallback.length === ORCHESTRATION.length ? {} : { programs }),
    fallback,
    ...(unsupported ? { unsupported } : {}),
  };
}

/** A scenario file's bytes on disk: a FIFO or a device would block the request thread, so only a regular file under the size cap is read. */
const diskBytes = (uri: string): Buffer =>
  readInputFile(fileURLToPath(uri), 'scenario', DEFAULT_INDEX_SETTINGS.maxFileBytes);

/** The path in messages: relative to the workspace folder. */
const shownPath = (ctx: ServerContext, uri: string): string =>
  uri.startsWith('file:') ? ctx.shown(fileURLToPath(uri)) : uri;

/**
 * Parse and lower a file's text. An editor shows bytes that are not UTF-8 as U+FFFD: then the
 * file on disk is read and the first such byte reported at its line and column.
 */
function load(ctx: ServerContext, uri: string, text: string): LoadedScenario {
  const file = shownPath(ctx, uri);
  if (text.includes('\uFFFD') && uri.startsWith('file:')) {
    try {
      decodeScenario(file, diskBytes(uri));
    } catch (e) {
      if (e instanceof LitmusError) return { file, diagnostics: [e.diagnostic] };
    }
  }
  return loadScenarioText(file, text, { programs: workspacePrograms(ctx).programs });
}

/** The open document's text, else the file on disk (checked as UTF-8). */
function textOf(ctx: ServerContext, uri: string): { text: string; version: number } | LoadedScenario {
  const doc = ctx.documents.get(uri);
  if (doc) return { text: doc.getText(), version: doc.version };
  const file = shownPath(ctx, uri);
  try {
    return { text: decodeScenario(file, diskBytes(uri)), version: -1 };
  } catch (e) {
    if (e instanceof LitmusError) return { file, diagnostics: [e.diagnostic] };
    return {
      file,
      diagnostics: [
        {
          severity: 'error',
          message: `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
          line: 1,
          column: 1,
        },
      ],
    };
  }
}

/** Load the file as it is now (the editor's text or the disk's), keep it, and publish its diagnostics. */
function refresh(ctx: ServerContext, uri: string): FileState {
  const t = textOf(ctx, uri);
  const files = filesOf(ctx);
  const prev = files.get(uri);
  const st: FileState =
    'text' in t ? { version: t.version, loaded: load(ctx, uri, t.text) } : { version: -1, loaded: t };
  if (prev) {
    clearTimeout(prev.timer);
    prev.running?.cancel();
  }
  files.set(uri, st);
  if (ctx.scenarioRuns.get(uri)?.version !== st.version) ctx.scenarioRuns.delete(uri);
  publish(ctx, uri);
  return st;
}

/** A litmus diagnostic (1-based, maybe without an end) as LSP's: the end is the word at the start. */
function toLsp(d: LitmusDiagnostic, lines: string[]): Diagnostic {
  const start = { line: Math.max(0, d.line - 1), character: Math.max(0, d.column - 1) };
  let end =
    d.endLine !== undefined && d.endColumn !== undefined
      ? { line: d.endLine - 1, character: d.endColumn - 1 }
      : undefined;
  if (!end || end.line < start.line || (end.line === start.line && end.character <= start.character)) {
    const word = /^[\w>.-]+/.exec((lines[start.line] ?? '').slice(start.character))?.[0].length ?? 1;
    end = { line: start.line, character: start.character + Math.max(1, word) };
  }
  return {
    severity: d.severity === 'error' ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
    range: { start, end },
    message: d.message,
    source: 'slablens',
  };
}

/** Diagnostic code of a run whose observation is not the file's Result. */
export const MISMATCH = 'litmus-mismatch';

/** The last run's diagnostic: a mismatch with the expected Result, or a run that could not decide. */
function runDiagnostic(ctx: ServerContext, uri: string, st: FileState): Diagnostic | undefined {
  const run = ctx.scenarioRuns.get(uri);
  const ast = st.loaded.ast;
  if (!run || run.version !== st.version || !ast?.clause) return undefined;
  const c = ast.clause.loc;
  const range = {
    start: { line: c.line - 1, character: c.column - 1 },
    end: { line: c.endLine - 1, character: c.endColumn - 1 },
  };
  const counts = `holds in ${run.holds} of ${run.total} executions (${run.states} states)`;
  if (run.observation === undefined) {
    return {
      severity: DiagnosticSeverity.Information,
      range,
      source: 'slablens',
      message: `Observation undecided: ${run.reason ?? 'the exploration stopped'}; the clause ${counts} it finished. Run it with a higher slablens.simulation.maxStates.`,
    };
  }
  if (run.matches !== false) return undefined;
  const e = ast.expectedLoc!;
  return {
    severity: DiagnosticSeverity.Error,
    range,
    source: 'slablens',
    code: MISMATCH,
    message: `Observation ${run.observation}, but the file expects ${run.expected}: the clause ${counts}`,
    relatedInformation: [
      {
        location: {
          uri,
          range: {
            start: { line: e.line - 1, character: e.column - 1 },
            end: { line: e.endLine - 1, character: e.endColumn - 1 },
          },
        },
        message: `(* Result: ${run.expected} *)`,
      },
    ],
  };
}

function publish(ctx: ServerContext, uri: string): void {
  const st = filesOf(ctx).get(uri);
  if (!st) return;
  const lines = (ctx.documents.get(uri)?.getText() ?? '').split('\n');
  const diagnostics = st.loaded.diagnostics.map((d) => toLsp(d, lines));
  const r = runDiagnostic(ctx, uri, st);
  if (r) diagnostics.push(r);
  void ctx.connection.sendDiagnostics({ uri, diagnostics });
}

function refreshLenses(ctx: ServerContext): void {
  if (ctx.codeLensRefresh) ctx.connection.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined);
}

/** Explore a loaded file's scenario in the worker, counting where the clause holds. */
function explore(
  st: FileState,
  o: ExploreOptions,
  token: CancellationToken,
  reporter: WorkDoneProgressReporter,
): Promise<LitmusCheckResult | null> {
  const l = st.loaded.lowered!;
  return runInWorker<LitmusCheckResult>(
    { kind: 'litmus', scenario: l.scenario, clause: l.clause, expected: l.expected, options: o },
    token,
    reporter,
  );
}

/** Keep a run's observation for the file's lenses and diagnostics. */
function record(ctx: ServerContext, uri: string, st: FileState, r: LitmusCheckResult, shown: boolean): void {
  const x = r.litmus;
  const run: ScenarioRun = {
    version: st.version,
    observation: x.observation,
    expected: x.expected,
    matches: x.matches,
    holds: x.holds,
    total: x.total,
    states: r.states,
    shown,
  };
  if (r.reason || r.message) run.reason = r.reason ?? r.message;
  ctx.scenarioRuns.set(uri, run);
  publish(ctx, uri);
  refreshLenses(ctx);
}

const NO_PROGRESS = {
  begin: () => undefined,
  report: () => undefined,
  done: () => undefined,
} as unknown as WorkDoneProgressReporter;

/**
 * After an edit settles, in a trusted workspace: run the file (state-limited) for its Result
 * diagnostic. `reload`: the C changed, so the file is lowered again against it first.
 */
function scheduleCheck(ctx: ServerContext, uri: string, reload = false): void {
  const old = filesOf(ctx).get(uri);
  if (!old || !ctx.trusted) return;
  clearTimeout(old.timer);
  old.running?.cancel();
  old.timer = setTimeout(() => {
    const st = reload ? refresh(ctx, uri) : old;
    if (firstError(st.loaded) || !st.loaded.lowered || workspacePrograms(ctx).unsupported) return;
    const src = (st.running = new CancellationTokenSource());
    explore(st, { strategy: 'dpor', maxStates: BACKGROUND_MAX_STATES }, src.token, NO_PROGRESS).then(
      (r) => {
        if (r && filesOf(ctx).get(uri) === st) record(ctx, uri, st, r, false);
      },
      (e: Error) => ctx.connection.console.error(`slablens: background check of ${shownPath(ctx, uri)}: ${e.message}`),
    );
  }, SETTLE_MS);
}

function badFile(ctx: ServerContext, uri: string, l: LoadedScenario): ResponseError {
  const d = firstError(l) ?? l.diagnostics[0];
  return new ResponseError(
    ErrorCodes.InvalidParams,
    d ? `${shownPath(ctx, uri)}:${d.line}:${d.column}: ${d.message}` : `${shownPath(ctx, uri)}: not a scenario`,
  );
}

const untrusted = () =>
  new ResponseError(
    ErrorCodes.InvalidRequest,
    'not run: scenario files run only in a trusted workspace (their threads call into the C here)',
  );

/** slablens/litmus/run: one file, with progress and Cancel; the trace to show is in `trace`. */
export async function runScenarioFile(
  ctx: ServerContext,
  p: LitmusRunParams,
  token: CancellationToken,
): Promise<LitmusRunResult | ResponseError> {
  if (!ctx.trusted) return untrusted();
  const st = refresh(ctx, p.uri);
  const l = st.loaded.lowered;
  if (firstError(st.loaded) || !l) return badFile(ctx, p.uri, st.loaded);
  const { fallback, unsupported } = workspacePrograms(ctx);
  if (unsupported) return new ResponseError(ErrorCodes.InvalidParams, `not run, no verdict: ${unsupported}`);
  const progress = await beginProgress(ctx, p.workDoneToken, `Running scenario ${l.scenario.id}`, token);
  let r: LitmusCheckResult | null;
  try {
    r = await explore(
      st,
      { strategy: p.strategy ?? 'dpor', maxStates: p.maxStates, seed: p.seed },
      progress.token,
      progress.reporter,
    );
  } finally {
    progress.reporter.done();
  }
  if (!r) return new ResponseError(LSPErrorCodes.RequestCancelled, 'scenario run cancelled');
  if (filesOf(ctx).get(p.uri) === st) record(ctx, p.uri, st, r, true);
  const { witness, ...litmus } = r.litmus;
  // as `slablens check` shows it: the counterexample when a property failed, else where the clause held
  const trace = r.verdict === 'fail' ? r.trace : (witness ?? r.trace);
  return {
    ...r,
    litmus,
    trace,
    summary: litmusSummary(l.scenario.id, r),
    programs: fallback.length === ORCHESTRATION.length ? 'builtin' : 'workspace',
    builtinFallback: fallback,
    warnings: st.loaded.diagnostics
      .filter((d) => d.severity === 'warning')
      .map((d) => `${d.line}:${d.column}: ${d.message}`),
  };
}

/** slablens/litmus/runAll: the files in turn; a bad file is a row with its error, a cancel ends the rest. */
export async function runAll(
  ctx: ServerContext,
  p: LitmusRunAllParams,
  token: CancellationToken,
): Promise<LitmusRow[] | ResponseError> {
  if (!ctx.trusted) return untrusted();
  const { unsupported } = workspacePrograms(ctx);
  if (unsupported) return new ResponseError(ErrorCodes.InvalidParams, `not run, no verdict: ${unsupported}`);
  const progress = await beginProgress(ctx, p.workDoneToken, `Running ${p.uris.length} scenario files`, token);
  const rows: LitmusRow[] = [];
  try {
    for (const [i, uri] of p.uris.entries()) {
      const st = refresh(ctx, uri);
      const l = st.loaded.lowered;
      const name = st.loaded.ast?.name ?? shownPath(ctx, uri);
      if (progress.token.isCancellationRequested) {
        rows.push({ uri, name, error: 'not run: cancelled' });
        continue;
      }
      if (firstError(st.loaded) || !l) {
        rows.push({ uri, name, error: badFile(ctx, uri, st.loaded).message });
        continue;
      }
      progress.reporter.report(Math.round((100 * i) / p.uris.length), `${i + 1} of ${p.uris.length}: ${name}`);
      const r = await explore(
        st,
        { strategy: p.strategy ?? 'dpor', maxStates: p.maxStates },
        progress.token,
        NO_PROGRESS,
      );
      if (!r) {
        rows.push({ uri, name, error: 'not run: cancelled' });
        continue;
      }
      record(ctx, uri, st, r, false);
      const x = r.litmus;
      rows.push({
        uri,
        name,
        expected: x.expected,
        observation: x.observation,
        holds: x.holds,
        total: x.total,
        matches: x.matches,
        verdict: r.verdict,
        states: r.states,
        elapsedMs: r.elapsedMs,
        ...(x.observation ? {} : { error: `undecided: ${r.reason ?? r.message ?? 'stopped'}` }),
      });
    }
  } finally {
    progress.reporter.done();
  }
  return rows;
}

/** initializationOptions.trusted (the client's vscode.workspace.isTrusted). */
export const readTrust = (options: unknown): boolean =>
  typeof options === 'object' && options !== null && (options as { trusted?: unknown }).trusted === true;

export function registerLitmus(ctx: ServerContext): void {
  const { documents, connection } = ctx;
  documents.onDidOpen((e) => {
    if (!isScenarioUri(e.document.uri)) return;
    refresh(ctx, e.document.uri);
    scheduleCheck(ctx, e.document.uri);
  });
  documents.onDidChangeContent((e) => {
    if (isScenarioUri(e.document.uri)) {
      refresh(ctx, e.document.uri);
      scheduleCheck(ctx, e.document.uri);
      return;
    }
    // the C the scenarios call into changed: their answers may have
    for (const uri of filesOf(ctx).keys()) if (ctx.documents.get(uri)) scheduleCheck(ctx, uri, true);
  });
  documents.onDidClose((e) => {
    if (!isScenarioUri(e.document.uri)) return;
    const st = filesOf(ctx).get(e.document.uri);
    clearTimeout(st?.timer);
    st?.running?.cancel();
    filesOf(ctx).delete(e.document.uri);
    ctx.scenarioRuns.delete(e.document.uri);
    void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
  });
  connection.onRequest(LitmusRun, (p, token) => runScenarioFile(ctx, p, token));
  connection.onRequest(LitmusRunAll, (p, token) => runAll(ctx, p, token));
  connection.onRequest(LitmusFromTrace, (p) => {
    try {
      return { text: scenarioFromTrace(p.trace, p.name) };
    } catch (e) {
      // the trace is the client's, but it may have been imported from a file: nothing in it is trusted
      return new ResponseError(
        ErrorCodes.InvalidParams,
        e instanceof FromTraceError
          ? `no scenario file: ${e.message}`
          : `not a slablens trace: ${(e as Error).message}`,
      );
    }
  });
  connection.onRequest(WorkspaceTrust, (p) => {
    ctx.trusted = p.trusted === true;
    for (const uri of filesOf(ctx).keys()) scheduleCheck(ctx, uri);
  });
  registerLitmusCompletion(ctx);
}
