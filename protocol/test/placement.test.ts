// The diff↔document line mapping on real unified diffs (fixtures/*.diff): every line of every
// hunk, numbered as the mail numbers it, must map to the line of the document that holds the same
// text, and back; lines outside the hunks map to nothing. The patches apply at an offset (the
// tree has lines the patch's base did not), as `git am` and `patch` allow.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { hunkSpan, Placement, toDoc, toPatch } from '../src/placement';

const FIXTURES = path.resolve(__dirname, '../../../protocol/test/fixtures');
const read = (f: string) => fs.readFileSync(path.join(FIXTURES, f), 'utf8');

interface Hunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  lines: { op: ' ' | '+' | '-'; text: string }[];
}

/** The hunks of a one-file unified diff. */
function hunks(diff: string): Hunk[] {
  const out: Hunk[] = [];
  for (const l of diff.split('\n')) {
    const m = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(l);
    if (m)
      out.push({
        oldStart: +m[1],
        oldLines: m[2] === undefined ? 1 : +m[2],
        newStart: +m[3],
        newLines: m[4] === undefined ? 1 : +m[4],
        lines: [],
      });
    else if (out.length && /^[ +-]/.test(l) && !/^(---|\+\+\+) /.test(l))
      out[out.length - 1].lines.push({ op: l[0] as ' ' | '+' | '-', text: l.slice(1) });
  }
  return out;
}

/** 1-based line where `seq` stands in `doc` (the first place), as patch(1) finds a hunk at an offset. */
function locate(doc: string[], seq: string[]): number {
  if (!seq.length) return 1;
  for (let i = 0; i + seq.length <= doc.length; i++) if (seq.every((s, k) => doc[i + k] === s)) return i + 1;
  throw new Error(`hunk not found: ${seq[0]}`);
}

/** Apply the hunks to `pre` where they are found; the placements and the post-image. */
function place(pre: string[], hs: Hunk[]): { placements: Placement[]; post: string[] } {
  const post = [...pre];
  let shift = 0;
  const placements: Placement[] = [];
  hs.forEach((h, index) => {
    const oldSide = h.lines.filter((l) => l.op !== '+').map((l) => l.text);
    const newSide = h.lines.filter((l) => l.op !== '-').map((l) => l.text);
    const oldAt = pre.length ? locate(pre, oldSide) : 0;
    const newAt = Math.max(oldAt, 1) + shift;
    post.splice(Math.max(oldAt, 1) - 1 + shift, oldSide.length, ...newSide);
    shift += newSide.length - oldSide.length;
    placements.push({
      index,
      oldAt,
      newAt,
      oldStart: h.oldStart,
      newStart: h.newStart,
      oldLines: h.oldLines,
      newLines: h.newLines,
    });
  });
  return { placements, post };
}

/** Each hunk line with its patch line number on each side it is on. */
function numbered(h: Hunk): { op: string; text: string; old?: number; new?: number }[] {
  let o = h.oldStart;
  let n = h.newStart;
  return h.lines.map((l) => ({ ...l, old: l.op !== '+' ? o++ : undefined, new: l.op !== '-' ? n++ : undefined }));
}

describe('diff ↔ document lines (protocol/src/placement.ts)', () => {
  const pre = read('demo.c').replace(/\n$/, '').split('\n');
  const hs = hunks(read('modify.diff'));
  const { placements, post } = place(pre, hs);

  it('reads the fixture as the patch tool would: two hunks, each six lines below its header', () => {
    assert.equal(hs.length, 2);
    assert.deepEqual(
      placements.map((p) => p.oldAt - p.oldStart),
      [6, 6],
    );
    assert.ok(post.includes('\trcu_barrier();') && !post.includes('static int demo_unused(void)'));
  });

  it('maps every hunk line to the document line holding its text, on both sides, and back', () => {
    let checked = 0;
    for (const h of hs) {
      for (const l of numbered(h)) {
        if (l.old !== undefined) {
          const d = toDoc(placements, 'old', l.old);
          assert.equal(pre[d! - 1], l.text, `old ${l.old} (${l.op}${l.text})`);
          assert.equal(toPatch(placements, 'old', d!), l.old);
          checked++;
        }
        if (l.new !== undefined) {
          const d = toDoc(placements, 'new', l.new);
          assert.equal(post[d! - 1], l.text, `new ${l.new} (${l.op}${l.text})`);
          assert.equal(toPatch(placements, 'new', d!), l.new);
          checked++;
        }
      }
    }
    assert.equal(
      checked,
      hs.reduce((n, h) => n + h.oldLines + h.newLines, 0),
    );
  });

  it('maps nothing outside the hunks', () => {
    assert.equal(toDoc(placements, 'old', 1), undefined);
    assert.equal(toDoc(placements, 'new', hs[0].newStart + hs[0].newLines), undefined);
    assert.equal(toPatch(placements, 'old', placements[0].oldAt - 1), undefined);
    assert.equal(toPatch(placements, 'new', post.length + 1), undefined);
  });

  it('gives each hunk its span of document lines (what takes comments)', () => {
    for (const [i, h] of hs.entries()) {
      const old = hunkSpan(placements[i], 'old');
      const neu = hunkSpan(placements[i], 'new');
      assert.equal(old.last - old.first + 1, h.oldLines);
      assert.equal(neu.last - neu.first + 1, h.newLines);
      assert.equal(pre[old.first - 1], h.lines.find((l) => l.op !== '+')!.text);
      assert.equal(post[neu.last - 1], h.lines.filter((l) => l.op !== '-').at(-1)!.text);
    }
  });

  it('a new file: the post-image lines map; the empty pre-image side spans the one line it sits at', () => {
    const nf = hunks(read('new-file.diff'));
    const { placements: pl, post: created } = place([], nf);
    assert.deepEqual(created, ['int a;', 'int b;', 'int c;']);
    for (const l of numbered(nf[0])) assert.equal(created[toDoc(pl, 'new', l.new!)! - 1], l.text);
    const span = hunkSpan(pl[0], 'old');
    assert.equal(span.last, span.first);
    assert.equal(toDoc(pl, 'old', 0), pl[0].oldAt);
  });
});
