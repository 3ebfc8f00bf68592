// CPU hotplug in the engine: the online mask read by for_each_online_cpu as it goes, a hotplug
// thread taking a CPU down under cpus_write_lock(), the dead CPU's work run elsewhere.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { anchorPrograms, builtinPrograms, check, explore, machineFor, makeScenario, stateKey } from '../src';
import type { Program, Scenario } from '../src';
import { withHotplug } from '../src/scenarios';
import { independenceViolations } from './independence';

/** P0 on CPU 0 runs `program` over the destroy scenario's state (one rcu_free sheaf per CPU); CPU 1 goes down at any point. */
function flushScenario(program: Program): Scenario {
  const base = makeScenario('f2-kasan-fix');
  return withHotplug(
    {
      ...base,
      id: 'hotplug-flush',
      checkLeak: false,
      threads: [{ id: 'P0', cpu: 0, program: anchorPrograms({ P0: program }).P0 }],
    },
    { cpu: 1 },
  );
}
const flush: Program = [{ op: 'call', fn: 'flush_rcu_sheaves_on_cache', args: ['s'] }];
const locked: Program = [{ op: 'lock', fn: 'cpus_read_lock' }, ...flush, { op: 'lock', fn: 'cpus_read_unlock' }];

/** Every reachable state, searched exhaustively: is there a step whose event matches? */
function someStep(sc: Scenario, re: RegExp): { found: boolean; states: number } {
  const m = machineFor(sc);
  const seen = new Set<string>();
  const stack = [m.initial()];
  let found = false;
  while (stack.length) {
    const s = stack.pop()!;
    const k = stateKey(s);
    if (seen.has(k)) continue;
    seen.add(k);
    for (const id of m.enabled(s)) {
      const r = m.step(s, id, true);
      if (r.infos.some((i) => re.test(i.event))) found = true;
      stack.push(r.state);
    }
  }
  return { found, states: seen.size };
}

const terminalSet = (sc: Scenario, strategy: 'dpor' | 'naive', stateless = false) =>
  explore(machineFor(sc), { strategy, stateless, collect: 'terminal' }).collected!;

describe('CPU hotplug', () => {
  const MOVED = /flush_rcu_sheaf queued on cpu1 runs on cpu0: cpu1 is offline/;

  it('work queued without cpus_read_lock can run on another CPU when its CPU goes down; with the lock held it cannot', () => {
    const bare = someStep(flushScenario(flush), MOVED);
    assert.ok(bare.found, `no step moves the work (${bare.states} states)`);
    const held = someStep(flushScenario(locked), MOVED);
    assert.equal(held.found, false, `with cpus_read_lock() held a step moves the work (${held.states} states)`);
    assert.ok(held.states > 10);
  });

  it('the dpor trace of the unlocked flush shows the move, and the mask read skipping the dead CPU', () => {
    const m = machineFor(flushScenario(flush));
    const r = explore(m, { strategy: 'naive', collect: 'all' });
    assert.equal(
      r.verdict,
      'pass',
      "no property of the flush alone is violated (its consequences are the destroy scenario's)",
    );
    assert.ok(r.collected!.size > 0);
  });

  it('for_each_online_cpu reads the mask as the loop goes: a CPU taken down before the loop gets no work', () => {
    const sc = flushScenario(flush);
    const m = machineFor(sc);
    let s = m.initial();
    // the hotplug thread runs first, to the end
    while (m.enabled(s).includes('cpuhp')) s = m.step(s, 'cpuhp').state;
    assert.deepEqual(s.online, [true, false]);
    const events: string[] = [];
    while (m.enabled(s).includes('P0')) {
      const r = m.step(s, 'P0', true);
      events.push(...r.infos.map((i) => i.event));
      s = r.state;
    }
    assert.ok(
      events.some((e) => /cpu1 is offline, skipped/.test(e)),
      events.join('\n'),
    );
    assert.ok(!events.some((e) => /queue_work_on\(1,/.test(e)));
  });

  it("the dead CPU's RCU callbacks move to the control CPU and still count for rcu_barrier()", () => {
    const sc = withHotplug(
      {
        ...makeScenario('f2-kasan-fix'),
        setup: [...makeScenario('f2-kasan-fix').setup, { op: 'call_rcu_sheaf', cpu: 1 }],
        threads: [{ id: 'P0', cpu: 0, program: anchorPrograms({ P0: [{ op: 'call', fn: 'rcu_barrier' }] }).P0 }],
        checkLeak: false,
      },
      { cpu: 1 },
    );
    const r = explore(machineFor(sc), { strategy: 'naive' });
    assert.equal(r.verdict, 'pass', r.message);
    assert.ok(someStep(sc, /rcutree_migrate_callbacks: cb#\d+ move from cpu1 to cpu0/).found);
  });

  for (const [name, sc] of [
    ['flush without cpus_read_lock', flushScenario(flush)],
    ['flush with cpus_read_lock', flushScenario(locked)],
  ] as const) {
    it(`${name}: dpor reaches exactly naive's final states`, () => {
      assert.deepEqual([...terminalSet(sc, 'dpor')].sort(), [...terminalSet(sc, 'naive')].sort());
    });
  }

  // The hotplug thread ends and moves other tasks, and the lock steps it waits on are released
  // by their holder: before dpor knew both, stateless dpor reached 25 of naive's 29 final states
  // on F1 with cpu1 going down, and check --hotplug had to run naive.
  for (const [id, up, stateless] of [
    ['f1-kasan-nofix', false, true],
    ['f2-kasan-fix', false, true],
    ['f1-kasan-nofix', true, false],
  ] as const) {
    it(`${id} with cpu1 going down${up ? ' and up' : ''}: dpor${stateless ? ', stateful and stateless,' : ''} reaches exactly naive's final states`, () => {
      const sc = makeScenario(id, { hotplug: { up } });
      const n = [...terminalSet(sc, 'naive')].sort();
      assert.deepEqual([...terminalSet(sc, 'dpor')].sort(), n, 'stateful');
      if (stateless) assert.deepEqual([...terminalSet(sc, 'dpor', true)].sort(), n, 'stateless');
    });
  }

  it('on every state of F2 with hotplug, steps dpor takes as independent commute and keep each other enabled', () => {
    const bad = independenceViolations(makeScenario('f2-kasan-fix', { hotplug: true }));
    assert.deepEqual(bad.slice(0, 5), []);
  });

  it('check --hotplug runs dpor: f2-kasan-fix fails with objects remaining', () => {
    const sc = makeScenario('f2-kasan-fix', { hotplug: true });
    const r = check(sc, { strategy: 'dpor' });
    assert.equal(r.strategy, 'dpor');
    assert.equal(r.verdict, 'fail');
    assert.equal(r.property, 'objects remaining');
    assert.ok(r.states < explore(machineFor(sc), { strategy: 'naive' }).states, 'dpor visits fewer states than naive');
  });

  it("built-in teardown program: slub_cpu_dead takes slab_mutex and flushes the dead CPU's sheaves", () => {
    const sc = makeScenario('f3-nokasan-fix', { hotplug: true });
    assert.deepEqual(sc.hotplug, { cpu: 1, up: false, teardown: ['slub_cpu_dead'] });
    assert.ok(sc.programs.slub_cpu_dead.some((st) => st.op === 'lock' && st.lock === '&slab_mutex'));
    assert.ok(sc.threads.some((t) => t.id === 'cpuhp' && t.cpu === 0));
    assert.deepEqual(
      Object.keys(builtinPrograms()).includes('slub_cpu_dead'),
      false,
      'orchestration programs stay as they were',
    );
  });
});
