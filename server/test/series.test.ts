/* eslint-disable max-lines -- issue 16: over 600 lines once prettier wrapped it; to be split */
// Patch series review: the seed thread page, the real v3 sheaves mbox (both read from ../shared by
// path, never copied), and our own hand-written series in server/fixtures/series.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import {
  applyOne,
  buildSeries,
  carryForward,
  checkSeries,
  compareBase,
  seriesBase,
  seriesTitle,
  carryReview,
  exportReply,
  importComments,
  mapFunctions,
  openSeries,
  pairPatches,
  parseMail,
  quotedLine,
  rangeDiff,
  rangeDiffText,
  readMails,
  readPublicInbox,
  readTree,
  sameSeries,
  Series,
  simulateSeries,
  splitMbox,
  splitMboxFile,
  treeFor,
  ReviewComment,
  parseTrailers,
} from '../src/series';

const ROOT = path.resolve(__dirname, '../../..');
const SEED = path.resolve(ROOT, '../shared/seed/000_8cd25ffe23bae77f.txt');
const V3 = path.resolve(ROOT, '../shared/data/sheaves-v3.mbox');
const KERNEL = path.join(ROOT, 'server/fixtures/kernel');
const FX = path.join(ROOT, 'server/fixtures/series');

function shared(file: string): { skip: string | false } {
  if (fs.existsSync(file)) return { skip: false };
  const why = `MISSING ${file}: tests on the real thread are SKIPPED`;
  process.stderr.write(`\n*** ${why} ***\n`);
  return { skip: why };
}

const who = (s: Series, id: string | undefined): string => {
  if (!id) return '-';
  const r = s.replies.find((x) => x.messageId === id);
  if (r) return `${r.from.name} ${r.date}`;
  const p = s.patches.find((x) => x.messageId === id);
  if (p) return `patch ${p.number}`;
  return s.cover?.messageId === id ? 'cover' : '?';
};

function hashDir(dir: string): string {
  const h = crypto.createHash('sha256');
  for (const f of fs.readdirSync(dir, { recursive: true }).map(String).sort()) {
    const p = path.join(dir, f);
    if (fs.statSync(p).isFile()) h.update(f).update(fs.readFileSync(p));
  }
  return h.digest('hex');
}

describe('series: the seed public-inbox thread page', { ...shared(SEED) }, () => {
  it('reads 12 messages and identifies patch 01 with its diff to mm/slab_common.c in kvfree_rcu_barrier_on_cache', async () => {
    const { mails, format } = await readMails(SEED);
    assert.equal(format, 'public-inbox');
    assert.equal(mails.length, 12);
    const s = buildSeries(mails);
    assert.equal(s.version, 2);
    assert.equal(s.rfc, true);
    assert.equal(s.total, 20);
    assert.equal(s.changeId, '20251002-sheaves-for-all-86ac13dc47a5');
    assert.match(s.cover!.subject, /^\[PATCH RFC v2 00\/20\] slab: replace cpu \(partial\) slabs with sheaves$/);
    assert.equal(s.cover!.baseCommit, 'aff9fb2fffa1175bd5ae3b4630f3d4ae53af450b');
    assert.deepEqual(
      s.patches.map((p) => p.number),
      [1],
    );
    const p1 = s.patches[0];
    assert.equal(p1.title, 'mm/slab: add rcu_barrier() to kvfree_rcu_barrier_on_cache()');
    assert.deepEqual(
      p1.files.map((f) => [f.path, f.status, f.added, f.removed, f.hunks.length]),
      [['mm/slab_common.c', 'modified', 4, 1, 1]],
    );
    const h = p1.files[0].hunks[0];
    assert.equal(h.heading, 'EXPORT_SYMBOL_GPL(kvfree_rcu_barrier);');
    assert.deepEqual([h.oldStart, h.oldLines, h.newStart, h.newLines], [2133, 8, 2133, 11]);
    assert.deepEqual(h.functions, ['kvfree_rcu_barrier_on_cache']);
    assert.deepEqual(p1.functions, ['kvfree_rcu_barrier_on_cache']);
    assert.equal(s.missing.length, 19);
    assert.equal(s.replies.length, 10);
    assert.equal(p1.replies.length, 8);
    assert.equal(s.cover!.replies.length, 2);
  });

  it('threads the replies as the thread overview shows them', async () => {
    const { mails } = await readMails(SEED);
    const s = buildSeries(mails);
    const tree = s.replies.map((r) => `${r.from.name} ${r.date} <- ${who(s, r.inReplyTo)} [answers ${r.answers}]`);
    assert.deepEqual(tree, [
      'Vlastimil Babka 2026-01-12T15:20:00.000Z <- cover [answers 0]',
      'Harry Yoo 2026-01-13T02:08:00.000Z <- patch 1 [answers 1]',
      'Vlastimil Babka 2026-01-13T09:32:00.000Z <- Harry Yoo 2026-01-13T02:08:00.000Z [answers 1]',
      'Harry Yoo 2026-01-13T12:31:00.000Z <- Vlastimil Babka 2026-01-13T09:32:00.000Z [answers 1]',
      'Vlastimil Babka 2026-01-13T13:09:00.000Z <- Harry Yoo 2026-01-13T12:31:00.000Z [answers 1]',
      'Harry Yoo 2026-01-14T04:56:00.000Z <- patch 1 [answers 1]',
      'Harry Yoo 2026-01-14T11:14:00.000Z <- Vlastimil Babka 2026-01-13T13:09:00.000Z [answers 1]',
      'Vlastimil Babka 2026-01-14T13:02:00.000Z <- Harry Yoo 2026-01-14T11:14:00.000Z [answers 1]',
      'Vlastimil Babka 2026-01-15T15:12:00.000Z <- cover [answers 0]',
      'Suren Baghdasaryan 2026-01-15T23:52:00.000Z <- Vlastimil Babka 2026-01-14T13:02:00.000Z [answers 1]',
    ]);
    assert.equal(s.replies.find((r) => r.from.name === 'Suren Baghdasaryan')!.depth, 7);
  });

  it('threads the same without the overview (the tree lines above each message)', () => {
    const text = fs.readFileSync(SEED, 'utf8');
    const cut = text.slice(0, text.indexOf('Thread overview:'));
    const a = buildSeries(readPublicInbox(text).mails);
    const b = buildSeries(readPublicInbox(cut).mails);
    assert.deepEqual(
      b.replies.map((r) => [r.from.name, r.date, who(b, r.inReplyTo)]),
      a.replies.map((r) => [r.from.name, r.date, who(a, r.inReplyTo)]),
    );
  });

  it('falls back to "Re:" subjects and the attribution line without any tree lines', () => {
    const text = fs.readFileSync(SEED, 'utf8');
    // drop the overview and every tree line (dates with backticks or "@ ")
    const bare = text
      .slice(0, text.indexOf('Thread overview:'))
      .split('\n')
      .filter((l) => !/^[ @] +\d{4}-\d\d-\d\d /.test(l) && !/^ +` \(/.test(l))
      .join('\n');
    const s = buildSeries(readPublicInbox(bare).mails);
    assert.equal(s.replies.length, 10);
    // every reply still reaches the message it answers: patch 01's discussion stays on patch 01
    assert.deepEqual(
      s.replies.map((r) => r.answers),
      [0, 1, 1, 1, 1, 1, 1, 1, 0, 1],
    );
    assert.equal(
      who(s, s.replies.find((r) => r.from.name === 'Harry Yoo' && r.date!.startsWith('2026-01-13T02'))!.inReplyTo),
      'patch 1',
    );
  });

  it('collects the trailers of patch 01, those given in replies included', async () => {
    const s = buildSeries((await readMails(SEED)).mails);
    const p1 = s.patches[0];
    const fromReplies = p1.trailers
      .filter((t) => t.messageId !== p1.messageId)
      .map((t) => `${t.kind}: ${t.value} (${t.givenBy})`);
    assert.deepEqual(fromReplies, [
      'Reviewed-by: Harry Yoo <harry.yoo@oracle.com> (Harry Yoo)',
      'Tested-by: Harry Yoo <harry.yoo@oracle.com> (Harry Yoo)',
      'Reviewed-by: Suren Baghdasaryan <surenb@google.com> (Suren Baghdasaryan)',
    ]);
    const own = p1.ownTrailers;
    assert.deepEqual(
      own.map((t) => t.kind),
      ['Reported-by', 'Closes', 'Fixes', 'Cc', 'Signed-off-by'],
    );
    assert.deepEqual(own.find((t) => t.kind === 'Fixes')!.fixes, {
      sha: '0f35040de593',
      subject: 'mm/slab: introduce kvfree_rcu_barrier_on_cache() for cache destruction',
    });
    assert.equal(own.find((t) => t.kind === 'Cc')!.stable, true);
    // quoted trailers ("> Signed-off-by:") in replies are not given again
    assert.equal(p1.trailers.filter((t) => t.kind === 'Signed-off-by').length, 1);
  });

  it("maps Harry Yoo's quoted hunk onto patch 01's lines, and his words under what they answer", async () => {
    const s = buildSeries((await readMails(SEED)).mails);
    const harry = s.replies.find((r) => r.from.name === 'Harry Yoo' && r.date === '2026-01-13T02:08:00.000Z')!;
    const mapped = harry.quotes.filter((q) => q.file);
    assert.equal(mapped.length, 12); // the whole hunk: 3 context, 1 removed, 4 added, 4 context
    assert.ok(mapped.every((q) => q.file === 'mm/slab_common.c'));
    const at = (t: string) => mapped.find((q) => q.text.startsWith(t))!;
    assert.deepEqual([at('+\t\trcu_barrier();').newLine, at('+\t\trcu_barrier();').oldLine], [2138, undefined]);
    assert.deepEqual([at('-\tif (s->cpu_sheaves)').oldLine, at('-\tif (s->cpu_sheaves)').newLine], [2136, undefined]);
    assert.deepEqual(
      [at(' void kvfree_rcu_barrier_on_cache').oldLine, at(' void kvfree_rcu_barrier_on_cache').newLine],
      [2134, 2134],
    );
    // his comments are on the commit message, not on diff lines
    assert.deepEqual(
      harry.comments.map((c) => [c.text.split('\n')[0], c.file ?? null]),
      [
        ['Oops, my bad.', null],
        ['The fix looks good to me, but I wonder why', null],
      ],
    );
    // the same diff quoted four levels deep in Vlastimil's 13:09 reply maps too
    const deep = s.replies.find((r) => r.date === '2026-01-13T13:09:00.000Z')!;
    const dq = deep.quotes.filter((q) => q.file);
    assert.equal(dq.length, 12);
    assert.ok(dq.every((q) => q.depth === 4));
  });

  it('exports a reply to patch 01 straight from the model, saying what a page cannot give', async () => {
    const s = buildSeries((await readMails(SEED)).mails);
    const p1 = s.patches[0];
    const out = await exportReply(
      p1,
      [{ file: 'mm/slab_common.c', line: 2138, side: 'new', text: 'Does this need the cpu_sheaves check?' }],
      { from: 'Me <me@example.org>', trailers: ['Reviewed-by: Me <me@example.org>'] },
    );
    assert.doesNotMatch(out.text, /^(In-Reply-To|References):/m);
    assert.ok(out.problems.some((p) => /no Message-Id/.test(p)));
    assert.ok(out.problems.some((p) => /recipient "Harry Yoo" has no address/.test(p)));
    // the mail as a mailer reads it (headers folded, lines over 76 quoted-printable)
    const back = await parseMail({ index: 0, offset: 0, bytes: Buffer.from(out.text), source: 'export' });
    assert.equal(back.subject, 'Re: [PATCH RFC v2 01/20] mm/slab: add rcu_barrier() to kvfree_rcu_barrier_on_cache()');
    const body = back.body;
    assert.deepEqual(
      importComments(body, p1.files).comments.map((c) => [c.file, c.line, c.side, c.text]),
      [['mm/slab_common.c', 2138, 'new', 'Does this need the cpu_sheaves check?']],
    );
    assert.match(body, /\n\nReviewed-by: Me <me@example.org>\n$/);
  });

  it('simulates before/after patch 01 on the fixture kernel: KASAN destroy goes from fail to pass; the tree is not written', async () => {
    const before = hashDir(KERNEL);
    const s = await openSeries(SEED, { kernelDir: KERNEL });
    assert.equal(s.patches[0].files[0].hunks[0].functionsFrom, 'tree-sitter');
    assert.deepEqual(s.patches[0].functions, ['kvfree_rcu_barrier_on_cache']);
    const sim = simulateSeries(s, treeFor(KERNEL, s));
    assert.equal(sim.length, 1);
    assert.deepEqual(sim[0].touches, ['kvfree_rcu_barrier_on_cache']);
    assert.deepEqual(sim[0].before, { kasan: 'fail', nokasan: 'pass' });
    assert.deepEqual(sim[0].after, { kasan: 'pass', nokasan: 'pass' });
    // the real hunk's TODO comment lines differ from our fixture's: applied with fuzz, and said so
    assert.deepEqual(sim[0].files, [{ path: 'mm/slab_common.c', status: 'applied with fuzz 2' }]);
    assert.equal(hashDir(KERNEL), before);
  });
});

describe('series: the real v3 sheaves mbox', { ...shared(V3) }, () => {
  it('finds every patch in order, the cover letter and the reply, version 3 of 21', async () => {
    const raw = fs.readFileSync(V3, 'latin1');
    // counted independently on the raw text: the subject lines and the "From " separators
    const subjects = [...raw.matchAll(/^Subject: (Re: )?\[PATCH v3 (\d+)\/21\]/gm)];
    assert.equal(subjects.length, 15);
    assert.equal(raw.match(/^From mboxrd@z /gm)!.length, 15);
    const numbers = subjects
      .filter((m) => !m[1])
      .map((m) => Number(m[2]))
      .sort((a, b) => a - b);

    const s = await openSeries(V3);
    assert.equal(s.format, 'mbox');
    assert.equal(s.messages, 15);
    assert.equal(s.version, 3);
    assert.equal(s.rfc, false);
    assert.equal(s.total, 21);
    assert.equal(s.changeId, '20251002-sheaves-for-all-86ac13dc47a5');
    assert.equal(s.cover!.subject, '[PATCH v3 00/21] slab: replace cpu (partial) slabs with sheaves');
    assert.equal(s.cover!.baseCommit, 'aa2ab7f1e8dc9d27b9130054e48b0c6accddfcba');
    assert.deepEqual([0, ...s.patches.map((p) => p.number)], numbers);
    assert.deepEqual(
      s.patches.map((p) => p.number),
      [1, 2, 3, 4, 5, 7, 8, 9, 10, 13, 15, 16, 19],
    );
    assert.deepEqual(s.missing, [6, 11, 12, 14, 17, 18, 20, 21]);
    // folded subjects are unfolded
    assert.equal(s.patches[0].subject, '[PATCH v3 01/21] mm/slab: add rcu_barrier() to kvfree_rcu_barrier_on_cache()');
    // Hao Li's reply answers patch 06, which this mbox lacks: kept, reported
    assert.equal(s.replies.length, 1);
    assert.equal(s.replies[0].from.address, 'hao.li@linux.dev');
    assert.equal(s.replies[0].answers, 6);
    assert.ok(s.problems.some((p) => /answers patch 6\/21, which is not in the input/.test(p.text)));
  });

  it('parses files, hunks and functions per patch', async () => {
    const s = await openSeries(V3);
    const p = (n: number) => s.patches.find((x) => x.number === n)!;
    assert.deepEqual(
      p(13).files.map((f) => [f.path, f.hunks.length]),
      [
        ['mm/internal.h', 1],
        ['mm/page_alloc.c', 1],
        ['mm/slab.h', 1],
        ['mm/slub.c', 11],
      ],
    );
    assert.deepEqual(
      p(4).files.map((f) => f.hunks.map((h) => h.functions)),
      [[['slab_unmergeable'], ['find_mergeable'], ['__kmem_cache_create_args']]],
    );
    assert.deepEqual(p(1).functions, ['kvfree_rcu_barrier_on_cache']);
    assert.deepEqual(p(19).functions, ['__slab_free']);
    assert.deepEqual(
      p(5).files.map((f) => [f.path, f.added, f.removed]),
      [
        ['include/linux/slab.h', 0, 6],
        ['mm/slub.c', 47, 4],
      ],
    );
    // v3 carries the trailers v2 collected
    assert.deepEqual(
      p(1)
        .trailers.filter((t) => t.kind === 'Reviewed-by' || t.kind === 'Tested-by')
        .map((t) => `${t.kind} ${t.name}`),
      ['Reviewed-by Harry Yoo', 'Tested-by Harry Yoo', 'Reviewed-by Suren Baghdasaryan'],
    );
    assert.deepEqual(s.patches.map((x) => x.problems).flat(), []);
  });

  it('a reply on one hunk of a three-hunk patch quotes that hunk only', async () => {
    const s = await openSeries(V3);
    const p4 = s.patches.find((p) => p.number === 4)!;
    const h = p4.files[0].hunks[1];
    const removed = h.lines.find((l) => l.op === '-')!;
    const out = await exportReply(
      p4,
      [{ file: 'mm/slab_common.c', line: removed.oldLine!, side: 'old', text: 'Why drop this check?' }],
      { from: 'Me <me@example.org>' },
    );
    const mail = await parseMail({ index: 0, offset: 0, bytes: Buffer.from(out.text), source: 'export' });
    assert.deepEqual(mail.body.match(/^> @@ .*$/gm), [
      `> @@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@ ${h.heading}`,
    ]);
    assert.match(out.text, /^In-Reply-To: <20260116-sheaves-for-all-v3-4-5595cb000772@suse.cz>$/m);
    assert.match(
      out.text,
      /^References: <20260116-sheaves-for-all-v3-0-5595cb000772@suse.cz>\n <20260116-sheaves-for-all-v3-4-5595cb000772@suse.cz>$/m,
    );
    assert.match(out.text, /^To: Vlastimil Babka <vbabka@suse.cz>$/m);
    assert.equal(mail.cc[0].address, 'harry.yoo@oracle.com');
    const back = importComments(mail.body, p4.files);
    assert.deepEqual(
      back.comments.map((c) => [c.line, c.side, c.text]),
      [[removed.oldLine, 'old', 'Why drop this check?']],
    );
  });

  it('streams: tiny chunks give the same messages, with progress up to the file size', async () => {
    const size = fs.statSync(V3).size;
    const seen: number[] = [];
    const raws = [];
    for await (const r of splitMboxFile(V3, { chunkSize: 997, onProgress: (d) => seen.push(d) })) raws.push(r);
    assert.equal(raws.length, 15);
    assert.equal(seen[seen.length - 1], size);
    assert.ok(seen.every((d, k) => k === 0 || d > seen[k - 1]));
    // the bytes of all messages plus their "From " lines are the file
    assert.equal(
      raws.reduce((n, r) => n + r.bytes.length, 0) + 15 * 'From mboxrd@z Thu Jan  1 00:00:00 1970\n'.length,
      size,
    );
  });
});

describe('series: our own fixture series (folder of .eml, mboxrd)', () => {
  it('reads a folder of .eml: quoted-printable and base64 bodies, an iso-8859-1 reply', async () => {
    const s = await openSeries(path.join(FX, 'v1'));
    assert.equal(s.format, 'eml-folder');
    assert.equal(s.messages, 5);
    assert.deepEqual(s.problems, []);
    assert.equal(s.changeId, '20260301-barn-cleanup-0123456789ab');
    assert.deepEqual(
      s.patches.map((p) => [p.number, p.files[0].hunks.length, p.functions]),
      [
        [1, 1, ['__kmem_cache_shutdown']],
        // the section heading names free_partial(); the definition inside the hunk wins
        [2, 1, ['barn_shrink']],
      ],
    );
    assert.equal(s.patches[1].files[0].hunks[0].heading, 'static void free_partial(struct kmem_cac');
    const joerg = s.replies.find((r) => r.from.address === 'joerg@example.org')!;
    assert.equal(joerg.from.name, 'Jörg Rüdiger');
    assert.match(joerg.body, /Grüße aus München\./);
    assert.equal(joerg.answers, 2);
    assert.deepEqual(
      joerg.comments.map((c) => [c.file, c.line, c.side, c.text]),
      [
        ['mm/slub.c', 303, 'new', 'Irqs are already off on this path, spin_lock_irq() is enough.\nGrüße aus München.'],
        ['mm/slub.c', 306, 'new', 'Same here.'],
      ],
    );
    // Acked-by on patch 2 only; Reviewed-by given on the cover letter applies to both
    const art = (n: number) =>
      s.patches[n - 1].trailers
        .filter((t) => t.kind !== 'Signed-off-by' && t.kind !== 'Fixes' && t.kind !== 'Cc')
        .map((t) => `${t.kind} ${t.name}`);
    assert.deepEqual(art(1), ['Reviewed-by Rev Iewer']);
    assert.deepEqual(art(2), ['Acked-by Jörg Rüdiger', 'Reviewed-by Rev Iewer']);
  });

  it('maps hunks on the kernel tree with tree-sitter and applies / simulates the patches in order', async () => {
    const s = await openSeries(path.join(FX, 'v1'), { kernelDir: KERNEL });
    assert.deepEqual(
      s.patches.map((p) => [p.functions, p.files[0].hunks[0].functionsFrom]),
      [
        [['__kmem_cache_shutdown'], 'tree-sitter'],
        [['barn_shrink'], 'tree-sitter'],
      ],
    );
    const sim = simulateSeries(s, treeFor(KERNEL, s));
    assert.deepEqual(
      sim.map((x) => [x.patch, x.applied, x.touches]),
      [
        [1, true, ['__kmem_cache_shutdown']],
        [2, true, []],
      ],
    );
    // the fixture lacks patch 01: KASAN fails before (F1), without KASAN it passes (F3)
    assert.deepEqual(sim[0].before, { kasan: 'fail', nokasan: 'pass' });
    assert.equal(sim[1].skipped, 'touches no modelled function');
  });

  it('unescapes mboxrd ">From " lines', async () => {
    const s = await openSeries(path.join(FX, 'v2.mbox'));
    assert.equal(s.version, 2);
    assert.match(s.patches[0].commitMessage, /\nFrom now on the barn is empty/);
    assert.doesNotMatch(s.patches[0].commitMessage, />From/);
  });

  it('compares v1 and v2: same series, patches paired, comments carried or marked addressed', async () => {
    const v1 = await openSeries(path.join(FX, 'v1'));
    const v2 = await openSeries(path.join(FX, 'v2.mbox'));
    assert.ok(sameSeries(v1, v2));
    assert.ok(sameSeries({ ...v1, changeId: undefined }, { ...v2, changeId: undefined }), 'by title without change-id');
    assert.ok(
      !sameSeries(
        { ...v1, changeId: undefined, cover: { ...v1.cover!, title: 'something else' } },
        { ...v2, changeId: undefined },
      ),
    );
    assert.deepEqual(pairPatches(v1, v2), {
      pairs: [
        { old: 1, new: 1, title: v2.patches[0].title },
        { old: 2, new: 2, title: v2.patches[1].title },
      ],
      dropped: [],
      added: [],
    });
    const c1: ReviewComment = {
      file: 'mm/slub.c',
      line: 313,
      side: 'old',
      text: 'Is the barrier really not needed without KASAN?',
    };
    const [k1] = carryForward([c1], v1.patches[0], v2.patches[0]);
    assert.deepEqual([k1.addressed, k1.line], [false, 313]);
    const c2: ReviewComment[] = [
      { file: 'mm/slub.c', line: 303, side: 'new', text: 'spin_lock_irq() is enough' },
      { file: 'mm/slub.c', line: 304, side: 'new', text: 'counters reset here' },
    ];
    const k2 = carryForward(c2, v1.patches[1], v2.patches[1]);
    assert.deepEqual(
      k2.map((k) => [k.addressed, k.line]),
      [
        [true, 303],
        [false, 302],
      ],
    );
  });

  it('range-diff v1 → v2: an unchanged patch reads unchanged, the changed one counts its lines', async () => {
    const v1 = await openSeries(path.join(FX, 'v1'));
    const v2 = await openSeries(path.join(FX, 'v2.mbox'));
    assert.notEqual(v1.key, v2.key, 'each revision has its own key');
    assert.equal(v1.base, v2.base);
    const r = rangeDiff(v1, v2);
    assert.deepEqual(r.older, { key: v1.key, version: 1 });
    assert.deepEqual(
      r.pairs.map((x) => [x.old, x.new, x.changed]),
      [
        [1, 1, false],
        [2, 2, true],
      ],
    );
    assert.ok(r.pairs[1].added > 0 && r.pairs[1].removed > 0);
    assert.deepEqual([r.dropped, r.added, r.olderMissing], [[], [], []]);
    // line numbers alone do not make a change: the same patch with its hunks moved
    const moved = {
      ...v1.patches[0],
      files: v1.patches[0].files.map((f) => ({
        ...f,
        hunks: f.hunks.map((h) => ({ ...h, oldStart: h.oldStart + 40, newStart: h.newStart + 40 })),
      })),
    };
    assert.equal(rangeDiffText(moved), rangeDiffText(v1.patches[0]));
    assert.match(rangeDiffText(v2.patches[1]), /^mm\/slub: take the barn lock in barn_shrink\(\)\n/);
  });

  it('a review file alone carries its comments to the next revision (quote and title kept in it)', async () => {
    const v1 = await openSeries(path.join(FX, 'v1'));
    const v2 = await openSeries(path.join(FX, 'v2.mbox'));
    const on = (line: number, text: string): ReviewComment => {
      const c: ReviewComment = { file: 'mm/slub.c', line, side: 'new', text };
      return { ...c, quote: quotedLine(v1.patches[1].files, c) };
    };
    const earlier = {
      patches: {
        2: {
          title: v1.patches[1].title,
          viewed: true,
          trailers: [],
          comments: [on(303, 'spin_lock_irq() is enough'), on(304, 'counters reset here')],
        },
        7: { title: 'a patch v2 dropped', viewed: false, trailers: [], comments: [on(1, 'x')] },
      },
    };
    const carried = carryReview(earlier.patches, 1, v2);
    assert.deepEqual(
      carried.map((x) => [x.from.patch, x.to]),
      [
        [2, 2],
        [7, undefined],
      ],
    );
    assert.deepEqual(
      carried[0].comments.map((k) => [k.addressed, k.line]),
      [
        [true, 303],
        [false, 302],
      ],
      'the same as with the v1 series at hand',
    );
    assert.match(carried[1].comments[0].why, /not in this revision/);
  });
});

describe('series: reply export and import (b4 review style)', () => {
  it('exports a reply that mailparser reads back, and import gives exactly the comments', async () => {
    const s = await openSeries(path.join(FX, 'v1'));
    const p2 = s.patches[1];
    const mail = (await readMails(path.join(FX, 'v1'))).mails.find((m) => m.messageId === p2.messageId)!;
    const comments: ReviewComment[] = [
      { file: 'mm/slub.c', line: 303, side: 'new', text: 'Irqs are off here: spin_lock_irq().' },
      { file: 'mm/slub.c', line: 306, side: 'new', text: 'Same for the unlock.\n\nAnd a second paragraph.' },
    ];
    const out = await exportReply({ ...mail, files: p2.files }, comments, {
      from: 'Jörg Rüdiger <joerg@example.org>',
      trailers: ['Acked-by: Jörg Rüdiger <joerg@example.org>'],
      date: new Date('2026-03-02T08:00:00Z'),
      messageId: 'x1@slablens',
    });
    assert.deepEqual(out.problems, []);
    const back = await parseMail({ index: 0, offset: 0, bytes: Buffer.from(out.text, 'utf8'), source: 'export' });
    assert.deepEqual(back.problems, []);
    assert.equal(back.subject, 'Re: [PATCH v1 2/2] mm/slub: take the barn lock in barn_shrink()');
    assert.equal(back.from.name, 'Jörg Rüdiger');
    assert.equal(back.messageId, 'x1@slablens');
    assert.equal(back.inReplyTo, p2.messageId);
    assert.deepEqual(back.references, [s.cover!.messageId, p2.messageId]);
    assert.deepEqual(
      back.to.map((a) => a.address),
      ['pat@example.org'],
    );
    assert.deepEqual(
      back.cc.map((a) => a.address),
      ['slab-maint@example.org', 'linux-mm@kvack.org', 'another@example.org'],
    );
    assert.match(
      back.body,
      /^On Sun, 01 Mar 2026 09:00:02 \+0000, Pat Slabwriter <pat@example.org> wrote:\n> diff --git a\/mm\/slub.c b\/mm\/slub.c\n/,
    );
    const imported = importComments(back.body, p2.files);
    assert.deepEqual(
      imported.comments.map(({ file, line, side, text }) => ({ file, line, side, text })),
      comments,
    );
    // the quoted diff lines are exactly those exported, and the commented ones are among them
    const q = imported.quotes
      .filter((x) => x.file)
      .map((x) => ({ file: x.file, op: x.op, oldLine: x.oldLine, newLine: x.newLine }));
    assert.deepEqual(q, out.quoted);
    assert.deepEqual(
      parseTrailers(back.body).map((t) => t.value),
      ['Jörg Rüdiger <joerg@example.org>'],
    );
  });

  it('quotes only commented hunks, at most 5 lines of context, no double "Re:"', async () => {
    const s = await openSeries(path.join(FX, 'v1'));
    const p1 = s.patches[0];
    // a 10-line hunk; comment its 8th line
    const h = p1.files[0].hunks[0];
    const target = h.lines.findIndex((l) => l.text.startsWith('\tfor_each_kmem_cache_node'));
    assert.equal(target, 7);
    const c: ReviewComment = { file: 'mm/slub.c', line: h.lines[target].newLine!, side: 'new', text: 'ok' };
    const out = await exportReply(
      { messageId: p1.messageId, subject: 'Re: ' + p1.subject, from: p1.from, files: p1.files },
      [c],
      { from: 'Me <me@example.org>' },
    );
    const lines = out.text.split('\n');
    const at = lines.findIndex((l) => l.startsWith('> @@'));
    const quotedDiff = lines.slice(at + 1, lines.indexOf('', at));
    assert.equal(quotedDiff.length, 6); // 5 of context + the commented line
    assert.equal(quotedDiff[5], '>  \tfor_each_kmem_cache_node(s, node, n) {'); // "> " + the context line " \tfor_each…"
    assert.match(out.text, /^Subject: Re: \[PATCH v1 1\/2\]/m);
    assert.doesNotMatch(out.text, /Re: Re:/);
    assert.match(
      out.text.split('\n\n').slice(1).join('\n\n'),
      /\n>  \tfor_each_kmem_cache_node\(s, node, n\) \{\n\nok\n?$/,
    );
    // a comment on a line the patch does not have is reported, not exported
    const bad = await exportReply(
      { messageId: p1.messageId, subject: p1.subject, from: p1.from, files: p1.files },
      [{ ...c, line: 9999 }],
      { from: 'Me <me@example.org>' },
    );
    assert.match(bad.problems[0], /mm\/slub.c:9999 \(new\) matches no line of the patch/);
    assert.doesNotMatch(bad.text, /^> @@/m);
  });

  it('a comment on a removed line goes on the old side and round-trips', async () => {
    const s = await openSeries(path.join(FX, 'v1'));
    const p1 = s.patches[0];
    const c: ReviewComment = { file: 'mm/slub.c', line: 313, side: 'old', text: 'This one mattered before patch 01.' };
    const out = await exportReply(
      { messageId: p1.messageId, subject: p1.subject, from: p1.from, files: p1.files },
      [c],
      { from: 'Me <me@example.org>' },
    );
    assert.match(out.text, /^> -\tif \(s->sheaf_capacity\)\n\nThis one mattered/m);
    assert.deepEqual(
      importComments(out.text.slice(out.text.indexOf('\n\n') + 2), p1.files).comments.map(
        ({ file, line, side, text }) => ({ file, line, side, text }),
      ),
      [c],
    );
  });
});

describe('series: bad input', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'slablens-series-'));
  const v2 = fs.readFileSync(path.join(FX, 'v2.mbox'));

  it('a truncated mbox: the complete messages are kept, the cut one reported', async () => {
    const third = v2.indexOf('From mboxrd@z', v2.indexOf('From mboxrd@z', 1) + 1);
    const f = path.join(tmp, 'truncated.mbox');
    fs.writeFileSync(f, v2.subarray(0, third + 120)); // inside the third message's headers
    const s = await openSeries(f);
    assert.equal(s.messages, 3);
    assert.deepEqual(
      s.patches.map((p) => p.number),
      [1],
    );
    assert.ok(s.cover);
    assert.ok(
      s.problems.some((p) => p.message === 2 && /truncated/.test(p.text)),
      JSON.stringify(s.problems),
    );
  });

  it('broken MIME, bad base64, a bogus charset, a binary attachment: reported, the rest read', async () => {
    const mk = (h: string, body: string | Buffer) =>
      Buffer.concat([
        Buffer.from(
          `From x Thu Jan  1 00:00:00 1970\nFrom: A <a@example.org>\nMessage-Id: <${crypto.randomUUID()}@x>\n${h}\n\n`,
        ),
        Buffer.isBuffer(body) ? body : Buffer.from(body, 'latin1'),
        Buffer.from('\n'),
      ]);
    const patch = fs
      .readFileSync(path.join(FX, 'v2.mbox'), 'utf8')
      .split('From mboxrd@z Thu Jan  1 00:00:00 1970\n')[3]; // patch 2/2
    const diff = patch.slice(patch.indexOf('diff --git'));
    const f = path.join(tmp, 'bad.mbox');
    fs.writeFileSync(
      f,
      Buffer.concat([
        mk(
          'Subject: [PATCH 1/4] broken multipart\nContent-Type: multipart/mixed; boundary=QQ',
          `--QQ\nContent-Type: text/plain\n\nstill readable\n${diff}`,
        ),
        mk(
          'Subject: [PATCH 2/4] bad base64\nContent-Type: text/plain\nContent-Transfer-Encoding: base64',
          '!!!!not*base64%%%%\n',
        ),
        mk(
          'Subject: [PATCH 3/4] bogus charset\nContent-Type: text/plain; charset=x-no-such-charset',
          'caf\xe9 \xff\n' + diff,
        ),
        mk(
          'Subject: [PATCH 4/4] binary attachment\nContent-Type: multipart/mixed; boundary=ZZ',
          `--ZZ\nContent-Type: text/plain\n\n${diff}\n--ZZ\nContent-Type: application/octet-stream\nContent-Disposition: attachment; filename=vmcore.bin\nContent-Transfer-Encoding: base64\n\nAAECAwT/AAECAwT/\n--ZZ--\n`,
        ),
      ]),
    );
    const s = await openSeries(f);
    assert.equal(s.messages, 4);
    assert.deepEqual(
      s.patches.map((p) => p.number),
      [1, 2, 3, 4],
    );
    assert.equal(s.patches[0].files[0]?.path, 'mm/slub.c', 'the unterminated multipart still gives its text');
    assert.deepEqual(s.patches[1].problems, ['no diff in this patch mail']);
    assert.ok(s.problems.some((p) => /unknown charset "x-no-such-charset"/.test(p.text)));
    assert.equal(s.patches[2].files.length, 1);
    assert.ok(
      s.problems.some((p) =>
        /attachment vmcore.bin \(application\/octet-stream, 12 bytes\) is not text: ignored/.test(p.text),
      ),
      JSON.stringify(s.problems),
    );
    assert.deepEqual(s.patches[3].functions, ['barn_shrink']);
  });

  it('iso-8859-1 headers and body decode (RFC 2047 and 8-bit)', async () => {
    const raw = Buffer.from(
      'From: =?iso-8859-1?q?J=F6rg?= <j@example.org>\nSubject: =?ISO-8859-1?Q?Re:_[PATCH]_f=FCr?=\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\nGr=FC=DFe\n',
      'latin1',
    );
    const m = await parseMail({ index: 0, offset: 0, bytes: raw, source: 't' });
    assert.deepEqual([m.from.name, m.subject, m.body.trim(), m.problems], ['Jörg', 'Re: [PATCH] für', 'Grüße', []]);
  });

  it('a patch that does not apply: the failing hunk with context, nothing applied half-way', async () => {
    const s = await openSeries(path.join(FX, 'v1'));
    const tree = readTree(KERNEL, ['mm/slub.c', 'mm/slab_common.c']);
    // patch 2 touches barn_shrink(): change that function so the hunk cannot fit
    const broken = new Map(tree);
    broken.set(
      'mm/slub.c',
      tree.get('mm/slub.c')!.replace('\tbarn->nr_full = 0;\n\tbarn->nr_empty = 0;\n', '\tbarn_reset(barn);\n'),
    );
    // a patch touching two files, the second failing: the first must not be applied either
    const two = {
      number: 2,
      files: [...s.patches[0].files.map((f) => ({ ...f, path: 'mm/slub.c' })), ...s.patches[1].files],
    };
    const r = applyOne(broken, two);
    assert.equal(r.result.applied, false);
    assert.equal(r.tree, broken);
    assert.equal(r.tree.get('mm/slub.c'), broken.get('mm/slub.c'));
    const f = r.result.failure!;
    assert.equal(f.file, 'mm/slub.c');
    assert.equal(f.hunk, 0);
    assert.match(f.header, /^@@ -298,8 \+298,12 @@ static void free_partial/);
    assert.ok(f.expected.some((l) => l.text === '\tbarn->nr_full = 0;'));
    assert.ok(
      f.found.some((l) => l.text === '\tbarn_reset(barn);'),
      JSON.stringify(f.found),
    );
    assert.match(f.reason, /context does not match/);
    // the series stops there; simulate reports it and what follows
    const sim = simulateSeries(s, broken);
    assert.deepEqual(
      sim.map((x) => [x.patch, x.applied, x.skipped]),
      [
        [1, true, undefined],
        [2, false, 'does not apply'],
      ],
    );
  });

  it('a 50 MB mbox is streamed with progress, and a cancel stops it', async () => {
    const f = path.join(tmp, 'big.mbox');
    const one = fs.readFileSync(path.join(FX, 'v2.mbox'));
    const fd = fs.openSync(f, 'w');
    let size = 0;
    while (size < 50e6) {
      fs.writeSync(fd, one);
      size += one.length;
    }
    fs.closeSync(fd);
    const progress: number[] = [];
    let n = 0;
    let maxMsg = 0;
    for await (const r of splitMboxFile(f, { chunkSize: 1 << 20, onProgress: (d) => progress.push(d) })) {
      n++;
      maxMsg = Math.max(maxMsg, r.bytes.length);
    }
    assert.equal(n, (size / one.length) * 3);
    assert.ok(maxMsg < one.length, 'messages stay small: the file is never one buffer');
    assert.equal(progress[progress.length - 1], size);
    assert.ok(progress.length >= 48);
    const ac = new AbortController();
    await assert.rejects(async () => {
      for await (const _ of splitMboxFile(f, { signal: ac.signal, onProgress: () => ac.abort() })) void _;
    }, /cancelled/);
    await assert.rejects(openSeries(f, { signal: AbortSignal.abort() }), /cancelled/);
    fs.rmSync(f);
  });

  it('splits without "From " lines as one message, and on a "From " line with no blank line before it', async () => {
    const one = [];
    for await (const r of splitMbox([Buffer.from('From: a@b\nSubject: x\n\nbody\n')])) one.push(r);
    assert.equal(one.length, 1);
    const two = [];
    for await (const r of splitMbox([
      Buffer.from(
        'From a Mon Jan  1 00:00:00 2001\nSubject: 1\n\nfooter without blank\nFrom b Mon Jan  1 00:00:00 2001\nSubject: 2\n\nFrom the start, this is body.\n',
      ),
    ]))
      two.push(r);
    assert.deepEqual(
      two.map((r) => r.bytes.toString()),
      ['Subject: 1\n\nfooter without blank\n', 'Subject: 2\n\nFrom the start, this is body.\n'],
    );
  });
});

describe('series: mapFunctions without the file keeps the hunk-text functions', () => {
  it('files not in the tree keep the hunk-header mapping', async () => {
    const s = await openSeries(path.join(FX, 'v1'));
    mapFunctions(s, new Map());
    assert.deepEqual(
      s.patches.map((p) => p.files[0].hunks[0].functionsFrom),
      ['hunk', 'hunk'],
    );
    assert.deepEqual(s.patches[1].functions, ['barn_shrink']);
  });
});

describe('series: subjects, trailers, function names from hunk text', () => {
  it('reads the [PATCH …] prefix in its usual orders', async () => {
    const { parseSubject } = await import('../src/series');
    const f = (s: string) => {
      const x = parseSubject(s);
      return [x.isPatch, x.rfc, x.version, x.number ?? null, x.total ?? null, x.reply, x.title];
    };
    assert.deepEqual(f('[PATCH RFC v2 01/20] mm/slab: add rcu_barrier()'), [
      true,
      true,
      2,
      1,
      20,
      false,
      'mm/slab: add rcu_barrier()',
    ]);
    assert.deepEqual(f('[RFC PATCH v3 0/7] slab: x'), [true, true, 3, 0, 7, false, 'slab: x']);
    assert.deepEqual(f('Re: [PATCH mm-unstable v4 3/5] slub: y'), [true, false, 4, 3, 5, true, 'slub: y']);
    assert.deepEqual(f('[PATCH] mm/slub: z'), [true, false, 1, 1, 1, false, 'mm/slub: z']);
    assert.deepEqual(f('RE: Re: [PATCH v2 2/2][resend] w'), [true, false, 2, 2, 2, true, 'w']);
    assert.deepEqual(f('slab: no brackets at all'), [false, false, 1, null, null, false, 'slab: no brackets at all']);
  });

  it('takes trailers only from unquoted text, a patch only above "---"', () => {
    const body = [
      'Commit text mentioning Fixes: the bug in prose.',
      'Fixes: 0f35040de593 ("mm/slab: introduce kvfree_rcu_barrier_on_cache() for cache destruction")',
      'Cc: <stable@vger.kernel.org> # 6.18',
      'Reviewed-by: no address',
      'Acked-by: "Liam R. Howlett" <Liam.Howlett@oracle.com>',
      '> Reviewed-by: Quoted Person <q@example.org>',
      'Signed-off-by: A <a@example.org>',
      '---',
      'Tested-by: Below Cut <b@example.org>',
    ].join('\n');
    const ts = parseTrailers(body, { patch: true });
    assert.deepEqual(
      ts.map((t) => t.kind),
      ['Fixes', 'Cc', 'Acked-by', 'Signed-off-by'],
    );
    assert.equal(ts[1].stable, true);
    assert.deepEqual([ts[2].name, ts[2].address], ['Liam R. Howlett', 'Liam.Howlett@oracle.com']);
    assert.equal(parseTrailers(body).length, 5, 'a reply: below "---" counts too');
  });

  it('names the function of a definition line, skipping annotations', async () => {
    const { definedFunction } = await import('../src/series');
    assert.equal(
      definedFunction('static __printf(2, 3) void slab_err(struct kmem_cache *s, const char *fmt, ...)'),
      'slab_err',
    );
    assert.equal(
      definedFunction('void kvfree_rcu_barrier_on_cache(struct kmem_cache *s)'),
      'kvfree_rcu_barrier_on_cache',
    );
    assert.equal(
      definedFunction('static struct kmem_cache *find_mergeable(unsigned int size, slab_flags_t flags,'),
      'find_mergeable',
    );
    assert.equal(definedFunction('EXPORT_SYMBOL_GPL(kvfree_rcu_barrier);'), undefined);
    assert.equal(definedFunction('\tif (s->cpu_sheaves)'), undefined);
    assert.equal(definedFunction('static DEFINE_PER_CPU(struct kfree_rcu_cpu, krc);'), undefined);
    assert.equal(definedFunction('struct kmem_cache *kmem_cache;'), undefined);
  });

  it('a text attachment with the diff (git format-patch --attach) is read as the body', async () => {
    const raw = Buffer.from(
      'From: A <a@example.org>\nSubject: [PATCH] x\nContent-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/plain\n\nSee attached.\n--B\nContent-Type: text/plain; name=0001-x.patch\nContent-Disposition: attachment; filename=0001-x.patch\n\ndiff --git a/mm/slub.c b/mm/slub.c\n--- a/mm/slub.c\n+++ b/mm/slub.c\n@@ -1,1 +1,1 @@\n-a\n+b\n--B--\n',
    );
    const m = await parseMail({ index: 0, offset: 0, bytes: raw, source: 't' });
    const s = buildSeries([m]);
    assert.deepEqual(
      s.patches[0].files.map((f) => [f.path, f.added, f.removed]),
      [['mm/slub.c', 1, 1]],
    );
    assert.deepEqual(
      m.attachments.map((a) => a.inlined),
      [true],
    );
  });
});

describe(
  'series on any base: applies / already applied / does not apply, and the base-commit',
  { ...shared(SEED) },
  () => {
    it('the v2 thread on our fixture tree with patch 01 already in it: "already applied" for 01', async () => {
      const s = await openSeries(SEED, { kernelDir: KERNEL });
      const base = treeFor(KERNEL, s);
      assert.deepEqual(
        checkSeries(base, s).map((c) => c.state),
        ['applies'],
      );
      const withPatch01 = applyOne(base, s.patches[0]).tree;
      const [c] = checkSeries(withPatch01, s);
      assert.equal(c.state, 'already applied');
      assert.match(c.message, /^patch 01 is already applied: the tree has its changes \(it applies in reverse\)$/);
    });

    it(
      'a tree at another base: one clear message per patch, a failing hunk with its file and the nearest context',
      { ...shared(V3) },
      async () => {
        const s = await openSeries(V3, { kernelDir: KERNEL });
        const checks = checkSeries(treeFor(KERNEL, s), s);
        assert.equal(checks.length, s.patches.length);
        for (const [i, c] of checks.entries()) {
          assert.match(
            c.message,
            new RegExp(
              `^patch ${String(s.patches[i].number).padStart(2, '0')} (applies|is already applied|does not apply|has no diff)`,
            ),
            c.message,
          );
          if (c.state === 'does not apply') {
            assert.ok(c.failure && c.message.includes(c.failure.file), c.message);
            assert.match(
              c.message,
              /hunk #\d+ @@ .* of mm\/\S+: .*(nearest matching context is at line \d+ \(\d+ of \d+ lines match\)|none of its context lines is in the file)/,
            );
          }
        }
        assert.ok(
          checks.some((c) => c.state === 'does not apply'),
          'our small fixture is not the v3 base',
        );
        console.log(
          checks
            .map((c) => c.message)
            .slice(0, 4)
            .join('\n'),
        );
      },
    );

    it("base-commit: against the workspace's git HEAD; a folder that is no git tree says so", async () => {
      const s = await openSeries(SEED, { kernelDir: KERNEL });
      assert.equal(seriesBase(s).baseCommit, 'aff9fb2fffa1175bd5ae3b4630f3d4ae53af450b');
      const plain = fs.mkdtempSync(path.join(os.tmpdir(), 'slablens-base-'));
      try {
        assert.equal(compareBase(plain, s).relation, 'not-git');
        execFileSync('git', ['init', '-q', plain]);
        fs.writeFileSync(path.join(plain, 'README'), 'x\n');
        execFileSync('git', ['-C', plain, '-c', 'user.name=t', '-c', 'user.email=t@example.org', 'add', '.']);
        execFileSync('git', ['-C', plain, '-c', 'user.name=t', '-c', 'user.email=t@example.org', 'commit', '-qm', 'x']);
        const b = compareBase(plain, s);
        assert.equal(b.relation, 'unknown');
        assert.match(
          b.message,
          /written against aff9fb2fffa1, a commit this tree does not have \(HEAD is [0-9a-f]{12}\): your tree is at another base/,
        );
      } finally {
        fs.rmSync(plain, { recursive: true, force: true });
      }
    });
  },
);

describe('series: a mailbox without a cover letter', () => {
  it('is named by what its patches share, its version and count, not by its first patch', () => {
    const p = (title: string) => ({ title });
    assert.equal(
      seriesTitle(
        undefined,
        [p('mm/slab: drop the barrier'), p('mm/slab: take the barn lock'), p('mm/slab: rename a helper')],
        2,
        3,
      ),
      'mm/slab: … (v2, 3 patches)',
    );
    assert.equal(seriesTitle(undefined, [p('mm/slab: x'), p('mm/slub: y')], 1, 4), 'mm/sl … (v1, 2 of 4 patches)');
    assert.equal(seriesTitle(undefined, [p('fix a'), p('add b')], 3, 2), 'fix a and 1 more (v3, 2 patches)');
    assert.equal(seriesTitle({ title: 'slab: sheaves' }, [p('x')], 2, 20), 'slab: sheaves');
  });
});
