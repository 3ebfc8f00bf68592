// Scenario files in the language server, over real JSON-RPC (dist/server.js on stdio, the fixture
// tree as the workspace): diagnostics with positions, Run against the workspace's C with the trace
// tied to the file's lines, the mismatch diagnostic after an edit, Run all, hover and completion,
// and nothing run by itself in an untrusted workspace.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CancellationTokenSource } from 'vscode-jsonrpc/node';
import { LitmusRow, LitmusRun, LitmusRunAll, LitmusRunResult } from '../../protocol/src';
import { Harness, ROOT, startServer, uri } from './lspHarness';

type Range = { start: { line: number; character: number }; end: { line: number; character: number } };
type Diag = { message: string; range: Range; severity?: number; code?: string };
type Lens = { range: Range; command: { title: string; command: string; arguments?: unknown[] } };

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const F1 = fs.readFileSync(path.join(ROOT, 'scenarios/f1-kasan-nofix.litmus'), 'utf8');
const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle));
const diags = (h: Harness, u: string) => (h.diagnostics.get(u) as Diag[] | undefined) ?? undefined;

describe('scenario files in the language server (trusted workspace)', () => {
  let h: Harness;
  let f1: string;
  const open = (u: string, text: string, version = 1) =>
    h.conn.sendNotification('textDocument/didOpen', {
      textDocument: { uri: u, languageId: 'slablens-scenario', version, text },
    });
  const lenses = (u: string) =>
    h.conn.sendRequest('textDocument/codeLens', { textDocument: { uri: u } }) as Promise<Lens[]>;

  before(async () => {
    h = await startServer({ trusted: true }, (ws) =>
      fs.copyFileSync(path.join(ROOT, 'scenarios/f1-kasan-nofix.litmus'), path.join(ws, 'f1-kasan-nofix.litmus')),
    );
    f1 = uri(path.join(h.ws, 'f1-kasan-nofix.litmus'));
    // the workspace's C is indexed before the scenarios are lowered against it
    await until(
      'the index',
      async () =>
        ((await h.conn.sendRequest('workspace/symbol', { query: 'kmem_cache_destroy' })) as unknown[]).length > 0,
    );
    await open(f1, F1);
  });
  after(() => h?.stop());

  it('a good file has no diagnostics but the warnings of settings the workspace C overrides; a background check leaves its observation in a lens', async () => {
    const d = await until('diagnostics of f1', () => diags(h, f1));
    assert.ok(
      d.every((x) => x.severity === 2 && /has no effect: the programs come from the kernel's C/.test(x.message)),
      JSON.stringify(d),
    );
    const l = await until('the background check', async () =>
      (await lenses(f1)).find((x) => /background check/.test(x.command.title)),
    );
    assert.equal(l.command.title, '✓ Sometimes (16 of 18), as expected — background check');
    const titles = (await lenses(f1)).map((x) => x.command.title);
    assert.ok(titles.includes('▶ Run') && titles.includes('▶ Run all scenarios in this folder'), titles.join(' | '));
  });

  it('Run: herd7 words, the workspace C, and a trace whose steps point at the P0 line and at the kernel lines', async () => {
    const r: LitmusRunResult = await h.conn.sendRequest(LitmusRun, { uri: f1 });
    assert.equal(r.programs, 'workspace');
    assert.deepEqual(
      [r.litmus.observation, r.litmus.holds, r.litmus.total, r.litmus.expected, r.litmus.matches],
      ['Sometimes', 16, 18, 'Sometimes', true],
    );
    assert.match(r.summary.join('\n'), /Observation f1-kasan-nofix Sometimes 16 2/);
    assert.ok(r.trace, 'a trace to show');
    const p0 = lineOf(F1, 'kmem_cache_destroy(s);');
    const own = r.trace.steps.filter((s) => s.thread === 'P0');
    assert.ok(
      own.length > 5 && own.every((s) => s.origin?.fn === 'P0' && s.origin.line === p0),
      JSON.stringify(own.slice(0, 2)),
    );
    // the kernel side: steps inside kmem_cache_destroy carry the line of slab_common.c they were called from
    const common = fs.readFileSync(path.join(h.ws, 'mm/slab_common.c'), 'utf8').split('\n');
    const inDestroy = own.find((s) => s.anchor?.fn === 'kmem_cache_destroy' && s.anchor.line !== undefined);
    assert.ok(inDestroy, 'a step anchored in kmem_cache_destroy');
    assert.match(
      common[inDestroy.anchor!.line!],
      new RegExp(`\\b${inDestroy.function === 'mutex_lock' ? 'mutex_lock' : '\\w+'}\\(`),
    );
    const lens = (await lenses(f1)).find((x) => /as expected/.test(x.command.title));
    assert.equal(lens?.command.command, 'slablens.showLastTrace');
  });

  it('an edited exists that no longer matches the Result gets the mismatch diagnostic on the clause', async () => {
    const text = F1.replace('exists (objects_remaining(s))', 'exists (deadlock)');
    const line = lineOf(text, 'exists (deadlock)');
    await h.conn.sendNotification('textDocument/didChange', {
      textDocument: { uri: f1, version: 2 },
      contentChanges: [{ text }],
    });
    const d = await until('the mismatch diagnostic', () => diags(h, f1)?.find((x) => x.code === 'litmus-mismatch'));
    assert.equal(
      d.message,
      'Observation Never, but the file expects Sometimes: the clause holds in 0 of 18 executions (345 states)',
    );
    assert.equal(d.range.start.line, line);
    assert.equal(d.severity, 1);
    // and back: the diagnostic goes
    await h.conn.sendNotification('textDocument/didChange', {
      textDocument: { uri: f1, version: 3 },
      contentChanges: [{ text: F1 }],
    });
    await until(
      'no mismatch',
      async () =>
        !diags(h, f1)?.some((x) => x.code === 'litmus-mismatch') &&
        (await lenses(f1)).some((x) => /as expected/.test(x.command.title)),
    );
  });

  it('bad files: one diagnostic each, at its line and column', async () => {
    const cases: [string, string, RegExp, number, number][] = [
      [
        'syntax',
        F1.replace('exists (objects_remaining(s))', 'exists (objects_remaining(s)'),
        /^syntax error: expected/,
        lineOf(F1, 'exists (') + 1,
        0,
      ],
      [
        'unknown',
        F1.replace('kmem_cache_destroy(s);', 'kfree_rcuu(o0, rcu);'),
        /^not modelled: kfree_rcuu — did you mean kfree_rcu\?/,
        lineOf(F1, 'kmem_cache_destroy(s);'),
        1,
      ],
      [
        'zero',
        F1.replace(/P0\(struct kmem_cache \*s\)\n\{\n\tkmem_cache_destroy\(s\);\n\}\n/, ''),
        /^no thread/,
        -1,
        -1,
      ],
      [
        'many',
        F1.replace(
          /P0[\s\S]*\n\}\n/,
          Array.from({ length: 1000 }, (_, i) => `P${i}(struct kmem_cache *s)\n{\n\trcu_barrier();\n}\n`).join(''),
        ),
        /^too many threads: 1000/,
        -1,
        -1,
      ],
    ];
    for (const [name, text, re, line, character] of cases) {
      const u = uri(path.join(h.ws, `bad-${name}.litmus`));
      await open(u, text);
      const d = await until(`diagnostics of ${name}`, () => diags(h, u)?.filter((x) => x.severity === 1));
      assert.equal(d.length, 1, `${name}: ${JSON.stringify(d)}`);
      assert.match(d[0].message, re, name);
      if (line >= 0) assert.deepEqual([d[0].range.start.line, d[0].range.start.character], [line, character], name);
      // Run answers with the same error and its position
      await assert.rejects(h.conn.sendRequest(LitmusRun, { uri: u }), (e: Error) =>
        new RegExp(`bad-${name}\\.litmus:\\d+:\\d+: `).test(e.message),
      );
    }
  });

  it('a file that is not UTF-8 on disk: the first bad byte, at its line and column', async () => {
    const file = path.join(h.ws, 'latin1.litmus');
    const bytes = Buffer.from(F1.replace('F1: kmem_cache_destroy', 'F1: kmem_cache_destroy \xe9t\xe9'), 'latin1');
    fs.writeFileSync(file, bytes);
    const u = uri(file);
    await open(u, new TextDecoder('utf-8').decode(bytes)); // as an editor shows it: U+FFFD
    const d = await until('the non-UTF-8 diagnostic', () => diags(h, u)?.[0]);
    assert.match(d.message, /^not UTF-8: byte 0xe9/);
    assert.equal(d.range.start.line, lineOf(F1, 'F1: kmem_cache_destroy'));
  });

  it('Run all: a row per file, the bad one with its error', async () => {
    const good = uri(path.join(h.ws, 'f3.litmus'));
    fs.copyFileSync(path.join(ROOT, 'scenarios/f3-nokasan-nofix.litmus'), path.join(h.ws, 'f3.litmus'));
    const rows: LitmusRow[] = await h.conn.sendRequest(LitmusRunAll, {
      uris: [f1, good, uri(path.join(h.ws, 'bad-unknown.litmus'))],
    });
    assert.deepEqual(
      rows.map((r) => [r.name, r.observation, r.matches]),
      [
        ['f1-kasan-nofix', 'Sometimes', true],
        ['f3-nokasan-nofix', 'Never', true],
        ['f1-kasan-nofix', undefined, undefined],
      ],
    );
    assert.match(rows[2].error ?? '', /bad-unknown\.litmus:\d+:\d+: not modelled: kfree_rcuu/);
  });

  it('a cancelled Run answers cancelled and the next Run still works', async () => {
    // a run of seconds (F1 on three CPUs, every state: naive), cancelled well inside it
    const long = path.join(h.ws, 'f1-three-cpus.litmus');
    fs.copyFileSync(path.join(ROOT, 'scenarios/f1-three-cpus.litmus'), long);
    const src = new CancellationTokenSource();
    const p = h.conn.sendRequest(LitmusRun, { uri: uri(long), strategy: 'naive' }, src.token);
    await new Promise((r) => setTimeout(r, 300));
    src.cancel();
    await assert.rejects(p, /cancel/i);
    const r: LitmusRunResult = await h.conn.sendRequest(LitmusRun, { uri: f1 });
    assert.equal(r.litmus.observation, 'Sometimes');
  });

  it('hover on a P body call: the model and the C it runs; on a predicate: its meaning', async () => {
    const line = lineOf(F1, 'kmem_cache_destroy(s);');
    const hv = (await h.conn.sendRequest('textDocument/hover', {
      textDocument: { uri: f1 },
      position: { line, character: 4 },
    })) as { contents: { value: string } };
    assert.match(hv.contents.value, /\*\*kmem_cache_destroy\(\)\*\* in a thread: interpreted from its C body/);
    assert.match(hv.contents.value, /Runs `kmem_cache_destroy` as written in \[mm\/slab_common\.c:\d+\]/);
    assert.match(hv.contents.value, /\*\*Calls\*\*: .*kvfree_rcu_barrier_on_cache/);
    const pl = lineOf(F1, 'exists (objects_remaining');
    const hp = (await h.conn.sendRequest('textDocument/hover', {
      textDocument: { uri: f1 },
      position: { line: pl, character: 10 },
    })) as { contents: { value: string } };
    assert.match(
      hp.contents.value,
      /^\*\*objects_remaining\*\* \(clause predicate\): free_partial\(\) found a slab still in use/,
    );
  });

  it('completion: thread functions in a P body, predicates in the clause, settings in the init block', async () => {
    const labels = async (line: number, character: number) =>
      (
        (await h.conn.sendRequest('textDocument/completion', {
          textDocument: { uri: f1 },
          position: { line, character },
        })) as { label: string }[]
      ).map((c) => c.label);
    const body = await labels(lineOf(F1, 'kmem_cache_destroy(s);'), 1);
    assert.ok(
      ['kfree_rcu', 'kmem_cache_destroy', 'rcu_barrier', 'kmem_cache_free'].every((x) => body.includes(x)),
      body.join(' '),
    );
    assert.ok(!body.includes('objects_remaining'));
    const clause = await labels(lineOf(F1, 'exists ('), 8);
    assert.ok(
      ['objects_remaining', 'leak', 'lost_free', 'deadlock', 'use_after_free'].every((x) => clause.includes(x)),
      clause.join(' '),
    );
    const init = await labels(lineOf(F1, 'CONFIG_KASAN=y'), 2);
    assert.ok(
      ['CONFIG_KASAN', 'CONFIG_SLUB_RCU_DEBUG', 'NR_CPUS', 's->sheaf_capacity', 'new_slab', 'kfree_rcu'].every((x) =>
        init.includes(x),
      ),
      init.join(' '),
    );
  });
});

describe('scenario files in an untrusted workspace', () => {
  let h: Harness;
  before(async () => {
    h = await startServer({ trusted: false });
  });
  after(() => h?.stop());

  it('diagnostics yes, no run in the background, Run refused until trusted', async () => {
    const f = uri(path.join(h.ws, 'f1.litmus'));
    await h.conn.sendNotification('textDocument/didOpen', {
      textDocument: {
        uri: f,
        languageId: 'slablens-scenario',
        version: 1,
        text: F1.replace('kmem_cache_destroy(s);', 'kfree_rcuu(o0, rcu);'),
      },
    });
    await until('diagnostics', () => diags(h, f)?.length);
    await h.conn.sendNotification('textDocument/didChange', {
      textDocument: { uri: f, version: 2 },
      contentChanges: [{ text: F1 }],
    });
    await until('no errors', () => diags(h, f)?.every((d) => d.severity !== 1));
    await new Promise((r) => setTimeout(r, 1500)); // a background check would have run by now
    const titles = ((await h.conn.sendRequest('textDocument/codeLens', { textDocument: { uri: f } })) as Lens[]).map(
      (l) => l.command.title,
    );
    assert.deepEqual(titles, ['▶ Run', '▶ Run all scenarios in this folder']);
    await assert.rejects(
      h.conn.sendRequest(LitmusRun, { uri: f }),
      /not run: scenario files run only in a trusted workspace/,
    );
    await h.conn.sendRequest('slablens/workspaceTrust', { trusted: true });
    const r: LitmusRunResult = await h.conn.sendRequest(LitmusRun, { uri: f });
    assert.equal(r.litmus.observation, 'Sometimes');
  });
});
