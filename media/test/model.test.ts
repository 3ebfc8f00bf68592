// What the viewer computes from real engine traces: lanes, rebuilt states, happens-before.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { check, makeScenario, Trace, TraceStep } from '../../engine/src';
import {
  failingIndex,
  finalMismatch,
  history,
  lanes,
  order,
  stateSections,
  statesOf,
  stepLabel,
  tokenDiff,
} from '../src/model';

const traceOf = (id: string, cpus = 2): Trace => check(makeScenario(id, { cpus }), { strategy: 'dpor' }).trace!;
const f1 = traceOf('f1-kasan-nofix');
const f5 = traceOf('f5-cpu-slab-flush-unprotected');

describe('lanes', () => {
  it('one lane per CPU and context, process first, named for the reviewer', () => {
    const l = lanes(f1).map((x) => x.label);
    assert.deepEqual(l, [
      'CPU0 process P0',
      'CPU0 kworker',
      'CPU0 softirq rcu_core/0',
      'CPU1 kworker',
      'CPU1 softirq rcu_core/1',
    ]);
    // every step lands in exactly one lane
    const keys = new Set(lanes(f1).map((x) => x.key));
    assert.equal(keys.size, 5);
  });

  it('two process threads on different CPUs get their own lanes (f5: P0 on CPU0, P1 on CPU1)', () => {
    const l = lanes(f5).map((x) => x.label);
    assert.ok(l.includes('CPU0 process P0'), l.join());
    assert.ok(l.includes('CPU1 process P1'), l.join());
  });
});

describe('failing step and states', () => {
  it('the failing index is the step with the violation, free_partial in f1', () => {
    const i = failingIndex(f1)!;
    assert.equal(f1.steps[i].function, 'free_partial');
    assert.equal(f1.steps[i].violation?.property, 'objects remaining');
    assert.equal(f1.steps[i].step, f1.violationStep);
    assert.equal(failingIndex(traceOf('f2-kasan-fix')), null);
  });

  it('applying the changes to initial rebuilds final exactly, for every built-in failure and a pass', () => {
    for (const t of [f1, f5, traceOf('f2-kasan-fix'), traceOf('f4-nofix-no-shutdown-barrier', 3)]) {
      const states = statesOf(t);
      assert.equal(states.length, t.steps.length + 1);
      assert.deepEqual(states[states.length - 1], t.final);
      assert.deepEqual(finalMismatch(t, states), []);
    }
  });

  it('finalMismatch notices a trace whose changes were tampered with', () => {
    const t = JSON.parse(JSON.stringify(f1)) as Trace;
    // the last change of o0: dropping an earlier one would be overwritten by a later one
    const s = t.steps.filter((x) => x.changes?.some((c) => c.key === 'o0')).at(-1)!;
    s.changes = s.changes!.filter((c) => c.key !== 'o0');
    assert.ok(finalMismatch(t).length > 0);
  });

  it('the KASAN step: o0 moves to the quarantine, shown as modified in Objects and added in KASAN quarantine', () => {
    const i = f1.steps.findIndex((s) => s.function === 'slab_free_hook' && s.cpu === 0);
    assert.ok(i > 0);
    const states = statesOf(f1);
    const secs = stateSections(states[i + 1], states[i]);
    const obj = secs.find((x) => x.id === 'objects')!.rows.find((r) => r.key === 'o0')!;
    assert.equal(obj.change, 'modified');
    assert.equal(obj.from, 'rcu_cb:0');
    assert.equal(obj.value, 'quarantine:0');
    const q = secs.find((x) => x.id === 'kasan')!.rows.find((r) => r.name === 'cpu0')!;
    assert.equal(q.change, 'added');
    assert.equal(q.value, '[o0]');
    // an untouched key carries no change mark
    assert.equal(secs.find((x) => x.id === 'slabs')!.rows.find((r) => r.key === 'slab#0')!.change, undefined);
    // the first step takes flush_lock (locks are state): its section shows the lock held
    assert.deepEqual(
      stateSections(states[1], states[0]).map((x) => x.id),
      ['sheaves', 'locks', 'slabs', 'objects'],
    );
  });

  it('a removed key stays visible for its step, marked removed (the RCU callback that ran)', () => {
    const i = f1.steps.findIndex((s) => s.changes?.some((c) => c.key === 'rcu.cb#0' && c.to === null));
    const states = statesOf(f1);
    const row = stateSections(states[i + 1], states[i])
      .find((x) => x.id === 'rcu')!
      .rows.find((r) => r.key === 'rcu.cb#0')!;
    assert.equal(row.change, 'removed');
    assert.equal(row.value, null);
    assert.match(row.from ?? '', /rcu_free_sheaf_nobarn/);
  });

  it('tokenDiff marks the entry that entered a list, not the whole value', () => {
    assert.deepEqual(
      tokenDiff('sheaf#0[o0]', 'sheaf#0[o0,o1]')
        .filter((p) => p.added)
        .map((p) => p.text),
      ['o1'],
    );
    assert.deepEqual(
      tokenDiff('inuse=1/2 freelist=[o1]', 'inuse=2/2 freelist=[]')
        .filter((p) => p.added)
        .map((p) => p.text),
      ['inuse=2/2'],
    );
    assert.equal(
      tokenDiff('sheaf#0[o0]', 'sheaf#0[o0,o1]')
        .map((p) => p.text)
        .join(''),
      'sheaf#0[o0,o1]',
    );
    assert.deepEqual(
      tokenDiff(null, 'x').filter((p) => p.added),
      [],
    );
  });

  it('stepLabel shows softirq sub-steps', () => {
    assert.equal(stepLabel({ step: 29, sub: 0 }), '29');
    assert.equal(stepLabel({ step: 29, sub: 2 }), '29.2');
  });
});

describe('happens-before from the vector clocks', () => {
  const at = (pred: (s: TraceStep) => boolean) => f1.steps.find(pred)!;
  const queue0 = f1.steps[0]; // P0 queue_work_on(0, …)
  const startWork0 = at((s) => s.thread === 'kworker/0:flush_rcu_sheaf' && s.function === 'process_one_work');
  const finishWork0 = f1.steps.filter((s) => s.thread === 'kworker/0:flush_rcu_sheaf').at(-1)!;
  const flushWork0 = at((s) => s.function === 'flush_work' && s.thread === 'P0');
  const failing = f1.steps[failingIndex(f1)!];

  it('program order: earlier steps of a thread happen before its later ones', () => {
    assert.equal(order(failing, queue0), 'before');
    assert.equal(order(queue0, failing), 'after');
  });

  it('flush_work() is ordered after the work item it waits for', () => {
    assert.equal(order(flushWork0, finishWork0), 'before');
    assert.equal(order(finishWork0, flushWork0), 'after');
  });

  it('steps with disjoint footprints are concurrent; the relation is symmetric', () => {
    const other = f1.steps.find((s) => order(startWork0, s) === 'concurrent');
    assert.ok(other, 'f1 has steps concurrent with the kworker start');
    assert.equal(order(other!, startWork0), 'concurrent');
  });

  it('sub-steps of one softirq callback are the same event', () => {
    const subs = f1.steps.filter((s) => s.thread === 'rcu_core/0');
    assert.ok(subs.length > 1);
    assert.equal(order(subs[0], subs[1]), 'same');
  });

  it('without clocks the order is unknown (never guessed)', () => {
    const { clock: _c, ...noClock } = failing;
    assert.equal(order(noClock, queue0), 'unknown');
  });

  it('before/after agree with the trace order: nothing after the selected step happens before it', () => {
    f1.steps.forEach((a, i) =>
      f1.steps.forEach((b, j) => {
        const o = order(a, b);
        if (j > i) assert.notEqual(o, 'before', `${i} vs ${j}`);
        if (j < i) assert.notEqual(o, 'after', `${i} vs ${j}`);
      }),
    );
  });
});

describe('history of a key (watch)', () => {
  it('follows o0 in f1 from the rcu_free sheaf to the RCU callback to the KASAN quarantine', () => {
    const h = history(f1, 'o0');
    assert.deepEqual(
      h.map((c) => [f1.steps[c.index].function, c.from, c.to]),
      [
        ['call_rcu', 'rcu_free:0', 'rcu_cb:0'],
        ['slab_free_hook', 'rcu_cb:0', 'quarantine:0'],
      ],
    );
    // consistent with the rebuilt states: each change is visible exactly at its step
    const states = statesOf(f1);
    for (const c of h) {
      assert.equal(states[c.index][`o0`], c.from ?? undefined);
      assert.equal(states[c.index + 1][`o0`], c.to ?? undefined);
    }
    assert.deepEqual(history(f1, 'no-such-key'), []);
  });
});
