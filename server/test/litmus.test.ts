// Scenario files: the built-ins as files, the round trip, bad files, and `slablens check <file>`.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { check, listScenarios, makeScenario, Observation, Prop } from '../../engine/src';
import type { InitItem, LitmusAst } from '../src/litmus/ast';
import { loadScenarioFile, loadScenarioText, runScenario } from '../src/litmus';
import { sameScenario } from '../src/litmus/lower';
import { parseFrame } from '../src/litmus/parse';
import { printScenario } from '../src/litmus/print';

const ROOT = path.resolve(__dirname, '../../..');
const CLI = path.join(ROOT, 'dist/cli.js');
const SCEN = path.join(ROOT, 'scenarios');
const run = (...args: string[]) => {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const tmp = (name: string, text: string | Buffer) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slablens-litmus-'));
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
};

describe('built-in scenarios are the files in scenarios/', () => {
  for (const s of listScenarios()) {
    it(`${s.id}: the file is the built-in scenario and gives its verdict (${s.expect})`, () => {
      const l = loadScenarioFile(path.join(SCEN, `${s.id}.litmus`));
      assert.deepEqual(
        l.diagnostics.filter((d) => d.severity === 'error'),
        [],
      );
      const sc = l.lowered!.scenario;
      assert.ok(sameScenario(sc, makeScenario(s.id)), 'same setup, threads and programs as the built-in');
      assert.equal(sc.source, 'builtin', 'keeps replay tokens');
      const r = runScenario(l.lowered!, { strategy: 'dpor' });
      assert.equal(r.verdict, s.expect);
      assert.equal(r.verdict, check(makeScenario(s.id), { strategy: 'dpor' }).verdict);
      if (s.expectProperty) assert.equal(r.property, s.expectProperty);
      assert.equal(r.litmus.matches, true, `observed ${r.litmus.observation}, expected ${r.litmus.expected}`);
      assert.equal(r.litmus.observation, s.expect === 'fail' ? 'Sometimes' : 'Never');
      assert.ok(r.litmus.total > 0 && r.litmus.total === r.executions);
    });
  }

  it('the CLI runs a built-in id as its file; the exit code stays the verdict', () => {
    const f1 = run('check', 'f1-kasan-nofix');
    assert.equal(f1.code, 1, f1.err);
    assert.match(f1.out, /scenarios[/\\]f1-kasan-nofix\.litmus/);
    assert.match(f1.out, /Observation f1-kasan-nofix Sometimes \d+ \d+/);
    assert.match(f1.out, /FAIL \(objects remaining\)/);
    const f2 = run('check', 'f2-kasan-fix', '--json');
    assert.equal(f2.code, 0, f2.err);
    const j = JSON.parse(f2.out);
    assert.equal(j.verdict, 'pass');
    assert.equal(j.litmus.observation, 'Never');
    assert.equal(j.litmus.matches, true);
    // --cpus asks for the built-in builder, which scales the setup to N CPUs
    const c4 = run('check', 'f1-kasan-nofix', '--cpus', '3', '--json');
    assert.equal(JSON.parse(c4.out).ncpus, 3);
    // so does --hotplug (the files have no hotplug thread): never the file's verdict without it
    const hp = run('check', 'f2-kasan-fix', '--hotplug', '--json');
    const hj = JSON.parse(hp.out);
    assert.equal(hj.litmus, undefined, 'not the file');
    assert.equal(hj.strategy, 'dpor');
    assert.equal(hj.verdict, 'fail');
  });

  it('check <file>: exit 0 when the observation is the expected Result, 1 when it is not', () => {
    const ok = run('check', path.join(SCEN, 'f1-kasan-nofix.litmus'));
    assert.equal(ok.code, 0, ok.out + ok.err);
    assert.match(ok.out, /Expected Sometimes: matches/);
    const text = fs
      .readFileSync(path.join(SCEN, 'f1-kasan-nofix.litmus'), 'utf8')
      .replace('exists (objects_remaining(s))', 'exists (lost_free)');
    const bad = run('check', tmp('f1-edited.litmus', text), '--json');
    assert.equal(bad.code, 1);
    const j = JSON.parse(bad.out);
    assert.equal(j.litmus.observation, 'Never');
    assert.equal(j.litmus.expected, 'Sometimes');
    assert.equal(j.litmus.matches, false);
  });
});

describe('the clause', () => {
  const base = fs.readFileSync(path.join(SCEN, 'f1-kasan-nofix.litmus'), 'utf8');
  const withClause = (c: string, result: Observation) =>
    loadScenarioText(
      'x.litmus',
      base.replace('exists (objects_remaining(s))', c).replace('Result: Sometimes', `Result: ${result}`),
    );
  const cases: [string, Observation][] = [
    ['exists (objects_remaining(s) /\\ warn)', 'Sometimes'],
    ['forall (~lost_free /\\ ~deadlock)', 'Always'],
    ['~exists (double_free)', 'Never'],
    ['exists (objects_remaining(s) \\/ ~objects_remaining(s))', 'Always'],
    ['exists (leak)', 'Sometimes'],
  ];
  for (const [c, want] of cases) {
    it(`${c} → ${want}`, () => {
      const l = withClause(c, want);
      assert.ok(l.lowered, JSON.stringify(l.diagnostics));
      const r = runScenario(l.lowered!, { strategy: 'dpor' });
      assert.equal(r.litmus.observation, want);
      assert.equal(r.litmus.matches, true);
    });
  }

  it('registers: 0:r0 is the value P0 left in r0', () => {
    const text = base
      .replace('kmem_cache_destroy(s);', 'int r0;\n\tr0 = __kmem_cache_shutdown(s);')
      .replace('exists (objects_remaining(s))', 'exists (0:r0=1)');
    const l = loadScenarioText('r.litmus', text);
    assert.ok(l.lowered, JSON.stringify(l.diagnostics));
    const r = runScenario(l.lowered!, { strategy: 'dpor' });
    // __kmem_cache_shutdown() alone, no flush of the rcu_free sheaves first: their objects stay in use
    assert.equal(r.litmus.observation, 'Always');
    const u = loadScenarioText('r.litmus', text.replace('0:r0=1', '0:r9=1'));
    assert.match(u.diagnostics[0].message, /P0 has no local r9/);
  });

  it('use_after_free is refused as not modelled, never answered', () => {
    const l = withClause('exists (use_after_free)', 'Never');
    assert.equal(l.lowered, undefined);
    assert.match(l.diagnostics[0].message, /^not modelled: use_after_free/);
  });
});

describe('bad files: one clear message with line and column, no crash', () => {
  const f1 = fs.readFileSync(path.join(SCEN, 'f1-kasan-nofix.litmus'), 'utf8');
  const lineOf = (text: string, needle: string) => text.slice(0, text.indexOf(needle)).split('\n').length;

  it('a syntax error', () => {
    const text = f1.replace('CONFIG_KASAN=y;', 'CONFIG_KASAN=y');
    const r = run('check', tmp('syntax.litmus', text));
    assert.equal(r.code, 2);
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
    assert.match(
      r.err,
      new RegExp(`syntax\\.litmus:${lineOf(text, 'CONFIG_SLUB_RCU_DEBUG')}:3: error: syntax error: expected .*";"`),
    );
  });

  it('an unknown function: not modelled, with a suggestion', () => {
    const text = f1.replace('kmem_cache_destroy(s);', 'kfree_rcuu(o0, rcu);');
    const r = run('check', tmp('typo.litmus', text));
    assert.equal(r.code, 2);
    assert.match(
      r.err,
      new RegExp(
        `typo\\.litmus:${lineOf(text, 'kfree_rcuu')}:2: error: not modelled: kfree_rcuu — did you mean kfree_rcu\\?`,
      ),
    );
  });

  it('zero threads', () => {
    const text = f1.replace(/P0\(struct kmem_cache \*s\)\n\{\n\tkmem_cache_destroy\(s\);\n\}\n/, '');
    const r = run('check', tmp('none.litmus', text));
    assert.equal(r.code, 2);
    assert.match(r.err, /none\.litmus:\d+:\d+: error: no thread: a scenario needs at least P0/);
  });

  it('1000 threads', () => {
    const threads = Array.from(
      { length: 1000 },
      (_, i) => `P${i}(struct kmem_cache *s)\n{\n\trcu_barrier();\n}\n`,
    ).join('\n');
    const text = f1.replace(/P0\(struct kmem_cache \*s\)\n\{\n\tkmem_cache_destroy\(s\);\n\}\n/, threads);
    const r = run('check', tmp('many.litmus', text));
    assert.equal(r.code, 2);
    assert.match(
      r.err,
      new RegExp(
        `many\\.litmus:${lineOf(text, 'P16(')}:1: error: too many threads: 1000 \\(P0…P999\\); the simulator runs at most 16 CPUs`,
      ),
    );
  });

  it('an unbounded loop: the limits stop it and the run says incomplete', () => {
    const text = f1.replace('kmem_cache_destroy(s);', 'for (;;) {\n\t\trcu_read_lock();\n\t\trcu_read_unlock();\n\t}');
    const r = run('check', tmp('loop.litmus', text), '--max-states', '500');
    assert.equal(r.code, 3, r.out + r.err);
    assert.match(r.out, /Observation: undecided — incomplete: limit reached after 500 states \(--max-states\)/);
    // without a state limit low enough, the depth limit stops the first execution
    const l = loadScenarioText('loop.litmus', text);
    const deep = runScenario(l.lowered!, { strategy: 'dpor', maxDepth: 300 });
    assert.equal(deep.verdict, 'incomplete');
    assert.equal(deep.litmus.observation, undefined);
    assert.match(deep.reason!, /an execution ran longer than 300 steps \(an unbounded loop\?\)/);
  });

  it('a file that is not UTF-8', () => {
    const bytes = Buffer.concat([Buffer.from('C latin1\n\n(* caf'), Buffer.from([0xe9]), Buffer.from(' *)\n{\n}\n')]);
    const r = run('check', tmp('latin1.litmus', bytes));
    assert.equal(r.code, 2);
    assert.match(r.err, /latin1\.litmus:3:7: error: not UTF-8: byte 0xe9/);
  });

  it('an object that does not exist, a wrong argument count, an unknown CONFIG', () => {
    const a = loadScenarioText('a.litmus', f1.replace('kmem_cache_destroy(s);', 'kmem_cache_free(s, o9);'));
    assert.match(a.diagnostics[0].message, /o9 does not exist/);
    const b = loadScenarioText('b.litmus', f1.replace('kmem_cache_destroy(s);', 'kmem_cache_free(o0);'));
    assert.match(b.diagnostics[0].message, /kmem_cache_free\(s, obj\) takes 2 arguments/);
    const c = loadScenarioText('c.litmus', f1.replace('CONFIG_KASAN=y', 'CONFIG_KASN=y'));
    assert.match(
      c.diagnostics[0].message,
      /not modelled: CONFIG_KASN — no modelled code reads it — did you mean CONFIG_KASAN\?/,
    );
    assert.equal(c.diagnostics[0].line, lineOf(f1, 'CONFIG_KASAN=y'));
  });
});

// ---- round trip ------------------------------------------------------------------------------

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
const strip = (x: unknown): unknown =>
  JSON.parse(JSON.stringify(x, (k, v) => (/^(loc|nameLoc|initLoc|bodyLoc|expectedLoc)$/.test(k) ? undefined : v)));

const word = fc.stringMatching(/^[a-z][a-z0-9_]{0,7}$/);
const yn = fc.constantFrom('y', 'n');
const predAtom: fc.Arbitrary<Prop> = fc.oneof(
  fc.constantFrom<Prop>(
    { kind: 'pred', name: 'objects_remaining', arg: 's' },
    { kind: 'pred', name: 'leak' },
    { kind: 'pred', name: 'lost_free' },
    { kind: 'pred', name: 'warn' },
    { kind: 'pred', name: 'deadlock' },
  ),
  fc.boolean().map<Prop>((value) => ({ kind: 'const', value })),
);
const prop: fc.Arbitrary<Prop> = fc.letrec<{ p: Prop }>((tie) => ({
  p: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    predAtom,
    tie('p').map<Prop>((arg) => ({ kind: 'not', arg })),
    fc.array(tie('p'), { minLength: 2, maxLength: 3 }).map<Prop>((args) => ({ kind: 'and', args })),
    fc.array(tie('p'), { minLength: 2, maxLength: 3 }).map<Prop>((args) => ({ kind: 'or', args })),
  ),
})).p;

/** Scenarios the engine can run: slabs, allocations, frees on CPUs, threads calling the API. */
const scenario = fc
  .record({
    name: fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/),
    description: fc
      .array(
        fc.array(word, { minLength: 1, maxLength: 5 }).map((w) => w.join(' ')),
        { maxLength: 3 },
      )
      .map((l) => l.join('\n')),
    expected: fc.option(fc.constantFrom<Observation>('Never', 'Sometimes', 'Always'), { nil: undefined }),
    kasan: yn,
    sheaves: yn,
    capacity: fc.integer({ min: 1, max: 8 }),
    slabs: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 2 }),
    frees: fc.array(
      fc.record({ cpu: fc.integer({ min: 0, max: 1 }), how: fc.constantFrom('kfree_rcu', 'kmem_cache_free') }),
      { maxLength: 3 },
    ),
    threads: fc.array(
      fc.array(
        fc.constantFrom(
          'kmem_cache_destroy(s);',
          'rcu_barrier();',
          'rcu_read_lock();',
          'rcu_read_unlock();',
          'FREE_RCU',
          'flush_all_cpus_locked(s);',
        ),
        { minLength: 1, maxLength: 3 },
      ),
      { minLength: 1, maxLength: 2 },
    ),
    quantifier: fc.constantFrom('exists' as const, '~exists' as const, 'forall' as const),
    prop,
  })
  .map(({ name, description, expected, kasan, sheaves, capacity, slabs, frees, threads, quantifier, prop }) => {
    const init: DistributiveOmit<InitItem, 'loc'>[] = [
      { kind: 'setting', name: 'CONFIG_KASAN', value: kasan },
      { kind: 'cache', field: 'cpu_sheaves', value: sheaves },
      { kind: 'cache', field: 'sheaf_capacity', value: String(capacity) },
    ];
    let objects = 0;
    slabs.forEach((k, i) => {
      init.push({ kind: 'assign', target: `slab${i}`, fn: 'new_slab', args: [String(k)] });
      init.push({ kind: 'assign', target: `o${objects}`, fn: 'kmem_cache_alloc', args: ['s', 'GFP_KERNEL'] });
      objects += k;
    });
    const allocated = slabs.map((_, i) => slabs.slice(0, i).reduce((a, b) => a + b, 0));
    frees.slice(0, allocated.length).forEach((f, i) => {
      const o = `o${allocated[i]}`;
      init.push({ kind: 'call', cpu: f.cpu, fn: f.how, args: f.how === 'kfree_rcu' ? [o, 'rcu'] : ['s', o] });
    });
    const spare = allocated.length > frees.length ? `o${allocated[allocated.length - 1]}` : undefined;
    const ths = threads.map((calls, i) => ({
      name: `P${i}`,
      params: 'struct kmem_cache *s',
      body: `{\n${calls.map((c) => `\t${c === 'FREE_RCU' ? (spare ? `kfree_rcu(${spare}, rcu);` : 'rcu_barrier();') : c}`).join('\n')}\n}`,
    }));
    return { name, description, expected, init, threads: ths, clause: { quantifier, prop } } as unknown as LitmusAst;
  });

describe('round trip: parse → print → parse', () => {
  it('gives the same syntax and the same scenario (fast-check)', () => {
    let lowered = 0;
    fc.assert(
      fc.property(scenario, (a) => {
        const text = printScenario(a);
        const p1 = parseFrame('g.litmus', text);
        assert.deepEqual(strip(p1), strip({ ...a, clause: a.clause }));
        const text2 = printScenario(p1);
        assert.equal(text2, text);
        const p2 = parseFrame('g.litmus', text2);
        assert.deepEqual(strip(p2), strip(p1));
        const l1 = loadScenarioText('g.litmus', text);
        const l2 = loadScenarioText('g.litmus', text2);
        assert.deepEqual(l2.diagnostics, l1.diagnostics);
        if (l1.lowered) {
          lowered++;
          assert.deepEqual(l2.lowered!.scenario, l1.lowered.scenario);
          assert.deepEqual(strip(l2.lowered!.clause), strip(l1.lowered.clause));
        }
      }),
      { numRuns: 150, seed: 14 },
    );
    assert.ok(lowered > 75, `only ${lowered} of 150 generated files lowered`);
  });

  it('the shipped files print back to themselves as syntax', () => {
    for (const f of fs.readdirSync(SCEN).filter((x) => x.endsWith('.litmus'))) {
      const text = fs.readFileSync(path.join(SCEN, f), 'utf8');
      const p1 = parseFrame(f, text);
      assert.deepEqual(strip(parseFrame(f, printScenario(p1))), strip(p1), f);
    }
  });
});

// ---- the library -----------------------------------------------------------------------------

/** The library's answers, written out here so that a file's Result comment cannot drift alone. */
const LIBRARY: Record<string, Observation | { notModelled: string }> = {
  'merged-cache-destroy-one-alias': 'Never',
  'merged-cache-destroyed-by-both': 'Sometimes',
  'merged-cache-destroyed-by-both-fix': 'Never',
  'typesafe-by-rcu-slub-rcu-debug': 'Never',
  'typesafe-by-rcu-without-debug': 'Sometimes',
  'kfree-rcu-racing-destroy': 'Sometimes',
  'free-racing-destroy': 'Sometimes',
  'rcu-reader-during-destroy-fix': 'Never',
  'main-sheaf-objects-destroy': 'Never',
  'f1-three-cpus': 'Sometimes',
  'caller-barrier-before-destroy': 'Never',
  'kfree-nolock-sheaves': { notModelled: 'kfree_nolock' },
  'sheaf-refill-from-partial-race': { notModelled: 'kmem_cache_alloc' },
  'barn-get-put-race': { notModelled: 'barn_replace_empty_sheaf' },
};

describe('the scenario library (scenarios/, README table)', () => {
  it('every file in scenarios/ is a built-in or in the library', () => {
    const ids = new Set([...listScenarios().map((s) => s.id), ...Object.keys(LIBRARY)]);
    for (const f of fs.readdirSync(SCEN)) assert.ok(ids.has(f.replace(/\.litmus$/, '')), f);
  });
  for (const [id, want] of Object.entries(LIBRARY)) {
    const text = fs.readFileSync(path.join(SCEN, `${id}.litmus`), 'utf8');
    if (typeof want === 'string') {
      it(`${id}: ${want}, as its Result comment says`, () => {
        const l = loadScenarioFile(path.join(SCEN, `${id}.litmus`));
        assert.ok(l.lowered, JSON.stringify(l.diagnostics));
        const r = runScenario(l.lowered!, { strategy: 'dpor' });
        assert.equal(r.litmus.observation, want);
        assert.equal(r.litmus.expected, want);
        assert.equal(r.litmus.matches, true);
      });
    } else {
      it(`${id}: answers "not modelled: ${want.notModelled}" and is marked so`, () => {
        assert.match(text, /NOT MODELLED/);
        const l = loadScenarioFile(path.join(SCEN, `${id}.litmus`));
        assert.equal(l.lowered, undefined);
        const errors = l.diagnostics.filter((d) => d.severity === 'error');
        assert.equal(errors[0].message, `not modelled: ${want.notModelled}`);
        assert.equal(errors[0].line, text.slice(0, text.lastIndexOf(`${want.notModelled}(`)).split('\n').length);
      });
    }
  }
});
