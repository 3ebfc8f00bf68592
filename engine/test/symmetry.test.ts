// Symmetry reduction over CPUs (--symmetry): the searches keyed up to a CPU renaming reach the
// exact naive search's verdict and final states, up to that renaming, and visit fewer states.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { explore, listScenarios, machineFor, makeScenario } from '../src';
import type { ExploreOptions, Scenario } from '../src';
import { orbitKey, Symmetry } from '../src/symmetry';

/** Verdict, property and the final states up to the setup's CPU classes. */
function finals(sc: Scenario, o: ExploreOptions) {
  const m = machineFor(sc);
  const sym = new Symmetry(m);
  const keys = new Set<string>();
  const r = explore(m, { ...o, onFinal: (s) => keys.add(orbitKey(sym, s)) });
  return { r, keys };
}

function sameAsNaive(sc: Scenario) {
  const naive = finals(sc, { strategy: 'naive' });
  assert.equal(naive.r.verdict === 'incomplete', false, naive.r.reason);
  for (const strategy of ['naive', 'dpor'] as const) {
    const sym = finals(sc, { strategy, symmetry: true });
    const what = `${sc.id} at ${sc.ncpus} CPUs, ${strategy} --symmetry`;
    assert.equal(sym.r.verdict, naive.r.verdict, what);
    assert.equal(sym.r.property, naive.r.property, what);
    assert.deepEqual([...sym.keys].sort(), [...naive.keys].sort(), `${what}: final states up to symmetry`);
    assert.ok(sym.r.symmetry, `${what}: the result says what symmetry covered`);
  }
}

describe('symmetry over CPUs', () => {
  for (const s of listScenarios()) {
    for (const cpus of [2, 3]) {
      it(`${s.id} at ${cpus} CPUs: naive and dpor with --symmetry reach naive's verdict and final states up to symmetry`, () =>
        sameAsNaive(makeScenario(s.id, { cpus })));
    }
  }

  it('F1 at 4 CPUs: dpor with --symmetry reaches the same final states up to symmetry, in fewer states', () => {
    const sc = makeScenario('f1-kasan-nofix', { cpus: 4 });
    const plain = finals(sc, { strategy: 'dpor' });
    const sym = finals(sc, { strategy: 'dpor', symmetry: true });
    assert.deepEqual([...sym.keys].sort(), [...plain.keys].sort());
    assert.equal(sym.r.verdict, 'fail');
    assert.deepEqual(sym.r.symmetry!.classes, [[1, 2, 3]], 'P0 is pinned to CPU 0; CPUs 1-3 have the same setup');
    // 1,374 against 1,679 since dpor dropped its fallback for races it cannot reverse (2,624 against 4,947 before)
    assert.ok(sym.r.states < plain.r.states * 0.9, `${sym.r.states} states with symmetry, ${plain.r.states} without`);
    assert.ok(sym.r.symmetry!.mappedHits > 0, 'some cache hits came through a renaming (summaries mapped)');
    // after P0's loops, which of CPUs 1-3 ran their callback before kasan_cache_shutdown(): 2^3 outcomes, 3+1 up to symmetry
    assert.equal(plain.r.outcomes, 16);
    assert.equal(sym.r.outcomes, 8);
  });

  it('says why it covers nothing: hotplug, a search without a state set, an exists clause', () => {
    const hot = explore(machineFor(makeScenario('f2-kasan-fix', { cpus: 2, hotplug: true })), {
      strategy: 'dpor',
      symmetry: true,
    });
    assert.match(hot.symmetry!.none!, /hotplug/);
    assert.equal(hot.symmetry!.permuted, 0);
    const stateless = explore(machineFor(makeScenario('f1-kasan-nofix', { cpus: 3 })), {
      strategy: 'dpor',
      stateless: true,
      symmetry: true,
    });
    assert.match(stateless.symmetry!.none!, /keeps no state set/);
    const clause = explore(machineFor(makeScenario('f1-kasan-nofix', { cpus: 3 })), {
      strategy: 'dpor',
      symmetry: true,
      observe: () => true,
    });
    assert.match(clause.symmetry!.none!, /exists clause/);
  });

  it('F5: the cpu slab scenario has no two CPUs alike (P0 and P1 are pinned to CPUs 0 and 1)', () => {
    const r = explore(machineFor(makeScenario('f5-cpu-slab-flush', { cpus: 2 })), {
      strategy: 'naive',
      symmetry: true,
    });
    assert.equal(r.symmetry!.permuted, 0);
    assert.match(r.symmetry!.none ?? '', /no two CPUs/);
  });
});
