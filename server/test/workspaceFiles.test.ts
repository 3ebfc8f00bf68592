// Which files of a workspace the server indexes: globs, the size limit, the file cap.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { findFiles, formatBytes, globToRegExp } from '../src/workspaceFiles';

describe('workspace files', () => {
  let root: string;
  const put = (rel: string, bytes = 10) => {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), 'x'.repeat(bytes));
  };
  const rel = (files: string[]) => files.map((f) => path.relative(root, f).split(path.sep).join('/'));
  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'slablens-files-'));
    for (const f of [
      'mm/slub.c',
      'mm/slab_common.c',
      'mm/slab.h',
      'mm/kasan/common.c',
      'kernel/rcu/tree.c',
      '.git/mm/slub.c',
      'drivers/mm/slub.c',
    ])
      put(f);
    put('mm/huge.c', 5000);
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('globs: ** spans directories (none too), * and ? stay in one, {a,b} and [..] choose', () => {
    const m = (g: string, p: string) => globToRegExp(g).test(p);
    assert.ok(m('**/mm/{slub.c,slab_common.c,slab.h}', 'mm/slub.c'));
    assert.ok(m('**/mm/{slub.c,slab_common.c,slab.h}', 'drivers/mm/slab.h'));
    assert.ok(!m('**/mm/{slub.c,slab_common.c,slab.h}', 'mm/slab.c'));
    assert.ok(m('mm/*.c', 'mm/slub.c'));
    assert.ok(!m('mm/*.c', 'mm/kasan/common.c'));
    assert.ok(m('mm/**', 'mm/kasan/common.c'));
    assert.ok(m('mm/sl?b.c', 'mm/slub.c'));
    assert.ok(m('mm/slab.[ch]', 'mm/slab.h'));
    assert.ok(!m('mm/slab.[!ch]', 'mm/slab.h'));
    assert.ok(!m('mm/slub.c', 'mm/slubXc'));
  });

  it('finds what the globs match, in order, without hidden directories; paths outside the folder are refused', async () => {
    const r = await findFiles(
      root,
      ['mm/slub.c', '**/mm/slub.c', 'mm/kasan/*.c', '../etc/passwd', '/etc/passwd'],
      1 << 20,
    );
    assert.deepEqual(rel(r.files), ['mm/slub.c', 'drivers/mm/slub.c', 'mm/kasan/common.c']);
    assert.equal(r.capped, false);
  });

  it('leaves out files over the limit (listed, not read) and stops at the cap', async () => {
    const r = await findFiles(root, ['mm/*.c'], 1000);
    assert.deepEqual(rel(r.files), ['mm/slab_common.c', 'mm/slub.c']);
    assert.deepEqual(
      r.tooLarge.map((t) => [path.relative(root, t.file).split(path.sep).join('/'), t.bytes]),
      [['mm/huge.c', 5000]],
    );
    const capped = await findFiles(root, ['**/*.c'], 1 << 20, 2);
    assert.equal(capped.files.length, 2);
    assert.equal(capped.capped, true);
  });

  // reading the settings a client sends: protocol/test/settings.test.ts
  it('sizes as the messages say them', () => {
    assert.equal(formatBytes(5.25 * 1024 * 1024), '5.3 MiB');
    assert.equal(formatBytes(64 * 1024), '64 KiB');
  });
});
