// Patch series review: the seed thread page, the real v3 sheaves mbox (both read from ../shared by
// path, never copied), and our own hand-written series in server/fixtures/series.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import {
  buildSeries,
  carryForward,
  carryReview,
  exportReply,
  importComments,
  openSeries,
  pairPatches,
  parseMail,
  quotedLine,
  rangeDiff,
  rangeDiffText,
  readMails,
  readPublicInbox,
  sameSeries,
  simulateSeries,
  splitMboxFile,
  treeFor,
  ReviewComment,
} from '../src/series';

import { FX, hashDir, KERNEL, SEED, shared, V3, who } from './seriesFixtures';

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
