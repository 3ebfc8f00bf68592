// The interpreted C: lowering of fixture bodies, the built-in scenarios over them (the same
// verdicts as the hand models), the heap's properties, and single-statement mutants of the bodies
// on the destroy and F5 paths, each with the verdict it must get and why.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { check, CheckResult, explore, machineFor, makeScenario, scenarioIds } from '../../engine/src';
import { Analyzer } from '../src/analyzer';
import { interpretPaths, pathRoots } from '../src/analyzer/interpret';
import { checkFromKernel, sourcePrograms } from '../src/kernelCheck';
import { ServerContext } from '../src/context';
import { hoverText } from '../src/features/hover';
import type { Connection } from 'vscode-languageserver/node';

const ROOT = path.resolve(__dirname, '../../..');
const FIX = path.join(ROOT, 'server/fixtures/kernel-interp');
const read = (f: string) => fs.readFileSync(path.join(FIX, 'mm', f), 'utf8');
const SLUB = read('slub.c');
const COMMON = read('slab_common.c');

function analyzer(slub = SLUB, common = COMMON): Analyzer {
  const a = new Analyzer({ lazyBodies: false });
  a.update(path.join(FIX, 'mm/slub.c'), slub);
  a.update(path.join(FIX, 'mm/slab_common.c'), common);
  return a;
}

const run = (a: Analyzer, id: string, maxStates = 200_000): CheckResult =>
  checkFromKernel(a, id, {}, { strategy: 'dpor', maxStates }).result;

describe('interpreted C: the fixture bodies', () => {
  const a = analyzer();

  it('every slub/slab_common function on the destroy path is interpreted, __kvfree_rcu_barrier too; only kernel primitives and the node_nr_slabs predicate are not', () => {
    const { programs } = sourcePrograms(a);
    const i = interpretPaths(a, pathRoots(makeScenario('f1-kasan-nofix', { programs })));
    for (const fn of [
      'flush_rcu_sheaf',
      'rcu_free_sheaf_nobarn',
      '__rcu_free_sheaf_prepare',
      'sheaf_flush_unused',
      'pcs_flush_all',
      'barn_shrink',
      'free_partial',
      'flush_cpu_slab',
      'flush_slab',
      'do_slab_free',
      'deactivate_slab',
      'discard_slab',
      'remove_partial',
      '__kvfree_rcu_barrier',
      'krc_has_queued',
      'krc_wait_batches',
    ]) {
      assert.ok(i.interpreted.includes(fn), `${fn} interpreted (got ${i.interpreted.join(', ')})`);
    }
    assert.deepEqual(
      i.handModels.map((h) => h.name),
      ['node_nr_slabs'],
    );
    // krc_start_batch touches krc fields the heap does not map: a trap, reached only if krc held objects
    assert.deepEqual(
      i.traps.map((t) => `${t.caller} → ${t.callee}`),
      ['__kvfree_rcu_barrier → krc_start_batch'],
    );
    for (const p of ['call_rcu', 'rcu_barrier', 'slab_free_hook', 'local_lock', 'kasan_cache_shutdown'])
      assert.ok(i.primitives.includes(p), p);
  });

  it('a slab function the scenario calls that the tree has nowhere is a hand model "not in this tree", never a primitive', () => {
    // no slub.c: F5's do_slab_free is neither defined nor mentioned; rcu_barrier is mentioned (a primitive from elsewhere)
    const b = analyzer('/* no slub.c here */\n', COMMON);
    const { programs } = sourcePrograms(b);
    const i = interpretPaths(b, pathRoots(makeScenario('f5-cpu-slab-flush', { programs })));
    assert.match(i.handModels.find((h) => h.name === 'do_slab_free')?.reason ?? '', /^not in this tree/);
    assert.ok(!i.primitives.includes('do_slab_free'), i.primitives.join(', '));
    const full = interpretPaths(a, pathRoots(makeScenario('f1-kasan-nofix', { programs: sourcePrograms(a).programs })));
    assert.ok(
      !full.handModels.some((h) => /^not in this tree/.test(h.reason)),
      'the full fixture lacks nothing F1 calls',
    );
  });

  it('hover: says which path interprets the function from its body, the counts, and why one is a hand model', () => {
    const log = () => undefined;
    const ctx = new ServerContext(
      { console: { log, info: log, warn: log, error: log }, sendDiagnostics: log } as unknown as Connection,
      a,
    );
    const i = interpretPaths(a, pathRoots(makeScenario('f1-kasan-nofix', { programs: sourcePrograms(a).programs })));
    const counts = `${i.interpreted.length} functions interpreted, ${i.handModels.length} hand models`;
    assert.ok(
      hoverText(ctx, 'flush_rcu_sheaf').includes(
        `**Interpreted C**: interpreted from this body on the destroy path (F1–F4): ${counts}`,
      ),
    );
    assert.match(hoverText(ctx, 'flush_slab'), /interpreted from this body on the cpu-slab path \(F5\)/);
    assert.match(hoverText(ctx, '__kvfree_rcu_barrier'), /interpreted from this body on the destroy path \(F1–F4\)/);
  });

  it('lowering: flush_rcu_sheaf takes pcs->rcu_free under local_lock, then call_rcu on it', () => {
    const { programs } = sourcePrograms(a);
    const f = interpretPaths(a, pathRoots(makeScenario('f3-nokasan-nofix', { programs }))).cfuncs.flush_rcu_sheaf;
    const calls = f.code.filter((i) => i.i === 'call').map((i) => (i.i === 'call' ? i.fn : ''));
    assert.deepEqual(calls, ['local_lock', 'this_cpu_ptr', 'local_unlock', 'call_rcu']);
    assert.ok(f.code.some((i) => i.i === 'set' && i.to.k === 'arrow' && i.to.f === 'rcu_free' && i.e.k === 'null'));
  });

  for (const id of ['f1-kasan-nofix', 'f3-nokasan-nofix']) {
    it(`${id}: the verdict over the interpreted bodies is the hand models' verdict`, () => {
      const { programs } = sourcePrograms(a);
      const hand = check(makeScenario(id, { programs }), { strategy: 'dpor' });
      const interp = run(a, id);
      assert.equal(interp.verdict, hand.verdict, interp.message);
      assert.equal(interp.property, hand.property);
    });
  }

  it('F1 trace: the object goes to the quarantine in the interpreted slab_free_hook, free_partial reports it', () => {
    const r = run(a, 'f1-kasan-nofix');
    assert.equal(r.property, 'objects remaining');
    const steps = r.trace!.steps;
    assert.ok(steps.some((s) => s.function === '__rcu_free_sheaf_prepare' || /KASAN quarantine/.test(s.event)));
    assert.equal(steps.find((s) => s.violation)!.function, 'free_partial');
  });

  for (const id of ['f5-cpu-slab-flush-no-irqsave', 'f5-cpu-slab-flush-no-tid', 'f5-cpu-slab-flush-unprotected']) {
    it(`${id}: the scenario's switch finds the lost free in the interpreted flush_slab/do_slab_free`, () => {
      const r = run(a, id, 50_000);
      assert.equal(r.verdict, 'fail', r.message);
      assert.equal(r.property, 'lost free');
    });
  }
});

/** naive search over these two takes minutes: run with SLABLENS_SLOW_TESTS=1 (they pass: see the README) */
const SLOW = new Set(['f5-cpu-slab-flush-unprotected', 'f5-cpu-slab-flush-no-irqsave']);
const slow = !!process.env.SLABLENS_SLOW_TESTS;
if (!slow)
  process.stderr.write(
    `\n*** dpor vs naive over interpreted C: ${[...SLOW].join(', ')} SKIPPED (set SLABLENS_SLOW_TESTS=1) ***\n`,
  );

describe('dpor (stateful and stateless) over interpreted bodies reaches every final state the naive search reaches', () => {
  const a = analyzer();
  const { programs } = sourcePrograms(a);
  for (const id of scenarioIds()) {
    it(id, { skip: SLOW.has(id) && !slow ? 'slow: SLABLENS_SLOW_TESTS=1' : false }, () => {
      const sc = makeScenario(id, {
        programs,
        cfuncs: interpretPaths(a, pathRoots(makeScenario(id, { programs }))).cfuncs,
      });
      const finals = (strategy: 'dpor' | 'naive', stateless = false) =>
        explore(machineFor(sc), { strategy, stateless, collect: 'terminal', maxStates: 400_000 });
      const n = finals('naive');
      assert.equal(n.reason, undefined, `naive search complete (${n.states} states)`);
      // the stateful search's cache key holds the interpreted frames (pc, locals) and the heap's
      // extra state (free pointers held in locals, freed sheaves, slabs taken off lists)
      for (const stateless of [false, true]) {
        const d = finals('dpor', stateless);
        assert.equal(d.reason, undefined, stateless ? 'stateless' : 'stateful');
        assert.deepEqual(
          [...n.collected!].filter((k) => !d.collected!.has(k)),
          [],
          stateless ? 'stateless' : 'stateful',
        );
      }
    });
  }
});

describe('CPU hotplug over interpreted bodies: the teardown gets the dead CPU', () => {
  // our own slub_cpu_dead in the kernel's shape, appended to the fixture: the hotplug thread runs it
  const TEARDOWN = `
static void __pcs_flush_all_cpu(struct kmem_cache *cache, unsigned int cpu)
{
	struct slub_percpu_sheaves *dead_pcs = per_cpu_ptr(cache->cpu_sheaves, cpu);

	sheaf_flush_unused(cache, dead_pcs->main);
	if (dead_pcs->rcu_free) {
		call_rcu(&dead_pcs->rcu_free->rcu_head, rcu_free_sheaf_nobarn);
		dead_pcs->rcu_free = NULL;
	}
}

static int slub_cpu_dead(unsigned int cpu)
{
	struct kmem_cache *s;

	mutex_lock(&slab_mutex);
	list_for_each_entry(s, &slab_caches, list) {
		if (cache_has_sheaves(s))
			__pcs_flush_all_cpu(s, cpu);
	}
	mutex_unlock(&slab_mutex);
	return 0;
}

void __init kmem_cache_init(void)
{
	cpuhp_setup_state_nocalls(CPUHP_SLUB_DEAD, "slub:dead", NULL, slub_cpu_dead);
}
`;

  it("__pcs_flush_all_cpu(s, cpu) flushes the dead CPU's sheaves, not CPU 0's: F2 with hotplug FAILs on objects remaining, never a NULL dereference", () => {
    const a = analyzer(SLUB + TEARDOWN);
    const k = checkFromKernel(a, 'f2-kasan-fix', { hotplug: {} }, { strategy: 'dpor', maxStates: 200_000 });
    assert.ok(k.interpretation.interpreted.includes('__pcs_flush_all_cpu'), 'the teardown runs from its body');
    // with `cpu` bound to 0, the teardown took CPU 0's rcu_free sheaf while CPU 0's own
    // flush_rcu_sheaf took it too: a NULL dereference at the call_rcu
    assert.equal(k.result.verdict, 'fail');
    assert.equal(k.result.property, 'objects remaining', k.result.message);
    const flushed = k.result.trace!.steps.filter(
      (s) => s.function === '__pcs_flush_all_cpu' && /call_rcu/.test(s.event),
    );
    for (const s of flushed)
      assert.doesNotMatch(s.event, /sheaf#0\b/, `CPU 0's sheaf is not the dead CPU's: ${s.event}`);
  });
});

describe('__kvfree_rcu_barrier: for_each_possible_cpu over the krc batching, from its body', () => {
  const barrier = COMMON.slice(COMMON.indexOf('static void __kvfree_rcu_barrier(void)'));
  const end = barrier.indexOf('\n}\n') + 3;
  /** the fixture with __kvfree_rcu_barrier's body edited (`from` must occur in it once) */
  const edited = (from: string, to: string) => {
    assert.equal(barrier.slice(0, end).split(from).length, 2, `${from} once in __kvfree_rcu_barrier`);
    const at = COMMON.indexOf(from, COMMON.indexOf('static void __kvfree_rcu_barrier(void)'));
    return analyzer(SLUB, COMMON.slice(0, at) + to + COMMON.slice(at + from.length));
  };

  it('visits every CPU, the krc of each empty: F1 at 3 CPUs still FAILs, its trace shows each batch flushed', () => {
    const r = checkFromKernel(analyzer(), 'f1-kasan-nofix', { cpus: 3 }, { strategy: 'dpor', maxStates: 200_000 });
    assert.equal(r.result.property, 'objects remaining', r.result.message);
    const ev = r.result.trace!.steps.filter((x) => x.function === '__kvfree_rcu_barrier').map((x) => x.event);
    for (const c of [0, 1, 2])
      for (const b of [0, 1])
        assert.ok(
          ev.some((e) => e.includes(`flush_rcu_work(krc:${c}/krw_arr[${b}]/rcu_work)`)),
          `${c}.${b}: ${ev.join(' | ')}`,
        );
  });

  it('the verdict follows its C: an rcu_barrier() added at its end waits for the sheaf callbacks too, and F1 PASSes', () => {
    const a = edited('\t\tkrc_wait_batches(kc);\n\t}\n}', '\t\tkrc_wait_batches(kc);\n\t}\n\trcu_barrier();\n}');
    assert.equal(run(a, 'f1-kasan-nofix').verdict, 'pass');
  });

  it('a run that reaches krc_start_batch (a trap: krc fields the heap does not map) falls back to the hand model and says so', () => {
    const a = edited('while (krc_has_queued(kc)) {', 'while (!krc_has_queued(kc)) {');
    const k = checkFromKernel(a, 'f3-nokasan-nofix', {}, { strategy: 'dpor', maxStates: 200_000 });
    assert.equal(k.result.verdict, 'pass', k.result.message);
    const h = k.interpretation.handModels.find((x) => x.name === '__kvfree_rcu_barrier');
    assert.match(
      h?.reason ?? '',
      /the run reached krc_start_batch\(\) at line \d+, which is neither interpreted nor modelled/,
    );
    assert.ok(!k.interpretation.interpreted.includes('__kvfree_rcu_barrier'));
  });

  it('the older fixture (server/fixtures/kernel) runs its __kvfree_rcu_barrier from its body too', () => {
    const dir = path.join(ROOT, 'server/fixtures/kernel/mm');
    const a = new Analyzer({ lazyBodies: false });
    for (const f of ['slub.c', 'slab_common.c'])
      a.update(path.join(dir, f), fs.readFileSync(path.join(dir, f), 'utf8'));
    const k = checkFromKernel(a, 'f1-kasan-nofix', {}, { strategy: 'dpor', maxStates: 200_000 });
    assert.equal(k.result.verdict, 'fail');
    assert.equal(k.result.property, 'objects remaining');
    assert.ok(k.interpretation.interpreted.includes('__kvfree_rcu_barrier'));
  });

  it('another loop macro is not modelled: the hand model stands in, and the hover says why', () => {
    const a = edited(
      'for_each_possible_cpu(c) {\n\t\tkc = per_cpu_ptr(&krc, c);\n\t\twhile',
      'for_each_present_cpu(c) {\n\t\tkc = per_cpu_ptr(&krc, c);\n\t\twhile',
    );
    const log = () => undefined;
    const ctx = new ServerContext(
      { console: { log, info: log, warn: log, error: log }, sendDiagnostics: log } as unknown as Connection,
      a,
    );
    assert.match(
      hoverText(ctx, '__kvfree_rcu_barrier'),
      /\*\*not interpreted\*\* on the destroy path \(F1–F4\) — not modelled: loop macro for_each_present_cpu at line \d+; its hand model is used/,
    );
  });
});

describe('sheaf_flush_main: a full main sheaf goes back through a local array (memcpy, min, goto) and a detached freelist', () => {
  // F3 with three more objects in CPU 0's main sheaf: the fixture's sheaf_flush_main moves them
  // onto its stack under the lock and frees them from there, one __slab_free() per run of one
  // slab (free_batch_to_slabs: a struct detached_freelist on the stack, filled through a pointer)
  const withMain = (a: Analyzer, mixed = false) => {
    const { programs } = sourcePrograms(a);
    const base = makeScenario('f3-nokasan-nofix', { programs });
    const cfuncs = interpretPaths(a, pathRoots(base)).cfuncs;
    const sc = makeScenario('f3-nokasan-nofix', { programs, cfuncs });
    const first = 2 * sc.ncpus;
    // mixed: two full slabs, X = {f, f+1} and Y = {f+2}, freed to the sheaf as X, Y, X: the run
    // of X's objects skips Y's and swaps it in front
    if (mixed) sc.setup.push({ op: 'new_slab', objects: 2 }, { op: 'new_slab', objects: 1 });
    else sc.setup.push({ op: 'new_slab', objects: 3 });
    for (let o = first; o < first + 3; o++) sc.setup.push({ op: 'alloc', obj: o });
    for (const o of mixed ? [first, first + 2, first + 1] : [first, first + 1, first + 2])
      sc.setup.push({ op: 'free_to_main', obj: o, cpu: 0 });
    return { sc, hand: { ...sc, cfuncs: undefined } };
  };

  for (const mixed of [false, true])
    it(`${mixed ? 'objects of two slabs: ' : ''}PASS, as with the hand models, and dpor reaches every final state the naive search reaches`, () => {
      const { sc, hand } = withMain(analyzer(), mixed);
      assert.equal(check(hand, { strategy: 'dpor' }).verdict, 'pass');
      const r = check(sc, { strategy: 'dpor' });
      assert.equal(r.verdict, 'pass', r.message);
      const finals = (strategy: 'dpor' | 'naive') =>
        explore(machineFor(sc), { strategy, collect: 'terminal', maxStates: 400_000 });
      const n = finals('naive');
      const d = finals('dpor');
      assert.equal(n.reason, undefined);
      assert.deepEqual(
        [...n.collected!].filter((k) => !d.collected!.has(k)),
        [],
      );
    });

  const without = (line: string, fn = 'static void sheaf_flush_main(', mixed = false) => {
    const body = SLUB.slice(SLUB.indexOf(fn));
    assert.equal(body.slice(0, body.indexOf('\n}\n')).split(line).length, 2, `${line} once in ${fn}`);
    const at = SLUB.indexOf(line, SLUB.indexOf(fn));
    const { sc } = withMain(analyzer(SLUB.slice(0, at) + SLUB.slice(at + line.length)), mixed);
    const name = /(\w+)\($/.exec(fn)![1];
    assert.ok(sc.cfuncs?.[name], `${name} still interpreted`);
    return sc;
  };

  it('without the memcpy() the batch is read before it is set: FAIL (uninitialised variable)', () => {
    const r = check(without('memcpy(batch, cur->objects + cur->size, n * sizeof(void *));'), {
      strategy: 'dpor',
      maxStates: 50_000,
    });
    assert.equal(r.verdict, 'fail', r.message);
    assert.equal(r.property, 'uninitialised variable', r.message);
    assert.match(r.message ?? '', /batch\[\d\] is read before it is set/);
  });

  const gather = 'static int gather_slab_run(';
  it("without `swap(p[size], p[keep]);` in gather_slab_run: FAIL (double free): the skipped object of Y stays where X's was, so X's first object is chained again in the next run", () => {
    const r = check(without('\n\t\tif (size != keep)\n\t\t\tswap(p[size], p[keep]);', gather, true), {
      strategy: 'dpor',
      maxStates: 50_000,
    });
    assert.equal(r.verdict, 'fail', r.message);
    assert.equal(r.property, 'double free', r.message);
  });

  it('without `run->cnt++;` in gather_slab_run: FAIL (objects remaining): the slab still counts the chained objects but one as in use', () => {
    const r = check(without('run->cnt++;', gather), { strategy: 'dpor', maxStates: 50_000 });
    assert.equal(r.verdict, 'fail', r.message);
    assert.equal(r.property, 'objects remaining', r.message);
  });

  it('without `add_partial(kn, sl, ADD_TO_TAIL);` in __slab_free: PASS with a warning: the two full slabs freed into stay off the lists, free_partial never sees them, and the destroy only WARNs (a page leak, no object lost)', () => {
    const r = check(without('\tadd_partial(kn, sl, ADD_TO_TAIL);\n', 'static void __slab_free(', true), {
      strategy: 'dpor',
      maxStates: 50_000,
    });
    assert.equal(r.verdict, 'pass', r.message);
  });

  it('without `goto again;` PASS: one batch (PCS_BATCH_MAX = 32) holds the whole sheaf', () => {
    const r = check(without('goto again;'), { strategy: 'dpor' });
    assert.equal(r.verdict, 'pass', r.message);
  });
});

describe('a retry loop whose round comes back to the same state: a cycle, then the livelock, by every strategy', () => {
  // sheaf_flush_main without its `cur->size == 0` test: on an empty main sheaf (the bootstrap
  // sheaf) it takes 0 objects, frees none and goes `again`, for ever; each round is a step (it
  // reads the pcs under local_lock), and leaves the state as it was
  const edited = SLUB.replace('\tif (cur == NULL || cur->size == 0) {', '\tif (cur == NULL) {');
  assert.notEqual(edited, SLUB);
  const a = analyzer(edited);
  const { programs } = sourcePrograms(a);
  const sc = makeScenario('f3-nokasan-nofix', {
    programs,
    cfuncs: interpretPaths(a, pathRoots(makeScenario('f3-nokasan-nofix', { programs }))).cfuncs,
  });
  for (const [strategy, stateless] of [
    ['naive', false],
    ['dpor', false],
    ['dpor', true],
  ] as const)
    it(`${strategy}${strategy === 'dpor' ? (stateless ? ' stateless' : ' stateful') : ''}: FAIL (livelock), not PASS and not incomplete`, () => {
      const r = explore(machineFor(sc), { strategy, stateless, maxStates: 200_000 });
      assert.equal(r.verdict, 'fail', `${r.verdict}: ${r.reason ?? ''} ${r.message ?? ''}`);
      assert.equal(r.property, 'livelock');
      assert.match(r.message ?? '', /sheaf_flush_main: the loop at line \d+ ran 64 times without leaving/);
    });
});

interface Mutant {
  fn: string;
  /** the statement(s) to delete, or [a, b] to swap */
  del?: string[];
  swap?: [string, string];
  scenario: string;
  verdict: 'pass' | 'fail';
  property?: string;
  why: string;
}

/** One statement of one function's body deleted or two swapped; the text must match exactly once in it. */
function mutate(text: string, m: Mutant): string {
  const start = text.search(new RegExp(`\\n[^\\n]*\\b${m.fn}\\(struct[^{;]*\\n\\{`));
  assert.ok(start >= 0, `no definition of ${m.fn}`);
  const end = text.indexOf('\n}\n', start);
  let body = text.slice(start, end);
  const once = (s: string) => {
    assert.equal(body.split(s).length, 2, `'${s}' must occur once in ${m.fn}`);
  };
  for (const d of m.del ?? []) {
    once(d);
    body = body.replace(d, '');
  }
  if (m.swap) {
    const [x, y] = m.swap;
    once(x);
    once(y);
    body = body.replace(x, '\u0000').replace(y, x).replace('\u0000', y);
  }
  return text.slice(0, start) + body + text.slice(end);
}

const MUTANTS: Mutant[] = [
  {
    fn: 'flush_rcu_sheaf',
    del: ['call_rcu(&batch->rcu_head, rcu_free_sheaf_nobarn);'],
    scenario: 'f3-nokasan-nofix',
    verdict: 'fail',
    property: 'objects remaining',
    why: 'the rcu_free sheaf is taken from pcs and never handed to RCU: its objects stay in it, their slabs still count them',
  },
  {
    fn: 'rcu_free_sheaf_nobarn',
    del: ['sheaf_flush_unused(cache, sh);'],
    scenario: 'f3-nokasan-nofix',
    verdict: 'fail',
    property: 'objects remaining',
    why: 'the sheaf is freed with its objects in it: they never go back to their slab',
  },
  {
    fn: 'rcu_free_sheaf_nobarn',
    swap: ['__rcu_free_sheaf_prepare(cache, sh);', 'sheaf_flush_unused(cache, sh);'],
    scenario: 'f1-kasan-nofix',
    verdict: 'pass',
    why: 'the free hooks run on an already flushed sheaf: KASAN quarantines nothing, so F1 cannot happen',
  },
  {
    fn: 'rcu_free_sheaf_nobarn',
    del: ['free_empty_sheaf(cache, sh);'],
    scenario: 'f3-nokasan-nofix',
    verdict: 'pass',
    why: 'an empty sheaf that is never freed loses no object (sheaf memory is not a property)',
  },
  {
    fn: '__rcu_free_sheaf_prepare',
    del: ['idx++;'],
    scenario: 'f3-nokasan-nofix',
    verdict: 'fail',
    property: 'livelock',
    why: 'an object the hook lets through is looked at again and again: the loop never ends',
  },
  {
    fn: 'flush_rcu_sheaf',
    del: ['local_lock(&cache->cpu_sheaves->lock);', 'local_unlock(&cache->cpu_sheaves->lock);'],
    scenario: 'f3-nokasan-nofix',
    verdict: 'pass',
    why: "nothing else touches this CPU's sheaves while the cache is destroyed",
  },
  {
    fn: 'pcs_flush_all',
    del: ['local_lock(&cache->cpu_sheaves->lock);'],
    scenario: 'f3-nokasan-nofix',
    verdict: 'fail',
    property: 'unbalanced unlock',
    why: 'local_unlock() of a lock this task does not hold',
  },
  {
    fn: '__slab_free',
    del: ['want.inuse -= cnt;'],
    scenario: 'f3-nokasan-nofix',
    verdict: 'fail',
    property: 'objects remaining',
    why: 'the counters word swapped in keeps counting the freed object: free_partial finds inuse != 0',
  },
  {
    fn: '__slab_free',
    del: ['want.freelist = first;'],
    scenario: 'f3-nokasan-nofix',
    verdict: 'fail',
    property: 'lost free',
    why: 'the object is linked to the freelist but the freelist does not start at it: it is on no list',
  },
  {
    fn: 'sheaf_flush_unused',
    swap: [
      'victim = sh->objects[sh->size - 1];',
      'do_slab_free(cache, virt_to_slab(victim), victim, victim, 1, _RET_IP_);',
    ],
    scenario: 'f3-nokasan-nofix',
    verdict: 'fail',
    property: 'uninitialised variable',
    why: 'do_slab_free() is called with victim before it is read from the sheaf',
  },
  {
    fn: 'deactivate_slab',
    swap: ['set_freepointer(cache, obj, sl->freelist);', 'sl->freelist = obj;'],
    scenario: 'f5-cpu-slab-flush',
    verdict: 'fail',
    property: 'double free',
    why: 'the object points to itself: the slab freelist loops',
  },
  {
    fn: 'flush_slab',
    del: [
      'local_lock_irqsave(&cache->cpu_slab->lock, irqflags);',
      'local_unlock_irqrestore(&cache->cpu_slab->lock, irqflags);',
    ],
    scenario: 'f5-cpu-slab-flush',
    verdict: 'fail',
    property: 'lost free',
    why: 'the RCU callback on the same CPU frees to c->freelist between the read of c->freelist and its clearing',
  },
  {
    fn: 'flush_slab',
    del: ['cpu_c->tid = next_tid(cpu_c->tid);'],
    scenario: 'f5-cpu-slab-flush',
    verdict: 'fail',
    property: 'lost free',
    why: 'a flush that preempts the fastpath leaves c->tid as it was: the cmpxchg succeeds on the emptied c',
  },
  {
    fn: 'flush_slab',
    swap: ['cpu_c->slab = NULL;', 'taken_list = cpu_c->freelist;'],
    scenario: 'f5-cpu-slab-flush',
    verdict: 'pass',
    why: 'both are inside the irq-save section: their order cannot be observed',
  },
  {
    fn: 'free_partial',
    del: ['discard_slab(cache, sl);'],
    scenario: 'f3-nokasan-nofix',
    verdict: 'pass',
    why: 'an empty slab kept on the node is no object lost; __kmem_cache_shutdown returns 1 and kmem_cache_destroy WARNs (a warning, not a violated property)',
  },
  {
    fn: 'do_slab_free',
    del: ['seen_tid = READ_ONCE(cpu_c->tid);'],
    scenario: 'f5-cpu-slab-flush',
    verdict: 'fail',
    property: 'uninitialised variable',
    why: 'the cmpxchg compares against a tid that was never read',
  },
];

describe('mutants of the fixture bodies (destroy and F5 paths)', () => {
  assert.ok(MUTANTS.length >= 12 && MUTANTS.filter((m) => m.verdict === 'pass').length >= 4);
  for (const m of MUTANTS) {
    const what = m.del ? `delete ${m.del.join(' and ')}` : `swap ${m.swap![0]} and ${m.swap![1]}`;
    it(`${m.fn}: ${what} → ${m.scenario} ${m.verdict.toUpperCase()}${m.property ? ` (${m.property})` : ''}: ${m.why}`, () => {
      const file = SLUB.includes(`${m.fn}(struct`) ? 'slub' : 'common';
      const a = file === 'slub' ? analyzer(mutate(SLUB, m)) : analyzer(SLUB, mutate(COMMON, m));
      const r = run(a, m.scenario, m.verdict === 'fail' ? 50_000 : 2_000_000);
      assert.equal(r.verdict, m.verdict, `${r.property ?? ''}: ${r.message ?? ''}`);
      if (m.property) assert.equal(r.property, m.property, r.message);
    });
  }
});
