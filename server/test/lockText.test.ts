// A body's lock operations read from its text (analyzer/lockText.ts) against the same read from
// its tree (analyzer/lockOps.ts): the same operations wherever the text settles them, on bodies
// written for each construct, on every fixture and, with SLABLENS_KERNEL, on the real slab files.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { Analyzer } from '../src/analyzer';
import { liteTree } from '../src/analyzer/liteTree';
import { BodyCtx, blockOps, LOp, typeReader } from '../src/analyzer/lockOps';
import { opsFromText } from '../src/analyzer/lockText';
import { Lines, maskedSlice } from '../src/analyzer/parse';

const ROOT = path.resolve(__dirname, '../../..');
const KERNEL = process.env.SLABLENS_KERNEL;
const REAL = ['mm/slab_common.c', 'mm/slub.c'];
const present = !!KERNEL && REAL.every((f) => fs.existsSync(path.join(KERNEL, f)));
if (!present)
  process.stderr.write(
    `\n*** SLABLENS_KERNEL ${KERNEL ? `(${KERNEL}) has no ${REAL.join(' + ')}` : 'is not set'}: lock ops from the text are not compared on real kernel files ***\n`,
  );

interface Both {
  name: string;
  tree: unknown;
  text: unknown;
  treeNotModelled: string[];
  textNotModelled: string[];
}

/** Plain data: what JSON keeps (an absent field and an undefined one are the same to the walk). */
const plain = (ops: LOp[] | undefined): unknown => (ops === undefined ? undefined : JSON.parse(JSON.stringify(ops)));

/** Each function of the files read both ways. */
function bothWays(files: Record<string, string>): Both[] {
  const a = new Analyzer();
  for (const [uri, text] of Object.entries(files)) a.update(uri, text);
  const out: Both[] = [];
  for (const name of new Set(a.functions().map((f) => f.name))) {
    const f = a.definition(name)!;
    const found = a.found(name)!;
    const src = a.bodySource(name);
    const ctx = (body: string): BodyCtx => ({
      fn: name,
      text: found.text,
      typeOf: typeReader(f.signature, body),
      guards: [],
      notModelled: [],
      uri: f.uri,
    });
    const treeCtx = ctx(found.body.text);
    const tree = blockOps(liteTree(found.body, found.text, Lines.of(found.text)), treeCtx);
    const textCtx = ctx(src ? maskedSlice(src.masked, src.text, src.body.start, src.body.end) : '');
    const text = src && opsFromText(src, textCtx);
    const nm = (c: BodyCtx) => c.notModelled.map((n) => `${n.line}:${n.call}`).sort();
    out.push({
      name,
      tree: plain(tree),
      text: plain(text),
      treeNotModelled: nm(treeCtx),
      textNotModelled: nm(textCtx),
    });
  }
  return out;
}

function assertSame(all: Both[]): void {
  for (const b of all) {
    if (b.text === undefined) continue;
    assert.deepEqual(b.text, b.tree, b.name);
    assert.deepEqual(b.textNotModelled, b.treeNotModelled, b.name);
  }
}

const fn = (name: string, body: string): string => `static int ${name}(struct kmem_cache *s, void *p)\n{\n${body}\n}\n`;

// each body: one construct the text reader must read as the tree does
const SETTLED: Record<string, string> = {
  guards: `\tguard(mutex)(&slab_mutex);\n\tif (!p)\n\t\treturn -1;\n\tscoped_guard(spinlock_irqsave, &s->lock) {\n\t\tf(s);\n\t}\n\tguard(cpus_read_lock)();\n\treturn 0;`,
  trylock: `\tif (!spin_trylock(&s->list_lock))\n\t\treturn 0;\n\tif (likely(mutex_trylock(&m)))\n\t\tmutex_unlock(&m);\n\tspin_unlock(&s->list_lock);\n\treturn 1;`,
  loops: `\tint cpu;\n\tfor (cpu = 0; cpu < n; cpu++)\n\t\tg(cpu);\n\twhile (h(p)) { if (k(p)) break; else continue; }\n\tdo {\n\t\tmutex_lock(&m);\n\t} while (0);\n\tfor_each_online_cpu(cpu) {\n\t\tqueue_work_on(cpu, wq, &w);\n\t}\n\tlist_for_each_entry(s, &slab_caches, list)\n\t\tf(s);\n\treturn 0;`,
  switches: `\tswitch (x(p)) {\n\tcase 1:\n\tcase 2 ... 3:\n\t\tspin_lock(&s->lock);\n\t\tbreak;\n\tdefault:\n\t\t{ g(); }\n\t\treturn f(s);\n\t}\n\treturn 0;`,
  labels: `\tstruct slab *slab = NULL, *next;\n\tconst char *const name = kstrdup(p, GFP_KERNEL);\n\tunsigned long flags = 0;\n\tif (!name)\n\t\tgoto out;\n\tslab = get(s);\n\tx += f(y), z = g() ? 1 : 0;\n\tobj->field = h(NULL);\nout:\n\tmutex_unlock(&slab_mutex);\n\treturn true;`,
  expressions: `\ts->ops->free(s, p);\n\tf(x)(y);\n\t(void)g(h(1), (struct y){ .b = o(5) });\n\tstruct x v = { .a = k(2), [3] = l(4) };\n\tp = (struct slab *)m(n);\n\ta[i(5)] = j(6);\n\tb <<= c(7);\n\tif (d(8) == e(9) || !q)\n\t\treturn NULL;\n\treturn sizeof(struct slab) + r(s);`,
  directives: `\tint err;\n#ifdef CONFIG_SLUB_DEBUG\n\tif (flags & X)\n\t\tstatic_branch_enable(&k);\n\tmutex_lock(&slab_mutex);\n#else\n\tflags &= ~X;\n\tif (y) { z(); return 1; }\n\tfor (i = 0; i < 3; i++) w(i);\n#endif\n\tmutex_unlock(&slab_mutex);\n\treturn err;`,
};

// each body: a construct the text does not settle, left to the tree
const UNSETTLED: Record<string, string> = {
  statementExpression: `\tint x = ({ int y = f(); y; });\n\treturn x;`,
  callThroughPointer: `\t(*fn)(p);\n\treturn 0;`,
  elif: `#if A\n\tf();\n#elif B\n\tg();\n#endif\n\treturn 0;`,
  typeofDeclaration: `\ttypeof(p) q = f(p);\n\treturn 0;`,
  callOnResult: `\tf(x)->g(y);\n\treturn 0;`,
};

describe('lock ops from the text', () => {
  it('reads each construct as the tree does', () => {
    const all = bothWays(Object.fromEntries(Object.entries(SETTLED).map(([k, body]) => [`/x/mm/${k}.c`, fn(k, body)])));
    assert.equal(all.length, Object.keys(SETTLED).length);
    for (const b of all) assert.notEqual(b.text, undefined, `${b.name}: not settled by the text`);
    assertSame(all);
    // the reads are not empty: the locks are there
    const guards = all.find((b) => b.name === 'guards')!;
    assert.match(JSON.stringify(guards.text), /"k":"acquire".*slab_mutex.*"k":"acquire".*s->lock.*cpu_hotplug_lock/);
  });

  it('gives up where the text does not settle it', () => {
    const all = bothWays(
      Object.fromEntries(Object.entries(UNSETTLED).map(([k, body]) => [`/x/mm/${k}.c`, fn(k, body)])),
    );
    assert.equal(all.length, Object.keys(UNSETTLED).length);
    for (const b of all) assert.equal(b.text, undefined, `${b.name}: read from the text`);
  });

  it('every fixture function: the same ops as the tree, most read from the text', () => {
    let total = 0;
    let settled = 0;
    for (const dir of ['server/fixtures/kernel/mm', 'server/fixtures/kernel-interp/mm', 'server/fixtures/lockdep']) {
      const files: Record<string, string> = {};
      for (const f of fs.readdirSync(path.join(ROOT, dir)).filter((x) => x.endsWith('.c')))
        files[path.join(ROOT, dir, f)] = fs.readFileSync(path.join(ROOT, dir, f), 'utf8');
      const all = bothWays(files);
      assertSame(all);
      total += all.length;
      settled += all.filter((b) => b.text !== undefined).length;
    }
    assert.ok(settled >= total * 0.9, `${settled} of ${total} read from the text`);
  });

  it('the real slab files: the same ops as the tree', { skip: present ? false : 'SLABLENS_KERNEL not set' }, () => {
    const files = Object.fromEntries(
      REAL.map((f) => [path.join(KERNEL!, f), fs.readFileSync(path.join(KERNEL!, f), 'utf8')]),
    );
    const all = bothWays(files);
    assertSame(all);
    const settled = all.filter((b) => b.text !== undefined).length;
    assert.ok(settled >= all.length * 0.95, `${settled} of ${all.length} read from the text`);
  });
});
