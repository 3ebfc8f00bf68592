// CPU hotplug: the online mask, a hotplug thread taking one CPU down (and optionally up), and
// what the kernel does with the dead CPU's work. Contracts:
//  - cpumask_next (the step of for_each_online_cpu): reads cpu_online_mask as the loop goes, so
//    a CPU that went offline before the loop reached it is skipped (for_each_possible_cpu reads
//    no mask and is not a step).
//  - takedown_cpu(cpu): under cpus_write_lock(); waits until nothing runs with irqs or
//    preemption disabled on the CPU (stop_machine); clears it from the mask; its process-context
//    tasks move to the control CPU; each work item still pending on it is left to an unbound
//    worker on another online CPU — workqueue's documented behaviour, queue_work_on(): callers
//    who fail to ensure the CPU stays online get their work executed "on a randomly chosen CPU",
//    so the choice of CPU is nondeterministic (one candidate task per online CPU); its RCU
//    callbacks move to the control CPU (rcutree_migrate_callbacks()), still counted for
//    rcu_barrier() where they were queued.
//  - bringup_cpu(cpu): under cpus_write_lock(), sets the CPU in the mask again.
// The cpuhp teardown callbacks the C registers (cpuhp_setup_state*()) are programs the hotplug
// thread calls between takedown_cpu and cpus_write_unlock().

import type { LeafModel } from '../model';
import type { State, Task } from '../state';
import { callRcu, list, objKeys, returnToSlab } from './common';

/** The CPU that runs the hotplug thread and receives the dead CPU's callbacks. */
export const controlCpu = (dead: number): number => (dead === 0 ? 1 : 0);

export const cpumask_next: LeafModel = {
  name: 'cpumask_next',
  summary: 'for_each_online_cpu: reads cpu_online_mask for the next online CPU',
  assumes: { calls: [] },
  phases: [
    {
      footprint: () => ({ r: ['online'], w: [] }),
      run: (c) => {
        const loop = c.task.frames[c.task.frames.length - 2];
        if (!loop || loop.k !== 'loop') return;
        let j = loop.i;
        while (j < c.s.ncpus && !c.s.online[j]) {
          c.emit(`for_each_online_cpu: cpu${j} is offline, skipped`);
          j++;
        }
        loop.i = j;
        loop.probed = j;
      },
    },
  ],
};

/** A pending work item whose kworker has not started yet (top frame: process_one_work, phase 0). */
const notStarted = (t: Task): boolean => {
  const f = t.frames[t.frames.length - 1];
  return (
    t.ctx === 'kworker' &&
    t.frames.length === 1 &&
    !!f &&
    f.k === 'leaf' &&
    f.fn === 'process_one_work' &&
    f.phase === 0
  );
};

/**
 * Leave a queued work item to an unbound worker: one candidate task per online CPU; the first to
 * run takes the item (workqueue_pick_cpu) and the others end. Used by takedown_cpu and by
 * queue_work_on() on a CPU that is already offline.
 */
export function unboundCandidates(s: State, t: Task, queuedOn: number, spawn: (task: Task) => void): void {
  const group = t.id;
  for (let c = 0; c < s.ncpus; c++) {
    if (!s.online[c]) continue;
    spawn({
      id: `${t.id}@cpu${c}`,
      cpu: c,
      ctx: 'kworker',
      frames: [
        ...t.frames.map((f) => ({ ...f })),
        { k: 'leaf', fn: 'workqueue_pick_cpu', phase: 0, args: { group, queuedOn, cpu: c }, data: {} },
      ],
      done: false,
    });
  }
}

export const workqueue_pick_cpu: LeafModel = {
  name: 'workqueue_pick_cpu',
  summary: 'an unbound worker on some online CPU takes a work item whose CPU is offline (the others of its group end)',
  assumes: { calls: [] },
  phases: [
    {
      footprint: ({ frame }) => ({ r: [], w: [`pick:${frame.args.group}`] }),
      run: (c) => {
        const group = String(c.frame.args.group);
        for (const t of c.s.tasks) if (t.id !== c.task.id && t.id.startsWith(`${group}@cpu`)) t.done = true;
        const w = c.s.works.find((x) => x.task === group);
        if (w) w.task = c.task.id;
        const f = c.task.frames[0];
        const fn = f && f.k === 'leaf' ? String(f.args.fn) : 'work';
        c.emit(
          `${fn} queued on cpu${c.frame.args.queuedOn} runs on cpu${c.task.cpu}: cpu${c.frame.args.queuedOn} is offline (queue_work_on: "will execute on a randomly chosen CPU")`,
        );
      },
    },
  ],
};

export const takedown_cpu: LeafModel = {
  name: 'takedown_cpu',
  summary:
    'takes the CPU out of cpu_online_mask (stop_machine: nothing runs there with irqs or preemption off); its tasks move, its pending work goes to an unbound worker on another CPU, its RCU callbacks to the control CPU',
  assumes: { calls: [] },
  params: ['cpu'],
  phases: [
    {
      enabled: ({ s, frame }) =>
        s.cpus[Number(frame.args.cpu)].irqOwner === null && s.cpus[Number(frame.args.cpu)].preemptOwner === null,
      footprint: ({ s, frame }) => {
        const dead = Number(frame.args.cpu);
        // every step on the dead CPU reads cpu:N, so this is dependent with each of them. The
        // adopted callbacks join the control CPU's queue behind its own: ordered against a
        // call_rcu() there (rcu:cbs), while its softirq taking the head commutes with the append
        // (and waits on rcu:cbs when the queue was empty). rcu_barrier()'s counts do not change.
        return {
          r: [],
          w: [
            `cpu:${dead}`,
            'online',
            `rcu:cbs:${dead}`,
            `rcu:cbs:${controlCpu(dead)}`,
            ...s.works.filter((w) => w.cpu === dead).map((w) => `work:${w.key}`),
          ],
        };
      },
      run: (c) => {
        const dead = Number(c.frame.args.cpu);
        const ctrl = c.task.cpu;
        c.s.online[dead] = false;
        c.emit(`cpu${dead} goes offline (cleared in cpu_online_mask)`);
        for (const t of [...c.s.tasks]) {
          if (t.done || t.cpu !== dead || t.service) continue;
          if (notStarted(t)) {
            t.done = true;
            c.emit(`${t.id}: its work is pending on the offline cpu${dead}; an unbound worker will run it`);
            unboundCandidates(c.s, t, dead, c.spawn);
          } else {
            t.cpu = ctrl;
            c.emit(`${t.id} moves to cpu${ctrl}`);
          }
        }
        const moved = c.s.rcu.cbs.filter((cb) => cb.cpu === dead);
        for (const cb of moved) {
          cb.queuedOn ??= dead;
          cb.cpu = ctrl;
        }
        // keep the queue order of the control CPU: its own callbacks first, then the adopted ones
        c.s.rcu.cbs = [...c.s.rcu.cbs.filter((cb) => !moved.includes(cb)), ...moved];
        if (moved.length)
          c.emit(
            `rcutree_migrate_callbacks: ${moved.map((cb) => `cb#${cb.id}`).join(', ')} move from cpu${dead} to cpu${ctrl}`,
          );
      },
    },
  ],
};

export const bringup_cpu: LeafModel = {
  name: 'bringup_cpu',
  summary: 'sets the CPU in cpu_online_mask again',
  assumes: { calls: [] },
  params: ['cpu'],
  phases: [
    {
      footprint: () => ({ r: [], w: ['online'] }),
      run: (c) => {
        c.s.online[Number(c.frame.args.cpu)] = true;
        c.emit(`cpu${c.frame.args.cpu} comes online`);
      },
    },
  ],
};

/**
 * slub's cpuhp teardown for a dead CPU's sheaves (CPUHP_SLUB_DEAD): the CPU runs nothing any more,
 * so no local_lock: main and spare go back to the slabs, rcu_free is handed to call_rcu() on the
 * CPU running the callback.
 */
export const __pcs_flush_all_cpu: LeafModel = {
  name: '__pcs_flush_all_cpu',
  summary:
    "flushes the dead CPU's sheaves: main and spare to their slabs, rcu_free to call_rcu(rcu_free_sheaf_nobarn) on the calling CPU",
  assumes: { calls: ['sheaf_flush_unused', 'free_empty_sheaf', 'call_rcu'] },
  params: ['s', 'cpu'],
  phases: [
    {
      footprint: ({ s, frame, task }) => ({
        r: ['rcu:readers'],
        w: [
          `pcs:${frame.args.cpu}`,
          `rcu:cbs:${task.cpu}`,
          ...s.slabs.map((x) => `slab:${x.id}`),
          ...objKeys(
            (['main', 'spare', 'rcu_free'] as const).flatMap((k) => {
              const id = s.pcs[Number(frame.args.cpu)][k];
              return id === null ? [] : s.sheaves[id].objects;
            }),
          ),
        ],
      }),
      run: (c) => {
        const cpu = Number(c.frame.args.cpu);
        const pcs = c.s.pcs[cpu];
        for (const which of ['main', 'spare'] as const) {
          const id = pcs[which];
          if (id === null) continue;
          const objs = c.s.sheaves[id].objects.splice(0);
          for (const o of objs) returnToSlab(c.s, o);
          if (objs.length)
            c.emit(`__pcs_flush_all_cpu(cpu${cpu}): ${which} sheaf#${id} [${list(objs)}] back to the slabs`);
          if (which === 'spare') pcs.spare = null;
        }
        if (pcs.rcu_free !== null) {
          const id = pcs.rcu_free;
          pcs.rcu_free = null;
          const cb = callRcu(c.s, c.task.cpu, 'rcu_free_sheaf_nobarn', id);
          c.emit(
            `__pcs_flush_all_cpu(cpu${cpu}): call_rcu(&sheaf#${id}->rcu_head, rcu_free_sheaf_nobarn) on cpu${c.task.cpu}: cb#${cb}`,
          );
        }
      },
    },
  ],
};

export const HOTPLUG_MODELS: LeafModel[] = [
  cpumask_next,
  workqueue_pick_cpu,
  takedown_cpu,
  bringup_cpu,
  __pcs_flush_all_cpu,
];
