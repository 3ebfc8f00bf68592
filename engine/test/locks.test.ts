// Locks as state: mutexes, spinlocks, cpu_hotplug_lock (percpu rw-semaphore), deadlock reported
// lockdep-style, lockdep_assert_* checked when executed.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { anchorPrograms, check, explore, machineFor, makeScenario } from '../src';
import type { Program, Scenario, Stmt } from '../src';

const lock = (fn: string, l?: string): Stmt => (l === undefined ? { op: 'lock', fn } : { op: 'lock', fn, lock: l });

/** A scenario of our own threads over the destroy scenario's initial state. */
function withThreads(threads: Record<string, [number, Program]>): Scenario {
  const base = makeScenario('f2-kasan-fix');
  return {
    ...base,
    id: 'locks',
    title: 'locks',
    setup: [],
    checkLeak: false,
    threads: Object.entries(threads).map(([id, [cpu, program]]) => ({
      id,
      cpu,
      program: anchorPrograms({ [id]: program })[id],
    })),
  };
}

const ab: Program = [
  lock('mutex_lock', '&a'),
  lock('mutex_lock', '&b'),
  lock('mutex_unlock', '&b'),
  lock('mutex_unlock', '&a'),
];
const ba: Program = [
  lock('mutex_lock', '&b'),
  lock('mutex_lock', '&a'),
  lock('mutex_unlock', '&a'),
  lock('mutex_unlock', '&b'),
];

describe('locks as state', () => {
  it('two threads taking two mutexes in opposite order: deadlock, printed as lockdep does', () => {
    for (const strategy of ['dpor', 'naive'] as const) {
      const r = check(withThreads({ P0: [0, ab], P1: [1, ba] }), { strategy });
      assert.equal(r.verdict, 'fail', strategy);
      assert.equal(r.property, 'deadlock');
      const m = r.message!;
      assert.match(m, /possible circular locking dependency detected/);
      assert.match(m, /is trying to acquire lock:/);
      assert.match(m, /but task is already holding lock:/);
      assert.match(m, /-> #1 .*\n-> #0 /);
      assert.match(m, /Possible unsafe locking scenario:/);
      // CPU0 takes &a, CPU1 takes &b, CPU1 tries &a, CPU0 tries &b (or the mirror image)
      assert.match(
        m,
        / {7}CPU0 {20}CPU1\n {7}---- {20}----\n {2}lock\((&a|&b)\);\n {31}lock\((&b|&a)\);\n {31}lock\(\1\);\n {2}lock\(\2\);\n\n \*\*\* DEADLOCK \*\*\*/,
      );
    }
  });

  it('the same two mutexes in a consistent order: every interleaving passes', () => {
    const r = check(withThreads({ P0: [0, ab], P1: [1, ab] }), { strategy: 'dpor' });
    assert.equal(r.verdict, 'pass', r.message);
    const naive = check(withThreads({ P0: [0, ab], P1: [1, ab] }), { strategy: 'naive' });
    assert.equal(naive.verdict, 'pass');
  });

  it('taking a mutex twice deadlocks (recursive locking); unlocking one not held is a bad unlock balance', () => {
    const r = check(withThreads({ P0: [0, [lock('mutex_lock', '&a'), lock('mutex_lock', '&a')]] }), {
      strategy: 'dpor',
    });
    assert.equal(r.property, 'deadlock');
    const u = check(withThreads({ P0: [0, [lock('mutex_unlock', '&a')]] }), { strategy: 'dpor' });
    assert.equal(u.property, 'bad unlock balance');
    assert.match(u.message!, /bad unlock balance detected/);
  });

  it('a waiting writer blocks new readers of cpu_hotplug_lock (percpu rw-semaphore)', () => {
    // P0 reads, then takes &m, then reads again inside it; P1 (the writer) takes &m inside the write lock.
    const reader: Program = [
      lock('cpus_read_lock'),
      lock('mutex_lock', '&m'),
      lock('mutex_unlock', '&m'),
      lock('cpus_read_unlock'),
    ];
    const writer: Program = [
      lock('cpus_write_lock'),
      lock('mutex_lock', '&m'),
      lock('mutex_unlock', '&m'),
      lock('cpus_write_unlock'),
    ];
    assert.equal(check(withThreads({ P0: [0, reader], P1: [1, writer] }), { strategy: 'dpor' }).verdict, 'pass');
    // m, then read: with the writer waiting for P0's... no: P0 holds &m and wants to read while P1
    // holds the write lock and wants &m
    const inverted: Program = [
      lock('mutex_lock', '&m'),
      lock('cpus_read_lock'),
      lock('cpus_read_unlock'),
      lock('mutex_unlock', '&m'),
    ];
    const r = check(withThreads({ P0: [0, inverted], P1: [1, writer] }), { strategy: 'dpor' });
    assert.equal(r.property, 'deadlock');
    assert.match(r.message!, /rlock\(cpu_hotplug_lock\)/);
    // two readers in opposite order with &m and no writer: readers do not wait for each other
    const rr: Program = [
      lock('cpus_read_lock'),
      lock('mutex_lock', '&m'),
      lock('mutex_unlock', '&m'),
      lock('cpus_read_unlock'),
    ];
    assert.equal(check(withThreads({ P0: [0, rr], P1: [1, inverted] }), { strategy: 'dpor' }).verdict, 'pass');
    // ...but a writer waiting between them blocks the second read: reader, writer, inverted reader
    const three = check(
      withThreads({ P0: [0, rr], P1: [1, inverted], P2: [1, [lock('cpus_write_lock'), lock('cpus_write_unlock')]] }),
      { strategy: 'dpor' },
    );
    assert.equal(
      three.property,
      'deadlock',
      'A->read with a writer waiting: the read blocks behind the writer, which waits for the first reader',
    );
  });

  it('lockdep_assert_held / lockdep_assert_cpus_held are checked when executed', () => {
    const ok = check(
      withThreads({ P0: [0, [lock('cpus_read_lock'), lock('lockdep_assert_cpus_held'), lock('cpus_read_unlock')]] }),
      { strategy: 'dpor' },
    );
    assert.equal(ok.verdict, 'pass');
    const bad = check(withThreads({ P0: [0, [lock('lockdep_assert_cpus_held')]] }), { strategy: 'dpor' });
    assert.equal(bad.property, 'lockdep assert');
    const m = check(
      withThreads({
        P0: [0, [lock('mutex_lock', '&m'), lock('lockdep_assert_held', '&n'), lock('mutex_unlock', '&m')]],
      }),
      { strategy: 'dpor' },
    );
    assert.equal(m.property, 'lockdep assert');
    assert.match(m.message!, /lockdep_assert_held\(&n\)/);
  });

  it('spin_lock_irqsave disables irqs on the CPU until the unlock', () => {
    const sc = withThreads({
      P0: [0, [lock('spin_lock_irqsave', '&n->list_lock'), lock('spin_unlock_irqrestore', '&n->list_lock')]],
    });
    const m = machineFor(sc);
    let s = m.initial();
    s = m.step(s, 'P0').state;
    assert.equal(s.cpus[0].irqOwner, 'P0');
    assert.equal(s.locks['&n->list_lock'].owner, 'P0');
    s = m.step(s, 'P0').state;
    assert.equal(s.cpus[0].irqOwner, null);
    assert.equal(explore(m, { strategy: 'naive' }).verdict, 'pass');
  });
});
