// Patch series review, the public API (no vscode here): open an mbox / a folder of .eml / a saved
// public-inbox thread page into the series model; map hunks to functions on a kernel tree; apply
// and simulate per patch; export and import review replies; keep the reviewer's state.

import * as fs from 'node:fs';
import { inputFileProblem } from '../../../io/src';
import { AbortError, Mail, mailFilesIn, parseMail, Problem, RawMessage, splitMbox, splitMboxFile } from './mbox';
import { isPublicInboxText, readPublicInbox } from './publicInbox';
import { buildSeries, Series } from './thread';
import { mapFunctions, readTree, Tree } from './apply';

export { AbortError, parseMail, splitMbox, splitMboxFile, mailFilesIn } from './mbox';
export type { Address, Mail, Problem, RawMessage, SplitOptions } from './mbox';
export { isPublicInboxText, readPublicInbox, bareSubject } from './publicInbox';
export { buildSeries, parseSubject, revisionKey, seriesTitle, slug } from './thread';
export type { CoverLetter, PatchEntry, Reply, Series, SubjectInfo } from './thread';
export { parseTrailerLine, parseTrailers, formatTrailer, REVIEW_TRAILERS, TRAILER_KINDS } from './trailers';
export type { Trailer, TrailerKind } from './trailers';
export { diffText, parseDiff, definedFunction, hunkFunctionsFromText } from './patch';
export type { DiffLine, FileDiff, Hunk, ParsedDiff } from './patch';
export { applyOne, applySeries, formatFailure, mapFunctions, readTree, simulateSeries } from './apply';
export { checkSeries, compareBase, nearestContext, seriesBase } from './base';
export type { BaseCheck, PatchCheck, PatchState } from './base';
export type { ApplyResult, HunkFailure, SimulatedPatch, Tree, Verdicts } from './apply';
export { exportReply, importComments, mapQuotes, unquote } from './reply';
export type {
  ExportedReply,
  ExportOptions,
  ImportedComment,
  QuotedLine,
  ReplyTarget,
  ReviewComment,
  Side,
} from './reply';
export { ReviewStore } from './review';
export type { PatchReview, ReviewFile, ReviewState } from './review';
export {
  carryForward,
  carryReview,
  notAnEarlierRevision,
  pairPatches,
  quotedLine,
  rangeDiff,
  rangeDiffText,
  sameSeries,
} from './compare';
export type { CarriedComment, CarriedPatch, Pairing, RangeDiff, RangeDiffPair } from './compare';

export interface OpenOptions {
  onProgress?: (done: number, total: number | undefined) => void;
  signal?: AbortSignal;
  /** a kernel tree: hunks are then mapped to functions by tree-sitter on each patch's pre-image */
  kernelDir?: string;
  /** mails decoded at once (mailparser is async per message and mostly waits on setImmediate) */
  parallel?: number;
}

export class SeriesInputError extends Error {}

/**
 * Decode raw messages in order, many in flight: mailparser spends most of a message's time
 * waiting on setImmediate, so a sliding window of `parallel` keeps the CPU busy.
 */
export async function parseAll(raws: AsyncIterable<RawMessage>, o: OpenOptions = {}): Promise<Mail[]> {
  const out: Mail[] = [];
  const window: Promise<Mail>[] = [];
  const n = o.parallel ?? 256;
  for await (const r of raws) {
    if (o.signal?.aborted) throw new AbortError();
    window.push(parseMail(r));
    if (window.length >= n) out.push(await window.shift()!);
  }
  for (const p of window) out.push(await p);
  return out;
}

/** Read the mails of an input: an mbox/mboxrd or .eml file, a folder of .eml files, or a public-inbox page. */
export async function readMails(
  input: string,
  o: OpenOptions = {},
): Promise<{ mails: Mail[]; problems: Problem[]; format: 'mbox' | 'eml-folder' | 'public-inbox' }> {
  let st: fs.Stats;
  try {
    st = fs.statSync(input);
  } catch (e) {
    throw new SeriesInputError(
      `${input}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`,
    );
  }
  // a FIFO or a device would block the reader (the server's main thread) or never end
  if (!st.isDirectory() && !st.isFile())
    throw new SeriesInputError(`${input}: not a regular file or a folder (a FIFO, socket or device): refused`);
  if (st.isDirectory()) {
    const files = mailFilesIn(input);
    if (!files.length) throw new SeriesInputError(`${input}: no .eml, .patch or .mbx files in this folder`);
    const mails: Mail[] = [];
    let done = 0;
    for (const f of files) {
      if (o.signal?.aborted) throw new AbortError();
      const why = inputFileProblem(f);
      if (why) throw new SeriesInputError(`${f}: ${why}`);
      const ms = await parseAll(splitMbox([fs.readFileSync(f)], f), o);
      for (const m of ms) mails.push({ ...m, index: mails.length });
      o.onProgress?.(++done, files.length);
    }
    return { mails, problems: [], format: 'eml-folder' };
  }
  // a public-inbox page is text without "From " separators; peek before streaming
  const fd = fs.openSync(input, 'r');
  const head = Buffer.alloc(Math.min(st.size, 1 << 16));
  fs.readSync(fd, head, 0, head.length, 0);
  fs.closeSync(fd);
  const headText = head.toString('utf8');
  if (!headText.startsWith('From ') && /\(permalink \/ raw\)/.test(headText)) {
    const text = fs.readFileSync(input, 'utf8');
    if (isPublicInboxText(text)) {
      const { mails, problems } = readPublicInbox(text, input);
      o.onProgress?.(st.size, st.size);
      return { mails, problems, format: 'public-inbox' };
    }
  }
  if (st.size === 0) throw new SeriesInputError(`${input}: empty file`);
  const mails = await parseAll(splitMboxFile(input, o), o);
  return { mails, problems: [], format: 'mbox' };
}

/** Open a series: read, thread, and (with a kernel tree) map hunks onto the pre-image functions. */
export async function openSeries(input: string, o: OpenOptions = {}): Promise<Series & { format: string }> {
  const { mails, problems, format } = await readMails(input, o);
  const series = buildSeries(mails, problems);
  if (o.kernelDir) mapFunctions(series, readTree(o.kernelDir, seriesPaths(series)));
  return { ...series, format };
}

/** Every file path a series touches. */
export function seriesPaths(s: Pick<Series, 'patches'>): string[] {
  return [...new Set(s.patches.flatMap((p) => p.files.flatMap((f) => [f.path, ...(f.oldPath ? [f.oldPath] : [])])))];
}

/** Read a tree with the files the series touches. */
export function treeFor(dir: string, s: Pick<Series, 'patches'>, problems: string[] = []): Tree {
  return readTree(dir, seriesPaths(s), problems);
}

/** The compact per-patch summary the CLI prints (--json). */
export function seriesSummary(s: Series & { format?: string }) {
  return {
    version: 1,
    format: s.format,
    key: s.key,
    base: s.base,
    changeId: s.changeId ?? null,
    seriesVersion: s.version,
    rfc: s.rfc,
    total: s.total,
    messages: s.messages,
    cover: s.cover
      ? {
          subject: s.cover.subject,
          from: s.cover.from,
          date: s.cover.date ?? null,
          baseCommit: s.cover.baseCommit ?? null,
          replies: s.cover.replies.length,
        }
      : null,
    patches: s.patches.map((p) => ({
      number: p.number,
      subject: p.subject,
      from: p.from,
      date: p.date ?? null,
      files: p.files.map((f) => ({
        path: f.path,
        status: f.status,
        added: f.added,
        removed: f.removed,
        hunks: f.hunks.length,
      })),
      functions: p.functions,
      trailers: p.trailers.map((t) => ({
        kind: t.kind,
        value: t.value,
        givenBy: t.givenBy ?? null,
        ...(t.stable ? { stable: true } : {}),
        ...(t.fixes ? { fixes: t.fixes } : {}),
      })),
      replies: p.replies.length,
      problems: p.problems,
    })),
    missing: s.missing,
    replies: s.replies.map((r) => ({
      from: r.from,
      date: r.date ?? null,
      subject: r.subject,
      answers: r.answers ?? null,
      depth: r.depth,
      trailers: r.trailers.length,
      quotedDiffLines: r.quotes.filter((q) => q.file).length,
      comments: r.comments.length,
    })),
    problems: s.problems,
  };
}
