// RCU: callbacks queued per CPU by call_rcu(), invoked in softirq on that CPU once the readers
// that were inside rcu_read_lock() at call time have left (a grace period); rcu_barrier() waits
// for every callback queued before it. There is no grace-period kthread in the model: with no
// reader in the way a grace period may end at any moment, which the interleavings already cover.

import type { LeafModel } from '../model';
import { readersDone } from './common';

const firstReady = (s: import('../state').State, cpu: number) => {
  const cb = s.rcu.cbs.find((c) => c.cpu === cpu);
  return cb && readersDone(s, cb.readers) ? cb : undefined;
};

/** The softirq service of each CPU: runs that CPU's ready callbacks in order, one at a time. */
export const rcu_do_batch: LeafModel = {
  name: 'rcu_do_batch',
  summary:
    'softirq on the CPU that queued the callback: invokes ready callbacks in queue order; each invocation runs to completion as one step (nothing else on that CPU runs inside it)',
  assumes: { calls: [] },
  phases: [
    {
      enabled: ({ s, task }) => firstReady(s, task.cpu) !== undefined,
      // Taking the head of the queue commutes with call_rcu() appending to it; call_rcu() and the
      // readers leaving only make the invocation possible (wait keys: ordering, not races).
      footprint: ({ task }) => ({ r: [], w: [`rcu:run:${task.cpu}`], wait: [`rcu:cbs:${task.cpu}`, 'rcu:readers'] }),
      run: (c) => {
        const cpu = c.task.cpu;
        const cb = firstReady(c.s, cpu)!;
        c.s.rcu.cbs = c.s.rcu.cbs.filter((x) => x.id !== cb.id);
        c.frame.data.cb = cb.id;
        // rcu_barrier() counts a callback where it was queued, also when hotplug moved it here
        c.frame.data.q = cb.queuedOn ?? cpu;
        c.frame.data.fn = cb.fn;
        c.emit(`grace period over for cb#${cb.id}; rcu_do_batch on cpu${cpu} invokes ${cb.fn}(sheaf#${cb.sheaf})`);
        c.call(cb.fn, { sheaf: cb.sheaf });
      },
    },
    {
      footprint: ({ task, frame }) => ({ r: [], w: [`rcu:done:${(frame.data.q as number | undefined) ?? task.cpu}`] }),
      run: (c) => {
        c.s.rcu.completed[(c.frame.data.q as number | undefined) ?? c.task.cpu]++;
        c.emit(`cb#${c.frame.data.cb} (${c.frame.data.fn}) completed`);
      },
    },
  ],
};

export const rcu_barrier: LeafModel = {
  name: 'rcu_barrier',
  summary: 'waits until every RCU callback queued (on any CPU) before the call has completed',
  assumes: { calls: [] },
  phases: [
    {
      // What it waits for depends only on what was queued before it, not on what completed.
      footprint: ({ s }) => ({ r: Array.from({ length: s.ncpus }, (_, c) => `rcu:cbs:${c}`), w: [] }),
      run: (c) => {
        const target = c.s.rcu.queued.slice();
        c.frame.data.target = target;
        const pending = target.map((q, cpu) => q - c.s.rcu.completed[cpu]);
        const n = pending.reduce((a, b) => a + b, 0);
        c.emit(
          n
            ? `rcu_barrier() waits for ${n} callback(s) queued on ${pending
                .map((p, cpu) => (p ? `cpu${cpu}` : ''))
                .filter(Boolean)
                .join(', ')}`
            : 'rcu_barrier(): no callbacks pending',
        );
      },
    },
    {
      enabled: ({ s, frame }) => (frame.data.target as number[]).every((q, cpu) => s.rcu.completed[cpu] >= q),
      footprint: ({ s }) => ({ r: [], w: [], wait: Array.from({ length: s.ncpus }, (_, c) => `rcu:done:${c}`) }),
      run: (c) => c.emit('rcu_barrier() returns: those callbacks have completed'),
    },
  ],
};

export const rcu_read_lock: LeafModel = {
  name: 'rcu_read_lock',
  summary: 'enters an RCU read-side critical section: callbacks queued from now wait for it',
  assumes: { calls: [] },
  phases: [
    {
      footprint: () => ({ r: [], w: ['rcu:readers'] }),
      run: (c) => {
        const r = (c.s.rcu.readers[c.task.id] ??= { depth: 0, epoch: 0 });
        if (r.depth === 0) r.epoch++;
        r.depth++;
        c.emit('rcu_read_lock()');
      },
    },
  ],
};

export const rcu_read_unlock: LeafModel = {
  name: 'rcu_read_unlock',
  summary: 'leaves the RCU read-side critical section',
  assumes: { calls: [] },
  phases: [
    {
      footprint: () => ({ r: [], w: ['rcu:readers'] }),
      run: (c) => {
        const r = c.s.rcu.readers[c.task.id];
        if (r && r.depth > 0) r.depth--;
        c.emit('rcu_read_unlock()');
      },
    },
  ],
};
