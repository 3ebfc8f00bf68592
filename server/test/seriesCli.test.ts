// `slablens series` on the command line, the review state file, and fuzzing of the readers.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  importComments,
  mapQuotes,
  openSeries,
  parseMail,
  parseTrailers,
  readPublicInbox,
  ReviewStore,
  splitMbox,
  buildSeries,
} from '../src/series';

const ROOT = path.resolve(__dirname, '../../..');
const CLI = path.join(ROOT, 'dist/cli.js');
const SEED = path.resolve(ROOT, '../shared/seed/000_8cd25ffe23bae77f.txt');
const V3 = path.resolve(ROOT, '../shared/data/sheaves-v3.mbox');
const KERNEL = path.join(ROOT, 'server/fixtures/kernel');
const FX = path.join(ROOT, 'server/fixtures/series');
const run = (...args: string[]) => {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const shared = (f: string) => {
  if (fs.existsSync(f)) return { skip: false as const };
  process.stderr.write(`\n*** MISSING ${f}: these CLI tests are SKIPPED ***\n`);
  return { skip: `MISSING ${f}` };
};

describe('slablens series (CLI)', () => {
  it('--json on the seed page: patches with files, functions, trailers, reply counts', { ...shared(SEED) }, () => {
    const r = run('series', SEED, '--json');
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out);
    assert.equal(j.format, 'public-inbox');
    assert.equal(j.seriesVersion, 2);
    assert.equal(j.rfc, true);
    assert.equal(j.messages, 12);
    assert.equal(j.patches.length, 1);
    const p = j.patches[0];
    assert.equal(p.number, 1);
    assert.equal(p.subject, '[PATCH RFC v2 01/20] mm/slab: add rcu_barrier() to kvfree_rcu_barrier_on_cache()');
    assert.deepEqual(p.files, [{ path: 'mm/slab_common.c', status: 'modified', added: 4, removed: 1, hunks: 1 }]);
    assert.deepEqual(p.functions, ['kvfree_rcu_barrier_on_cache']);
    assert.equal(p.replies, 8);
    assert.deepEqual(
      p.trailers.filter((t: { kind: string }) => t.kind === 'Reviewed-by').map((t: { givenBy: string }) => t.givenBy),
      ['Harry Yoo', 'Suren Baghdasaryan'],
    );
  });

  it(
    '--simulate --kernel: patch 01 turns the KASAN destroy verdict from fail to pass; the tree is untouched',
    { ...shared(SEED) },
    () => {
      const before = fs.readFileSync(path.join(KERNEL, 'mm/slab_common.c'));
      const r = run('series', SEED, '--simulate', '--kernel', KERNEL, '--json');
      assert.equal(r.code, 0, r.err);
      const j = JSON.parse(r.out);
      assert.deepEqual(
        j.simulate.map((s: { patch: number; before: unknown; after: unknown }) => [s.patch, s.before, s.after]),
        [[1, { kasan: 'fail', nokasan: 'pass' }, { kasan: 'pass', nokasan: 'pass' }]],
      );
      assert.deepEqual(fs.readFileSync(path.join(KERNEL, 'mm/slab_common.c')), before);
      const t = run('series', SEED, '--simulate', '--kernel', KERNEL);
      assert.match(
        t.out,
        /patch 1 \(kvfree_rcu_barrier_on_cache\): before KASAN=y FAIL, KASAN=n PASS; after KASAN=y PASS, KASAN=n PASS/,
      );
    },
  );

  it(
    'the v3 mbox: 13 patches in order; --apply on our fixture kernel shows the first hunk that does not fit',
    { ...shared(V3) },
    () => {
      const r = run('series', V3, '--json');
      assert.equal(r.code, 0, r.err);
      const j = JSON.parse(r.out);
      assert.deepEqual(
        j.patches.map((p: { number: number }) => p.number),
        [1, 2, 3, 4, 5, 7, 8, 9, 10, 13, 15, 16, 19],
      );
      assert.equal(j.seriesVersion, 3);
      assert.equal(j.total, 21);
      const a = run('series', V3, '--apply', '21', '--kernel', KERNEL);
      assert.equal(a.code, 1);
      assert.match(a.out, /patch 1: mm\/slab_common.c applied with fuzz 2/);
      assert.match(
        a.out,
        /patch 2 does not apply: mm\/slab_common.c hunk #1 @@ -45,9 \+45,8 @@ struct kmem_cache \*kmem_cache;\n  lines to remove not in the file: "#define SLAB_NEVER_MERGE/,
      );
      // no line of it in our file: what the file has at the header's line is shown
      assert.match(
        a.out,
        /expected:\n +45 \| \/\*\n +46 \|  \* Set of flags that will prevent slab merging\n[^]*the file has:\n +45 \| /,
      );
    },
  );

  it('a folder of .eml', () => {
    const r = run('series', path.join(FX, 'v1'));
    assert.equal(r.code, 0, r.err);
    assert.match(
      r.out,
      /v1, 2 of 2 patches \+ cover letter, 2 replies, 5 messages \(eml-folder\), change-id 20260301-barn-cleanup-0123456789ab/,
    );
    assert.match(
      r.out,
      /02\/2 mm\/slub: take the barn lock in barn_shrink\(\)\n +mm\/slub.c \+4 -0; A:1 R:1 T:0; 1 reply\n +functions: barn_shrink/,
    );
  });

  it('--reply-to writes a b4-style reply; --import reads it back onto the patch lines', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'slablens-reply-'));
    const comments = [{ file: 'mm/slub.c', line: 306, side: 'new', text: 'And here the unlock.' }];
    fs.writeFileSync(path.join(tmp, 'c.json'), JSON.stringify(comments));
    const out = path.join(tmp, 'reply.eml');
    const r = run(
      'series',
      path.join(FX, 'v1'),
      '--reply-to',
      '2',
      '--comments',
      path.join(tmp, 'c.json'),
      '--from',
      'Me Reviewer <me@example.org>',
      '--trailer',
      'Reviewed-by: Me Reviewer <me@example.org>',
      '--out',
      out,
    );
    assert.equal(r.code, 0, r.err);
    const text = fs.readFileSync(out, 'utf8');
    assert.match(text, /^Message-ID: <[^@]+@example\.org>$/m);
    assert.match(
      text,
      /\n> \+\tspin_unlock_irqrestore\(&barn->lock, flags\);\n\nAnd here the unlock\.\n\nReviewed-by: Me Reviewer <me@example.org>\n$/,
    );
    const i = run('series', path.join(FX, 'v1'), '--import', out);
    assert.equal(i.code, 0, i.err);
    const j = JSON.parse(i.out);
    assert.equal(j.patch, 2);
    assert.deepEqual(
      j.comments.map((c: { file: string; line: number; side: string; text: string }) => ({
        file: c.file,
        line: c.line,
        side: c.side,
        text: c.text,
      })),
      comments,
    );
    // the reply already on the list imports the same way
    const joerg = JSON.parse(
      run('series', path.join(FX, 'v1'), '--import', path.join(FX, 'v1/0003-reply-joerg.eml')).out,
    );
    assert.deepEqual(
      joerg.comments.map((c: { line: number }) => c.line),
      [303, 306],
    );
    const bad = run('series', path.join(FX, 'v1'), '--reply-to', '9', '--from', 'Me <me@example.org>');
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--reply-to 9: no such patch \(have 1, 2\)/);
  });

  it('--compare: v2 against v1 patch by patch, like git range-diff; --json', () => {
    const r = run('series', path.join(FX, 'v2.mbox'), '--compare', path.join(FX, 'v1'));
    assert.equal(r.code, 0, r.err);
    assert.match(
      r.out,
      /^mm\/slub: barn cleanups: v1 → v2\n  1\/2 → 1\/2 unchanged  mm\/slub: drop the rcu_barrier\(\) from __kmem_cache_shutdown\(\)\n  2\/2 → 2\/2 changed \(\+\d+ -\d+\)  mm\/slub: take the barn lock/,
    );
    const j = JSON.parse(run('series', path.join(FX, 'v2.mbox'), '--compare', path.join(FX, 'v1'), '--json').out);
    assert.deepEqual(
      j.pairs.map((p: { changed: boolean }) => p.changed),
      [false, true],
    );
    const wrong = run('series', path.join(FX, 'v1'), '--compare', path.join(FX, 'v2.mbox'));
    assert.equal(wrong.code, 2);
    assert.match(wrong.err, /v2 is not earlier than v1/);
  });

  it(
    '--compare on the list: the seed thread (v2, patch 01 only) against the v3 mbox',
    { ...shared(SEED), ...shared(V3) },
    () => {
      const r = run('series', V3, '--compare', SEED, '--json');
      assert.equal(r.code, 0, r.err);
      const j = JSON.parse(r.out);
      assert.deepEqual(
        j.pairs.map((p: { old: number; new: number }) => [p.old, p.new]),
        [[1, 1]],
      );
      assert.equal(j.pairs[0].title, 'mm/slab: add rcu_barrier() to kvfree_rcu_barrier_on_cache()');
      assert.ok(j.pairs[0].changed, 'v3 tells the KASAN story in the commit message');
      assert.equal(j.olderMissing.length, 19);
      assert.match(
        run('series', V3, '--compare', SEED).out,
        /new or not in the v2 input → 02\/21 {2}slab: add SLAB_CONSISTENCY_CHECKS/,
      );
    },
  );

  it('a reader that goes away (| head) ends the command quietly', async () => {
    // the read end is closed before the CLI writes a byte: every write of it meets EPIPE
    const child = spawn(process.execPath, [CLI, 'series', path.join(FX, 'v2.mbox'), '--json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy();
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    assert.equal(err, '');
    assert.equal(code, 0);
  });

  it('bad input: exit 2 with one clear line', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'slablens-cli-'));
    const empty = path.join(tmp, 'empty.mbox');
    fs.writeFileSync(empty, '');
    const prose = path.join(tmp, 'notes.txt');
    fs.writeFileSync(prose, 'just some notes, no mail here\n');
    const cases: [string[], RegExp][] = [
      [['series', path.join(tmp, 'nope.mbox')], /nope.mbox: no such file or directory/],
      [['series', empty], /empty file/],
      [['series', tmp], /no \.eml, \.patch or \.mbx files in this folder/],
      [['series', prose], /no patches found \(1 message/],
      [['series', path.join(FX, 'v2.mbox'), '--simulate'], /--simulate, --apply and --check need --kernel <dir>/],
      [['series'], /series takes one mbox file/],
      [['series', path.join(FX, 'v2.mbox'), '--apply', 'x', '--kernel', KERNEL], /--apply x: expected a patch number/],
      [['series', path.join(FX, 'v2.mbox'), '--compare', empty], /empty file/],
      [
        ['series', path.join(FX, 'v2.mbox'), '--compare', path.join(FX, '..', 'kernel')],
        /no \.eml, \.patch or \.mbx files/,
      ],
    ];
    for (const [args, msg] of cases) {
      const r = run(...args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
      assert.equal(r.out, '');
      assert.equal(r.err.trim().split('\n').length, 1, r.err);
      assert.match(r.err, msg);
    }
  });
});

describe('review state (.slablens/reviews/<change-id>-v<N>.json)', () => {
  it('new → reviewing → replied, viewed flags, quick trailers, comments; written atomically', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'slablens-review-'));
    const st = new ReviewStore(root, '20260301-barn-cleanup-0123456789ab', 3);
    assert.equal(st.file, path.join(root, '.slablens', 'reviews', '20260301-barn-cleanup-0123456789ab-v3.json'));
    assert.equal(st.load().review.state, 'new');
    assert.match(st.setState('replied').error!, /a review goes new → reviewing, not → replied/);
    assert.equal(fs.existsSync(st.file), false, 'a refused change writes nothing');
    assert.equal(st.setState('reviewing').review.state, 'reviewing');
    st.setViewed(1, true);
    st.setTrailers(2, ['Acked-by: Me <me@example.org>']);
    st.addComment(2, { file: 'mm/slub.c', line: 303, side: 'new', text: 'spin_lock_irq()' });
    assert.equal(st.setState('replied').review.state, 'replied');
    const again = new ReviewStore(root, '20260301-barn-cleanup-0123456789ab', 3).load();
    assert.equal(again.error, undefined);
    assert.deepEqual(
      { ...again.review.patches },
      {
        1: { viewed: true, trailers: [], comments: [] },
        2: {
          viewed: false,
          trailers: ['Acked-by: Me <me@example.org>'],
          comments: [{ file: 'mm/slub.c', line: 303, side: 'new', text: 'spin_lock_irq()' }],
        },
      },
    );
    assert.equal(again.review.state, 'replied');
    // a new comment on a replied series reopens it
    assert.equal(st.addComment(1, { file: 'mm/slub.c', line: 313, side: 'old', text: 'x' }).review.state, 'reviewing');
    assert.deepEqual(fs.readdirSync(path.dirname(st.file)), [path.basename(st.file)], 'no temporary files left');
  });

  it('one file per revision; a later revision finds the earlier ones that have a review, newest first', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'slablens-review-'));
    const base = 'a-title-slug-that-is-as-long-as-a-slug-may-be-eighty-characters-and-then-some-more';
    for (const v of [1, 2]) new ReviewStore(root, base, v).setViewed(1, true);
    new ReviewStore(root, 'another-series', 1).setViewed(1, true);
    const v3 = new ReviewStore(root, base, 3);
    assert.deepEqual(
      v3.earlier().map((x) => x.seriesVersion),
      [2, 1],
    );
    assert.equal(
      new Set([1, 2, 3].map((v) => new ReviewStore(root, base, v).file)).size,
      3,
      'a long slug keeps the revision in the file name',
    );
    assert.deepEqual(new ReviewStore(root, base, 1).earlier(), []);
  });

  it('a corrupt file is reported, kept byte for byte, and never overwritten', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'slablens-review-'));
    const st = new ReviewStore(root, 'k', 1);
    fs.mkdirSync(path.dirname(st.file), { recursive: true });
    for (const bad of [
      '{"version": 1, "key": "k", "state": "new", "patc',
      '{"version": 2, "key": "k", "state": "new", "patches": {}}',
      '[]',
    ]) {
      fs.writeFileSync(st.file, bad);
      assert.match(st.load().error!, /kept as it is and will not be overwritten/);
      for (const r of [
        st.setViewed(1, true),
        st.setState('reviewing'),
        st.addComment(1, { file: 'a', line: 1, side: 'new', text: 't' }),
      ])
        assert.ok(r.error);
      assert.equal(fs.readFileSync(st.file, 'utf8'), bad);
    }
  });
});

describe('fuzz: readers never throw on arbitrary input', () => {
  const seedText = fs.existsSync(SEED)
    ? fs.readFileSync(SEED, 'utf8')
    : 'From: A @ 2026-01-01 10:00 UTC (permalink / raw)\n\nx\n^ permalink raw reply\n';
  const seedLines = seedText.split('\n');
  const lineArb = fc.oneof(
    fc.constantFrom(...seedLines),
    fc.string(),
    fc.constantFrom(
      'From mboxrd@z Thu Jan  1 00:00:00 1970',
      '>From x',
      '',
      '> ',
      '>> +\tfoo();',
      '@@ -1,2 +1,3 @@',
      'diff --git a/x b/x',
      'Thread overview: 3+ messages',
      '^ permalink raw reply',
      '-- ',
    ),
  );
  const textArb = fc.array(lineArb, { maxLength: 60 }).map((l) => l.join('\n'));

  it('the mbox splitter, on random bytes in random chunks', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.uint8Array({ maxLength: 200 }),
            textArb.map((t) => new TextEncoder().encode(t)),
          ),
          { maxLength: 8 },
        ),
        async (parts) => {
          const chunks = parts.map((p) => Buffer.from(p));
          let total = 0;
          for await (const r of splitMbox(chunks)) total += r.bytes.length;
          assert.ok(total <= chunks.reduce((n, c) => n + c.length, 0));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('the trailer parser', () => {
    fc.assert(
      fc.property(textArb, fc.boolean(), (t, patch) => void parseTrailers(t, { patch })),
      { numRuns: 300 },
    );
  });

  it('the public-inbox reader (and threading what it reads)', () => {
    fc.assert(
      fc.property(textArb, (t) => {
        const { mails } = readPublicInbox(t);
        buildSeries(mails);
      }),
      { numRuns: 300 },
    );
  });

  it('the reply importer, against a real patch', async () => {
    const s = await openSeries(path.join(FX, 'v1'));
    const files = s.patches[1].files;
    const diffLines = files[0].hunks[0].lines.map((l) => `${'>'.repeat(1)} ${l.op}${l.text}`);
    const arb = fc.array(fc.oneof(lineArb, fc.constantFrom(...diffLines)), { maxLength: 40 }).map((l) => l.join('\n'));
    fc.assert(
      fc.property(arb, (t) => {
        const { comments, quotes } = importComments(t, files);
        mapQuotes(t, files);
        for (const c of comments) if (c.file) assert.ok(Number.isInteger(c.line) && c.line! > 0);
        for (const q of quotes) if (q.file) assert.equal(q.file, 'mm/slub.c');
      }),
      { numRuns: 300 },
    );
  });

  it('the mail decoder on random bytes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }),
          textArb.map((t) => new TextEncoder().encode(t)),
        ),
        async (b) => {
          const m = await parseMail({ index: 0, offset: 0, bytes: Buffer.from(b), source: 'fuzz' });
          assert.ok(m.messageId.length > 0);
        },
      ),
      { numRuns: 100 },
    );
  });
});
