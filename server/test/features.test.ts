// The server's features in-process, against a connection double: what the hover says and what
// diagnostics are published, without spawning the server (lsp*.test.ts speak JSON-RPC to the
// built one and stay as they are).

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import type { Connection, PublishDiagnosticsParams } from 'vscode-languageserver/node';
import { Analyzer } from '../src/analyzer';
import { ServerContext } from '../src/context';
import { computeDiagnostics, refreshDiagnostics } from '../src/features/diagnostics';
import { hover, hoverText } from '../src/features/hover';

const FIXTURES = path.resolve(__dirname, '../../../server/fixtures/kernel');
const files = ['mm/slab_common.c', 'mm/slub.c'].map((rel) => ({
  uri: pathToFileURL(path.join(FIXTURES, rel)).toString(),
  text: fs.readFileSync(path.join(FIXTURES, rel), 'utf8'),
}));

/** A connection that records what the features send; only what they use is there. */
function connectionDouble(): {
  connection: Connection;
  published: Map<string, PublishDiagnosticsParams['diagnostics']>;
  logged: string[];
} {
  const published = new Map<string, PublishDiagnosticsParams['diagnostics']>();
  const logged: string[] = [];
  const log = (s: string) => void logged.push(s);
  const connection = {
    console: { log, info: log, warn: log, error: log },
    sendDiagnostics: (p: PublishDiagnosticsParams) => void published.set(p.uri, p.diagnostics),
  } as unknown as Connection;
  return { connection, published, logged };
}

function context(
  edit?: (rel: string, text: string) => string,
): { ctx: ServerContext } & ReturnType<typeof connectionDouble> {
  const double = connectionDouble();
  const analyzer = new Analyzer({ lazyBodies: false });
  for (const f of files) analyzer.update(f.uri, edit ? edit(f.uri, f.text) : f.text);
  return { ctx: new ServerContext(double.connection, analyzer), ...double };
}

describe('server features in-process', () => {
  it('hover: the signature, the paths from kmem_cache_destroy with their effects, the model, the scenarios', () => {
    const { ctx } = context();
    const text = hoverText(ctx, 'kvfree_rcu_barrier_on_cache');
    assert.match(text, /```c\n[^\n]*kvfree_rcu_barrier_on_cache\(/);
    assert.match(text, /\*\*Reached from\*\*\n\n- `kmem_cache_destroy`[^\n]* → `kvfree_rcu_barrier_on_cache`/);
    assert.match(text, /\*\*Calls\*\*: [^\n]*`flush_rcu_sheaves_on_cache`/);
    assert.match(text, /\*\*Modelled as\*\*: orchestration/);
    assert.match(text, /`f1-kasan-nofix` \(F1, expect fail\)/);
    assert.doesNotMatch(text, /\*\*Last simulation\*\*/);
  });

  it('hover: only on a word the index defines', () => {
    const { ctx } = context();
    const common = files[0];
    const line = common.text.split('\n').findIndex((l) => l.includes('void kvfree_rcu_barrier_on_cache('));
    const at = common.text.split('\n')[line].indexOf('kvfree_rcu_barrier_on_cache');
    const h = hover(ctx, { textDocument: { uri: common.uri }, position: { line, character: at + 2 } });
    assert.ok(h && typeof h.contents === 'object' && 'value' in h.contents && /Reached from/.test(h.contents.value));
    assert.equal(
      hover(ctx, { textDocument: { uri: common.uri }, position: { line, character: 0 } }),
      null,
      '`void` is no function',
    );
  });

  it('diagnostics: none of drift on the fixtures; a body that drops a call its model assumes gets a warning, published', () => {
    const clean = context();
    refreshDiagnostics(clean.ctx);
    assert.ok(clean.published.size >= 2, [...clean.published.keys()].join(', '));
    assert.ok(![...clean.published.values()].flat().some((d) => /model drift/.test(d.message)));
    // flush_rcu_sheaf's model assumes its call_rcu(); the edited body no longer makes it
    const edit = (text: string) =>
      text.replace(/\n[^\n]*call_rcu\(&batch->rcu_head, rcu_free_sheaf_nobarn\);/, '\n\t\t;');
    assert.notEqual(edit(files[1].text), files[1].text);
    const drifted = context((uri, text) => (uri.endsWith('slub.c') ? edit(text) : text));
    const byUri = computeDiagnostics(drifted.ctx)!;
    const slub = byUri.get(files[1].uri) ?? [];
    assert.ok(
      slub.some((d) => /model drift: the model of flush_rcu_sheaf assumes it calls call_rcu/.test(d.message)),
      slub.map((d) => d.message).join('\n'),
    );
  });
});
