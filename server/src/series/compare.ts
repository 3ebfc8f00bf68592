// Comparing revisions of a series (v(n) and v(n+1)): the same series by change-id or by its
// normalised title; patches paired by title; comments carried to the new revision, and marked
// addressed when the line they were written on changed.

import type { DiffLine, FileDiff } from './patch';
import type { ReviewComment } from './reply';
import type { PatchEntry, Series } from './thread';

const norm = (s: string): string => s.toLowerCase().replace(/\s+/g, ' ').trim();

export function sameSeries(a: Series, b: Series): boolean {
  if (a.changeId && b.changeId) return a.changeId === b.changeId;
  const ta = a.cover?.title ?? a.patches[0]?.title;
  const tb = b.cover?.title ?? b.patches[0]?.title;
  return !!ta && !!tb && norm(ta) === norm(tb);
}

export interface Pairing {
  pairs: { old: number; new: number; title: string }[];
  /** patches of the old revision not in the new one (dropped or renamed) */
  dropped: number[];
  /** patches new in the new revision */
  added: number[];
}

export function pairPatches(older: Series, newer: Series): Pairing {
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

export interface CarriedComment extends ReviewComment {
  /** the line it was written on no longer appears as it was in the new revision */
  addressed: boolean;
  /** where it was in the old revision */
  was: { line: number; side: ReviewComment['side'] };
  why: string;
}

function lineOf(files: FileDiff[], c: ReviewComment): DiffLine | undefined {
  const f = files.find((x) => x.path === c.file);
  for (const h of f?.hunks ?? []) for (const l of h.lines) if (l.op !== '\\' && (c.side === 'old' ? l.op !== '+' && l.oldLine === c.line : l.op !== '-' && l.newLine === c.line)) return l;
  return undefined;
}

/**
 * Carry comments from a patch of v(n) to its pair in v(n+1). A comment stays open at the new
 * position of the same line (same text, same kind of diff line); it is addressed when that line
 * is gone from the new revision's diff of the file.
 */
export function carryForward(comments: ReviewComment[], older: PatchEntry, newer: PatchEntry): CarriedComment[] {
  return comments.map((c) => {
    const l = lineOf(older.files, c);
    const was = { line: c.line, side: c.side };
    if (!l) return { ...c, addressed: false, was, why: 'the line is not in the old patch: kept as it was' };
    const f = newer.files.find((x) => x.path === c.file);
    const cands = (f?.hunks ?? []).flatMap((h) => h.lines).filter((m) => m.op === l.op && m.text === l.text);
    if (!cands.length) return { ...c, addressed: true, was, why: `${c.file}: the commented line changed or was dropped in the new revision` };
    // the occurrence nearest to the old position
    const pos = (m: DiffLine) => (c.side === 'old' ? m.oldLine! : m.newLine!);
    const best = cands.reduce((a, b) => (Math.abs(pos(b) - c.line) < Math.abs(pos(a) - c.line) ? b : a));
    return { ...c, line: pos(best), addressed: false, was, why: 'the commented line is unchanged' };
  });
}
