// The pre-series allocator's per-CPU slab (struct kmem_cache_cpu: slab, freelist, tid) and the
// two paths the seed thread argues about: flush_slab() and the do_slab_free() fastpath.
// Protections can be switched off in a scenario (Switches) to show what each one prevents.

import type { LeafModel } from '../model';
import type { State } from '../state';
import { list, objKeys, returnToSlab } from './common';

const sameList = (a: number[], b: number[]) => a.length === b.length && a.every((x, i) => x === b[i]);
const onCpuSlab = (s: State, cpu: number, obj: number) => s.cpuSlab[cpu].slab === s.objects[obj].slab;

/**
 * do_slab_free(): when the object's slab is this CPU's c->slab, push it on c->freelist with
 * __update_cpu_freelist_fast() — a cmpxchg of (freelist, tid) that fails, and is retried, if
 * anything touched c in between. Otherwise the slowpath __slab_free() returns it to its slab.
 */
export const do_slab_free: LeafModel = {
  name: 'do_slab_free',
  summary:
    'fastpath: reads c->tid and c->freelist, then cmpxchg (freelist, tid) onto c->freelist, retrying when c changed; slowpath __slab_free() to the slab otherwise',
  assumes: { calls: ['__update_cpu_freelist_fast', '__slab_free', 'set_freepointer'] },
  params: ['s', 'obj'],
  phases: [
    {
      footprint: ({ s, task, frame }) => {
        const obj = frame.args.obj as number;
        return onCpuSlab(s, task.cpu, obj)
          ? { r: [`c:${task.cpu}`], w: [] }
          : { r: [`c:${task.cpu}`], w: [`slab:${s.objects[obj].slab}`, ...objKeys([obj])] };
      },
      run: (c) => {
        const obj = c.frame.args.obj as number;
        const cpu = c.task.cpu;
        const k = c.s.cpuSlab[cpu];
        if (!onCpuSlab(c.s, cpu, obj)) {
          returnToSlab(c.s, obj);
          const sl = c.s.slabs[c.s.objects[obj].slab];
          c.emit(`do_slab_free(o${obj}): slab#${sl.id} is not c->slab of cpu${cpu} → __slab_free, inuse=${sl.inuse}`);
          return 'done';
        }
        c.frame.data.tid = k.tid;
        c.frame.data.freelist = k.freelist.slice();
        c.emit(
          `do_slab_free(o${obj}): slab == c->slab of cpu${cpu}; reads tid=${k.tid}, freelist=[${list(k.freelist)}]`,
        );
      },
    },
    {
      name: '__update_cpu_freelist_fast',
      footprint: ({ task, frame }) => ({ r: [], w: [`c:${task.cpu}`, ...objKeys([frame.args.obj as number])] }),
      run: (c) => {
        const obj = c.frame.args.obj as number;
        const cpu = c.task.cpu;
        const k = c.s.cpuSlab[cpu];
        const tidOk = !c.env.switches.free_tid_check || k.tid === c.frame.data.tid;
        if (sameList(k.freelist, c.frame.data.freelist as number[]) && tidOk) {
          k.freelist = [obj, ...k.freelist];
          k.tid++;
          c.s.objects[obj].where = `cpu_freelist:${cpu}`;
          c.emit(
            c.env.switches.free_tid_check
              ? `cmpxchg(c->freelist, c->tid) succeeds: o${obj} on c->freelist of cpu${cpu}`
              : `cmpxchg(c->freelist) succeeds (tid not compared): o${obj} on c->freelist of cpu${cpu}`,
          );
          return;
        }
        c.emit(`cmpxchg fails: c changed under us (tid ${c.frame.data.tid} → ${k.tid}); redo`);
        c.frame.phase = -1; // back to the first phase: the retry loop in do_slab_free()
      },
    },
  ],
};

/**
 * flush_slab(): takes c->slab and c->freelist, clears them and bumps c->tid, then
 * deactivate_slab() merges the taken freelist back into the slab. In the kernel the first part
 * runs under local_lock_irqsave(), so an interrupt on this CPU cannot slip in between.
 */
export const flush_slab: LeafModel = {
  name: 'flush_slab',
  summary:
    'local_lock_irqsave; reads c->slab, c->freelist; sets them NULL, c->tid = next_tid; unlock; deactivate_slab() returns the freelist to the slab',
  assumes: {
    calls: ['local_lock_irqsave', 'local_unlock_irqrestore', 'next_tid', 'deactivate_slab'],
    locks: ['local_lock_irqsave'],
  },
  phases: [
    {
      footprint: ({ env, task }) => ({
        r: [`c:${task.cpu}`],
        w: env.switches.flush_slab_irqsave ? [`cpu:${task.cpu}`] : [],
      }),
      run: (c) => {
        const cpu = c.task.cpu;
        const k = c.s.cpuSlab[cpu];
        if (k.slab === null) {
          c.emit(`flush_this_cpu_slab on cpu${cpu}: no cpu slab`);
          return 'done';
        }
        if (c.env.switches.flush_slab_irqsave) c.s.cpus[cpu].irqOwner = c.task.id;
        c.frame.data.slab = k.slab;
        c.frame.data.freelist = k.freelist.slice();
        c.emit(
          `${c.env.switches.flush_slab_irqsave ? 'local_lock_irqsave; ' : '(no irqsave) '}flush_slab on cpu${cpu} reads c->slab=slab#${k.slab}, c->freelist=[${list(k.freelist)}]`,
        );
      },
    },
    {
      footprint: ({ s, env, task }) => ({
        r: [],
        w: [
          `c:${task.cpu}`,
          ...(env.switches.flush_slab_irqsave ? [`cpu:${task.cpu}`] : []),
          // the objects freed to c->freelist since the snapshot become lost
          ...objKeys(s.cpuSlab[task.cpu].freelist),
        ],
      }),
      run: (c) => {
        const cpu = c.task.cpu;
        const k = c.s.cpuSlab[cpu];
        const taken = c.frame.data.freelist as number[];
        const dropped = k.freelist.filter((o) => !taken.includes(o));
        for (const o of dropped) c.s.objects[o].where = 'lost';
        k.slab = null;
        k.freelist = [];
        k.tid++;
        if (c.env.switches.flush_slab_irqsave) c.s.cpus[cpu].irqOwner = null;
        c.emit(
          `c->slab = NULL, c->freelist = NULL, c->tid = ${k.tid}${c.env.switches.flush_slab_irqsave ? '; local_unlock_irqrestore' : ''}` +
            (dropped.length ? ` — ${list(dropped)} freed to c->freelist meanwhile is dropped` : ''),
        );
      },
    },
    {
      name: 'deactivate_slab',
      footprint: ({ frame }) => ({
        r: [],
        w: [`slab:${frame.data.slab}`, ...objKeys((frame.data.freelist as number[] | undefined) ?? [])],
      }),
      run: (c) => {
        const sl = c.s.slabs[c.frame.data.slab as number];
        const taken = c.frame.data.freelist as number[];
        for (const o of taken) {
          sl.freelist.push(o);
          c.s.objects[o].where = 'slab';
        }
        sl.inuse -= taken.length;
        sl.frozen = false;
        c.emit(`deactivate_slab(slab#${sl.id}, [${list(taken)}]): inuse=${sl.inuse}, unfrozen`);
      },
    },
  ],
};

/** kmem_cache_free() from a thread: into pcs->main when the cache has sheaves, else do_slab_free(). */
export const kmem_cache_free: LeafModel = {
  name: 'kmem_cache_free',
  summary:
    'slab_free(): KASAN may quarantine; with sheaves the object goes to pcs->main (free_to_pcs), otherwise do_slab_free()',
  assumes: { calls: ['slab_free'] },
  params: ['s', 'obj'],
  phases: [
    {
      footprint: ({ s, env, task, frame }) => ({
        r: [],
        w: [
          ...(env.config.CONFIG_KASAN ? [`quarantine:${task.cpu}`] : s.cache.cpu_sheaves ? [`pcs:${task.cpu}`] : []),
          // the double-free check reads the object's place, the free moves it
          ...objKeys([frame.args.obj as number]),
        ],
      }),
      run: (c) => {
        const obj = c.frame.args.obj as number;
        const cpu = c.task.cpu;
        const o = c.s.objects[obj];
        if (o.where !== 'allocated') {
          c.violate('double free', `double free: kmem_cache_free(o${obj}) but o${obj} is ${o.where}`);
          return 'done';
        }
        if (c.env.config.CONFIG_KASAN) {
          c.s.quarantine[cpu].push(obj);
          o.where = `quarantine:${cpu}`;
          c.emit(`kmem_cache_free(o${obj}): kasan_slab_free() quarantines it on cpu${cpu}`);
          return 'done';
        }
        if (c.s.cache.cpu_sheaves) {
          const pcs = c.s.pcs[cpu];
          if (pcs.main === null) {
            pcs.main = c.s.sheaves.length;
            c.s.sheaves.push({ id: pcs.main, objects: [] });
          }
          c.s.sheaves[pcs.main].objects.push(obj);
          o.where = `main:${cpu}`;
          c.emit(`kmem_cache_free(o${obj}) → free_to_pcs: pcs->main sheaf#${pcs.main} on cpu${cpu}`);
          return 'done';
        }
        c.emit(`kmem_cache_free(o${obj}) → do_slab_free`);
        c.call('do_slab_free', { obj });
      },
    },
  ],
};
