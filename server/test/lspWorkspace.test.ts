// Over real JSON-RPC (dist/server.js on stdio): the "Show trace" code action on a verdict, and
// which files the server indexes (slablens.files, slablens.maxFileBytes) from initializationOptions
// and workspace/didChangeConfiguration.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Harness, startServer, uri } from './lspHarness';

type Range = { start: { line: number; character: number }; end: { line: number; character: number } };
type Diag = { message: string; range: Range; code?: string; source?: string };
type Action = { title: string; kind?: string; command?: { command: string }; diagnostics?: Diag[] };

/** Poll `probe` until it is true (the server indexes after initialize, and again after a configuration change). */
async function until(what: string, probe: () => Promise<boolean> | boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const symbols = async (h: Harness, query: string): Promise<string[]> =>
  ((await h.conn.sendRequest('workspace/symbol', { query })) as { name: string }[]).map((s) => s.name);
const has = async (h: Harness, name: string): Promise<boolean> => (await symbols(h, name)).includes(name);

describe('code action "Show trace"', () => {
  let h: Harness;
  let common: string;
  before(async () => {
    h = await startServer();
    common = uri(path.join(h.ws, 'mm/slab_common.c'));
    await h.conn.sendNotification('textDocument/didOpen', {
      textDocument: {
        uri: common,
        languageId: 'c',
        version: 1,
        text: fs.readFileSync(path.join(h.ws, 'mm/slab_common.c'), 'utf8'),
      },
    });
  });
  after(() => h?.stop());

  const actions = (range: Range, diagnostics: Diag[], only?: string[]) =>
    h.conn.sendRequest('textDocument/codeAction', {
      textDocument: { uri: common },
      range,
      context: { diagnostics, ...(only ? { only } : {}) },
    }) as Promise<Action[]>;

  it('is offered on the diagnostic a failing verdict puts on the simulated function, and runs slablens.showLastTrace', async () => {
    const r = (await h.conn.sendRequest('slablens/simulate', {
      function: 'kvfree_rcu_barrier_on_cache',
      kasan: true,
    })) as { verdict: string };
    assert.equal(r.verdict, 'fail');
    let verdicts: Diag[] = [];
    await until(
      'the verdict diagnostic',
      () => (verdicts = ((h.diagnostics.get(common) ?? []) as Diag[]).filter((d) => d.code === 'verdict')).length > 0,
    );
    const d = verdicts[0];
    assert.match(d.message, /Show trace/);
    const text = fs.readFileSync(path.join(h.ws, 'mm/slab_common.c'), 'utf8').split('\n');
    assert.match(text[d.range.start.line], /void kvfree_rcu_barrier_on_cache\(/);

    const got = await actions(d.range, [d]);
    assert.equal(got.length, 1);
    assert.equal(got[0].title, 'Show trace');
    assert.equal(got[0].kind, 'quickfix');
    assert.equal(got[0].command?.command, 'slablens.showLastTrace');
    assert.deepEqual(got[0].diagnostics?.[0].range, d.range);
    // a client that does not pass the diagnostics at the range still gets it
    assert.equal((await actions(d.range, [])).length, 1);
    // asked for quick fixes, yes; for refactorings, no
    assert.equal((await actions(d.range, [d], ['quickfix'])).length, 1);
    assert.equal((await actions(d.range, [d], ['refactor'])).length, 0);
  });

  it('is not offered elsewhere, nor on other slablens diagnostics', async () => {
    assert.deepEqual(await actions({ start: { line: 0, character: 0 }, end: { line: 0, character: 1 } }, []), []);
    const other = ((h.diagnostics.get(common) ?? []) as Diag[]).filter((d) => d.code !== 'verdict');
    const far = { start: { line: 2, character: 0 }, end: { line: 2, character: 1 } };
    assert.deepEqual(
      await actions(
        far,
        other.map((d) => ({ ...d, range: far })),
      ),
      [],
    );
  });
});

describe('slablens.files and slablens.maxFileBytes', () => {
  let h: Harness;
  const KiB = 1024;
  /** A generated file of 4000 small functions (~185 KiB). */
  const generated = Array.from(
    { length: 4000 },
    (_, i) => `int generated_${i}(int x)\n{\n\treturn x + ${i};\n}\n`,
  ).join('');
  before(async () => {
    h = await startServer({ files: ['mm/*.c'], maxFileBytes: 64 * KiB }, (ws) => {
      fs.writeFileSync(path.join(ws, 'mm/huge.c'), generated);
      fs.writeFileSync(path.join(ws, 'mm/extra.c'), 'void extra_fn(void)\n{\n\tkvfree_rcu_barrier();\n}\n');
    });
    await until('the initial index', () => has(h, 'kmem_cache_destroy'));
  });
  after(() => h?.stop());

  const configure = (slablens: unknown) =>
    h.conn.sendNotification('workspace/didChangeConfiguration', { settings: { slablens } });

  it('initializationOptions: the globs select the files; one over maxFileBytes is left out, said in the log and once in a message', async () => {
    assert.ok(await has(h, 'extra_fn'), 'mm/extra.c matches mm/*.c');
    assert.ok(!(await has(h, 'generated_1')), 'mm/huge.c is over the limit');
    await until('the message', () => h.messages.length > 0);
    assert.equal(h.messages.length, 1);
    assert.equal(h.messages[0].type, 2); // warning
    assert.match(h.messages[0].message, /mm\/huge\.c \(185(\.\d)? KiB\).*slablens\.maxFileBytes \(64 KiB\)/);
    assert.ok(h.logs.some((l) => /not indexing .*huge\.c/.test(l.message)));
    // the same settings again: nothing new to say
    await configure({ files: ['mm/*.c'], maxFileBytes: 64 * KiB });
    await h.conn.sendRequest('workspace/symbol', { query: 'x' });
    assert.equal(h.messages.length, 1);
  });

  it('didChangeConfiguration: a higher limit indexes the file; other globs drop what they no longer match', async () => {
    await configure({ files: ['mm/*.c'], maxFileBytes: 1024 * KiB });
    await until('mm/huge.c indexed', () => has(h, 'generated_3999'));
    await configure({ files: ['mm/slub.c'], maxFileBytes: 1024 * KiB });
    await until('mm/slab_common.c dropped', async () => !(await has(h, 'kmem_cache_destroy')));
    assert.ok(await has(h, 'flush_rcu_sheaves_on_cache'));
    assert.ok(!(await has(h, 'generated_1')));
    assert.ok(!(await has(h, 'extra_fn')));
    // a file no longer indexed keeps no diagnostics
    const commonDiags = (h.diagnostics.get(uri(path.join(h.ws, 'mm/slab_common.c'))) ?? []) as Diag[];
    assert.deepEqual(commonDiags, []);
  });

  it('an opened document over the limit is not parsed, edits to it are ignored, and the server stays up', async () => {
    await configure({ files: ['mm/slub.c'], maxFileBytes: 64 * KiB });
    await h.conn.sendRequest('workspace/symbol', { query: 'x' });
    const big = uri(path.join(h.ws, 'mm/opened.c'));
    await h.conn.sendNotification('textDocument/didOpen', {
      textDocument: { uri: big, languageId: 'c', version: 1, text: generated },
    });
    await h.conn.sendNotification('textDocument/didChange', {
      textDocument: { uri: big, version: 2 },
      contentChanges: [
        { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '/* edited */\n' },
      ],
    });
    assert.deepEqual(await h.conn.sendRequest('textDocument/documentSymbol', { textDocument: { uri: big } }), []);
    assert.ok(!(await has(h, 'generated_1')));
    await until('the message about mm/opened.c', () => h.messages.some((m) => /mm\/opened\.c/.test(m.message)));
    assert.equal(h.proc.exitCode, null);
    assert.ok(await has(h, 'flush_rcu_sheaves_on_cache'));
  });
});

describe('default settings', () => {
  let h: Harness;
  before(async () => {
    h = await startServer(undefined, (ws) =>
      fs.writeFileSync(path.join(ws, 'mm/extra.c'), 'void extra_fn(void)\n{\n}\n'),
    );
    await until('the initial index', () => has(h, 'kmem_cache_destroy'));
  });
  after(() => h?.stop());

  it('index mm/slub.c, mm/slab_common.c and mm/slab.h only', async () => {
    assert.ok(await has(h, 'flush_rcu_sheaves_on_cache'));
    assert.ok(!(await has(h, 'extra_fn')));
    assert.deepEqual(h.messages, []);
  });
});
