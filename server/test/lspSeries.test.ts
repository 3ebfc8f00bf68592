// slablens/series/* over real JSON-RPC: what the VS Code tree, diff views, comment threads and
// reply export are built from, on the seed thread and the fixture kernel tree.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { simpleParser } from 'mailparser';
import { Harness, ROOT, startServer } from './lspHarness';

const SEED = path.join(ROOT, '..', 'shared', 'seed', '000_8cd25ffe23bae77f.txt');

describe('patch series requests', { skip: fs.existsSync(SEED) ? false : `SKIPPED: ${SEED} not found` }, () => {
  let h: Harness;
  let key: string;
  type Described = {
    key: string;
    version: number;
    patches: {
      number: number;
      art: { a: number; r: number; t: number };
      files: { path: string; hunks: { functions: string[] }[] }[];
    }[];
    review?: { state: string };
  };
  before(async () => {
    h = await startServer();
  });
  after(() => h?.stop());

  it('open: the seed thread becomes a series with patch 01 on mm/slab_common.c, A·R·T counted', async () => {
    const s = (await h.conn.sendRequest('slablens/series/open', { path: SEED })) as Described;
    key = s.key;
    assert.equal(s.version, 2);
    const p1 = s.patches.find((p) => p.number === 1)!;
    assert.equal(p1.files[0].path, 'mm/slab_common.c');
    assert.deepEqual(p1.files[0].hunks[0].functions, ['kvfree_rcu_barrier_on_cache']);
    assert.deepEqual(p1.art, { a: 0, r: 2, t: 1 });
    assert.equal(s.review?.state, 'new');
  });

  it('images: pre-image is the workspace file, post-image has the rcu_barrier()', async () => {
    const r = (await h.conn.sendRequest('slablens/series/images', { key, patch: 1, file: 'mm/slab_common.c' })) as {
      pre: string;
      post: string;
      error?: string;
    };
    assert.equal(r.error, undefined);
    assert.equal(r.pre, fs.readFileSync(path.join(h.ws, 'mm/slab_common.c'), 'utf8'));
    const body = (t: string) =>
      t.slice(
        t.indexOf('void kvfree_rcu_barrier_on_cache'),
        t.indexOf('EXPORT_SYMBOL_GPL(kvfree_rcu_barrier_on_cache)'),
      );
    assert.doesNotMatch(body(r.pre), /^\s*rcu_barrier\(\);/m);
    assert.match(body(r.post), /flush_rcu_sheaves_on_cache\(s\);\n\s*rcu_barrier\(\);/);
  });

  it("threads: Harry Yoo's reply sits on the lines it quotes, in the post-image we show", async () => {
    type T = {
      list: { from: { name: string }; line: number; endLine: number; text: string; quoted: string[] }[];
      own: unknown[];
    };
    const t = (await h.conn.sendRequest('slablens/series/threads', { key, patch: 1, file: 'mm/slab_common.c' })) as T;
    const harry = t.list.find((x) => x.from.name === 'Harry Yoo')!;
    assert.ok(harry, t.list.map((x) => x.from.name).join(', '));
    assert.match(harry.text, /The fix looks good to me/);
    const img = (await h.conn.sendRequest('slablens/series/images', { key, patch: 1, file: 'mm/slab_common.c' })) as {
      post: string;
    };
    const barrier = img.post.split('\n').findIndex((l) => l.trim() === 'flush_rcu_sheaves_on_cache(s);') + 2;
    assert.ok(
      harry.line <= barrier && barrier <= harry.endLine,
      `thread ${harry.line}-${harry.endLine}, rcu_barrier() at ${barrier}`,
    );
    assert.ok(harry.quoted.some((q) => /^\+\s*rcu_barrier\(\);/.test(q)));
  });

  it('review + export: my comment under the line it answers, my trailer at the end; it parses back', async () => {
    const img = (await h.conn.sendRequest('slablens/series/images', { key, patch: 1, file: 'mm/slab_common.c' })) as {
      post: string;
    };
    const line = img.post.split('\n').findIndex((l) => l.trim() === 'flush_rcu_sheaves_on_cache(s);') + 2;
    assert.ok(line > 0);
    const added = (await h.conn.sendRequest('slablens/series/review', {
      key,
      action: 'addComment',
      patch: 1,
      comment: { file: 'mm/slab_common.c', line, side: 'new', text: 'This is the barrier F1 needs.' },
    })) as { review: { state: string }; error?: string };
    assert.equal(added.error, undefined);
    assert.equal(added.review.state, 'reviewing');
    await h.conn.sendRequest('slablens/series/review', {
      key,
      action: 'setTrailers',
      patch: 1,
      trailers: ['Reviewed-by: Ada Reviewer <ada@example.org>'],
    });
    const out = (await h.conn.sendRequest('slablens/series/export', {
      key,
      patch: 1,
      from: 'Ada Reviewer <ada@example.org>',
    })) as { text: string; problems: string[] };
    const lines = out.text.split('\n');
    const q = lines.findIndex((l) => /^> \+\s*rcu_barrier\(\);/.test(l));
    assert.ok(q > 0, out.text);
    assert.match(lines.slice(q + 1).join('\n'), /^\s*This is the barrier F1 needs\./);
    assert.match(out.text, /Reviewed-by: Ada Reviewer <ada@example.org>\s*$/);
    const parsed = await simpleParser(out.text);
    assert.match(parsed.subject ?? '', /^Re: \[PATCH RFC v2 01\/20\]/);
    // the page has no Message-IDs: no made-up In-Reply-To, and the export says why
    assert.equal(parsed.inReplyTo, undefined);
    assert.ok(
      out.problems.some((p: string) => /no Message-Id/.test(p)),
      out.problems.join('; '),
    );
    const mine = (await h.conn.sendRequest('slablens/series/threads', { key, patch: 1, file: 'mm/slab_common.c' })) as {
      own: { line: number; text: string }[];
    };
    assert.deepEqual(
      mine.own.map((c) => c.line),
      [line],
      'shown back on the line it was written on',
    );
    const outside = (await h.conn.sendRequest('slablens/series/review', {
      key,
      action: 'addComment',
      patch: 1,
      comment: { file: 'mm/slab_common.c', line: 2, side: 'new', text: 'x' },
    })) as { error?: string };
    assert.match(outside.error ?? '', /outside the hunks/);
    const saved = JSON.parse(
      fs.readFileSync(
        path.join(h.ws, '.slablens', 'reviews', fs.readdirSync(path.join(h.ws, '.slablens', 'reviews'))[0]),
        'utf8',
      ),
    ) as { patches: Record<string, { comments: unknown[] }> };
    assert.equal(saved.patches['1'].comments.length, 1);
  });

  it('a corrupt review file is reported and kept, never overwritten', async () => {
    const dir = path.join(h.ws, '.slablens', 'reviews');
    const file = path.join(dir, fs.readdirSync(dir)[0]);
    fs.writeFileSync(file, '{"version": 1, "patches": ');
    const r = (await h.conn.sendRequest('slablens/series/review', {
      key,
      action: 'setViewed',
      patch: 1,
      viewed: true,
    })) as { error?: string };
    assert.match(r.error ?? '', /corrupt/);
    const shown = (await h.conn.sendRequest('slablens/series/describe', { key })) as { reviewError?: string };
    assert.match(shown.reviewError ?? '', /kept as it is/);
    assert.equal(fs.readFileSync(file, 'utf8'), '{"version": 1, "patches": ');
  });

  it('simulate: patch 01 turns the KASAN destroy scenario from fail to pass', async () => {
    const rows = (await h.conn.sendRequest('slablens/series/simulate', { key })) as {
      patch: number;
      before?: { kasan: string };
      after?: { kasan: string };
    }[];
    const p1 = rows.find((r) => r.patch === 1)!;
    assert.equal(p1.before?.kasan, 'fail');
    assert.equal(p1.after?.kasan, 'pass');
  });

  it('bad input: a missing file and a non-mail file are clear errors', async () => {
    await assert.rejects(
      h.conn.sendRequest('slablens/series/open', { path: path.join(h.ws, 'nope.mbox') }),
      /no such file/,
    );
    await assert.rejects(
      h.conn.sendRequest('slablens/series/images', { key: 'not-open', patch: 1, file: 'mm/slab_common.c' }),
      /not open/,
    );
  });
});

describe('revisions of a series side by side (our fixture series v1 and v2)', () => {
  const FX = path.join(ROOT, 'server/fixtures/series');
  let h: Harness;
  type Described = {
    key: string;
    version: number;
    earlier?: { version: number; open: number; addressed: number; unpaired: number };
    patches: { number: number; carried?: { version: number; open: number; addressed: number } }[];
  };
  type Images = { post: string; error?: string };
  const docLine = (text: string, line: string) => text.split('\n').indexOf(line) + 1;
  before(async () => {
    h = await startServer();
  });
  after(() => h?.stop());

  it('v1 and v2 are open at once; my v1 comments come to v2, open at their new line or addressed', async () => {
    const v1 = (await h.conn.sendRequest('slablens/series/open', { path: path.join(FX, 'v1') })) as Described;
    const img1 = (await h.conn.sendRequest('slablens/series/images', {
      key: v1.key,
      patch: 2,
      file: 'mm/slub.c',
    })) as Images;
    assert.equal(img1.error, undefined);
    for (const [line, text] of [
      ['\tspin_lock_irqsave(&barn->lock, flags);', 'irqs are off here: spin_lock_irq() is enough'],
      ['\tbarn->nr_full = 0;', 'counters reset under the lock'],
    ]) {
      const r = (await h.conn.sendRequest('slablens/series/review', {
        key: v1.key,
        action: 'addComment',
        patch: 2,
        comment: { file: 'mm/slub.c', line: docLine(img1.post, line), side: 'new', text },
      })) as { error?: string };
      assert.equal(r.error, undefined);
    }
    const stored = JSON.parse(
      fs.readFileSync(path.join(h.ws, '.slablens', 'reviews', '20260301-barn-cleanup-0123456789ab-v1.json'), 'utf8'),
    );
    assert.deepEqual(
      stored.patches['2'].comments.map((c: { quote: string }) => c.quote),
      ['+\tspin_lock_irqsave(&barn->lock, flags);', ' \tbarn->nr_full = 0;'],
    );
    assert.equal(stored.patches['2'].title, 'mm/slub: take the barn lock in barn_shrink()');

    const v2 = (await h.conn.sendRequest('slablens/series/open', { path: path.join(FX, 'v2.mbox') })) as Described;
    assert.notEqual(v2.key, v1.key);
    assert.deepEqual(v2.earlier, { version: 1, open: 1, addressed: 1, unpaired: 0 });
    assert.deepEqual(v2.patches.find((p) => p.number === 2)?.carried, { version: 1, open: 1, addressed: 1 });
    // v1 is still open beside it
    assert.equal(((await h.conn.sendRequest('slablens/series/describe', { key: v1.key })) as Described).version, 1);

    const img2 = (await h.conn.sendRequest('slablens/series/images', {
      key: v2.key,
      patch: 2,
      file: 'mm/slub.c',
    })) as Images;
    const t = (await h.conn.sendRequest('slablens/series/threads', { key: v2.key, patch: 2, file: 'mm/slub.c' })) as {
      carried: { version: number; line: number; text: string }[];
      own: unknown[];
    };
    assert.deepEqual(
      t.carried.map((c) => [c.version, c.line, c.text]),
      [[1, docLine(img2.post, '\tbarn->nr_full = 0;'), 'counters reset under the lock']],
    );
    assert.deepEqual(t.own, [], 'carried comments are not v2 comments: they are not exported again');
  });

  it('compare: v2 against v1 as a range-diff, with the v1 comments carried', async () => {
    const keys = ['v1', 'v2'].map((v) => `20260301-barn-cleanup-0123456789ab-${v}`);
    type Compared = {
      pairs: { old: number; new: number; changed: boolean }[];
      comments: { to?: number; comments: { addressed: boolean }[] }[];
    };
    const r = (await h.conn.sendRequest('slablens/series/compare', { key: keys[1], olderKey: keys[0] })) as Compared;
    assert.deepEqual(
      r.pairs.map((p) => [p.old, p.new, p.changed]),
      [
        [1, 1, false],
        [2, 2, true],
      ],
    );
    assert.deepEqual(
      r.comments.map((c) => [c.to, c.comments.map((k) => k.addressed)]),
      [[2, [true, false]]],
    );
    await assert.rejects(
      h.conn.sendRequest('slablens/series/compare', { key: keys[0], olderKey: keys[1] }),
      /v2 is not earlier than v1/,
    );
    const text = (await h.conn.sendRequest('slablens/series/rangeText', { key: keys[1], patch: 2 })) as {
      text: string;
    };
    assert.match(
      text.text,
      /^mm\/slub: take the barn lock in barn_shrink\(\)\n[^]*\n\+\tspin_lock_irq\(&barn->lock\);\n/,
    );
  });
});
