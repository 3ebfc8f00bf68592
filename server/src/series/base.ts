// A series on any base: what the series says it was written against (base-commit:,
// prerequisite-patch-id:) compared with the workspace's git HEAD, and for each patch one clear
// answer against the tree as it is: it applies, it is already applied (it applies in reverse), or
// it does not apply — with the hunk, its file and the nearest matching context in that file.

import { execFileSync } from 'node:child_process';
import { applyOne, HunkFailure, Tree } from './apply';
import type { FileDiff, Hunk } from './patch';
import type { PatchEntry, Series } from './thread';

export interface BaseCheck {
  baseCommit?: string;
  prerequisites: string[];
  head?: string;
  /** same: HEAD is the base; contains: the base is an ancestor of HEAD; other: HEAD does not contain it; unknown: the tree does not know that commit; none: no base-commit: line; not-git: no git tree */
  relation: 'same' | 'contains' | 'other' | 'unknown' | 'none' | 'not-git';
  message: string;
}

export type PatchState = 'applies' | 'already applied' | 'does not apply' | 'not checked';

export interface PatchCheck {
  patch: number;
  title: string;
  state: PatchState;
  /** one line for the tree view and the terminal */
  message: string;
  failure?: HunkFailure;
  /** where the failing hunk's pre-image matches the file best */
  nearest?: { line: number; matched: number; of: number; text: string[] };
}

/** base-commit: and prerequisite-patch-id: lines of the cover letter (or, without one, of the patches). */
export function seriesBase(s: Pick<Series, 'cover' | 'patches'>): { baseCommit?: string; prerequisites: string[] } {
  const bodies = [s.cover?.body ?? '', ...s.patches.map((p) => p.body)];
  const baseCommit =
    s.cover?.baseCommit ?? bodies.map((b) => /^base-commit: ([0-9a-f]{7,40})\s*$/m.exec(b)?.[1]).find(Boolean);
  const prerequisites = [
    ...new Set(
      bodies.flatMap((b) => [...b.matchAll(/^prerequisite-patch-id: ([0-9a-f]{7,40})\s*$/gm)].map((m) => m[1])),
    ),
  ];
  return { baseCommit, prerequisites };
}

function git(dir: string, ...args: string[]): string | undefined {
  try {
    return execFileSync('git', ['-C', dir, ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 10_000,
    }).trim();
  } catch {
    return undefined;
  }
}

/** The series' base against the workspace: its git HEAD, when the workspace is a git tree. */
export function compareBase(dir: string, s: Pick<Series, 'cover' | 'patches'>): BaseCheck {
  const { baseCommit, prerequisites } = seriesBase(s);
  const pre = prerequisites.length
    ? ` It also needs ${prerequisites.length} prerequisite patch(es) (prerequisite-patch-id: ${prerequisites.map((p) => p.slice(0, 12)).join(', ')}), which slablens cannot look up by id.`
    : '';
  const head = git(dir, 'rev-parse', 'HEAD');
  if (!head) {
    return {
      baseCommit,
      prerequisites,
      relation: 'not-git',
      message: `The workspace is not a git tree: the series' base${baseCommit ? ` (${baseCommit.slice(0, 12)})` : ''} cannot be compared with it; each patch is checked against the files as they are.${pre}`,
    };
  }
  if (!baseCommit)
    return {
      baseCommit,
      prerequisites,
      head,
      relation: 'none',
      message: `The series names no base-commit:; the workspace is at ${head.slice(0, 12)}. Each patch is checked against the files as they are.${pre}`,
    };
  const full = git(dir, 'rev-parse', '--verify', '--quiet', `${baseCommit}^{commit}`);
  let relation: BaseCheck['relation'];
  let message: string;
  if (!full) {
    relation = 'unknown';
    message = `The series was written against ${baseCommit.slice(0, 12)}, a commit this tree does not have (HEAD is ${head.slice(0, 12)}): your tree is at another base. Fetch that commit or check out a tree that has it; each patch below is checked against the files as they are.`;
  } else if (full === head) {
    relation = 'same';
    message = `The workspace is at the series' base-commit ${baseCommit.slice(0, 12)}.`;
  } else if (git(dir, 'merge-base', '--is-ancestor', full, head) !== undefined) {
    relation = 'contains';
    message = `The workspace (HEAD ${head.slice(0, 12)}) is newer than the series' base-commit ${baseCommit.slice(0, 12)}: patches may already be in it or no longer fit.`;
  } else {
    relation = 'other';
    message = `The workspace (HEAD ${head.slice(0, 12)}) does not contain the series' base-commit ${baseCommit.slice(0, 12)}: your tree is at another base.`;
  }
  return { baseCommit, prerequisites, head, relation, message: message + pre };
}

/** The patch undone: '+' and '-' swapped, old and new sides swapped. */
function reversed(f: FileDiff): FileDiff {
  const swap = (h: Hunk): Hunk => ({
    ...h,
    oldStart: h.newStart,
    oldLines: h.newLines,
    newStart: h.oldStart,
    newLines: h.oldLines,
    lines: h.lines.map((l) => ({
      ...l,
      op: l.op === '+' ? '-' : l.op === '-' ? '+' : l.op,
      oldLine: l.newLine,
      newLine: l.oldLine,
    })),
  });
  return { ...f, hunks: f.hunks.map(swap), added: f.removed, removed: f.added };
}

/** blank lines and lone braces match anywhere: they do not count as context */
const trivial = (t: string) => t.length < 3;

/** Where the hunk's pre-image (context and removed lines) matches the file best, nearest to where it was expected. */
export function nearestContext(text: string, h: Hunk): PatchCheck['nearest'] {
  const want = h.lines.filter((l) => l.op === ' ' || l.op === '-').map((l) => l.text.trim());
  if (!want.length) return undefined;
  const lines = text.split('\n').map((l) => l.trim());
  let best = { at: -1, matched: 0 };
  for (let i = 0; i + 1 <= lines.length; i++) {
    let m = 0;
    for (let k = 0; k < want.length && i + k < lines.length; k++)
      if (!trivial(want[k]) && lines[i + k] === want[k]) m++;
    if (
      m > best.matched ||
      (m === best.matched && m > 0 && Math.abs(i + 1 - h.oldStart) < Math.abs(best.at + 1 - h.oldStart))
    )
      best = { at: i, matched: m };
  }
  if (best.at < 0) return undefined;
  return {
    line: best.at + 1,
    matched: best.matched,
    of: want.filter((w) => !trivial(w)).length,
    text: text.split('\n').slice(best.at, best.at + want.length),
  };
}

/**
 * Each patch against the tree as it is, in order: patches that apply (or are already there) are
 * kept for the next ones; one that does not apply is reported and left out, and the later ones
 * are still checked (their answer may depend on it, and says so).
 */
export function checkSeries(tree: Tree, s: Pick<Series, 'patches'>): PatchCheck[] {
  const out: PatchCheck[] = [];
  let cur = tree;
  const failed: number[] = [];
  for (const p of s.patches) {
    const after = failed.length ? ` (patch ${failed.join(', ')} before it did not apply)` : '';
    if (!p.files.length) {
      out.push({ patch: p.number, title: p.title, state: 'not checked', message: `${pad(p)} has no diff${after}` });
      continue;
    }
    const fwd = applyOne(cur, p);
    const back = applyOne(cur, reversedPatch(p));
    const backOk =
      back.result.applied &&
      back.result.files.length > 0 &&
      back.result.files.every((f) => !/not in the tree/.test(f.status));
    // a patch that only adds lines may also "apply" again on a tree that has it, with fuzz: the
    // reverse that fits better decides
    if (backOk && (!fwd.result.applied || fuzzOf(back.result.files) <= fuzzOf(fwd.result.files))) {
      out.push({
        patch: p.number,
        title: p.title,
        state: 'already applied',
        message: `${pad(p)} is already applied: the tree has its changes (it applies in reverse)${after}`,
      });
      continue;
    }
    if (fwd.result.applied) {
      const how = fwd.result.files.map((f) => `${f.path}: ${f.status}`).join(', ');
      out.push({ patch: p.number, title: p.title, state: 'applies', message: `${pad(p)} applies (${how})${after}` });
      cur = fwd.tree;
      continue;
    }
    const f = fwd.result.failure!;
    const hunk = p.files.find((x) => x.path === f.file)?.hunks.find((h) => h.index === f.hunk);
    const text = cur.get(f.file);
    const nearest = hunk && text !== undefined ? nearestContext(text, hunk) : undefined;
    const near =
      nearest && nearest.matched
        ? `; the nearest matching context is at line ${nearest.line} (${nearest.matched} of ${nearest.of} lines match)`
        : text === undefined
          ? ''
          : '; none of its context lines is in the file';
    out.push({
      patch: p.number,
      title: p.title,
      state: 'does not apply',
      message: `${pad(p)} does not apply: hunk #${f.hunk + 1} ${f.header} of ${f.file}: ${f.reason}${near}${after}`,
      failure: f,
      nearest,
    });
    failed.push(p.number);
  }
  return out;
}

/** the largest fuzz a file needed ("applied with fuzz 2"), 0 when none */
const fuzzOf = (files: { status: string }[]): number =>
  Math.max(0, ...files.map((f) => Number(/fuzz (\d+)/.exec(f.status)?.[1] ?? 0)));

const pad = (p: Pick<PatchEntry, 'number'>) => `patch ${String(p.number).padStart(2, '0')}`;

function reversedPatch(p: Pick<PatchEntry, 'number' | 'files'>): Pick<PatchEntry, 'number' | 'files'> {
  return {
    number: p.number,
    files: p.files.filter((f) => f.status === 'modified' || f.status === 'renamed').map(reversed),
  };
}
