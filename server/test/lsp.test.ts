// The language server over real JSON-RPC on stdio: spawn dist/server.js, talk LSP to it.

import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import {
  CancellationTokenSource,
  createMessageConnection,
  MessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-jsonrpc/node';

const ROOT = path.resolve(__dirname, '../../..');
// A copy of the fixture tree as the workspace: the server may write .slablens/ into it.
const FIX = fs.mkdtempSync(path.join(os.tmpdir(), 'slablens-ws-'));
fs.cpSync(path.join(ROOT, 'server/fixtures/kernel'), FIX, { recursive: true });
const COMMON = path.join(FIX, 'mm/slab_common.c');
const SLUB = path.join(FIX, 'mm/slub.c');
const uri = (f: string) => pathToFileURL(f).toString();

describe('language server over stdio', () => {
  let proc: ChildProcess;
  let conn: MessageConnection;
  const diagnostics = new Map<string, { message: string }[]>();
  const commonText = fs.readFileSync(COMMON, 'utf8');

  before(async () => {
    proc = spawn(process.execPath, [path.join(ROOT, 'dist/server.js'), '--stdio'], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    conn = createMessageConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
    conn.onNotification('textDocument/publishDiagnostics', (p: { uri: string; diagnostics: { message: string }[] }) =>
      diagnostics.set(p.uri, p.diagnostics),
    );
    conn.onRequest('workspace/workspaceFolders', () => [{ uri: uri(FIX), name: 'kernel' }]);
    conn.onRequest('workspace/codeLens/refresh', () => null);
    conn.onRequest('window/workDoneProgress/create', () => null);
    conn.listen();
    const init = await conn.sendRequest('initialize', {
      processId: process.pid,
      rootUri: uri(FIX),
      capabilities: { workspace: { workspaceFolders: true } },
      workspaceFolders: [{ uri: uri(FIX), name: 'kernel' }],
    });
    assert.ok((init as { capabilities: { hoverProvider: boolean } }).capabilities.hoverProvider);
    await conn.sendNotification('initialized', {});
    for (const f of [COMMON, SLUB]) {
      await conn.sendNotification('textDocument/didOpen', {
        textDocument: { uri: uri(f), languageId: 'c', version: 1, text: fs.readFileSync(f, 'utf8') },
      });
    }
  });

  after(() => {
    conn?.dispose();
    proc?.kill();
  });

  const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle));

  it('documentSymbol lists the functions of slab_common.c', async () => {
    const syms = (await conn.sendRequest('textDocument/documentSymbol', { textDocument: { uri: uri(COMMON) } })) as {
      name: string;
    }[];
    const names = syms.map((s) => s.name);
    assert.ok(names.includes('kvfree_rcu_barrier_on_cache'));
    assert.ok(names.includes('kmem_cache_destroy'));
  });

  it('hover on kvfree_rcu_barrier_on_cache shows how it is reached', async () => {
    const line = lineOf(commonText, 'void kvfree_rcu_barrier_on_cache(');
    const character = commonText.split('\n')[line].indexOf('kvfree_rcu_barrier_on_cache') + 3;
    const h = (await conn.sendRequest('textDocument/hover', {
      textDocument: { uri: uri(COMMON) },
      position: { line, character },
    })) as { contents: { value: string } };
    assert.match(h.contents.value, /kmem_cache_destroy/);
    assert.match(h.contents.value, /flush_rcu_sheaves_on_cache/);
    // the facts' scenarios that run through it, and none that does not (F5 never destroys the cache)
    const reach = /\*\*Scenarios that reach it\*\*[^\n]*/.exec(h.contents.value)?.[0] ?? '';
    assert.match(reach, /`f1-kasan-nofix` \(F1, expect fail\)/);
    assert.match(reach, /`f2-kasan-fix` \(F2, expect pass\)/);
    assert.doesNotMatch(reach, /f5-/);
  });

  it('codeLens offers Simulate on its line', async () => {
    const line = lineOf(commonText, 'void kvfree_rcu_barrier_on_cache(');
    const lenses = (await conn.sendRequest('textDocument/codeLens', { textDocument: { uri: uri(COMMON) } })) as {
      range: { start: { line: number } };
      command: { title: string };
    }[];
    assert.ok(lenses.some((l) => l.range.start.line === line && /Simulate/.test(l.command.title)));
  });

  it('incoming calls of flush_rcu_sheaves_on_cache include kvfree_rcu_barrier_on_cache', async () => {
    const slubText = fs.readFileSync(SLUB, 'utf8');
    const line = lineOf(slubText, 'void flush_rcu_sheaves_on_cache(');
    const character = slubText.split('\n')[line].indexOf('flush_rcu_sheaves_on_cache') + 2;
    const items = (await conn.sendRequest('textDocument/prepareCallHierarchy', {
      textDocument: { uri: uri(SLUB) },
      position: { line, character },
    })) as unknown[];
    assert.equal(items.length, 1);
    const incoming = (await conn.sendRequest('callHierarchy/incomingCalls', { item: items[0] })) as {
      from: { name: string };
    }[];
    assert.ok(incoming.some((c) => c.from.name === 'kvfree_rcu_barrier_on_cache'));
  });

  it('editing kvfree_rcu_barrier_on_cache flips the KASAN verdict, and back', async () => {
    const simulate = async () =>
      (await conn.sendRequest('slablens/simulate', { function: 'kvfree_rcu_barrier_on_cache', kasan: true })) as {
        verdict: string;
        property?: string;
      };
    // the fixture is the pre-patch-01 body: KASAN fails
    const before = await simulate();
    assert.equal(before.verdict, 'fail');
    assert.equal(before.property, 'objects remaining');
    // apply patch 01: add rcu_barrier(); after flush_rcu_sheaves_on_cache(s);
    const at = lineOf(commonText, 'flush_rcu_sheaves_on_cache(s);');
    const lines = commonText.split('\n');
    const indent = /^\s*/.exec(lines[at])![0];
    const patched = [...lines.slice(0, at + 1), `${indent}rcu_barrier();`, ...lines.slice(at + 1)].join('\n');
    await conn.sendNotification('textDocument/didChange', {
      textDocument: { uri: uri(COMMON), version: 2 },
      contentChanges: [{ text: patched }],
    });
    const fixed = await simulate();
    assert.equal(fixed.verdict, 'pass');
    await conn.sendNotification('textDocument/didChange', {
      textDocument: { uri: uri(COMMON), version: 3 },
      contentChanges: [{ text: commonText }],
    });
    assert.equal((await simulate()).verdict, 'fail');
  });

  it('typing rcu_barrier(); as an editor sends it (ranged changes, an auto-closed paren) flips the verdict; deleting the line flips it back', async () => {
    const simulate = async () =>
      (
        (await conn.sendRequest('slablens/simulate', { function: 'kvfree_rcu_barrier_on_cache', kasan: true })) as {
          verdict: string;
        }
      ).verdict;
    const at = lineOf(commonText, 'flush_rcu_sheaves_on_cache(s);');
    let character = commonText.split('\n')[at].length;
    let line = at;
    let version = 10;
    const type = async (text: string, replace = 0) => {
      const range = { start: { line, character }, end: { line, character: character + replace } };
      await conn.sendNotification('textDocument/didChange', {
        textDocument: { uri: uri(COMMON), version: ++version },
        contentChanges: [{ range, text }],
      });
      const parts = text.split('\n');
      if (parts.length > 1) {
        line += parts.length - 1;
        character = parts[parts.length - 1].length;
      } else character += text.length;
    };
    await type('\n\t');
    for (const ch of 'rcu_barrier') await type(ch);
    await type('()'); // the editor closes the paren
    await type(';');
    assert.equal(await simulate(), 'pass');
    // select the new line and delete it (one ranged change over a line break)
    await conn.sendNotification('textDocument/didChange', {
      textDocument: { uri: uri(COMMON), version: ++version },
      contentChanges: [
        {
          range: {
            start: { line: at, character: commonText.split('\n')[at].length },
            end: { line: at + 1, character: '\trcu_barrier();'.length },
          },
          text: '',
        },
      ],
    });
    assert.equal(await simulate(), 'fail');
    const syms = (await conn.sendRequest('textDocument/documentSymbol', { textDocument: { uri: uri(COMMON) } })) as {
      name: string;
      range: { start: { line: number } };
    }[];
    const kcd = syms.find((s) => s.name === 'kmem_cache_destroy')!;
    assert.equal(kcd.range.start.line, lineOf(commonText, 'void kmem_cache_destroy('));
  });

  it('what-if runs leave the buffer alone: without a statement, a scratch copy; verdicts labelled, kept per configuration', async () => {
    type R = {
      verdict: string;
      property?: string;
      experiment?: string;
      covered: { fn: string; line?: number }[];
      covers: string;
      statements: Record<string, { uri: string; lines: number[] }>;
    };
    const at = lineOf(commonText, 'flush_rcu_sheaves_on_cache(s);');
    const lines = commonText.split('\n');
    const indent = /^\s*/.exec(lines[at])![0];
    const patched = [...lines.slice(0, at + 1), `${indent}rcu_barrier();`, ...lines.slice(at + 1)].join('\n');
    await conn.sendNotification('textDocument/didChange', {
      textDocument: { uri: uri(COMMON), version: 40 },
      contentChanges: [{ text: patched }],
    });
    const sim = async (p: object) =>
      (await conn.sendRequest('slablens/simulate', { function: 'kvfree_rcu_barrier_on_cache', ...p })) as R;
    const pass = await sim({ kasan: true });
    assert.equal(pass.verdict, 'pass');
    assert.equal(pass.experiment, undefined);
    assert.match(pass.covers, /P0 on CPU0: kmem_cache_destroy\(s\)/);
    // coverage: the rcu_barrier() under CONFIG_SLUB_RCU_DEBUG in kmem_cache_destroy is never reached
    const kcdLines = pass.statements.kmem_cache_destroy.lines;
    const debugBarrier = lineOf(patched, 'SLAB_TYPESAFE_BY_RCU)) {') + 1;
    assert.ok(kcdLines.includes(debugBarrier), `${debugBarrier} in ${kcdLines}`);
    assert.ok(!pass.covered.some((c) => c.fn === 'kmem_cache_destroy' && c.line === debugBarrier));
    assert.ok(pass.covered.some((c) => c.fn === 'kvfree_rcu_barrier_on_cache' && c.line === at + 1));
    // the lens and the code action on the new rcu_barrier();
    const lenses = (await conn.sendRequest('textDocument/codeLens', { textDocument: { uri: uri(COMMON) } })) as {
      range: { start: { line: number } };
      command: { title: string; arguments: unknown[] };
    }[];
    const lens = lenses.find((l) => l.range.start.line === at + 1 && /without this statement/.test(l.command.title));
    assert.ok(lens, 'a "Simulate without this statement" lens on rcu_barrier();');
    const actions = (await conn.sendRequest('textDocument/codeAction', {
      textDocument: { uri: uri(COMMON) },
      range: { start: { line: at + 1, character: 2 }, end: { line: at + 1, character: 2 } },
      context: { diagnostics: [] },
    })) as { title: string }[];
    assert.ok(
      actions.some((a) => a.title === 'Simulate without this statement'),
      JSON.stringify(actions),
    );
    // without it: FAIL, labelled; the server's buffer is what the editor sent, unchanged
    const without = await sim({ kasan: true, experiment: { without: { uri: uri(COMMON), line: at + 1 } } });
    assert.equal(without.verdict, 'fail');
    assert.equal(without.property, 'objects remaining');
    assert.match(without.experiment ?? '', /without `rcu_barrier\(\);` \(line \d+, kvfree_rcu_barrier_on_cache\)/);
    assert.equal(await sim({ kasan: true }).then((r) => r.verdict), 'pass', 'the buffer still has its rcu_barrier()');
    assert.equal(fs.readFileSync(COMMON, 'utf8'), commonText, 'the file on disk is untouched');
    // the same function as a scratch copy, without the barrier
    const fnText = patched.slice(
      patched.indexOf('void kvfree_rcu_barrier_on_cache('),
      patched.indexOf('EXPORT_SYMBOL_GPL(kvfree_rcu_barrier_on_cache)'),
    );
    const copy = await sim({
      kasan: true,
      experiment: { copy: { uri: 'untitled:Untitled-1', text: fnText.replace(/\n\s*rcu_barrier\(\);/, '') } },
    });
    assert.equal(copy.verdict, 'fail');
    assert.match(copy.experiment ?? '', /experiment copy of kvfree_rcu_barrier_on_cache/);
    assert.equal(copy.statements.kvfree_rcu_barrier_on_cache.uri, 'untitled:Untitled-1');
    const bad = (await conn
      .sendRequest('slablens/simulate', { function: 'x', experiment: { without: { uri: uri(COMMON), line: 0 } } })
      .catch((e: Error) => e)) as Error;
    assert.match(bad.message, /not inside a function the simulator follows/);
    // per configuration: a failing KASAN run's diagnostic survives a passing run without KASAN
    await conn.sendNotification('textDocument/didChange', {
      textDocument: { uri: uri(COMMON), version: 41 },
      contentChanges: [{ text: commonText }],
    });
    assert.equal((await sim({ kasan: true })).verdict, 'fail');
    assert.equal((await sim({ kasan: false })).verdict, 'pass');
    // the diagnostics follow the answer (the server refreshes them a moment after it): the last
    // ones published after the plain run still carry the KASAN verdict
    const kasanOnFile = () =>
      (diagnostics.get(uri(COMMON)) ?? []).some((d) => /slablens \(KASAN\): .*[Oo]bjects remaining/.test(d.message));
    const published = diagnostics.get(uri(COMMON));
    for (let i = 0; i < 100 && diagnostics.get(uri(COMMON)) === published; i++)
      await new Promise((r) => setTimeout(r, 50));
    assert.notEqual(diagnostics.get(uri(COMMON)), published, 'no diagnostics published after the plain run');
    assert.ok(kasanOnFile(), 'the KASAN verdict is still on the file');
    const h = (await conn.sendRequest('textDocument/hover', {
      textDocument: { uri: uri(COMMON) },
      position: { line: lineOf(commonText, 'void kvfree_rcu_barrier_on_cache('), character: 8 },
    })) as { contents: { value: string } };
    assert.match(h.contents.value, /- KASAN: FAIL/);
    assert.match(h.contents.value, /- no KASAN: PASS/);
    assert.match(h.contents.value, /KASAN, \*\*experiment\*\* \(not the file\): FAIL/);
  });

  it('hover shows each effect with the condition it runs under', async () => {
    const slubText = fs.readFileSync(SLUB, 'utf8');
    const line = lineOf(slubText, 'int __kmem_cache_shutdown(');
    const h = (await conn.sendRequest('textDocument/hover', {
      textDocument: { uri: uri(SLUB) },
      position: { line, character: slubText.split('\n')[line].indexOf('__kmem_cache_shutdown') + 2 },
    })) as { contents: { value: string } };
    assert.match(h.contents.value, /\*\*Effects\*\*: [^\n]*`rcu_barrier` if `s->sheaf_capacity`/);
  });

  it('a modelled function whose body drops a call its model assumes gets a "model drift" warning', async () => {
    const slubText = fs.readFileSync(SLUB, 'utf8');
    const edited = slubText.replace(/\n[^\n]*call_rcu\(&batch->rcu_head, rcu_free_sheaf_nobarn\);/, '\n\t\t;');
    assert.notEqual(edited, slubText);
    await conn.sendNotification('textDocument/didChange', {
      textDocument: { uri: uri(SLUB), version: 2 },
      contentChanges: [{ text: edited }],
    });
    await conn.sendRequest('textDocument/documentSymbol', { textDocument: { uri: uri(SLUB) } });
    assert.ok(
      (diagnostics.get(uri(SLUB)) ?? []).some((d) =>
        /model drift: the model of flush_rcu_sheaf assumes it calls call_rcu/.test(d.message),
      ),
    );
    await conn.sendNotification('textDocument/didChange', {
      textDocument: { uri: uri(SLUB), version: 3 },
      contentChanges: [{ text: slubText }],
    });
    await conn.sendRequest('textDocument/documentSymbol', { textDocument: { uri: uri(SLUB) } });
    assert.ok(!(diagnostics.get(uri(SLUB)) ?? []).some((d) => /model drift/.test(d.message)));
  });

  it('a long exploration runs off the request thread: hover answers meanwhile, cancel stops it within a second', async () => {
    const src = new CancellationTokenSource();
    const long = conn.sendRequest(
      'slablens/simulate',
      { function: 'kmem_cache_destroy', kasan: true, cpus: 6, strategy: 'naive', maxStates: 50_000_000 },
      src.token,
    );
    await new Promise((r) => setTimeout(r, 300));
    const line = lineOf(commonText, 'void kvfree_rcu_barrier_on_cache(');
    const character = commonText.split('\n')[line].indexOf('kvfree_rcu_barrier_on_cache') + 3;
    const h = (await conn.sendRequest('textDocument/hover', {
      textDocument: { uri: uri(COMMON) },
      position: { line, character },
    })) as { contents: { value: string } } | null;
    assert.ok(h && /kmem_cache_destroy/.test(h.contents.value), 'hover answered while simulating');
    const t0 = Date.now();
    src.cancel();
    await assert.rejects(long, (e: { code?: number }) => e.code === -32800);
    assert.ok(Date.now() - t0 < 1000, `cancel took ${Date.now() - t0} ms`);
  });

  it('annotations: pinned call paths persist, resolve to lines, and a corrupt file is kept and reported', async () => {
    type A = {
      annotations: { id: number; note: string; locations: { function: string; line?: number }[] }[];
      error?: string;
    };
    const pathFns = ['kmem_cache_destroy', 'kvfree_rcu_barrier_on_cache', 'flush_rcu_sheaves_on_cache'];
    const added = (await conn.sendRequest('slablens/annotations', {
      action: 'add',
      path: pathFns,
      note: 'no barrier before kasan_cache_shutdown',
    })) as A;
    assert.equal(added.error, undefined);
    const file = path.join(FIX, '.slablens/annotations.json');
    assert.equal(
      JSON.parse(fs.readFileSync(file, 'utf8')).annotations[0].note,
      'no barrier before kasan_cache_shutdown',
    );
    const listed = (await conn.sendRequest('slablens/annotations', { action: 'list' })) as A;
    assert.equal(listed.annotations[0].locations[1].line, lineOf(commonText, 'void kvfree_rcu_barrier_on_cache('));
    fs.writeFileSync(file, '{"version": 1, "annotat');
    const bad = (await conn.sendRequest('slablens/annotations', {
      action: 'add',
      path: ['kmem_cache_destroy'],
      note: 'x',
    })) as A;
    assert.match(bad.error!, /corrupt/);
    assert.equal(fs.readFileSync(file, 'utf8'), '{"version": 1, "annotat');
  });

  it('half-typed C does not take the server down', async () => {
    const broken = commonText.slice(0, Math.floor(commonText.length / 2)) + '\n{{ if (s->';
    await conn.sendNotification('textDocument/didChange', {
      textDocument: { uri: uri(COMMON), version: 4 },
      contentChanges: [{ text: broken }],
    });
    const syms = (await conn.sendRequest('textDocument/documentSymbol', {
      textDocument: { uri: uri(COMMON) },
    })) as unknown[];
    assert.ok(Array.isArray(syms));
    await conn.sendNotification('textDocument/didChange', {
      textDocument: { uri: uri(COMMON), version: 5 },
      contentChanges: [{ text: commonText }],
    });
  });

  it('slablens/scenarios lists the built-in scenarios; a built-in run and a replay of its trace agree', async () => {
    const list = (await conn.sendRequest('slablens/scenarios')) as { id: string; expect: string }[];
    assert.ok(list.some((s) => s.id === 'f1-kasan-nofix' && s.expect === 'fail'));
    type R = { verdict: string; property?: string; trace: { token: string | null; schedule: string[] } | null };
    const run = (await conn.sendRequest('slablens/simulate', { scenario: 'f1-kasan-nofix', builtin: true })) as R;
    assert.equal(run.verdict, 'fail');
    const again = (await conn.sendRequest('slablens/replay', { trace: run.trace })) as R;
    assert.equal(again.verdict, 'fail');
    assert.equal(again.property, run.property);
    const byToken = (await conn.sendRequest('slablens/replay', { token: run.trace!.token })) as R;
    assert.deepEqual(byToken.trace!.schedule, run.trace!.schedule);
    // slablens.simulation.symmetry reaches the search, and the answer says what it covered
    const sym = (await conn.sendRequest('slablens/simulate', {
      scenario: 'f1-kasan-nofix',
      builtin: true,
      cpus: 4,
      symmetry: true,
    })) as R & { states: number; symmetry?: { classes: number[][]; permuted: number } };
    assert.equal(sym.verdict, 'fail');
    assert.deepEqual(sym.symmetry?.classes, [[1, 2, 3]]);
    assert.ok(sym.symmetry!.permuted > 0, 'some states were keyed up to a renaming');
    await assert.rejects(
      conn.sendRequest('slablens/replay', { trace: { format: 'something else' } }),
      /not a slablens trace/,
    );
  });
});
