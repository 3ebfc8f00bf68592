// Cold indexing on two threads (an IndexWorker helper takes the second part of each file) must
// give what one thread gives: the same entries, the same whole tree once it is needed, and edits
// on top of it that end where a cold index of the edited text ends.

import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { Analyzer, extractOrchestrationReport, IndexWorker } from '../src/analyzer';
import { mask, parseMasked } from '../src/analyzer/parse';
import { splitPoint, topLevel, topLevelIs } from '../src/analyzer/split';

const FIXTURES = join(__dirname, '..', '..', '..', 'server', 'fixtures', 'kernel', 'mm');
const COMMON = 'file:///kernel/mm/slab_common.c';
const SLUB = 'file:///kernel/mm/slub.c';
const read = (f: string): string => readFileSync(join(FIXTURES, f), 'utf8');

/** What the server reads from an analyzer, trees included. */
function snapshot(a: Analyzer) {
  const fns = a.functions();
  const names = [...new Set(fns.flatMap((f) => [f.name, ...f.calls.map((c) => c.callee), ...(f.refs ?? []).map((r) => r.callee)]))].sort();
  return {
    functions: fns,
    structs: a.structs(),
    callers: names.map((n) => [n, a.callers(n)]),
    callees: names.map((n) => [n, a.callees(n)]),
    paths: ['free_partial', 'flush_rcu_sheaf', 'rcu_barrier', 'kvfree_rcu_barrier_on_cache'].map((n) => a.pathsToRoot(n)),
    trees: [COMMON, SLUB].map((u) => a.tree(u)?.rootNode.toString()),
    extraction: extractOrchestrationReport(a),
  };
}

/** The fixtures (or texts given) indexed; `splits`: where each update split its file, if it did. */
function load(a: Analyzer, common = read('slab_common.c'), slub = read('slub.c'), splits: (number | undefined)[] = []): Analyzer {
  a.update(COMMON, common);
  splits.push(a.lastUpdate?.split);
  a.update(SLUB, slub);
  splits.push(a.lastUpdate?.split);
  return a;
}

describe('index helper thread', () => {
  // the fixtures are small: the helper takes any file here, and half of it
  let worker: IndexWorker;
  before(async () => {
    worker = new IndexWorker({ minChars: 0, share: 0.5 });
    await worker.ready;
  });
  after(() => worker.dispose());

  it('splits a file at a top-level boundary, outside #if blocks', () => {
    const text = ['int a;', '#ifdef X', 'void f(void)', '{', '}', '#endif', 'void g(void)', '{', '}', 'void h(void)', '{', '}', ''].join('\n');
    const at = splitPoint(text, 0)!;
    // not after f's `}` (inside #ifdef X): after g's
    assert.equal(text.slice(at), 'void h(void)\n{\n}\n');
    assert.equal(splitPoint('void f(void) { }\n', 0), undefined);
  });

  it('indexes the second part of a file on the helper: the same entries as on one thread', () => {
    const splits: (number | undefined)[] = [];
    const two = load(new Analyzer({ worker }), undefined, undefined, splits);
    const one = load(new Analyzer());
    assert.ok(splits.every((s) => s !== undefined), 'both files split');
    // compared before anything asks for a tree: these come from the two parts
    assert.deepEqual(two.functions(), one.functions());
    assert.deepEqual(two.structs(), one.structs());
    for (const f of one.functions()) assert.deepEqual(two.callers(f.name), one.callers(f.name), f.name);
    assert.deepEqual(snapshot(two), snapshot(one));
  });

  it('a split inside a construct leaves an error at the split: the file is indexed on one thread', async () => {
    // a `}` line in a comment, which the split is made after
    const text = read('slub.c');
    const cut = text.indexOf('\n}\n', text.length / 2) + 3;
    const odd = `${text.slice(0, cut)}/*\n}\n*/\n${text.slice(cut)}`;
    const inComment = cut + 5;
    assert.equal(splitPoint(odd, inComment - 1), inComment);
    const m = mask(odd);
    const prefix = parseMasked(odd, m, undefined, { start: 0, end: inComment, startPosition: { row: 0, column: 0 }, endPosition: { row: odd.slice(0, inComment).split('\n').length - 1, column: 0 } });
    assert.equal(topLevel(prefix, 'last').clean, false);
    // and through the analyzer, with the helper splitting there
    const helper = new IndexWorker({ minChars: 0, share: 1 - (inComment - 1) / odd.length });
    await helper.ready;
    try {
      const two = new Analyzer({ worker: helper });
      const one = new Analyzer();
      two.update(SLUB, odd);
      assert.equal(two.lastUpdate?.split, undefined);
      one.update(SLUB, odd);
      assert.deepEqual(two.functions(), one.functions());
      assert.equal(two.tree(SLUB)!.rootNode.toString(), one.tree(SLUB)!.rootNode.toString());
    } finally {
      helper.dispose();
    }
  });

  it('the whole tree must have the top-level nodes the parts had', () => {
    const text = read('slab_common.c');
    const tree = parseMasked(text, mask(text));
    const { top } = topLevel(tree, 'first');
    assert.ok(topLevelIs(tree, top));
    assert.ok(!topLevelIs(tree, top.slice(0, -3)));
    assert.ok(!topLevelIs(tree, [...top.slice(0, 3), top[3] + 1, ...top.slice(4)]));
  });

  it('edits after a two-thread index end where a cold index of the edited text ends', () => {
    const SNIPPETS = ['{', '}', '(', ')', ';', '\n', '/*', '*/', 'rcu_barrier();', 'for_each_online_cpu(cpu) {', 'void typed(struct kmem_cache *s)\n{\n\tflush_slab(s, NULL);\n}\n', '}\n'];
    const edit = fc.record({
      pos: fc.nat(),
      del: fc.oneof(fc.constant(0), fc.nat({ max: 3 }), fc.nat({ max: 400 })),
      ins: fc.oneof(fc.constantFrom(...SNIPPETS), fc.string({ maxLength: 4 }), fc.constant('')),
    });
    fc.assert(
      fc.property(fc.constantFrom(COMMON, SLUB), fc.array(edit, { minLength: 1, maxLength: 4 }), (uri, edits) => {
        const splits: (number | undefined)[] = [];
        const a = load(new Analyzer({ worker }), undefined, undefined, splits);
        assert.ok(splits.every((s) => s !== undefined));
        for (const e of edits) {
          const t = a.text(uri)!;
          const p = e.pos % (t.length + 1);
          a.applyEdit(uri, p, Math.min(t.length, p + e.del), e.ins);
        }
        const incremental = snapshot(a);
        // re-deriving the whole tree gives the same as what the edits left
        a.rederive(uri);
        assert.deepEqual(incremental, snapshot(a));
        const cold = load(new Analyzer(), a.text(COMMON)!, a.text(SLUB)!);
        if (cold.tree(uri)!.rootNode.toString() === a.tree(uri)!.rootNode.toString()) assert.deepEqual(incremental, snapshot(cold));
      }),
      { numRuns: Number(process.env.SLABLENS_FC_RUNS ?? 40) },
    );
  });
});
