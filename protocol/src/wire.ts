// What crosses the wire between the client and the server for the slablens/* requests: the one
// definition of each answer. The server's handlers are typed against these (requests.ts), so a
// field the server stops sending, or sends in another shape, fails to compile on both sides.

import type { CheckResult, ClauseResult, Strategy, Trace } from '../../engine/src';
import type { Placement, Side } from './placement';

// ---- simulation -------------------------------------------------------------------------------

/** slablens/simulate: what to explore (the CodeLens's function, or a built-in scenario). */
export interface SimulateParams {
  /** the document the function is in (for the log; the index knows where each function is) */
  uri?: string;
  /** a function the scenario exercises (the CodeLens's function), or a built-in scenario id */
  function?: string;
  scenario?: string;
  /** run the built-in scenario `scenario` as the engine ships it, not the IR from the source */
  builtin?: boolean;
  kasan?: boolean;
  /** a hotplug thread takes the last CPU down at any point (engine models/hotplug.ts) */
  hotplug?: boolean;
  cpus?: number;
  strategy?: Strategy;
  maxStates?: number;
  /** stop at the first counterexample and shorten it (the counts then cover only what was explored) */
  stopAtFirst?: boolean;
  /** key states up to a renaming of the CPUs the setup makes interchangeable (the result says what it covered) */
  symmetry?: boolean;
  seed?: number;
  /** the client's progress token: progress and Cancel go through it */
  workDoneToken?: string | number;
  /** a what-if run that never touches the tree (server/src/experiment.ts) */
  experiment?: ExperimentParams;
}

export interface ExperimentParams {
  /** leave out the statement that starts on this 0-based line of this file (an orchestration function's) */
  without?: { uri: string; line: number };
  /** C text whose orchestration functions replace the indexed ones (`uri` names the copy, for coverage) */
  copy?: { uri: string; text: string };
}

export interface NotModelledCall {
  call: string;
  line: number;
  reason: string;
}

/** A check of the source's IR: which orchestration functions fell back to the built-in IR, and what was not modelled. */
export type SimulateResult = CheckResult & {
  builtinFallback: string[];
  notModelled: Record<string, NotModelledCall[]>;
  /** per function, the file its lines are in and the lines of its modelled statements (for "Show Coverage") */
  statements: Record<string, { uri: string; lines: number[] }>;
  /** what the what-if run changed, in one line; absent for a run on the files */
  experiment?: string;
};

/** slablens/replay: a trace file's content, or a replay token. */
export type ReplayParams = { trace: unknown } | { token: string };

/** What a replay reaches, in the shape of a check's result (one execution, the trace's own schedule). */
export type ReplayResult = Omit<CheckResult, 'strategy' | 'trace' | 'covered' | 'covers'> & {
  strategy: 'replay';
  trace: Trace;
};

/** slablens/scenarios: the engine's built-in scenarios, for "Run Scenario…". */
export interface ScenarioInfo {
  id: string;
  title: string;
  fact: string;
  expect: string;
  description: string;
}

// ---- scenario files (.litmus) -------------------------------------------------------------------

/** slablens/litmus/run: run one scenario file (the editor's text when it is open) against the workspace's C. */
export interface LitmusRunParams {
  uri: string;
  strategy?: Strategy;
  maxStates?: number;
  seed?: number;
  workDoneToken?: string | number;
}

/**
 * A scenario file's run: the engine's result, herd7's observation of the clause, and the trace to
 * show (the counterexample when a property failed, else the shortest execution where the clause held).
 */
export type LitmusRunResult = CheckResult & {
  /** the witness is in `trace` when it is the trace shown */
  litmus: Omit<ClauseResult, 'witness'>;
  /** herd7's words, as `slablens check` prints them */
  summary: string[];
  /** where the orchestration programs came from: the workspace's C, or the built-in IR */
  programs: 'workspace' | 'builtin';
  /** orchestration functions not found in the workspace, run from the built-in IR */
  builtinFallback: string[];
  /** the scenario file's problems that are not errors (ignored calls, settings without effect) */
  warnings: string[];
};

/** slablens/litmus/runAll: these scenario files, one after the other. */
export interface LitmusRunAllParams {
  uris: string[];
  strategy?: Strategy;
  maxStates?: number;
  workDoneToken?: string | number;
}

/** One file of a Run all: its observation, or why it did not run. */
export interface LitmusRow {
  uri: string;
  name: string;
  expected?: string;
  observation?: string;
  holds?: number;
  total?: number;
  matches?: boolean;
  verdict?: string;
  states?: number;
  elapsedMs?: number;
  /** a bad file's first error (file:line:col), or "not run: cancelled" */
  error?: string;
}

// ---- annotations ------------------------------------------------------------------------------

export type AnnotationsParams =
  { action: 'list' } | { action: 'add'; path: string[]; note: string } | { action: 'remove'; id: number };

/** Where a function of a pinned path is now; `missing` when the index has no definition of it. */
export type Located =
  | { function: string; uri: string; line: number; missing?: undefined }
  | { function: string; missing: true; uri?: undefined; line?: undefined };

export interface LocatedAnnotation {
  id: number;
  path: string[];
  note: string;
  locations: Located[];
}

export interface AnnotationsResult {
  annotations: LocatedAnnotation[];
  error?: string;
}

// ---- patch series -----------------------------------------------------------------------------

export interface Address {
  name: string;
  address: string;
}

export interface HunkInfo {
  index: number;
  header: string;
  newStart: number;
  oldStart: number;
  functions: string[];
}

export interface FileInfo {
  path: string;
  status: string;
  added: number;
  removed: number;
  hunks: HunkInfo[];
}

export interface PatchInfo {
  number: number;
  subject: string;
  title: string;
  from: Address;
  date?: string;
  /** Acked-by, Reviewed-by, Tested-by given for the patch, as b4 counts them */
  art: { a: number; r: number; t: number };
  trailers: string[];
  replies: number;
  functions: string[];
  problems: string[];
  /** the reviewer's comments on an earlier revision that came to this patch */
  carried?: { version: number; open: number; addressed: number };
  files: FileInfo[];
}

export interface ReviewComment {
  file: string;
  /** 1-based line on `side`: a document line when the client sends it, the patch's line in the review file */
  line: number;
  side: Side;
  text: string;
  /** the diff line it is on, as the patch shows it: finds it again in a later revision */
  quote?: string;
}

export type ReviewState = 'new' | 'reviewing' | 'replied';

export interface PatchReview {
  /** the patch's title when it was reviewed: pairs it with the same patch in a later revision */
  title?: string;
  viewed: boolean;
  /** trailers to send for this patch ("Reviewed-by: …") */
  trailers: string[];
  comments: ReviewComment[];
}

/** <folder>/.slablens/reviews/<series>-v<N>.json */
export interface ReviewFile {
  version: 1;
  key: string;
  state: ReviewState;
  /** the series version the comments were written on */
  seriesVersion?: number;
  patches: Record<string, PatchReview>;
}

/** slablens/series/open and describe. */
export interface SeriesInfo {
  /** this revision */
  key: string;
  /** the series across its revisions (change-id, else the title's slug) */
  base: string;
  input: string;
  format: string;
  title: string;
  version: number;
  rfc: boolean;
  total: number;
  messages: number;
  missing: number[];
  problems: string[];
  cover?: { subject: string; from: Address; date?: string; replies: number };
  patches: PatchInfo[];
  review?: ReviewFile;
  reviewError?: string;
  /** the review of an earlier revision in this workspace: its comments open here, addressed, or on dropped patches */
  earlier?: { version: number; open: number; addressed: number; unpaired: number };
  hasWorkspaceFiles: boolean;
}

/** slablens/series/images: a file before and after patch N, and where each hunk landed. */
export interface Images {
  pre: string | null;
  post: string | null;
  error?: string;
  status?: string;
  hunks: Placement[];
}

/** A reply from the list, at the document lines it comments on or quotes. */
export interface ListThread {
  messageId: string;
  from: Address;
  date?: string;
  subject: string;
  trailers: string[];
  side: Side;
  line: number;
  endLine: number;
  text: string;
  quoted: string[];
}

/** slablens/series/threads: the comment threads of patch N on one file, in document lines. */
export interface Threads {
  list: ListThread[];
  own: { index: number; side: Side; text: string; line: number }[];
  /** the reviewer's comments on an earlier revision still open on this patch */
  carried?: { version: number; patch: number; side: Side; text: string; line: number; why: string }[];
  error?: string;
  reviewError?: string;
}

export type ReviewParams = { key: string; patch?: number } & (
  | { action: 'load' }
  | { action: 'addComment'; comment: ReviewComment }
  | { action: 'removeComment'; index: number }
  | { action: 'setViewed'; viewed: boolean }
  | { action: 'setTrailers'; trailers: string[] }
  | { action: 'setState'; state: ReviewState }
);

export interface ReviewResult {
  review?: ReviewFile;
  error?: string;
}

/** slablens/series/export: the reply e-mail, and what went into it. */
export interface ExportResult {
  text: string;
  problems: string[];
  comments: number;
  trailers: string[];
}

export interface CarriedComment extends ReviewComment {
  /** the line it was written on no longer appears as it was in the new revision */
  addressed: boolean;
  /** where it was in the old revision */
  was: { line: number; side: Side };
  why: string;
}

export interface CarriedPatch {
  /** the patch the comments were written on, in the earlier revision */
  from: { version: number; patch: number; title?: string };
  /** its pair in this revision; none when it was dropped or renamed */
  to?: number;
  comments: CarriedComment[];
}

/** slablens/series/compare: this revision against an earlier one, as a range-diff. */
export interface Comparison {
  older: { key: string; version: number };
  newer: { key: string; version: number };
  pairs: { old: number; new: number; title: string; changed: boolean; added: number; removed: number }[];
  dropped: { number: number; title: string }[];
  added: { number: number; title: string }[];
  olderMissing: number[];
  comments: CarriedPatch[];
  reviewError?: string;
}

export type Verdicts = { kasan: string; nokasan: string };

/** slablens/series/check: the series' base against the workspace, and one answer per patch. */
export interface SeriesCheckResult {
  base: {
    baseCommit?: string;
    prerequisites: string[];
    head?: string;
    relation: 'same' | 'contains' | 'other' | 'unknown' | 'none' | 'not-git';
    message: string;
  };
  patches: {
    patch: number;
    title: string;
    state: 'applies' | 'already applied' | 'does not apply' | 'not checked';
    message: string;
  }[];
}

/** slablens/series/simulate: one row per patch up to `upTo`. */
export interface SimulatedPatch {
  patch: number;
  title: string;
  /** the orchestration functions the patch touches */
  touches: string[];
  applied: boolean;
  before?: Verdicts;
  after?: Verdicts;
  /** why it was not simulated */
  skipped?: string;
}
