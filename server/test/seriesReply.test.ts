// Patch series review, continued: reply export and import, bad input, subjects and trailers, a
// series on any base, and a mailbox without a cover letter.

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
  checkSeries,
  compareBase,
  seriesBase,
  seriesTitle,
  exportReply,
  importComments,
  mapFunctions,
  openSeries,
  parseMail,
  readMails,
  readTree,
  simulateSeries,
  splitMbox,
  splitMboxFile,
  treeFor,
  ReviewComment,
  parseTrailers,
} from '../src/series';

import { FX, KERNEL, SEED, shared, V3 } from './seriesFixtures';

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
