// Workqueues: queue_work_on(cpu, wq, &sfw->work) runs the work function in a kworker bound to
// that CPU (its own task); flush_work() waits until that work item has finished.

import type { LeafModel } from '../model';
import type { State, Task } from '../state';
import { unboundCandidates } from './hotplug';

const workKey = (work: string, cpu: number) => `${work}@${cpu}`;
const item = (s: State, key: string) => s.works.find((w) => w.key === key);

export const queue_work_on: LeafModel = {
  name: 'queue_work_on',
  summary: 'queues the work item on that CPU (no-op while it is still pending); a kworker bound to the CPU runs it',
  assumes: { calls: [] },
  phases: [
    {
      footprint: ({ frame }) => ({
        r: ['online'],
        // kworker/<cpu>:<fn>: two items with one function on one CPU are named in queueing order
        w: [
          `work:${workKey(String(frame.args.work), Number(frame.args.cpu))}`,
          `kworker/${frame.args.cpu}:${frame.args.fn}`,
        ],
      }),
      run: (c) => {
        const cpu = Number(c.frame.args.cpu);
        const fn = String(c.frame.args.fn);
        const key = workKey(String(c.frame.args.work), cpu);
        const w = item(c.s, key);
        if (w?.pending) {
          c.emit(`queue_work_on(${cpu}, ${fn}): already pending`);
          c.ret(false);
          return;
        }
        let id = `kworker/${cpu}:${fn}`;
        for (let n = 2; c.s.tasks.some((t) => t.id === id); n++) id = `kworker/${cpu}:${fn}#${n}`;
        if (w) Object.assign(w, { fn, task: id, pending: true });
        else c.s.works.push({ key, cpu, fn, task: id, pending: true });
        const worker: Task = {
          id,
          cpu,
          ctx: 'kworker',
          frames: [{ k: 'leaf', fn: 'process_one_work', phase: 0, args: { key, fn }, data: {} }],
          done: false,
        };
        c.emit(
          `INIT_WORK(&sfw->work, ${fn}); queue_work_on(${cpu}, flushwq, &sfw->work)${c.s.online[cpu] ? '' : `: cpu${cpu} is offline`}`,
        );
        if (c.s.online[cpu]) c.spawn(worker);
        else unboundCandidates(c.s, worker, cpu, c.spawn);
        c.ret(true);
      },
    },
  ],
};

/** What a kworker does with one item: run the function, then mark the item idle. */
export const process_one_work: LeafModel = {
  name: 'process_one_work',
  summary: 'kworker: runs the work function, then the item is no longer pending',
  assumes: { calls: [] },
  phases: [
    {
      footprint: () => ({ r: [], w: [] }),
      run: (c) => {
        c.emit(`${c.task.id} starts ${c.frame.args.fn}`);
        c.call(String(c.frame.args.fn), { key: c.frame.args.key });
      },
    },
    {
      // the item is pending until this step: flush_work() of it cannot run alongside it
      footprint: ({ s, task, frame }) => ({
        r: [],
        w: [`work:${frame.args.key}`],
        holds: item(s, String(frame.args.key))?.task === task.id ? [`pending:${frame.args.key}`] : [],
      }),
      run: (c) => {
        const w = item(c.s, String(c.frame.args.key))!;
        w.pending = false;
        c.emit(`${c.frame.args.fn} finished`);
      },
    },
  ],
};

export const flush_work: LeafModel = {
  name: 'flush_work',
  summary: 'waits until the work item queued on that CPU has finished',
  assumes: { calls: [] },
  phases: [
    {
      enabled: ({ s, frame }) => !item(s, workKey(String(frame.args.work), Number(frame.args.cpu)))?.pending,
      // queue_work_on() makes the item pending again: not a wait that only opens, an order
      footprint: ({ frame }) => {
        const key = workKey(String(frame.args.work), Number(frame.args.cpu));
        return { r: [`work:${key}`], w: [], wait: [`work:${key}`], blockedBy: [`pending:${key}`] };
      },
      run: (c) => {
        const w = item(c.s, workKey(String(c.frame.args.work), Number(c.frame.args.cpu)));
        c.emit(
          w
            ? `flush_work(&sfw->work) on cpu${c.frame.args.cpu}: ${w.fn} has finished`
            : `flush_work on cpu${c.frame.args.cpu}: nothing queued`,
        );
      },
    },
  ],
};
