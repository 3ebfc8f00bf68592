// The analyzer core on hand-written fixtures with kernel idioms (server/fixtures/kernel/mm).

import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { builtinPrograms, check, makeScenario, stripAnchors } from '../../engine/src';
import { Analyzer, extractOrchestration, extractOrchestrationReport } from '../src/analyzer';
import { COMMON, EXPECTED_FUNCTIONS, load, read, SLUB } from './fixtureKernel';

describe('analyzer: symbols', () => {
  it('finds every function definition, and none from loop macros', () => {
    const a = load();
    const names = a.functions().map((f) => f.name);
    assert.deepEqual(names, EXPECTED_FUNCTIONS);
    assert.ok(!names.some((n) => n.startsWith('for_each') || n.startsWith('list_for_each')));
  });

  it('handles attribute macros in signatures', () => {
    const a = load();
    const stat = a.definition('stat')!;
    assert.equal(stat.signature, 'static __always_inline void stat(const struct kmem_cache *s, enum stat_item si)');
    assert.equal(stat.isStatic, true);
    assert.equal(a.definition('do_slab_free')!.isStatic, true);
    assert.match(a.definition('__kfree_rcu_sheaf')!.signature, /__must_check __kfree_rcu_sheaf\(/);
    const init = a.definition('kvfree_rcu_init')!;
    assert.equal(init.signature, 'void __init kvfree_rcu_init(void)');
    assert.equal(a.definition('kmem_cache_destroy')!.isStatic, false);
    const kcd = a.definition('kmem_cache_destroy')!;
    const text = a.text(COMMON)!.split('\n');
    assert.match(text[kcd.selectionRange.start.line], /^void kmem_cache_destroy\(/);
    assert.equal(a.functionAt(COMMON, kcd.range.start.line + 3, 2)?.name, 'kmem_cache_destroy');
    assert.equal(a.functionAt(COMMON, 0, 0), undefined);
  });

  it('records calls with loop-macro context and pointer calls', () => {
    const a = load();
    const f = a.definition('flush_rcu_sheaves_on_cache')!;
    const q = f.calls.find((c) => c.callee === 'queue_work_on')!;
    assert.equal(q.inLoopMacro, 'for_each_online_cpu');
    assert.equal(f.calls.find((c) => c.callee === 'mutex_lock')!.inLoopMacro, undefined);
    const sh = a.definition('__kmem_cache_shutdown')!;
    assert.equal(sh.calls.find((c) => c.callee === 'free_partial')!.inLoopMacro, 'for_each_kmem_cache_node');
    assert.equal(sh.calls.find((c) => c.callee === 'rcu_barrier')!.inLoopMacro, undefined);
  });

  it('reads loop macros, type arguments and #define lines without syntax errors (no error subtree defeats incremental re-parse)', () => {
    const src = [
      '#define __fastpath_inline __always_inline',
      '#define for_each_object(__p, __s, __addr, __objects) \\',
      '\tfor (__p = (__addr); __p < (__addr) + (__objects) * (__s)->size; __p += (__s)->size)',
      'static unsigned long count_partial(struct kmem_cache_node *n, int (*get_count)(struct slab *))',
      '{',
      '\tunsigned long x = 0;',
      '\tstruct slab *slab;',
      '\tlist_for_each_entry(slab, &n->partial, slab_list)',
      '\t\tx += get_count(slab);',
      '\treturn min_t(unsigned long, x, MAX_PARTIAL);',
      '}',
      'static void flush_cpu_slab(struct work_struct *w)',
      '{',
      '\tstruct slub_flush_work *sfw = container_of(w, struct slub_flush_work, work);',
      '\tint cpu;',
      '\tfor_each_online_cpu(cpu) {',
      '\t\tfor_each_object(p, s, slab_address(slab), slab->objects)',
      '\t\t\tsetup_object(s, p);',
      '\t\tflush_slab(sfw->s, cpu);',
      '\t}',
      '}',
      '',
    ].join('\n');
    const a = new Analyzer();
    a.update(SLUB, src);
    assert.equal(a.tree(SLUB)!.rootNode.hasError, false, a.tree(SLUB)!.rootNode.toString());
    assert.deepEqual(
      a.functions().map((f) => f.name),
      ['count_partial', 'flush_cpu_slab'],
    );
    const loops = (fn: string) =>
      a.definition(fn)!.calls.map((c) => `${c.callee}${c.inLoopMacro ? ' in ' + c.inLoopMacro : ''}`);
    // an unbraced loop body is the loop's; the loop macro's own arguments are outside it
    assert.deepEqual(loops('count_partial'), ['get_count in list_for_each_entry', 'min_t']);
    assert.deepEqual(loops('flush_cpu_slab'), [
      'container_of',
      'slab_address in for_each_online_cpu',
      'setup_object in for_each_object',
      'flush_slab in for_each_online_cpu',
    ]);
    // a type argument is no function reference
    assert.ok(!(a.definition('flush_cpu_slab')!.refs ?? []).some((r) => /struct|slub_flush_work/.test(r.callee)));
  });

  it('finds structs and their fields', () => {
    const a = load();
    assert.deepEqual(
      a.struct('slub_percpu_sheaves')!.fields.map((f) => f.name),
      ['main', 'spare', 'rcu_free', 'lock'],
    );
    assert.deepEqual(
      a.struct('slab_sheaf')!.fields.map((f) => f.name),
      ['size', 'cache', 'barn_list', 'rcu_head', 'node', 'objects'],
    );
  });
});

describe('analyzer: call graph', () => {
  it('callers and callees', () => {
    const a = load();
    assert.ok(a.callers('flush_rcu_sheaves_on_cache').some((c) => c.caller === 'kvfree_rcu_barrier_on_cache'));
    assert.ok(a.callees('kmem_cache_destroy').some((c) => c.callee === '__kmem_cache_shutdown'));
    // a work function is reached through INIT_WORK(&sfw->work, flush_rcu_sheaf)
    const ref = a.callers('flush_rcu_sheaf').find((c) => c.caller === 'flush_rcu_sheaves_on_cache');
    assert.ok(ref?.reference);
  });

  it('paths to an entry point', () => {
    const a = load();
    const paths = a.pathsToRoot('flush_rcu_sheaf');
    assert.ok(
      paths.some((p) => p[0] === 'kmem_cache_destroy' && p[p.length - 1] === 'flush_rcu_sheaf'),
      JSON.stringify(paths),
    );
    assert.deepEqual(a.pathsToRoot('free_partial')[0], ['kmem_cache_destroy', '__kmem_cache_shutdown', 'free_partial']);
  });
});

describe('analyzer: IR extraction', () => {
  it('the orchestration functions extract to the engine built-in IR', () => {
    const a = load();
    assert.deepEqual(stripAnchors(extractOrchestration(a)), stripAnchors(builtinPrograms()));
    const r = extractOrchestrationReport(a);
    for (const [fn, x] of Object.entries(r.extractions)) assert.deepEqual(x.notModelled, [], fn);
    // locks are IR now: state in the engine, not ignored
    assert.ok(!r.extractions.kmem_cache_destroy.ignored.some((i) => /lock/.test(i.call)));
    assert.ok(
      r.programs.kmem_cache_destroy.some(
        (st) => st.op === 'lock' && st.fn === 'mutex_lock' && st.lock === '&slab_mutex',
      ),
    );
    // anchors keep the source line
    const kcd = r.programs.kmem_cache_destroy;
    assert.match(a.text(COMMON)!.split('\n')[kcd[0].anchor!.line!], /kvfree_rcu_barrier_on_cache\(s\)/);
  });

  it('drops a NULL check of the cache argument, reports other unmapped guards', () => {
    const a = new Analyzer();
    a.update(
      COMMON,
      'void kvfree_rcu_barrier_on_cache(struct kmem_cache *s)\n{\n\tif (unlikely(!s) || !kasan_check_byte(s))\n\t\treturn;\n\tif (s->cpu_sheaves) {\n\t\tflush_rcu_sheaves_on_cache(s);\n\t}\n\tif (weird(s))\n\t\trcu_barrier();\n\t__kvfree_rcu_barrier();\n}\n',
    );
    const x = a.extract('kvfree_rcu_barrier_on_cache')!;
    assert.deepEqual(stripAnchors({ f: x.program }).f, stripAnchors(builtinPrograms()).kvfree_rcu_barrier_on_cache);
    assert.deepEqual(
      x.notModelled.map((n) => [n.line, n.reason]),
      [[7, 'condition not modelled: (weird(s))']],
    );
    assert.ok(x.ignored.some((i) => i.line === 2));
    assert.deepEqual(x.lines, [4, 5, 9]);
  });

  it("the newer kernel's idioms: WARN under !slab_in_kunit_test(), if (n->barn), defer_free_barrier()", () => {
    const a = new Analyzer();
    a.update(
      COMMON,
      [
        'void kmem_cache_destroy(struct kmem_cache *s)',
        '{',
        '\tint err;',
        '\tkvfree_rcu_barrier_on_cache(s);',
        '\t/* kfree_nolock() may have deferred frees of this cache */',
        '\tdefer_free_barrier();',
        '\tkasan_cache_shutdown(s);',
        '\terr = __kmem_cache_shutdown(s);',
        '\tif (!slab_in_kunit_test())',
        '\t\tWARN(err, "%s %s: Slab cache still has objects when called from %pS",',
        '\t\t     __func__, s->name, (void *)_RET_IP_);',
        '}',
        '',
      ].join('\n'),
    );
    a.update(
      SLUB,
      'int __kmem_cache_shutdown(struct kmem_cache *s)\n{\n\tint node;\n\tstruct kmem_cache_node *n;\n\n\tfor_each_kmem_cache_node(s, node, n) {\n\t\tif (n->barn)\n\t\t\tbarn_shrink(s, n->barn);\n\t\tfree_partial(s, n);\n\t}\n\treturn 0;\n}\n',
    );
    const destroy = a.extract('kmem_cache_destroy')!;
    assert.deepEqual(destroy.notModelled, []);
    assert.ok(destroy.ignored.some((i) => i.call === 'defer_free_barrier'));
    const warn = stripAnchors({ f: destroy.program }).f.at(-1);
    assert.deepEqual(warn, {
      op: 'if',
      cond: { kind: 'not', arg: { kind: 'call', fn: 'slab_in_kunit_test' } },
      then: [
        {
          op: 'warn',
          cond: { kind: 'local', name: 'err' },
          message: 'kmem_cache_destroy %s: Slab cache still has objects when called from <caller>',
        },
      ],
    });
    const shutdown = a.extract('__kmem_cache_shutdown')!;
    assert.deepEqual(shutdown.notModelled, []);
    const loop = stripAnchors({ f: shutdown.program }).f[0] as { op: string; body: unknown[] };
    assert.deepEqual(loop.body[0], {
      op: 'if',
      cond: { kind: 'call', fn: 'cache_has_sheaves' },
      then: [{ op: 'call', fn: 'barn_shrink', args: ['s'] }],
    });
  });

  it('continue and break under a modelled guard are control flow; sfw->skip is remembered per CPU', () => {
    const a = new Analyzer();
    a.update(
      SLUB,
      [
        'static void flush_all_cpus_locked(struct kmem_cache *s)',
        '{',
        '\tstruct slub_flush_work *sfw;',
        '\tunsigned int cpu;',
        '',
        '\tmutex_lock(&flush_lock);',
        '\tfor_each_online_cpu(cpu) {',
        '\t\tsfw = &per_cpu(slub_flush, cpu);',
        '\t\tif (!has_pcs_used(cpu, s)) {',
        '\t\t\tsfw->skip = true;',
        '\t\t\tcontinue;',
        '\t\t}',
        '\t\tINIT_WORK(&sfw->work, flush_cpu_sheaves);',
        '\t\tsfw->skip = false;',
        '\t\tsfw->s = s;',
        '\t\tqueue_work_on(cpu, flushwq, &sfw->work);',
        '\t}',
        '\tfor_each_online_cpu(cpu) {',
        '\t\tsfw = &per_cpu(slub_flush, cpu);',
        '\t\tif (sfw->skip)',
        '\t\t\tcontinue;',
        '\t\tflush_work(&sfw->work);',
        '\t\tif (cache_has_sheaves(s))',
        '\t\t\tbreak;',
        '\t}',
        '\tmutex_unlock(&flush_lock);',
        '}',
        '',
      ].join('\n'),
    );
    const x = a.extract('flush_all_cpus_locked')!;
    assert.deepEqual(x.notModelled, []);
    const [lock, first, second, unlock] = stripAnchors({ f: x.program }).f as { op: string; body: unknown[] }[];
    assert.deepEqual(
      [lock, unlock],
      [
        { op: 'lock', fn: 'mutex_lock', lock: '&flush_lock' },
        { op: 'lock', fn: 'mutex_unlock', lock: '&flush_lock' },
      ],
    );
    const skip = { kind: 'local', name: 'slub_flush.skip', index: 'cpu' };
    assert.deepEqual(first.body, [
      {
        op: 'if',
        cond: { kind: 'not', arg: { kind: 'call', fn: 'has_pcs_used', args: ['cpu', 's'] } },
        then: [
          { op: 'set', name: 'slub_flush.skip', index: 'cpu', value: { kind: 'const', value: true } },
          { op: 'continue' },
        ],
      },
      { op: 'set', name: 'slub_flush.skip', index: 'cpu', value: { kind: 'const', value: false } },
      { op: 'queue_work_on', cpu: 'cpu', work: 'slub_flush', fn: 'flush_cpu_sheaves' },
    ]);
    assert.deepEqual(second.body, [
      { op: 'if', cond: skip, then: [{ op: 'continue' }] },
      { op: 'flush_work', cpu: 'cpu', work: 'slub_flush' },
      { op: 'if', cond: { kind: 'call', fn: 'cache_has_sheaves' }, then: [{ op: 'break' }] },
    ]);
    // outside a modelled loop the keyword is not a call: the report names the loop it belongs to
    a.update(
      SLUB,
      'static void flush_all_cpus_locked(struct kmem_cache *s)\n{\n\twhile (s) {\n\t\tcontinue;\n\t}\n}\n',
    );
    const y = a.extract('flush_all_cpus_locked')!;
    assert.ok(
      y.notModelled.every((n) => !/^(continue|break)$/.test(n.call)),
      JSON.stringify(y.notModelled),
    );
  });

  it('reports calls it has no model for', () => {
    const a = load();
    const x = a.extract('kvfree_call_rcu')!;
    assert.ok(
      x.notModelled.some((n) => n.reason === 'no model for kvfree' || n.reason === 'no model for synchronize_rcu'),
      JSON.stringify(x.notModelled),
    );
  });

  it('patch 01 typed in the editor: IR follows and the engine verdict flips', () => {
    const a = load();
    const before = extractOrchestration(a);
    assert.equal(check(makeScenario('f1-kasan-nofix', { programs: before }), { strategy: 'dpor' }).verdict, 'fail');

    const text = a.text(COMMON)!;
    const fnStart = text.indexOf('void kvfree_rcu_barrier_on_cache(');
    // as patch 01 does it: the if gets braces and rcu_barrier() goes inside
    const needle = 'if (s->cpu_sheaves)\n\t\tflush_rcu_sheaves_on_cache(s);';
    const at = text.indexOf(needle, fnStart);
    a.applyEdit(
      COMMON,
      at,
      at + needle.length,
      'if (s->cpu_sheaves) {\n\t\tflush_rcu_sheaves_on_cache(s);\n\t\trcu_barrier();\n\t}',
    );
    assert.match(a.text(COMMON)!, /flush_rcu_sheaves_on_cache\(s\);\n\t\trcu_barrier\(\);/);

    const after = extractOrchestration(a);
    assert.deepEqual(
      stripAnchors(after).kvfree_rcu_barrier_on_cache,
      stripAnchors(builtinPrograms({ patch01: true })).kvfree_rcu_barrier_on_cache,
    );
    assert.deepEqual(stripAnchors(after), stripAnchors(builtinPrograms({ patch01: true })));
    assert.equal(check(makeScenario('f1-kasan-nofix', { programs: after }), { strategy: 'dpor' }).verdict, 'pass');
    assert.deepEqual(
      a.functions().map((f) => f.name),
      EXPECTED_FUNCTIONS,
    );

    // the incremental tree agrees with a fresh parse
    const fresh = new Analyzer();
    fresh.update(COMMON, a.text(COMMON)!);
    assert.equal(fresh.tree(COMMON)!.rootNode.toString(), a.tree(COMMON)!.rootNode.toString());
  });
});

describe('analyzer: incremental edits', () => {
  it('typing character by character (also into an attribute macro) matches a fresh parse', () => {
    const a = load();
    const text = a.text(SLUB)!;
    let at = text.indexOf('static void flush_all_cpus_locked(');
    for (const ch of 'static __always_inline int typed_fn(struct kmem_cache *s)\n{\n\tflush_slab(s, NULL);\n}\n\n') {
      a.applyEdit(SLUB, at, at, ch);
      at++;
    }
    const fresh = new Analyzer();
    fresh.update(SLUB, a.text(SLUB)!);
    assert.equal(a.tree(SLUB)!.rootNode.toString(), fresh.tree(SLUB)!.rootNode.toString());
    const f = a.definition('typed_fn')!;
    assert.equal(f.signature, 'static __always_inline int typed_fn(struct kmem_cache *s)');
    assert.deepEqual(
      f.calls.map((c) => c.callee),
      ['flush_slab'],
    );
    // delete it again, in one edit
    const start = a.text(SLUB)!.indexOf('static __always_inline int typed_fn');
    a.applyEdit(SLUB, start, at, '');
    assert.equal(a.text(SLUB), read('slub.c'));
    assert.equal(a.definition('typed_fn'), undefined);
  });

  it('attribute macros with arguments (__printf(2, 3)) do not hide a definition', () => {
    const a = new Analyzer();
    a.update(
      SLUB,
      'static __printf(3, 4) void slab_bug(struct kmem_cache *s, struct slab *slab,\n\t\tconst char *fmt, ...)\n{\n\tpr_err("%s __init", fmt);\n}\n',
    );
    const f = a.definition('slab_bug')!;
    assert.equal(
      f.signature,
      'static __printf(3, 4) void slab_bug(struct kmem_cache *s, struct slab *slab, const char *fmt, ...)',
    );
    assert.deepEqual(
      f.calls.map((c) => c.callee),
      ['pr_err'],
    );
  });
});

describe('analyzer: half-typed C', () => {
  it('never throws, and keeps the functions before the damage', () => {
    const src = read('slub.c');
    const cut = src.indexOf('void flush_rcu_sheaves_on_cache(');
    const a = new Analyzer();
    // every prefix ending at a line boundary in the second half, and a few mid-token cuts
    const lines = src.split('\n');
    let off = 0;
    for (const l of lines) {
      off += l.length + 1;
      if (off % 3 === 0 || off > cut - 400) {
        assert.doesNotThrow(() => a.update(SLUB, src.slice(0, off)));
        assert.doesNotThrow(() => extractOrchestration(a));
      }
    }
    for (const n of [cut + 10, cut + 55, cut + 200, cut + 333]) {
      a.update(SLUB, src.slice(0, n));
      const names = a.functions().map((f) => f.name);
      for (const want of ['stat', 'flush_slab', 'flush_all_cpus_locked', 'flush_rcu_sheaf'])
        assert.ok(names.includes(want), `${want} at ${n}: ${names}`);
      assert.ok(!names.some((x) => x.startsWith('for_each')), names.join(','));
      assert.doesNotThrow(() => a.extract('flush_rcu_sheaves_on_cache'));
    }
  });

  it('unbalanced braces and edits that break the syntax do not throw', () => {
    const a = load();
    const text = a.text(SLUB)!;
    const i = text.indexOf('for_each_online_cpu(cpu) {');
    assert.doesNotThrow(() => a.applyEdit(SLUB, i, i + 'for_each_online_cpu(cpu) {'.length, 'for_each_online_cpu(cpu'));
    assert.doesNotThrow(() => extractOrchestration(a));
    assert.ok(a.functions().some((f) => f.name === 'stat'));
    assert.doesNotThrow(() => a.applyEdit(SLUB, 0, 0, '}}}{{{ static __always_inline void'));
    assert.doesNotThrow(() => a.pathsToRoot('flush_rcu_sheaf'));
    assert.doesNotThrow(() => a.update(SLUB, 'static void f(int x) { if (x) { g(); '));
    assert.deepEqual(
      a
        .functions()
        .filter((f) => f.uri === SLUB)
        .map((f) => f.name),
      ['f'],
    );
    assert.doesNotThrow(() => a.update(SLUB, ''));
    a.remove(SLUB);
    assert.ok(!a.functions().some((f) => f.uri === SLUB));
  });
});

describe('analyzer: incremental re-indexing equals a cold index', () => {
  // What a reviewer types, half-typed C included: braces, comments and strings opened and closed,
  // attribute macros, loop macros, definitions and structs appearing and disappearing.
  const SNIPPETS = [
    '{',
    '}',
    '(',
    ')',
    ';',
    '\n',
    ' ',
    '/*',
    '*/',
    '"',
    "'",
    '//',
    '#ifdef CONFIG_KASAN\n',
    '#endif\n',
    'static ',
    '__always_inline ',
    '__init',
    '__ini',
    '__printf(2, 3) ',
    '__must_check ',
    'rcu_barrier();',
    '\n\t\trcu_barrier();',
    'for_each_online_cpu(cpu) {',
    'for_each_online_cpu(cpu)\n\t\tflush_work(&sfw->work);',
    'queue_work_on(cpu, flushwq, &sfw->work);',
    'INIT_WORK(&sfw->work, flush_rcu_sheaf);',
    'call_rcu(&h->rcu_head, rcu_free_sheaf_nobarn);',
    'void typed(struct kmem_cache *s)\n{\n\tflush_slab(s, NULL);\n}\n',
    'static void half(int x) { if (x) { g(',
    'struct typed_s { int a; struct { int b; }; };\n',
    'void __init\nsplit_fn(void)\n{\n\tkvfree_rcu_barrier();\n}\n',
    's->ops->fn(s);',
    '(*cb)(s);',
    'list_for_each_entry(s, &slab_caches, list)\n\t\tflush_all(s);',
    'list_for_each_entry',
    'container_of(w, struct slub_flush_work, work)',
    'min_t(unsigned int, a, b)',
    'struct ',
    '#define __fastpath_inline __always_inline\n',
    '#define ',
    '\\\n',
  ];
  const edit = fc.record({
    pos: fc.nat(),
    del: fc.oneof(fc.constant(0), fc.nat({ max: 3 }), fc.nat({ max: 400 })),
    ins: fc.oneof(fc.constantFrom(...SNIPPETS), fc.string({ maxLength: 4 }), fc.constant('')),
  });

  /** Everything the server reads from the analyzer, for one file's edits. */
  function snapshot(a: Analyzer) {
    const fns = a.functions();
    const names = [
      ...new Set(fns.flatMap((f) => [f.name, ...f.calls.map((c) => c.callee), ...(f.refs ?? []).map((r) => r.callee)])),
    ].sort();
    return {
      functions: fns,
      structs: a.structs(),
      callers: names.map((n) => [n, a.callers(n)]),
      callees: names.map((n) => [n, a.callees(n)]),
      paths: ['free_partial', 'flush_rcu_sheaf', 'rcu_barrier', 'kvfree_rcu_barrier_on_cache'].map((n) =>
        a.pathsToRoot(n),
      ),
      trees: [COMMON, SLUB].map((u) => a.tree(u)!.rootNode.toString()),
      extraction: extractOrchestrationReport(a),
    };
  }

  it('after random edits (half-typed C included), results equal a cold index of the same text', () => {
    let sameTree = 0;
    let runs = 0;
    fc.assert(
      fc.property(fc.constantFrom(COMMON, SLUB), fc.array(edit, { minLength: 1, maxLength: 6 }), (uri, edits) => {
        const a = load();
        for (const e of edits) {
          const t = a.text(uri)!;
          const p = e.pos % (t.length + 1);
          a.applyEdit(uri, p, Math.min(t.length, p + e.del), e.ins);
        }
        runs++;
        const incremental = snapshot(a);
        const cold = new Analyzer();
        cold.update(COMMON, a.text(COMMON)!);
        cold.update(SLUB, a.text(SLUB)!);
        // tree-sitter may recover from a syntax error differently when it re-parses incrementally
        // than on a fresh parse; where the trees agree, so must everything derived from them
        if (cold.tree(uri)!.rootNode.toString() === a.tree(uri)!.rootNode.toString()) {
          sameTree++;
          assert.deepEqual(incremental, snapshot(cold));
        }
        // and always: re-deriving only what the edits touched equals re-deriving the whole tree
        a.rederive(uri);
        assert.deepEqual(incremental, snapshot(a));
      }),
      { numRuns: Number(process.env.SLABLENS_FC_RUNS ?? 150) },
    );
    // the comparison with a fresh parse must not be vacuous
    assert.ok(sameTree > runs / 2, `${sameTree} of ${runs} runs had the same tree`);
  });

  it('a one-character edit inside a function re-derives only that function', () => {
    const a = load();
    const text = a.text(SLUB)!;
    const at = text.indexOf('flush_all_cpus_locked(s);');
    a.applyEdit(SLUB, at, at, ' ');
    assert.equal(a.lastEdit!.reindexed, 1);
    assert.equal(a.lastEdit!.kept, a.functions().filter((f) => f.uri === SLUB).length - 1);
    // and the functions after it moved by nothing but offsets: same lines
    assert.equal(
      a.definition('free_partial')!.range.start.line,
      text.slice(0, text.indexOf('static void free_partial(')).split('\n').length - 1,
    );
  });
});
