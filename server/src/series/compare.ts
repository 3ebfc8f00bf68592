// Comparing revisions of a series (v(n) and v(n+1)), as `git range-diff` / `b4 diff` do: the same
// series by change-id or by its normalised title; patches paired by title; each pair's patch text
// (commit message + diff, without what only moves: index lines and hunk line numbers) compared;
// the reviewer's comments on v(n) carried to v(n+1), and marked addressed when the line they were
// written on is gone from the new revision's diff.

import { diffLines } from 'diff';
import type { DiffLine, FileDiff } from './patch';
import type { CarriedComment, CarriedPatch } from '../../../protocol/src';
import type { ReviewComment } from './reply';
import type { ReviewFile } from './review';
import type { PatchEntry, Series } from './thread';

const norm = (s: string): string => s.toLowerCase().replace(/\s+/g, ' ').trim();

export function sameSeries(
  a: Pick<Series, 'changeId' | 'cover' | 'patches'>,
  b: Pick<Series, 'changeId' | 'cover' | 'patches'>,
): boolean {
  if (a.changeId && b.changeId) return a.changeId === b.changeId;
  const ta = a.cover?.title ?? a.patches[0]?.title;
  const tb = b.cover?.title ?? b.patches[0]?.title;
  return !!ta && !!tb && norm(ta) === norm(tb);
}

/** Why `older` cannot be compared with `newer` as an earlier revision of it, or undefined when it can. */
export function notAnEarlierRevision(
  older: Series,
  newer: Series,
): { kind: 'other series' | 'not earlier'; message: string } | undefined {
  const name = (x: Series) => x.cover?.title ?? x.patches[0]?.title ?? x.key;
  if (!sameSeries(older, newer))
    return {
      kind: 'other series',
      message: `"${name(older)}" and "${name(newer)}" are not revisions of one series (neither change-id nor title match)`,
    };
  if (older.version >= newer.version)
    return { kind: 'not earlier', message: `v${older.version} is not earlier than v${newer.version}` };
  return undefined;
}

export interface Pairing {
  pairs: { old: number; new: number; title: string }[];
  /** patches of the old revision not in the new one (dropped or renamed) */
  dropped: number[];
  /** patches new in the new revision */
  added: number[];
}

export function pairPatches(older: Pick<Series, 'patches'>, newer: Pick<Series, 'patches'>): Pairing {
  const byTitle = new Map<string, PatchEntry>();
  for (const p of newer.patches) if (!byTitle.has(norm(p.title))) byTitle.set(norm(p.title), p);
  const pairs: Pairing['pairs'] = [];
  const used = new Set<number>();
  const dropped: number[] = [];
  for (const p of older.patches) {
    const q = byTitle.get(norm(p.title));
    if (q && !used.has(q.number)) {
      used.add(q.number);
      pairs.push({ old: p.number, new: q.number, title: q.title });
    } else dropped.push(p.number);
  }
  return { pairs, dropped, added: newer.patches.filter((p) => !used.has(p.number)).map((p) => p.number) };
}

/**
 * A patch as a range-diff compares it: its title, commit message and diff, with the hunks'
 * line numbers left out (`@@ … @@ heading` kept) so that a patch that only moved reads unchanged.
 */
export function rangeDiffText(p: Pick<PatchEntry, 'title' | 'commitMessage' | 'files'>): string {
  const out = [p.title, '', p.commitMessage.trim(), ''];
  for (const f of p.files) {
    out.push(
      `--- ${f.oldPath && f.oldPath !== f.path ? `${f.oldPath} → ` : ''}${f.path}${f.status === 'modified' ? '' : ` (${f.status})`}`,
    );
    for (const h of f.hunks) {
      out.push(`@@ ${h.heading}`.trimEnd());
      for (const l of h.lines) out.push(l.op === '\\' ? `\\ ${l.text}` : `${l.op}${l.text}`);
    }
  }
  return out.join('\n') + '\n';
}

export interface RangeDiffPair {
  old: number;
  new: number;
  title: string;
  /** the patch text differs (commit message or diff) */
  changed: boolean;
  /** lines of the old text not in the new one, and the other way round */
  removed: number;
  added: number;
}

export interface RangeDiff {
  older: { key: string; version: number };
  newer: { key: string; version: number };
  pairs: RangeDiffPair[];
  dropped: { number: number; title: string }[];
  /** patches of the new revision with no pair: new, or in the old revision but not in its input (see olderMissing) */
  added: { number: number; title: string }[];
  /** patch numbers of the old revision that its input does not hold (a saved thread page with patch 01 only) */
  olderMissing: number[];
}

/** Every patch of `newer` against its pair in `older`. */
export function rangeDiff(older: Series, newer: Series): RangeDiff {
  const pairing = pairPatches(older, newer);
  const at = (s: Series, n: number) => s.patches.find((p) => p.number === n)!;
  const pairs = pairing.pairs.map((x) => {
    let added = 0;
    let removed = 0;
    for (const part of diffLines(rangeDiffText(at(older, x.old)), rangeDiffText(at(newer, x.new)))) {
      if (part.added) added += part.count ?? 0;
      else if (part.removed) removed += part.count ?? 0;
    }
    return { ...x, changed: added + removed > 0, added, removed };
  });
  const titled = (s: Series) => (n: number) => ({ number: n, title: at(s, n).title });
  return {
    older: { key: older.key, version: older.version },
    newer: { key: newer.key, version: newer.version },
    pairs,
    dropped: pairing.dropped.map(titled(older)),
    added: pairing.added.map(titled(newer)),
    olderMissing: older.missing,
  };
}

export type { CarriedComment, CarriedPatch };

function lineOf(files: FileDiff[], c: ReviewComment): DiffLine | undefined {
  const f = files.find((x) => x.path === c.file);
  for (const h of f?.hunks ?? [])
    for (const l of h.lines)
      if (
        l.op !== '\\' &&
        (c.side === 'old' ? l.op !== '+' && l.oldLine === c.line : l.op !== '-' && l.newLine === c.line)
      )
        return l;
  return undefined;
}

/** The diff line a comment is on, as the patch shows it ("+\trcu_barrier();"): what it quotes in a reply. */
export function quotedLine(files: FileDiff[], c: ReviewComment): string | undefined {
  const l = lineOf(files, c);
  return l && `${l.op}${l.text}`;
}

/**
 * Carry comments from a patch of v(n) to its pair in v(n+1). A comment stays open at the new
 * position of the same line (same text, same kind of diff line); it is addressed when that line
 * is gone from the new revision's diff of the file. The line comes from the comment's own `quote`
 * (kept in the review file) or, for a comment without one, from the old patch when it is given.
 */
export function carryForward(
  comments: ReviewComment[],
  older: Pick<PatchEntry, 'files'> | undefined,
  newer: Pick<PatchEntry, 'files'>,
): CarriedComment[] {
  return comments.map((c) => {
    const was = { line: c.line, side: c.side };
    const quote = c.quote ?? (older && quotedLine(older.files, c));
    if (!quote)
      return { ...c, addressed: false, was, why: 'which line it was written on is not known: kept at the same line' };
    const [op, text] = [quote[0], quote.slice(1)];
    const f = newer.files.find((x) => x.path === c.file);
    const cands = (f?.hunks ?? []).flatMap((h) => h.lines).filter((m) => m.op === op && m.text === text);
    if (!cands.length)
      return {
        ...c,
        addressed: true,
        was,
        why: `${c.file}: the commented line changed or was dropped in the new revision`,
      };
    // the occurrence nearest to the old position
    const pos = (m: DiffLine) => (c.side === 'old' ? m.oldLine! : m.newLine!);
    const best = cands.reduce((a, b) => (Math.abs(pos(b) - c.line) < Math.abs(pos(a) - c.line) ? b : a));
    return { ...c, line: pos(best), addressed: false, was, why: 'the commented line is unchanged' };
  });
}

/**
 * The comments of the review of revision `version` (its patches), carried to `newer`: each
 * reviewed patch paired by the title kept in the review file (or by the earlier series, when it is
 * open), each comment at its line in the new patch, open or addressed.
 */
export function carryReview(
  reviewed: ReviewFile['patches'],
  version: number,
  newer: Pick<Series, 'patches'>,
  older?: Pick<Series, 'patches'>,
): CarriedPatch[] {
  const out: CarriedPatch[] = [];
  for (const [n, pr] of Object.entries(reviewed)) {
    if (!pr.comments.length) continue;
    const was = older?.patches.find((p) => p.number === Number(n));
    const title = pr.title ?? was?.title;
    const from = { version, patch: Number(n), title };
    const to = title ? newer.patches.find((p) => norm(p.title) === norm(title)) : undefined;
    if (!to) {
      const why = title
        ? `patch "${title}" is not in this revision (dropped or renamed)`
        : 'the review file does not say which patch this was';
      out.push({
        from,
        comments: pr.comments.map((c) => ({ ...c, addressed: false, was: { line: c.line, side: c.side }, why })),
      });
      continue;
    }
    out.push({ from, to: to.number, comments: carryForward(pr.comments, was, to) });
  }
  return out.sort((a, b) => a.from.patch - b.from.patch);
}
