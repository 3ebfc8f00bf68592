// Every slablens/* request, typed: its method name, its parameters and its answer. The server
// registers its handlers with these objects (connection.onRequest(Simulate, ...)) and the client
// sends with them (client.sendRequest(Simulate, ...)), so both sides are checked against one
// definition: change an answer here, or on one side only, and the build fails.
// The slablens server sends no custom notifications (only LSP's own: showMessage, codeLens/refresh).

import { RequestType, RequestType0 } from 'vscode-jsonrpc';
import type { Trace } from '../../engine/src';
import type {
  SeriesCheckResult,
  Images,
  LitmusRunParams,
  LitmusRunResult,
  LitmusRunAllParams,
  LitmusRow,
  SimulateParams,
  SimulateResult,
  ReplayParams,
  ReplayResult,
  ScenarioInfo,
  AnnotationsParams,
  AnnotationsResult,
  SeriesInfo,
  Threads,
  ReviewParams,
  ReviewResult,
  ExportResult,
  Comparison,
  SimulatedPatch,
} from './wire';

/** Explore the destroy scenario with the IR of the source (or a built-in scenario), in a worker; progress and Cancel on workDoneToken. */
export const Simulate = new RequestType<SimulateParams, SimulateResult, void>('slablens/simulate');
/** Re-run an imported trace file or a replay token: what the replay reaches is the verdict. */
export const Replay = new RequestType<ReplayParams, ReplayResult, void>('slablens/replay');
/** The engine's built-in scenarios. */
export const Scenarios = new RequestType0<ScenarioInfo[], void>('slablens/scenarios');
/** Run a scenario file (.litmus) against the workspace's C in the worker; progress and Cancel on workDoneToken. */
export const LitmusRun = new RequestType<LitmusRunParams, LitmusRunResult, void>('slablens/litmus/run');
/** The scenario a trace ran, as the text of a .litmus file asking its question (no Result: the trace is one execution). */
export const LitmusFromTrace = new RequestType<{ trace: Trace; name: string }, { text: string }, void>(
  'slablens/litmus/fromTrace',
);
/** Run several scenario files in turn ("Run all scenarios"); each file's diagnostics are refreshed. */
export const LitmusRunAll = new RequestType<LitmusRunAllParams, LitmusRow[], void>('slablens/litmus/runAll');
/** The workspace's trust changed: scenario files are checked in the background only when it is trusted. */
export const WorkspaceTrust = new RequestType<{ trusted: boolean }, void, void>('slablens/workspaceTrust');
/** The call paths from the entry points to a function. */
export const PathsToRoot = new RequestType<{ function: string }, string[][], void>('slablens/pathsToRoot');
/** List, add or remove pinned call paths; each function resolved to where it is now. */
export const Annotations = new RequestType<AnnotationsParams, AnnotationsResult, void>('slablens/annotations');

/** Read an mbox, a folder of .eml files or a saved public-inbox page. */
export const SeriesOpen = new RequestType<{ path: string }, SeriesInfo, void>('slablens/series/open');
export const SeriesDescribe = new RequestType<{ key: string }, SeriesInfo, void>('slablens/series/describe');
/** A file before and after patch N (patches 1..N-1 applied to the workspace files), and where its hunks landed. */
export const SeriesImages = new RequestType<{ key: string; patch: number; file: string }, Images, void>(
  'slablens/series/images',
);
/** The comment threads of patch N on one file, in the lines of the documents Images gives. */
export const SeriesThreads = new RequestType<{ key: string; patch: number; file: string }, Threads, void>(
  'slablens/series/threads',
);
/** The reviewer's own state: comments, viewed, quick trailers, series status. */
export const SeriesReview = new RequestType<ReviewParams, ReviewResult, void>('slablens/series/review');
/** An RFC 822 reply to patch N (0: the cover letter) with the reviewer's comments and trailers. */
export const SeriesExport = new RequestType<{ key: string; patch: number; from: string }, ExportResult, void>(
  'slablens/series/export',
);
/** This revision against an earlier one that is open too. */
export const SeriesCompare = new RequestType<{ key: string; olderKey: string }, Comparison, void>(
  'slablens/series/compare',
);
/** Patch N as a range-diff compares it. */
export const SeriesRangeText = new RequestType<{ key: string; patch: number }, { text: string }, void>(
  'slablens/series/rangeText',
);
/** The series on the workspace as it is: base-commit: against git HEAD; per patch applies / already applied / does not apply (with hunk, file, nearest context). */
export const SeriesCheck = new RequestType<{ key: string }, SeriesCheckResult, void>('slablens/series/check');
/** Before/after verdicts of the destroy scenario per patch, on the workspace files. */
export const SeriesSimulate = new RequestType<{ key: string; upTo?: number }, SimulatedPatch[], void>(
  'slablens/series/simulate',
);
