// The analyzer's text readers on hand-written fixtures with kernel idioms (server/fixtures/kernel/mm):
// argument lists and calls read from the text (checked against the tree), and the skeleton cold
// index. Split from analyzer.test.ts, which tests what the analyzer builds from them.

import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Analyzer, extractOrchestrationReport } from '../src/analyzer';
import { Lines, mask, parseMasked } from '../src/analyzer/parse';
import { callsFromText } from '../src/analyzer/calltext';
import { functionInteriors } from '../src/analyzer/skeleton';
import { argumentsAt } from '../src/analyzer/calls';
import { findFunctions } from '../src/analyzer/definitions';
import { grammarWords } from '../src/analyzer/words';

import { COMMON, EXPECTED_FUNCTIONS, load, read, SLUB } from './fixtureKernel';

describe('analyzer: argument lists read from the text', () => {
  it('the identifier-shaped words of the grammar are all known (an argument that is one is asked of the tree)', () => {
    // tree-sitter-c's grammar: every identifier-shaped string in its rules is a keyword or primitive type
    const grammar = JSON.parse(readFileSync(require.resolve('tree-sitter-c/src/grammar.json'), 'utf8')) as {
      rules: unknown;
    };
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
      'unsigned long flags',
      'unsigned x',
      'long long y',
      'struct a b',
      'const c d',
      'enum e',
      'unsigned',
      'short int s',
      'signed char c2',
      'long double ld',
      'foo_t',
      'gfp_t gfp',
      'void *const cp',
      'const char *fmt, ...',
      'struct s s',
      'enum e *p',
      'register int r',
      'void',
      '',
      'unsigned long',
      'const char',
      'struct foo *',
      'char **argv',
      'const void *restrict src',
      'u8 *const *pp',
      'int const x',
      'int a[3]',
      'int (*fn)(int)',
      'struct kmem_cache *s /* cache */',
      'int __maybe_unused x',
    ];
    const args = [
      'a, s->b, g(x), "(,)", \',\', a[i + j], NULL, /* c */ d, e /* , */',
      'true, false, TRUE, x',
      'int, size_t, u32',
      'h(k(l), m), n',
      '({ int z = q(r); z; }), t',
      '&w->work, flush_rcu_sheaf',
      'cpu, flushwq, &sfw->work',
      'x __maybe_unused, y',
      'a \\\n, b',
      'sizeof(struct x), y',
      '(void *)p, q',
      'sizeof x, y',
    ];
    const src = [
      ...params.map((p, i) => `static int p${i}(${p})\n{\n\treturn 0;\n}\n`),
      ...args.map(
        (a, i) =>
          `void a${i}(void)\n{\n\tcall${i}(${a});\n\tlist_for_each_entry(x, &l, list)\n\t\tthen${i}(${a});\n}\n`,
      ),
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
    for (const src of [
      'f(a,\n#ifdef X\n b\n#endif\n)',
      'f(a, "x',
      'f(a, /* x',
      'f(a, b',
      'f(a, , b)',
      'f(a ]',
      'f(\u00e9)',
    ]) {
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
  const settled = fromText.map(
    (f) => callsFromText(src, m, lines, f.body.start, f.body.end, f.info.name, SLUB) !== undefined,
  );
  return {
    fromText: fromText.map((f) => f.info),
    fromTree: fromTree.map((f) => f.info),
    settled,
    hasError: tree.rootNode.hasError,
  };
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
    const src = [...PLAIN, ...UNSETTLED]
      .map((b, i) => `static void t${i}(struct kmem_cache *s)\n{\n\t${b}\n}\n`)
      .join('\n');
    const r = bothWays(src);
    assert.equal(r.fromText.length, PLAIN.length + UNSETTLED.length);
    assert.deepEqual(r.fromText, r.fromTree);
    assert.deepEqual(r.settled, [...PLAIN.map(() => true), ...UNSETTLED.map(() => false)]);
    // the loop context and pointer calls come out right, not only alike
    const calls = (i: number) =>
      r.fromText[i].calls.map(
        (c) => `${c.callee}${c.inLoopMacro ? '@' + c.inLoopMacro : ''}${c.viaPointer ? '*' : ''}`,
      );
    assert.deepEqual(calls(6), ['inner@for_each_cpu', 'outer']);
    assert.deepEqual(calls(5), ['x@for_each_node', 'y@for_each_node', 'z@for_each_node', 'after']);
    assert.deepEqual(calls(1).slice(0, 3), ['free*', 'z*', 'fn*']);
    assert.deepEqual(
      r.fromText[0].refs!.map((x) => x.callee),
      ['a', 'b', 'c'],
    );
  });

  it('on generated bodies, the text and the tree agree wherever the tree holds no syntax error', () => {
    // (C, if not always sense: the grammar reads what is no C its own ways, which are not the point here)
    const name = fc.constantFrom(
      'f',
      'g',
      'kfree',
      'call_rcu',
      'rcu_barrier',
      'queue_work_on',
      'x',
      'DEFINE_WAIT',
      'min_t',
    );
    const { stmt } = fc.letrec((tie) => ({
      expr: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.constantFrom('a', 'b', '0', '"s(t)"', "'('", 'NULL', 's->c', '&w->work'),
        fc.tuple(name, fc.array(tie('expr'), { maxLength: 3 })).map(([n, a]) => `${n}(${(a as string[]).join(', ')})`),
        fc
          .tuple(fc.constantFrom('s->ops->', 'p.', 'q->r.'), name, fc.array(tie('expr'), { maxLength: 2 }))
          .map(([p, n, a]) => `${p}${n}(${(a as string[]).join(', ')})`),
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
        fc
          .tuple(
            fc.constantFrom(
              'for_each_online_cpu(cpu)',
              'list_for_each_entry(s, &l, list)',
              'for_each_cpu(c, m(x))',
              'while (w(x))',
            ),
            tie('stmt'),
          )
          .map(([l, s]) => `${l}\n\t${s}`),
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
    const files: [string, string][] = [
      [COMMON, read('slab_common.c')],
      [SLUB, read('slub.c')],
    ];
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
    const src =
      'struct a { int x; };\nstatic int f(int x)\n{\n\treturn g(x);\n}\n#define M { {\nint t[] = { 1 };\nvoid h(void) __acquires(l)\n{\n\t/* } */ s("}"); c(\'}\');\n}\n';
    // the struct, the #define and the initializer are no bodies; braces in comments and literals are no braces
    assert.deepEqual(
      functionInteriors(src)!.map((b) => src.slice(b.start, b.end).trim()),
      ['return g(x);', '/* } */ s("}"); c(\'}\');'],
    );
    for (const bad of [
      'void f(void)\n{\n#ifdef X\n\tif (a) {\n#else\n\tif (b) {\n#endif\n\t}\n}\n',
      'void f(void)\n{\n',
      'void f(void) { "x }\n',
    ]) {
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
    assert.deepEqual(
      a.structs().map((x) => x.name),
      ['local_s'],
    );
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
    const b = eager([
      [COMMON, read('slab_common.c')],
      [SLUB, read('slub.c')],
    ]);
    for (const x of [a, b]) {
      const t = x.text(COMMON)!;
      const at = t.indexOf('rcu_barrier();');
      x.applyEdit(COMMON, at, at + 'rcu_barrier();'.length, '');
    }
    assert.deepEqual(a.functions(), b.functions());
    assert.equal(a.tree(COMMON)!.rootNode.toString(), b.tree(COMMON)!.rootNode.toString());
  });
});
