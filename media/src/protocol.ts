// The one message protocol between the extension host and the trace webview. Both sides import
// this file: no vscode import and no DOM here. Messages crossing the boundary are untrusted on
// arrival (a webview can be scripted by hostile trace contents, a host can hand over a stale or
// hand-edited trace), so each side checks what it receives with the guards below.

import type { CheckResult, Trace, TraceStep } from '../../engine/src';
import { symmetryText } from '../../engine/src/symmetryText';

export type Verdict = 'pass' | 'fail' | 'incomplete';

/** What the exploration covered; shown in full for passes, where it is the whole result. */
export interface SimulationStats {
  strategy: string;
  states: number;
  transitions: number;
  /** complete interleavings run to the end */
  executions: number;
  /** distinct final states */
  outcomes: number;
  /** interleavings that violated a property */
  failing: number;
  elapsedMs: number;
  ncpus: number;
  /** with slablens.simulation.symmetry: what keying states up to a CPU renaming covered */
  symmetry?: string;
}

export interface SimulationView {
  title: string;
  verdict: Verdict;
  property?: string;
  message?: string;
  /** why an exploration is incomplete (state limit, cancelled) */
  reason?: string;
  /** null for a trace loaded from a file: traces do not record how they were found */
  stats: SimulationStats | null;
  /** the counterexample for a fail, the first execution explored for a pass */
  trace: Trace | null;
  token: string | null;
  /** per C function: calls/conditions the extraction could not model (server's simulate) */
  notModelled?: Record<string, string[]>;
  /** orchestration functions missing from the source, run from the built-in IR instead */
  builtinFallback?: string[];
  config?: Record<string, boolean>;
  /** the scenario's threads and setup in one line: what the verdict is about */
  covers?: string;
  /** a what-if run (a statement left out, a scratch copy): never the verdict of the file */
  experiment?: string;
  /** a scenario file's run: herd7's observation of its clause, and the file its P steps come from */
  litmus?: LitmusView;
}

export interface LitmusView {
  /** the file (the host opens it; the page never sees it as a path to use) */
  uri: string;
  /** "Observation Sometimes: exists (…) holds in 16 of 18 executions" */
  observation: string;
  /** "expected Sometimes: matches", "expected Never: MISMATCH", "no Result comment" */
  expectation: string;
  matches: boolean | null;
}

export type ToWebview =
  | { type: 'show'; view: SimulationView }
  | { type: 'error'; message: string }
  /** an exploration is running; null clears it */
  | { type: 'busy'; text: string | null }
  /** the host moves the selection (e.g. a "next step" command); index into trace.steps */
  | { type: 'select'; index: number }
  /** the keyboard comes back to the step list (Slablens: Focus Trace View) */
  | { type: 'focus' };

export type FromWebview =
  | { type: 'ready' }
  /** show the scenario file's line (0-based) of a P step: the file is the shown result's */
  | { type: 'revealScenario'; line: number }
  /**
   * show the source: `function` holds the call statement `index` (IR preorder) at 0-based `line`;
   * `focus` moves the keyboard into the editor (Enter), otherwise the trace keeps it (a click)
   */
  | { type: 'reveal'; function: string; line?: number; index?: number; focus?: boolean }
  /** the selected step changed (index into trace.steps), for editor decorations */
  | { type: 'step'; index: number }
  | { type: 'copyToken'; token: string }
  | { type: 'exportTrace' }
  | { type: 'importTrace' }
  /**
   * a result is on screen; ms after its message came: `headline` the verdict was in the page,
   * `lanes` the rows of the steps were too; `arrived` the wall-clock time the message came (the host logs them)
   */
  | { type: 'rendered'; headline?: number; lanes?: number; arrived?: number };

export interface ToViewExtras {
  notModelled?: Record<string, string[]>;
  builtinFallback?: string[];
  experiment?: string;
  litmus?: LitmusView;
}

/** The view of an engine check result (or the server's simulate result, which adds builtinFallback). */
/** A check's result as the server sends it: a replay's strategy is 'replay'. */
export type ViewableResult = Omit<CheckResult, 'strategy' | 'covered' | 'covers'> & {
  strategy: string;
  builtinFallback?: string[];
  covers?: string;
};

export function toView(result: ViewableResult, title: string, extras: ToViewExtras = {}): SimulationView {
  const view: SimulationView = {
    title,
    verdict: result.verdict,
    stats: {
      strategy: result.strategy,
      states: result.states,
      transitions: result.transitions,
      executions: result.executions,
      outcomes: result.outcomes,
      failing: result.failing,
      elapsedMs: result.elapsedMs,
      ncpus: result.ncpus,
      ...(result.symmetry ? { symmetry: symmetryText(result.symmetry) } : {}),
    },
    trace: result.trace,
    token: result.trace?.token ?? null,
    config: { ...result.config },
  };
  if (result.property !== undefined) view.property = result.property;
  if (result.message !== undefined) view.message = result.message;
  if (result.reason !== undefined) view.reason = result.reason;
  const fallback = extras.builtinFallback ?? result.builtinFallback;
  if (fallback?.length) view.builtinFallback = [...fallback];
  if (extras.notModelled && Object.values(extras.notModelled).some((l) => l.length))
    view.notModelled = extras.notModelled;
  if (result.covers !== undefined) view.covers = result.covers;
  if (extras.experiment !== undefined) view.experiment = extras.experiment;
  if (extras.litmus !== undefined) view.litmus = extras.litmus;
  return view;
}

/** The view of a trace file the user imported: no exploration statistics exist for it. */
export function traceView(trace: Trace, title: string): SimulationView {
  const view: SimulationView = {
    title,
    verdict: trace.verdict,
    stats: null,
    trace,
    token: trace.token,
    config: { ...trace.scenario.config },
  };
  if (trace.property !== undefined) view.property = trace.property;
  if (trace.message !== undefined) view.message = trace.message;
  return view;
}

// ---- guards -------------------------------------------------------------------------------

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
const isStr = (x: unknown): x is string => typeof x === 'string';
const isIndex = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0;
const isCount = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && x >= 0;
const optStr = (x: unknown) => x === undefined || isStr(x);
const optIndex = (x: unknown) => x === undefined || isIndex(x);
const isStrList = (x: unknown): x is string[] => Array.isArray(x) && x.every(isStr);
const isRecordOf = <T>(x: unknown, f: (v: unknown) => v is T): x is Record<string, T> =>
  isObj(x) && Object.values(x).every(f);
const isBool = (x: unknown): x is boolean => typeof x === 'boolean';
const isVerdict = (x: unknown): x is Verdict => x === 'pass' || x === 'fail' || x === 'incomplete';
const isNullableStr = (x: unknown): x is string | null => x === null || isStr(x);

function isChange(x: unknown): boolean {
  return isObj(x) && isStr(x.key) && isNullableStr(x.from) && isNullableStr(x.to);
}

const isAnchor = (x: unknown): boolean => isObj(x) && isStr(x.fn) && isIndex(x.index) && optIndex(x.line);

/** The fields the viewer reads of a step; anything else in it is carried but never trusted. */
export function isTraceStep(x: unknown): x is TraceStep {
  if (!isObj(x)) return false;
  if (
    !isIndex(x.step) ||
    !isIndex(x.sub) ||
    !isStr(x.thread) ||
    !isIndex(x.cpu) ||
    !isStr(x.function) ||
    !isStr(x.event)
  )
    return false;
  // the context names a lane and its CSS class: a word, not free text
  if (!isStr(x.context) || !/^[a-z][a-z0-9_]{0,31}$/.test(x.context)) return false;
  if (!isStrList(x.stack) || !isStrList(x.warnings)) return false;
  if (x.anchor !== undefined && !isAnchor(x.anchor)) return false;
  if (x.origin !== undefined && !isAnchor(x.origin)) return false;
  if (x.violation !== undefined && !(isObj(x.violation) && isStr(x.violation.property) && isStr(x.violation.message)))
    return false;
  if (x.changes !== undefined && !(Array.isArray(x.changes) && x.changes.every(isChange))) return false;
  if (x.clock !== undefined && !isRecordOf(x.clock, isCount)) return false;
  return true;
}

export function isTrace(x: unknown): x is Trace {
  if (!isObj(x) || x.format !== 'slablens-trace' || x.version !== 1) return false;
  if (!isObj(x.scenario) || !isVerdict(x.verdict) || !optStr(x.property) || !optStr(x.message)) return false;
  if (!isStrList(x.schedule) || !isNullableStr(x.token) || !optIndex(x.violationStep)) return false;
  if (!Array.isArray(x.steps) || !x.steps.every(isTraceStep)) return false;
  return isRecordOf(x.initial, isStr) && isRecordOf(x.final, isStr) && isStrList(x.warnings);
}

function isStats(x: unknown): x is SimulationStats {
  if (!isObj(x) || !isStr(x.strategy) || !optStr(x.symmetry)) return false;
  return (['states', 'transitions', 'executions', 'outcomes', 'failing', 'elapsedMs', 'ncpus'] as const).every((k) =>
    isCount(x[k]),
  );
}

export function isSimulationView(x: unknown): x is SimulationView {
  if (!isObj(x) || !isStr(x.title) || !isVerdict(x.verdict)) return false;
  if (!optStr(x.property) || !optStr(x.message) || !optStr(x.reason)) return false;
  if (!(x.stats === null || isStats(x.stats))) return false;
  if (!(x.trace === null || isTrace(x.trace)) || !isNullableStr(x.token)) return false;
  if (x.notModelled !== undefined && !isRecordOf(x.notModelled, isStrList)) return false;
  if (x.builtinFallback !== undefined && !isStrList(x.builtinFallback)) return false;
  if (x.config !== undefined && !isRecordOf(x.config, isBool)) return false;
  if (!optStr(x.covers) || !optStr(x.experiment)) return false;
  if (
    x.litmus !== undefined &&
    !(
      isObj(x.litmus) &&
      isStr(x.litmus.uri) &&
      isStr(x.litmus.observation) &&
      isStr(x.litmus.expectation) &&
      (x.litmus.matches === null || isBool(x.litmus.matches))
    )
  )
    return false;
  return true;
}

/** For the webview: is this a message the host may send? */
export function isToWebview(x: unknown): x is ToWebview {
  if (!isObj(x)) return false;
  switch (x.type) {
    case 'show':
      return isSimulationView(x.view);
    case 'error':
      return isStr(x.message);
    case 'busy':
      return isNullableStr(x.text);
    case 'select':
      return isIndex(x.index);
    case 'focus':
      return true;
    default:
      return false;
  }
}

/** For the host: is this a message the webview may send? Bounded so a scripted page cannot flood paths. */
export function isFromWebview(x: unknown): x is FromWebview {
  if (!isObj(x)) return false;
  switch (x.type) {
    case 'ready':
    case 'exportTrace':
    case 'importTrace':
      return true;
    case 'rendered':
      return (['headline', 'lanes', 'arrived'] as const).every((k) => x[k] === undefined || isCount(x[k]));
    case 'reveal':
      // a C identifier: the host looks it up, it never becomes a path
      return (
        isStr(x.function) &&
        /^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(x.function) &&
        optIndex(x.line) &&
        optIndex(x.index) &&
        (x.focus === undefined || isBool(x.focus))
      );
    case 'step':
      return isIndex(x.index);
    case 'revealScenario':
      return isIndex(x.line);
    case 'copyToken':
      return isStr(x.token) && x.token.length > 0 && x.token.length <= 65536 && !/[\r\n]/.test(x.token);
    default:
      return false;
  }
}
