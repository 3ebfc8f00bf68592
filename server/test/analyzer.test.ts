// The analyzer core on hand-written fixtures with kernel idioms (server/fixtures/kernel/mm).

import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { builtinPrograms, check, makeScenario, stripAnchors } from '../../engine/src';
import { Analyzer, extractOrchestration, extractOrchestrationReport } from '../src/analyzer';
import { Lines, mask, parseMasked } from '../src/analyzer/parse';
import { callsFromText } from '../src/analyzer/calltext';
import { functionInteriors } from '../src/analyzer/skeleton';
import { argumentsAt } from '../src/analyzer/calls';
import { findFunctions } from '../src/analyzer/definitions';
import { grammarWords } from '../src/analyzer/words';

// out/server/test -> server/fixtures (sources are not copied by tsc)
const FIXTURES = join(__dirname, '..', '..', '..', 'server', 'fixtures', 'kernel', 'mm');
const COMMON = 'file:///kernel/mm/slab_common.c';
const SLUB = 'file:///kernel/mm/slub.c';
const read = (f: string): string => readFileSync(join(FIXTURES, f), 'utf8');

function load(): Analyzer {
  const a = new Analyzer();
  a.update(COMMON, read('slab_common.c'));
  a.update(SLUB, read('slub.c'));
  return a;
}

const EXPECTED_FUNCTIONS = [
  // slab_common.c
  'slab_in_kunit_test', 'kmem_cache_sanity_check', 'slab_kmem_cache_release', 'slab_kmem_cache_release_all', 'kfree_rcu_queue_one',
  'kvfree_call_rcu', '__kvfree_rcu_barrier', 'kvfree_rcu_barrier', 'kvfree_rcu_barrier_on_cache', 'kmem_cache_destroy',
  'kmem_cache_shrink', 'print_slabinfo_header', 'kvfree_rcu_init',
  // slub.c
  'stat', 'node_nr_slabs', 'deactivate_slab', 'flush_slab', 'sheaf_flush_unused', 'pcs_flush_all', 'flush_this_cpu_slab', 'flush_cpu_slab',
  'flush_all_cpus_locked', 'rcu_free_sheaf_nobarn', 'flush_rcu_sheaf', 'flush_rcu_sheaves_on_cache', 'do_slab_free',
  '__kfree_rcu_sheaf', 'kfree_rcu_sheaf', 'free_partial', 'barn_shrink', '__kmem_cache_shutdown', 'slab_debug_init',
];

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
    assert.deepEqual(a.functions().map((f) => f.name), ['count_partial', 'flush_cpu_slab']);
    const loops = (fn: string) => a.definition(fn)!.calls.map((c) => `${c.callee}${c.inLoopMacro ? ' in ' + c.inLoopMacro : ''}`);
    // an unbraced loop body is the loop's; the loop macro's own arguments are outside it
    assert.deepEqual(loops('count_partial'), ['get_count in list_for_each_entry', 'min_t']);
    assert.deepEqual(loops('flush_cpu_slab'), ['container_of', 'slab_address in for_each_online_cpu', 'setup_object in for_each_object', 'flush_slab in for_each_online_cpu']);
    // a type argument is no function reference
    assert.ok(!(a.definition('flush_cpu_slab')!.refs ?? []).some((r) => /struct|slub_flush_work/.test(r.callee)));
  });

  it('finds structs and their fields', () => {
    const a = load();
    assert.deepEqual(a.struct('slub_percpu_sheaves')!.fields.map((f) => f.name), ['lock', 'main', 'spare', 'rcu_free']);
    assert.deepEqual(a.struct('slab_sheaf')!.fields.map((f) => f.name), ['rcu_head', 'barn_list', 'cache', 'size', 'node', 'objects']);
  });
});

describe('analyzer: argument lists read from the text', () => {
  it('the identifier-shaped words of the grammar are all known (an argument that is one is asked of the tree)', () => {
    // tree-sitter-c's grammar: every identifier-shaped string in its rules is a keyword or primitive type
    const grammar = JSON.parse(readFileSync(require.resolve('tree-sitter-c/src/grammar.json'), 'utf8')) as { rules: unknown };
    const words = new Set<string>();
    const walk = (x: unknown): void => {
      if (Array.isArray(x)) x.forEach(walk);
      else if (x && typeof x === 'object') {
        const o = x as { type?: string; value?: unknown };
        if (o.type === 'STRING' && typeof o.value === 'string' && /^[A-Za-z_]\w*$/.test(o.value)) words.add(o.value);
        Object.values(o).forEach(walk);
      }
    };
    walk(grammar.rules);
    assert.deepEqual([...words].sort(), [...grammarWords()].sort());
  });

  it('what is read from the text (arguments, parameter names) is what the tree gives', () => {
    const params = [
      'unsigned long flags', 'unsigned x', 'long long y', 'struct a b', 'const c d', 'enum e', 'unsigned', 'short int s', 'signed char c2', 'long double ld', 'foo_t',
      'gfp_t gfp', 'void *const cp', 'const char *fmt, ...', 'struct s s', 'enum e *p', 'register int r', 'void', '', 'unsigned long', 'const char', 'struct foo *',
      'char **argv', 'const void *restrict src', 'u8 *const *pp', 'int const x', 'int a[3]', 'int (*fn)(int)', 'struct kmem_cache *s /* cache */', 'int __maybe_unused x',
    ];
    const args = [
      'a, s->b, g(x), "(,)", \',\', a[i + j], NULL, /* c */ d, e /* , */', 'true, false, TRUE, x', 'int, size_t, u32', 'h(k(l), m), n', '({ int z = q(r); z; }), t',
      '&w->work, flush_rcu_sheaf', 'cpu, flushwq, &sfw->work', 'x __maybe_unused, y', 'a \\\n, b', 'sizeof(struct x), y', '(void *)p, q', 'sizeof x, y',
    ];
    const src = [
      ...params.map((p, i) => `static int p${i}(${p})\n{\n\treturn 0;\n}\n`),
      ...args.map((a, i) => `void a${i}(void)\n{\n\tcall${i}(${a});\n\tlist_for_each_entry(x, &l, list)\n\t\tthen${i}(${a});\n}\n`),
      read('slab_common.c'),
      read('slub.c'),
    ].join('\n');
    const m = mask(src);
    const tree = parseMasked(src, m);
    const lines = Lines.of(src);
    const fromText = findFunctions(tree, SLUB, src, lines, { errors: false, masked: m }).functions.map((f) => f.info);
    const fromTree = findFunctions(tree, SLUB, src, lines, { errors: false }).functions.map((f) => f.info);
    assert.equal(fromText.length, params.length + args.length + EXPECTED_FUNCTIONS.length);
    assert.deepEqual(fromText, fromTree);
  });

  it('splits arguments at top-level commas, past literals, comments and nested brackets', () => {
    const kinds = (src: string) => {
      const r = argumentsAt(src, src.indexOf('('));
      if (!r) return r;
      const out: string[] = [];
      for (let k = 0; k < r.args.length; k += 2) out.push(`${['word', 'skip', 'visit'][r.args[k + 1]]}@${r.args[k]}`);
      return { args: out, rest: src.slice(r.close) };
    };
    assert.deepEqual(kinds('f(a, s->b, g(x), "(,)", \',\', a[i, j], NULL, /* c */ d, e /* , */);x'), {
      args: ['word@2', 'skip@5', 'visit@11', 'skip@17', 'skip@24', 'skip@29', 'visit@38', 'word@52', 'visit@55'],
      rest: ';x',
    });
    assert.deepEqual(kinds('f()'), { args: [], rest: '' });
    // two words side by side are not settled by the text
    assert.deepEqual(kinds('f(sizeof x, y)'), { args: ['visit@2', 'word@12'], rest: '' });
    assert.deepEqual(kinds('f(a \\\n , b)'), { args: ['word@2', 'word@9'], rest: '' });
    // not plainly an argument list: the tree is walked instead
    for (const src of ['f(a,\n#ifdef X\n b\n#endif\n)', 'f(a, "x', 'f(a, /* x', 'f(a, b', 'f(a, , b)', 'f(a ]', 'f(\u00e9)']) {
      const r = kinds(src);
      assert.ok(r === undefined || r.args.every((a) => !a.startsWith('word')), src);
    }
  });
});

/** The definitions of `src` as the tree gives them, and as the index reads them (calls from the text where it settles them). */
function bothWays(src: string) {
  const m = mask(src);
  const tree = parseMasked(src, m);
  const lines = Lines.of(src);
  const fromText = findFunctions(tree, SLUB, src, lines, { errors: false, masked: m }).functions;
  const fromTree = findFunctions(tree, SLUB, src, lines, { errors: false }).functions;
  /** whether the text alone settled each body */
  const settled = fromText.map((f) => callsFromText(src, m, lines, f.body.start, f.body.end, f.info.name, SLUB) !== undefined);
  return { fromText: fromText.map((f) => f.info), fromTree: fromTree.map((f) => f.info), settled, hasError: tree.rootNode.hasError };
}

describe('analyzer: calls read from the text', () => {
  // bodies the text settles by itself: each is read without the tree, and must give what the tree does
  const PLAIN = [
    'f(a, b);\n\tg(h(c), &d->e, NULL, true, "x(y)", \'(\', 0x1fUL, -1);',
    's->ops->free(s, p);\n\tx.y.z(q);\n\t*p->fn(r) = 1;\n\treturn k(s) + (void *)m(t);',
    '(void)f(x);\n\ty = sizeof(*z) + sizeof(struct kmem_cache) + sizeof x;\n\tif (a(b)) c(); else if (d) e(f); else g(h);',
    'for_each_online_cpu(cpu) {\n\t\tqueue_work_on(cpu, wq, &w->work);\n\t}\n\tflush(cpu);',
    'for_each_online_cpu(cpu)\n\t\tflush_work(&sfw->work);\n\tafter(cpu);',
    'for_each_node(n)\n\t\tif (x(n)) y(n); else z(n);\n\tafter(n);',
    'list_for_each_entry(s, &slab_caches, list)\n\t\tfor_each_cpu(cpu, m)\n\t\t\tinner(s, cpu);\n\touter(s);',
    'for_each_kmem_cache_node(s, node, n) {\n\t\tdo { a(n); } while (b(n));\n\t\tswitch (c(n)) { case 1: d(); break; default: e(); }\n\t}',
    'for_each_cpu(cpu, mask(x))\n\t\twhile (more(cpu))\n\t\t\tstep(cpu);',
    'x = ({ int z = q(r); z; });\n\tout:\n\tdone(x);\n\tgoto out;',
    'struct slab *slab = container_of(w, struct slab, rcu_head);\n\tu32 v = min_t(unsigned int, a(b), c);\n\tu = max_t(u32, d, e);',
    '#ifdef CONFIG_SLUB_DEBUG\n\tdebug(s);\n#else\n\tnodebug(s);\n#endif\n\tboth(s);',
    'DEFINE_WAIT(wait);\n\tLIST_HEAD(discard);\n\tstruct x y = { .a = f(b), .c = { g(d) } };\n\tint arr[N] = { [0] = h(i) };',
    'a[f(i)] = g(j);\n\tp = x ? y(1) : z(2);\n\tq = (struct s){ .a = k(l) };\n\t/* c(d) */ e(/* (f) */ g, h /* , */);',
    'WARN(err, "%s %s: Slab cache still has objects when called from %pS",\n\t     __func__, s->name, (void *)_RET_IP_);',
  ];
  // bodies the text does not settle: the tree is walked instead (the result is the same either way)
  const UNSETTLED = [
    '(*fn)(x);',
    'ops[i](x);',
    'guard(mutex)(&slab_mutex);\n\tf(x);',
    'scoped_guard(spinlock, &l) {\n\t\tf(x);\n\t}',
    'int local(void);\n\tlocal();',
    'void (*cb)(void *) = f;\n\tcb(x);',
    'typeof(f(x)) y = g(z);',
    'y = sizeof(f());',
    'y = sizeof(g(z));',
    '#if IS_ENABLED(CONFIG_X)\n\tf();\n#endif',
    'x = y(a) \\\n\t+ 1;',
    'for_each_cpu(cpu, m)\n#ifdef X\n\t\tf(cpu);\n#else\n\t\tg(cpu);\n#endif',
  ];

  it('reads what the tree walk reads, and settles plain bodies itself', () => {
    const src = [...PLAIN, ...UNSETTLED].map((b, i) => `static void t${i}(struct kmem_cache *s)\n{\n\t${b}\n}\n`).join('\n');
    const r = bothWays(src);
    assert.equal(r.fromText.length, PLAIN.length + UNSETTLED.length);
    assert.deepEqual(r.fromText, r.fromTree);
    assert.deepEqual(r.settled, [...PLAIN.map(() => true), ...UNSETTLED.map(() => false)]);
    // the loop context and pointer calls come out right, not only alike
    const calls = (i: number) => r.fromText[i].calls.map((c) => `${c.callee}${c.inLoopMacro ? '@' + c.inLoopMacro : ''}${c.viaPointer ? '*' : ''}`);
    assert.deepEqual(calls(6), ['inner@for_each_cpu', 'outer']);
    assert.deepEqual(calls(5), ['x@for_each_node', 'y@for_each_node', 'z@for_each_node', 'after']);
    assert.deepEqual(calls(1).slice(0, 3), ['free*', 'z*', 'fn*']);
    assert.deepEqual(r.fromText[0].refs!.map((x) => x.callee), ['a', 'b', 'c']);
  });

  it('on generated bodies, the text and the tree agree wherever the tree holds no syntax error', () => {
    // (C, if not always sense: the grammar reads what is no C its own ways, which are not the point here)
    const name = fc.constantFrom('f', 'g', 'kfree', 'call_rcu', 'rcu_barrier', 'queue_work_on', 'x', 'DEFINE_WAIT', 'min_t');
    const { stmt } = fc.letrec((tie) => ({
      expr: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.constantFrom('a', 'b', '0', '"s(t)"', "'('", 'NULL', 's->c', '&w->work'),
        fc.tuple(name, fc.array(tie('expr'), { maxLength: 3 })).map(([n, a]) => `${n}(${(a as string[]).join(', ')})`),
        fc.tuple(fc.constantFrom('s->ops->', 'p.', 'q->r.'), name, fc.array(tie('expr'), { maxLength: 2 })).map(([p, n, a]) => `${p}${n}(${(a as string[]).join(', ')})`),
        fc.tuple(tie('expr'), fc.constantFrom(' + ', ' ? 1 : ', ', ', ' = ')).map(([e, op]) => `${e}${op}c`),
        tie('expr').map((e) => `(${e})`),
        tie('expr').map((e) => `(void *)${e}`),
        // as the kernel writes it (a call inside sizeof is left to the tree: see UNSETTLED)
        fc.constantFrom('sizeof(*p)', 'sizeof(struct kmem_cache)', 'sizeof(a)', 'sizeof a'),
      ),
      stmt: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        tie('expr').map((e) => `${e};`),
        fc.tuple(tie('expr'), tie('stmt')).map(([e, s]) => `if (${e}) ${s}`),
        fc.tuple(tie('expr'), tie('stmt'), tie('stmt')).map(([e, s, t]) => `if (${e}) ${s} else ${t}`),
        fc.tuple(fc.constantFrom('for_each_online_cpu(cpu)', 'list_for_each_entry(s, &l, list)', 'for_each_cpu(c, m(x))', 'while (w(x))'), tie('stmt')).map(([l, s]) => `${l}\n\t${s}`),
        fc.array(tie('stmt'), { maxLength: 3 }).map((ss) => `{\n\t${(ss as string[]).join('\n\t')}\n\t}`),
        tie('expr').map((e) => `return ${e};`),
        tie('stmt').map((st) => `#ifdef CONFIG_X\n\t${st}\n#endif`),
        // a label is followed by its statement (a label alone before `else` is no C, and the grammar reads it oddly)
        tie('stmt').map((st) => `out: ${st}`),
        tie('stmt').map((st) => `/* f(x) */ ${st}`),
        fc.constantFrom('goto out;', 'int y = z(1);', 'break;'),
      ),
    }));
    let settled = 0;
    let compared = 0;
    fc.assert(
      fc.property(fc.array(stmt, { minLength: 1, maxLength: 6 }), (body) => {
        const src = `void gen(struct kmem_cache *s)\n{\n\t${(body as string[]).join('\n\t')}\n}\n`;
        const r = bothWays(src);
        if (r.hasError) return;
        compared++;
        if (r.settled.every(Boolean)) settled++;
        assert.deepEqual(r.fromText, r.fromTree);
      }),
      { numRuns: Number(process.env.SLABLENS_FC_RUNS ?? 300) },
    );
    // not vacuous: most generated bodies parse, and the text settles most of those
    assert.ok(compared > 100 && settled > compared / 2, `${compared} compared, ${settled} settled by the text`);
  });
});

describe('analyzer: the skeleton cold index (function interiors parsed later)', () => {
  const eager = (files: [string, string][]) => {
    const a = new Analyzer({ lazyBodies: false });
    for (const [u, t] of files) a.update(u, t);
    return a;
  };

  it('equals the index of the full trees, and leaves the full parse for later', () => {
    const files: [string, string][] = [[COMMON, read('slab_common.c')], [SLUB, read('slub.c')]];
    const a = load();
    assert.equal(a.treesComplete, false, 'the fixtures are indexed from their skeletons');
    const b = eager(files);
    assert.deepEqual(a.functions(), b.functions());
    assert.deepEqual(a.structs(), b.structs());
    assert.deepEqual(a.callers('flush_rcu_sheaves_on_cache'), b.callers('flush_rcu_sheaves_on_cache'));
    // extraction reads the definition parsed alone, and gives what the full tree does
    assert.deepEqual(extractOrchestrationReport(a), extractOrchestrationReport(b));
    assert.equal(a.treesComplete, false);
    assert.deepEqual(a.completeTrees(), [], 'nothing changes with the full trees');
    assert.equal(a.treesComplete, true);
    assert.equal(a.tree(SLUB)!.rootNode.toString(), b.tree(SLUB)!.rootNode.toString());
  });

  it('finds the function bodies by their braces, and gives up where the braces do not plainly nest', () => {
    const src = 'struct a { int x; };\nstatic int f(int x)\n{\n\treturn g(x);\n}\n#define M { {\nint t[] = { 1 };\nvoid h(void) __acquires(l)\n{\n\t/* } */ s("}"); c(\'}\');\n}\n';
    // the struct, the #define and the initializer are no bodies; braces in comments and literals are no braces
    assert.deepEqual(functionInteriors(src)!.map((b) => src.slice(b.start, b.end).trim()), ['return g(x);', '/* } */ s("}"); c(\'}\');']);
    for (const bad of ['void f(void)\n{\n#ifdef X\n\tif (a) {\n#else\n\tif (b) {\n#endif\n\t}\n}\n', 'void f(void)\n{\n', 'void f(void) { "x }\n']) {
      assert.equal(functionInteriors(bad), undefined, bad);
    }
  });

  it('where the skeleton is not the whole story, the full trees correct it (a local struct) or the full parse is used at once', () => {
    const local = 'void f(void)\n{\n\tstruct local_s { int a; } v;\n\tg(&v);\n}\n';
    const a = new Analyzer();
    a.update(SLUB, local);
    assert.equal(a.treesComplete, false);
    assert.deepEqual(a.structs(), []);
    assert.deepEqual(a.completeTrees(), [SLUB]);
    assert.deepEqual(a.structs().map((x) => x.name), ['local_s']);
    assert.deepEqual(a.functions(), eager([[SLUB, local]]).functions());
    // a `{ }` after a `)` that is no function body (a compound literal): the whole file is parsed at once
    const literal = 'static struct s v = (struct s){ .a = 1 };\nvoid f(void)\n{\n\tg(x);\n}\n';
    const b = new Analyzer();
    b.update(SLUB, literal);
    assert.equal(b.treesComplete, true);
    assert.deepEqual(b.functions(), eager([[SLUB, literal]]).functions());
  });

  it('an edit to a file indexed from its skeleton parses the full tree first, and gives what an edit of the full one does', () => {
    const a = load();
    const b = eager([[COMMON, read('slab_common.c')], [SLUB, read('slub.c')]]);
    for (const x of [a, b]) {
      const t = x.text(COMMON)!;
      const at = t.indexOf('rcu_barrier();');
      x.applyEdit(COMMON, at, at + 'rcu_barrier();'.length, '');
    }
    assert.deepEqual(a.functions(), b.functions());
    assert.equal(a.tree(COMMON)!.rootNode.toString(), b.tree(COMMON)!.rootNode.toString());
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
    assert.ok(paths.some((p) => p[0] === 'kmem_cache_destroy' && p[p.length - 1] === 'flush_rcu_sheaf'), JSON.stringify(paths));
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
    assert.ok(r.programs.kmem_cache_destroy.some((st) => st.op === 'lock' && st.fn === 'mutex_lock' && st.lock === '&slab_mutex'));
    // anchors keep the source line
    const kcd = r.programs.kmem_cache_destroy;
    assert.match(a.text(COMMON)!.split('\n')[kcd[0].anchor!.line!], /kvfree_rcu_barrier_on_cache\(s\)/);
  });

  it('drops a NULL check of the cache argument, reports other unmapped guards', () => {
    const a = new Analyzer();
    a.update(COMMON, 'void kvfree_rcu_barrier_on_cache(struct kmem_cache *s)\n{\n\tif (unlikely(!s) || !kasan_check_byte(s))\n\t\treturn;\n\tif (s->cpu_sheaves) {\n\t\tflush_rcu_sheaves_on_cache(s);\n\t}\n\tif (weird(s))\n\t\trcu_barrier();\n\t__kvfree_rcu_barrier();\n}\n');
    const x = a.extract('kvfree_rcu_barrier_on_cache')!;
    assert.deepEqual(stripAnchors({ f: x.program }).f, stripAnchors(builtinPrograms()).kvfree_rcu_barrier_on_cache);
    assert.deepEqual(x.notModelled.map((n) => [n.line, n.reason]), [[7, 'condition not modelled: (weird(s))']]);
    assert.ok(x.ignored.some((i) => i.line === 2));
    assert.deepEqual(x.lines, [4, 5, 9]);
  });

  it('the newer kernel\'s idioms: WARN under !slab_in_kunit_test(), if (n->barn), defer_free_barrier()', () => {
    const a = new Analyzer();
    a.update(COMMON, [
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
    ].join('\n'));
    a.update(SLUB, 'int __kmem_cache_shutdown(struct kmem_cache *s)\n{\n\tint node;\n\tstruct kmem_cache_node *n;\n\n\tfor_each_kmem_cache_node(s, node, n) {\n\t\tif (n->barn)\n\t\t\tbarn_shrink(s, n->barn);\n\t\tfree_partial(s, n);\n\t}\n\treturn 0;\n}\n');
    const destroy = a.extract('kmem_cache_destroy')!;
    assert.deepEqual(destroy.notModelled, []);
    assert.ok(destroy.ignored.some((i) => i.call === 'defer_free_barrier'));
    const warn = stripAnchors({ f: destroy.program }).f.at(-1);
    assert.deepEqual(warn, { op: 'if', cond: { kind: 'not', arg: { kind: 'call', fn: 'slab_in_kunit_test' } }, then: [{ op: 'warn', cond: { kind: 'local', name: 'err' }, message: 'kmem_cache_destroy %s: Slab cache still has objects when called from <caller>' }] });
    const shutdown = a.extract('__kmem_cache_shutdown')!;
    assert.deepEqual(shutdown.notModelled, []);
    const loop = stripAnchors({ f: shutdown.program }).f[0] as { op: string; body: unknown[] };
    assert.deepEqual(loop.body[0], { op: 'if', cond: { kind: 'call', fn: 'cache_has_sheaves' }, then: [{ op: 'call', fn: 'barn_shrink', args: ['s'] }] });
  });

  it('continue and break under a modelled guard are control flow; sfw->skip is remembered per CPU', () => {
    const a = new Analyzer();
    a.update(SLUB, [
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
    ].join('\n'));
    const x = a.extract('flush_all_cpus_locked')!;
    assert.deepEqual(x.notModelled, []);
    const [lock, first, second, unlock] = stripAnchors({ f: x.program }).f as { op: string; body: unknown[] }[];
    assert.deepEqual([lock, unlock], [{ op: 'lock', fn: 'mutex_lock', lock: '&flush_lock' }, { op: 'lock', fn: 'mutex_unlock', lock: '&flush_lock' }]);
    const skip = { kind: 'local', name: 'slub_flush.skip', index: 'cpu' };
    assert.deepEqual(first.body, [
      { op: 'if', cond: { kind: 'not', arg: { kind: 'call', fn: 'has_pcs_used', args: ['cpu', 's'] } }, then: [{ op: 'set', name: 'slub_flush.skip', index: 'cpu', value: { kind: 'const', value: true } }, { op: 'continue' }] },
      { op: 'set', name: 'slub_flush.skip', index: 'cpu', value: { kind: 'const', value: false } },
      { op: 'queue_work_on', cpu: 'cpu', work: 'slub_flush', fn: 'flush_cpu_sheaves' },
    ]);
    assert.deepEqual(second.body, [
      { op: 'if', cond: skip, then: [{ op: 'continue' }] },
      { op: 'flush_work', cpu: 'cpu', work: 'slub_flush' },
      { op: 'if', cond: { kind: 'call', fn: 'cache_has_sheaves' }, then: [{ op: 'break' }] },
    ]);
    // outside a modelled loop the keyword is not a call: the report names the loop it belongs to
    a.update(SLUB, 'static void flush_all_cpus_locked(struct kmem_cache *s)\n{\n\twhile (s) {\n\t\tcontinue;\n\t}\n}\n');
    const y = a.extract('flush_all_cpus_locked')!;
    assert.ok(y.notModelled.every((n) => !/^(continue|break)$/.test(n.call)), JSON.stringify(y.notModelled));
  });

  it('reports calls it has no model for', () => {
    const a = load();
    const x = a.extract('kvfree_call_rcu')!;
    assert.ok(x.notModelled.some((n) => n.reason === 'no model for kvfree' || n.reason === 'no model for synchronize_rcu'), JSON.stringify(x.notModelled));
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
    a.applyEdit(COMMON, at, at + needle.length, 'if (s->cpu_sheaves) {\n\t\tflush_rcu_sheaves_on_cache(s);\n\t\trcu_barrier();\n\t}');
    assert.match(a.text(COMMON)!, /flush_rcu_sheaves_on_cache\(s\);\n\t\trcu_barrier\(\);/);

    const after = extractOrchestration(a);
    assert.deepEqual(stripAnchors(after).kvfree_rcu_barrier_on_cache, stripAnchors(builtinPrograms({ patch01: true })).kvfree_rcu_barrier_on_cache);
    assert.deepEqual(stripAnchors(after), stripAnchors(builtinPrograms({ patch01: true })));
    assert.equal(check(makeScenario('f1-kasan-nofix', { programs: after }), { strategy: 'dpor' }).verdict, 'pass');
    assert.deepEqual(a.functions().map((f) => f.name), EXPECTED_FUNCTIONS);

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
    assert.deepEqual(f.calls.map((c) => c.callee), ['flush_slab']);
    // delete it again, in one edit
    const start = a.text(SLUB)!.indexOf('static __always_inline int typed_fn');
    a.applyEdit(SLUB, start, at, '');
    assert.equal(a.text(SLUB), read('slub.c'));
    assert.equal(a.definition('typed_fn'), undefined);
  });

  it('attribute macros with arguments (__printf(2, 3)) do not hide a definition', () => {
    const a = new Analyzer();
    a.update(SLUB, 'static __printf(3, 4) void slab_bug(struct kmem_cache *s, struct slab *slab,\n\t\tconst char *fmt, ...)\n{\n\tpr_err("%s __init", fmt);\n}\n');
    const f = a.definition('slab_bug')!;
    assert.equal(f.signature, 'static __printf(3, 4) void slab_bug(struct kmem_cache *s, struct slab *slab, const char *fmt, ...)');
    assert.deepEqual(f.calls.map((c) => c.callee), ['pr_err']);
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
      for (const want of ['stat', 'flush_slab', 'flush_all_cpus_locked', 'flush_rcu_sheaf']) assert.ok(names.includes(want), `${want} at ${n}: ${names}`);
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
    assert.deepEqual(a.functions().filter((f) => f.uri === SLUB).map((f) => f.name), ['f']);
    assert.doesNotThrow(() => a.update(SLUB, ''));
    a.remove(SLUB);
    assert.ok(!a.functions().some((f) => f.uri === SLUB));
  });
});

describe('analyzer: incremental re-indexing equals a cold index', () => {
  // What a reviewer types, half-typed C included: braces, comments and strings opened and closed,
  // attribute macros, loop macros, definitions and structs appearing and disappearing.
  const SNIPPETS = [
    '{', '}', '(', ')', ';', '\n', ' ', '/*', '*/', '"', "'", '//', '#ifdef CONFIG_KASAN\n', '#endif\n', 'static ', '__always_inline ', '__init', '__ini',
    '__printf(2, 3) ', '__must_check ', 'rcu_barrier();', '\n\t\trcu_barrier();', 'for_each_online_cpu(cpu) {', 'for_each_online_cpu(cpu)\n\t\tflush_work(&sfw->work);',
    'queue_work_on(cpu, flushwq, &sfw->work);', 'INIT_WORK(&sfw->work, flush_rcu_sheaf);', 'call_rcu(&h->rcu_head, rcu_free_sheaf_nobarn);',
    'void typed(struct kmem_cache *s)\n{\n\tflush_slab(s, NULL);\n}\n', 'static void half(int x) { if (x) { g(', 'struct typed_s { int a; struct { int b; }; };\n',
    'void __init\nsplit_fn(void)\n{\n\tkvfree_rcu_barrier();\n}\n', 's->ops->fn(s);', '(*cb)(s);',
    'list_for_each_entry(s, &slab_caches, list)\n\t\tflush_all(s);', 'list_for_each_entry', 'container_of(w, struct slub_flush_work, work)', 'min_t(unsigned int, a, b)',
    'struct ', '#define __fastpath_inline __always_inline\n', '#define ', '\\\n',
  ];
  const edit = fc.record({
    pos: fc.nat(),
    del: fc.oneof(fc.constant(0), fc.nat({ max: 3 }), fc.nat({ max: 400 })),
    ins: fc.oneof(fc.constantFrom(...SNIPPETS), fc.string({ maxLength: 4 }), fc.constant('')),
  });

  /** Everything the server reads from the analyzer, for one file's edits. */
  function snapshot(a: Analyzer) {
    const fns = a.functions();
    const names = [...new Set(fns.flatMap((f) => [f.name, ...f.calls.map((c) => c.callee), ...(f.refs ?? []).map((r) => r.callee)]))].sort();
    return {
      functions: fns,
      structs: a.structs(),
      callers: names.map((n) => [n, a.callers(n)]),
      callees: names.map((n) => [n, a.callees(n)]),
      paths: ['free_partial', 'flush_rcu_sheaf', 'rcu_barrier', 'kvfree_rcu_barrier_on_cache'].map((n) => a.pathsToRoot(n)),
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
    assert.equal(a.definition('free_partial')!.range.start.line, text.slice(0, text.indexOf('static void free_partial(')).split('\n').length - 1);
  });
});
