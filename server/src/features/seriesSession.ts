// The patch series open in the language server and the answers to the slablens/series/*
// requests (the tree view, diff documents, comment threads, reply export, simulate, check). They
// run in the series worker (seriesWorker.ts): reading, threading and describing a series is work
// in the size of its input, which the server's request thread must never do.

import * as path from 'node:path';
import { ErrorCodes, LSPErrorCodes, ResponseError } from 'vscode-languageserver/node';
import {
  Comparison,
  ExportResult,
  Images,
  ListThread,
  Placement,
  ReviewParams,
  ReviewResult,
  SeriesCompare,
  SeriesDescribe,
  SeriesExport,
  SeriesImages,
  SeriesInfo,
  SeriesOpen,
  SeriesRangeText,
  SeriesCheck,
  SeriesCheckResult,
  SeriesReview,
  SeriesSimulate,
  SeriesThreads,
  SimulatedPatch,
  Threads,
  toDoc,
  toPatch,
} from '../../../protocol/src';
import {
  AbortError,
  applySeries,
  CarriedPatch,
  carryReview,
  exportReply,
  formatFailure,
  mapFunctions,
  openSeries,
  PatchEntry,
  quotedLine,
  rangeDiff,
  rangeDiffText,
  readTree,
  checkSeries,
  compareBase,
  notAnEarlierRevision,
  ReviewStore,
  Series,
  SeriesInputError,
  seriesPaths,
  simulateSeries,
  Tree,
} from '../series';
import { IdentityError } from '../series/headers';
import { locateHunk } from '../series/patch';
import { commentProblem, patchNumberProblem } from '../series/review';

export interface Opened {
  series: Series & { format: string };
  input: string;
  /** the workspace folder whose files are the pre-image of patch 1 */
  root?: string;
  /** some file the series touches is in the workspace (read once, at open: describe runs after every comment) */
  hasWorkspaceFiles?: boolean;
}

const REVIEW_KINDS = ['Reviewed-by', 'Acked-by', 'Tested-by'];

/** A/R/T counts as b4 shows them: Acked-by, Reviewed-by, Tested-by given for the patch. */
function art(p: PatchEntry): { a: number; r: number; t: number } {
  const n = (k: string) => p.trailers.filter((t) => t.kind === k).length;
  return { a: n('Acked-by'), r: n('Reviewed-by'), t: n('Tested-by') };
}

/** Where each hunk of a file landed in the pre/post image (patches apply with offset and fuzz). */
function placeHunks(p: PatchEntry, file: string, pre: string, post: string | null): Placement[] {
  const f = p.files.find((x) => x.path === file);
  if (!f) return [];
  const preLines = pre.split('\n');
  const postLines = post?.split('\n') ?? [];
  return f.hunks.map((h) => ({
    index: h.index,
    oldStart: h.oldStart,
    newStart: h.newStart,
    oldLines: h.oldLines,
    newLines: h.newLines,
    oldAt: locateHunk(preLines, h, 'old') + 1,
    newAt: post === null ? h.newStart : locateHunk(postLines, h, 'new') + 1,
  }));
}

/** The series open in this session, by key, and what their handlers share. */
export class SeriesSession {
  private readonly opened = new Map<string, Opened>();

  constructor(private readonly workspaceRoot: () => string | undefined) {}

  get(key: string): Opened {
    const o = this.opened.get(key);
    if (!o)
      throw new ResponseError(
        ErrorCodes.InvalidParams,
        `series ${key} is not open (open it again with "Slablens: Open Patch Series…")`,
      );
    return o;
  }

  /** Read a series and keep it open; its functions mapped on the workspace files. */
  async open(input: string, signal: AbortSignal): Promise<Opened> {
    const root = this.workspaceRoot();
    const series = await openSeries(input, { signal });
    const o: Opened = { series, input, root };
    if (root) {
      const t = tree(o);
      o.hasWorkspaceFiles = t.size > 0;
      mapFunctions(series, t);
    }
    this.opened.set(series.key, o);
    return o;
  }

  /** The open revision `version` of the same series, if there is one. */
  openRevision(o: Opened, version: number): Series | undefined {
    return [...this.opened.values()]
      .map((x) => x.series)
      .find((x) => x.base === o.series.base && x.version === version);
  }

  /**
   * The reviewer's comments on the newest earlier revision that has any (its review file in this
   * workspace), carried to this one: open at their new lines, or addressed.
   */
  carried(o: Opened): { version: number; patches: CarriedPatch[] } | undefined {
    for (const st of store(o)?.earlier() ?? []) {
      const r = st.load();
      if (r.error || !Object.values(r.review.patches).some((p) => p.comments.length)) continue;
      return {
        version: st.seriesVersion,
        patches: carryReview(r.review.patches, st.seriesVersion, o.series, this.openRevision(o, st.seriesVersion)),
      };
    }
    return undefined;
  }
}

const tree = (o: Opened): Tree => (o.root ? readTree(o.root, seriesPaths(o.series)) : new Map());
const store = (o: Opened): ReviewStore | undefined =>
  o.root ? new ReviewStore(o.root, o.series.base, o.series.version) : undefined;
const countComments = (ps: CarriedPatch[], addressed: boolean) =>
  ps.reduce((n, p) => n + p.comments.filter((c) => c.addressed === addressed).length, 0);

function describePatch(
  p: PatchEntry,
  earlier: { version: number; patches: CarriedPatch[] } | undefined,
  byPatch: Map<number | undefined, CarriedPatch[]>,
): SeriesInfo['patches'][number] {
  const mine = byPatch.get(p.number) ?? [];
  return {
    number: p.number,
    subject: p.subject,
    title: p.title,
    from: p.from,
    date: p.date,
    art: art(p),
    trailers: p.trailers.map((t) => `${t.kind}: ${t.value}`),
    replies: p.replies.length,
    functions: p.functions,
    problems: p.problems,
    carried:
      earlier && mine.length
        ? { version: earlier.version, open: countComments(mine, false), addressed: countComments(mine, true) }
        : undefined,
    files: p.files.map((f) => ({
      path: f.path,
      status: f.status,
      added: f.added,
      removed: f.removed,
      hunks: f.hunks.map((h) => ({
        index: h.index,
        header: `@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@ ${h.heading}`.trim(),
        newStart: h.newStart,
        oldStart: h.oldStart,
        functions: h.functions,
      })),
    })),
  };
}

/** slablens/series/open and describe: the series as the tree view shows it. */
export function describe(session: SeriesSession, o: Opened): SeriesInfo {
  const s = o.series;
  const review = store(o)?.load();
  const earlier = session.carried(o);
  // the carried comments by the patch they went to: one pass, not one per patch
  const byPatch = new Map<number | undefined, CarriedPatch[]>();
  for (const x of earlier?.patches ?? []) {
    const list = byPatch.get(x.to) ?? [];
    list.push(x);
    byPatch.set(x.to, list);
  }
  return {
    key: s.key,
    base: s.base,
    input: o.input,
    format: s.format,
    title: s.title || path.basename(o.input),
    version: s.version,
    rfc: s.rfc,
    total: s.total,
    messages: s.messages,
    missing: s.missing,
    problems: s.problems.map((p) => p.text),
    cover: s.cover
      ? { subject: s.cover.subject, from: s.cover.from, date: s.cover.date, replies: s.cover.replies.length }
      : undefined,
    patches: s.patches.map((p) => describePatch(p, earlier, byPatch)),
    review: review?.review,
    reviewError: review?.error,
    // comments of an earlier revision: how many are still open here, addressed, or on a patch this revision dropped
    earlier: earlier && {
      version: earlier.version,
      open: countComments(
        earlier.patches.filter((x) => x.to !== undefined),
        false,
      ),
      addressed: countComments(earlier.patches, true),
      unpaired: earlier.patches.filter((x) => x.to === undefined).reduce((n, x) => n + x.comments.length, 0),
    },
    // read at open (describe read the whole tree again for each path: quadratic, 15.8 s for 1,000 patches)
    hasWorkspaceFiles: !!o.hasWorkspaceFiles,
  };
}

export async function open(
  session: SeriesSession,
  p: { path: string },
  signal: AbortSignal,
): Promise<SeriesInfo | ResponseError> {
  try {
    return describe(session, await session.open(p.path, signal));
  } catch (e) {
    if (e instanceof AbortError)
      return new ResponseError(LSPErrorCodes.RequestCancelled, 'opening the series was cancelled');
    if (e instanceof SeriesInputError) return new ResponseError(ErrorCodes.InvalidParams, e.message);
    return new ResponseError(ErrorCodes.InternalError, `cannot read ${p.path}: ${(e as Error).message}`);
  }
}

/**
 * A file before and after patch N, on the workspace files with patches 1..N-1 applied, and where
 * each hunk landed. Nothing is applied half-way: a patch that does not apply gives its failing
 * hunk and no post-image.
 */
export function images(o: Opened, n: number, file: string): Images {
  const t = tree(o);
  const before = applySeries(t, o.series, n - 1);
  const stuck = before.results.find((r) => !r.applied);
  if (stuck)
    return {
      pre: null,
      post: null,
      hunks: [],
      error: `patch ${stuck.patch} before it does not apply:\n${stuck.failure ? formatFailure(stuck.patch, stuck.failure) : ''}`,
    };
  const pre = before.tree.get(file);
  if (pre === undefined && t.size === 0)
    return {
      pre: null,
      post: null,
      hunks: [],
      error: `${file} is not in the workspace: open the kernel tree the series applies to as a workspace folder`,
    };
  const patch = o.series.patches.find((x) => x.number === n);
  if (!patch) return { pre: null, post: null, hunks: [], error: `series ${o.series.key} has no patch ${n}` };
  const after = applySeries(before.tree, { patches: [patch] });
  const r = after.results[0];
  if (r && !r.applied)
    return {
      pre: pre ?? '',
      post: null,
      hunks: placeHunks(patch, file, pre ?? '', null),
      error: r.failure ? formatFailure(n, r.failure) : `patch ${n} does not apply`,
    };
  const post = after.tree.get(file) ?? '';
  return {
    pre: pre ?? '',
    post,
    status: r?.files.find((f) => f.path === file)?.status,
    hunks: placeHunks(patch, file, pre ?? '', post),
  };
}

/** The list's replies to a patch on one file: at the lines they comment on, else at the diff lines they quote. */
function listThreads(o: Opened, patch: PatchEntry, file: string, hunks: Placement[]): ListThread[] {
  const ids = new Set(patch.replies);
  const list: ListThread[] = [];
  for (const r of o.series.replies.filter((x) => ids.has(x.messageId))) {
    const header = {
      messageId: r.messageId,
      from: r.from,
      date: r.date,
      subject: r.subject,
      trailers: r.trailers.map((t) => `${t.kind}: ${t.value}`),
    };
    const onLines = r.comments.filter((c) => c.file === file && c.line !== undefined);
    for (const c of onLines) {
      const line = toDoc(hunks, c.side ?? 'new', c.line!);
      if (line !== undefined)
        list.push({
          ...header,
          side: c.side ?? 'new',
          line,
          endLine: line,
          text: c.text,
          quoted: c.under ? [c.under] : [],
        });
    }
    if (onLines.length) continue;
    const quoted = r.quotes.filter((q) => q.depth === 1 && q.file === file && q.newLine !== undefined && q.op !== '-');
    if (!quoted.length) continue;
    const lines = quoted.map((q) => toDoc(hunks, 'new', q.newLine!)).filter((x): x is number => x !== undefined);
    if (!lines.length) continue;
    const text =
      r.comments.map((c) => (c.under ? `> ${c.under}\n\n${c.text}` : c.text)).join('\n\n') ||
      '(quotes these lines without comment)';
    list.push({
      ...header,
      side: 'new',
      line: Math.min(...lines),
      endLine: Math.max(...lines),
      text,
      quoted: quoted.map((q) => q.text),
    });
  }
  return list;
}

/**
 * The comment threads of patch N on one file, in the lines of the documents `images` gives: the
 * list's replies (read-only; a reply without line comments sits on the diff lines it quotes)
 * and the reviewer's own comments.
 */
function threads(session: SeriesSession, p: { key: string; patch: number; file: string }): Threads {
  const o = session.get(p.key);
  const patch = o.series.patches.find((x) => x.number === p.patch);
  if (!patch) return { list: [], own: [] };
  const img = images(o, p.patch, p.file);
  const list = listThreads(o, patch, p.file, img.hunks);
  const review = store(o)?.load();
  const own = (review?.review.patches[String(p.patch)]?.comments ?? [])
    .map((c, index) => ({
      index,
      side: c.side,
      text: c.text,
      line: c.file === p.file ? toDoc(img.hunks, c.side, c.line) : undefined,
    }))
    .filter((c): c is typeof c & { line: number } => c.line !== undefined);
  // the reviewer's comments on the earlier revision still open on this patch, at their new lines
  const earlier = session.carried(o);
  const fromEarlier = (earlier?.patches ?? [])
    .filter((x) => x.to === p.patch)
    .flatMap((x) =>
      x.comments
        .filter((c) => !c.addressed && c.file === p.file)
        .map((c) => ({
          version: x.from.version,
          patch: x.from.patch,
          side: c.side,
          text: c.text,
          why: c.why,
          line: toDoc(img.hunks, c.side, c.line),
        })),
    )
    .filter((c): c is typeof c & { line: number } => c.line !== undefined);
  return { list, own, carried: fromEarlier, error: img.error, reviewError: review?.error };
}

/** A comment from the client, at a line of the document it shows: the review keeps the patch's own line, and the line it quotes. */
function addComment(
  o: Opened,
  s: ReviewStore,
  n: number,
  c: Extract<ReviewParams, { action: 'addComment' }>['comment'],
): ReviewResult {
  const img = images(o, n, c.file);
  const line = toPatch(img.hunks, c.side, c.line);
  if (line === undefined)
    return {
      ...s.load(),
      error: `line ${c.line} is outside the hunks of patch ${n} in ${c.file}: a review reply can only quote what the patch shows`,
    };
  // the quoted diff line and the patch title: what finds the comment again in the next revision
  const patch = o.series.patches.find((x) => x.number === n);
  const quote = patch && quotedLine(patch.files, { ...c, line });
  return s.addComment(n, { ...c, line, ...(quote ? { quote } : {}) }, patch?.title);
}

/** The reviewer's own state: comments, viewed, quick trailers, series status. */
function review(session: SeriesSession, p: ReviewParams): ReviewResult | ResponseError {
  const o = session.get(p.key);
  const s = store(o);
  if (!s) return { error: 'no workspace folder: reviews are stored in <folder>/.slablens/reviews/' };
  const n = p.patch ?? 0;
  // the patch number keys the review's map, the comment is stored as it comes: both checked here
  const bad = patchNumberProblem(n) ?? (p.action === 'addComment' ? commentProblem(p.comment) : undefined);
  if (bad) return new ResponseError(ErrorCodes.InvalidParams, bad);
  switch (p.action) {
    case 'addComment':
      return addComment(o, s, n, p.comment);
    case 'removeComment':
      return s.update((r) => {
        const list = r.patches[String(n)]?.comments;
        if (!list || p.index === undefined || !list[p.index]) return `no comment ${p.index} on patch ${n}`;
        list.splice(p.index, 1);
      });
    case 'setViewed':
      return s.setViewed(n, !!p.viewed);
    case 'setTrailers':
      return s.setTrailers(
        n,
        (p.trailers ?? []).filter((t) => REVIEW_KINDS.some((k) => t.startsWith(`${k}: `))),
      );
    case 'setState':
      return s.setState(p.state);
    default:
      return s.load();
  }
}

/** An RFC 822 reply to patch N (0: the cover letter) with the reviewer's comments and trailers. */
async function exportReplyTo(
  session: SeriesSession,
  p: { key: string; patch: number; from: string },
): Promise<ExportResult | ResponseError> {
  const o = session.get(p.key);
  const bad = patchNumberProblem(p.patch);
  if (bad) return new ResponseError(ErrorCodes.InvalidParams, bad);
  const review = store(o)?.load();
  if (review?.error) return new ResponseError(ErrorCodes.InvalidParams, review.error);
  const mine = review?.review.patches[String(p.patch)] ?? { comments: [], trailers: [] };
  const target = p.patch === 0 ? o.series.cover : o.series.patches.find((x) => x.number === p.patch);
  if (!target) return new ResponseError(ErrorCodes.InvalidParams, `series ${p.key} has no patch ${p.patch}`);
  const files = 'files' in target ? target.files : [];
  // the entry carries to/cc/references and whether its id was made up (a page has none)
  let r;
  try {
    r = await exportReply({ ...target, files }, mine.comments, { from: p.from, trailers: mine.trailers });
  } catch (e) {
    if (e instanceof IdentityError) return new ResponseError(ErrorCodes.InvalidParams, e.message);
    throw e;
  }
  return { ...r, comments: mine.comments.length, trailers: mine.trailers };
}

/**
 * This revision against an earlier one that is open too (`git range-diff`, `b4 diff`): patches
 * paired by title, changed or not, dropped and added; and the comments of the earlier
 * revision's review carried here, open or addressed.
 */
function compare(session: SeriesSession, p: { key: string; olderKey: string }): Comparison | ResponseError {
  const o = session.get(p.key);
  const old = session.get(p.olderKey);
  const why = notAnEarlierRevision(old.series, o.series);
  if (why) return new ResponseError(ErrorCodes.InvalidParams, why.message);
  const review = store(old)?.load();
  const comments =
    review && !review.error ? carryReview(review.review.patches, old.series.version, o.series, old.series) : [];
  return { ...rangeDiff(old.series, o.series), comments, reviewError: review?.error };
}

/** Patch N as a range-diff compares it (title, commit message, diff without line numbers). */
function rangeText(session: SeriesSession, p: { key: string; patch: number }): { text: string } | ResponseError {
  const patch = session.get(p.key).series.patches.find((x) => x.number === p.patch);
  return patch
    ? { text: rangeDiffText(patch) }
    : new ResponseError(ErrorCodes.InvalidParams, `series ${p.key} has no patch ${p.patch}`);
}

/** Before/after verdicts of the destroy scenario per patch, on the workspace files. */
function simulate(session: SeriesSession, p: { key: string; upTo?: number }): SimulatedPatch[] | ResponseError {
  const o = session.get(p.key);
  const t = tree(o);
  if (!t.size)
    return new ResponseError(
      ErrorCodes.InvalidParams,
      'the workspace has none of the files this series touches: open the kernel tree it applies to',
    );
  return simulateSeries(o.series, t, { upTo: p.upTo });
}

/** The series on the workspace as it is, each patch answered on its own (series/base.ts). */
function check(session: SeriesSession, p: { key: string }): SeriesCheckResult | ResponseError {
  const o = session.get(p.key);
  if (!o.root)
    return new ResponseError(
      ErrorCodes.InvalidParams,
      'no workspace folder: open the kernel tree the series should apply to',
    );
  const t = tree(o);
  if (!t.size)
    return new ResponseError(
      ErrorCodes.InvalidParams,
      'the workspace has none of the files this series touches: open the kernel tree it applies to',
    );
  const base = compareBase(o.root, o.series);
  return {
    base,
    patches: checkSeries(t, o.series).map(({ patch, title, state, message }) => ({ patch, title, state, message })),
  };
}

/** The slablens/series/* requests by method name, one handler each, over the series open in `session`. */
export const SERIES_HANDLERS = {
  [SeriesOpen.method]: (s: SeriesSession, p: { path: string }, signal: AbortSignal) => open(s, p, signal),
  [SeriesDescribe.method]: (s: SeriesSession, p: { key: string }) => describe(s, s.get(p.key)),
  [SeriesImages.method]: (s: SeriesSession, p: { key: string; patch: number; file: string }) =>
    images(s.get(p.key), p.patch, p.file),
  [SeriesThreads.method]: (s: SeriesSession, p: { key: string; patch: number; file: string }) => threads(s, p),
  [SeriesReview.method]: (s: SeriesSession, p: ReviewParams) => review(s, p),
  [SeriesExport.method]: (s: SeriesSession, p: { key: string; patch: number; from: string }) => exportReplyTo(s, p),
  [SeriesCompare.method]: (s: SeriesSession, p: { key: string; olderKey: string }) => compare(s, p),
  [SeriesRangeText.method]: (s: SeriesSession, p: { key: string; patch: number }) => rangeText(s, p),
  [SeriesSimulate.method]: (s: SeriesSession, p: { key: string; upTo?: number }) => simulate(s, p),
  [SeriesCheck.method]: (s: SeriesSession, p: { key: string }) => check(s, p),
} as const;
