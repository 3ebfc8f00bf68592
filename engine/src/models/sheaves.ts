// Per-CPU sheaves (struct slub_percpu_sheaves: main, spare, rcu_free) and what happens to the
// objects in them: kfree_rcu() fills pcs->rcu_free, flush_rcu_sheaf() hands it to call_rcu(),
// the callback runs the free hook (KASAN may quarantine) and flushes the rest to slabs.

import type { LeafModel, PredModel } from '../model';
import type { State } from '../state';
import { callRcu, list, objKeys, slabKeys } from './common';

const sheafObjs = (s: State, id: number | null) => (id === null ? [] : s.sheaves[id].objects);

/** Work function queued by flush_rcu_sheaves_on_cache() on every CPU. */
export const flush_rcu_sheaf: LeafModel = {
  name: 'flush_rcu_sheaf',
  summary:
    'work on each CPU: under local_lock takes pcs->rcu_free (sets it NULL), then call_rcu(rcu_free_sheaf_nobarn) on it',
  assumes: { calls: ['local_lock', 'local_unlock', 'call_rcu'], locks: ['local_lock'] },
  phases: [
    {
      footprint: ({ task }) => ({ r: [], w: [`pcs:${task.cpu}`] }),
      run: (c) => {
        const pcs = c.s.pcs[c.task.cpu];
        const id = pcs.rcu_free;
        pcs.rcu_free = null;
        c.frame.data.sheaf = id;
        if (id === null) {
          c.emit(`flush_rcu_sheaf on cpu${c.task.cpu}: pcs->rcu_free is NULL`);
          return 'done';
        }
        c.emit(
          `flush_rcu_sheaf on cpu${c.task.cpu}: takes pcs->rcu_free sheaf#${id} [${list(c.s.sheaves[id].objects)}]`,
        );
      },
    },
    {
      name: 'call_rcu',
      // call_rcu() only relabels the objects of this CPU's rcu_free sheaf (rcu_free → rcu_cb); the
      // callback that frees them declares their keys (objKeys), so no object key here: it would
      // make the call and its own callback a race that can never be reversed
      footprint: ({ task }) => ({ r: ['rcu:readers'], w: [`rcu:cbs:${task.cpu}`] }),
      run: (c) => {
        const id = c.frame.data.sheaf as number;
        const cb = callRcu(c.s, c.task.cpu, 'rcu_free_sheaf_nobarn', id);
        c.emit(`call_rcu(&sheaf#${id}->rcu_head, rcu_free_sheaf_nobarn) on cpu${c.task.cpu}: cb#${cb}`);
      },
    },
  ],
};

/** RCU callback for an rcu_free sheaf: free hooks first, then flush what is left to the slabs. */
export const rcu_free_sheaf_nobarn: LeafModel = {
  name: 'rcu_free_sheaf_nobarn',
  summary:
    'RCU callback: __rcu_free_sheaf_prepare() runs slab_free_hook() on each object (KASAN may keep it in its quarantine), sheaf_flush_unused() frees the rest to their slabs',
  assumes: { calls: ['__rcu_free_sheaf_prepare', 'sheaf_flush_unused', 'free_empty_sheaf'] },
  phases: [
    {
      name: 'slab_free_hook',
      footprint: ({ s, env, task, frame }) => ({
        r: [],
        w: env.config.CONFIG_KASAN
          ? [`quarantine:${task.cpu}`, ...objKeys(sheafObjs(s, frame.args.sheaf as number))]
          : [],
      }),
      run: (c) => {
        const sheaf = c.s.sheaves[c.frame.args.sheaf as number];
        if (!c.env.config.CONFIG_KASAN) {
          c.emit(`__rcu_free_sheaf_prepare: slab_free_hook() lets ${list(sheaf.objects)} be freed`);
          return;
        }
        const q = c.s.quarantine[c.task.cpu];
        for (const o of sheaf.objects) {
          q.push(o);
          c.s.objects[o].where = `quarantine:${c.task.cpu}`;
        }
        c.emit(
          `__rcu_free_sheaf_prepare: slab_free_hook() → kasan_slab_free() puts ${list(sheaf.objects)} into the KASAN quarantine of cpu${c.task.cpu}, not back to the slab`,
        );
        sheaf.objects = [];
      },
    },
    {
      name: 'sheaf_flush_unused',
      footprint: () => ({ r: [], w: [] }),
      run: (c) => {
        const sheaf = c.s.sheaves[c.frame.args.sheaf as number];
        const objs = sheaf.objects;
        sheaf.objects = [];
        c.emit(
          objs.length
            ? `sheaf_flush_unused: __kmem_cache_free_bulk(${list(objs)})`
            : 'sheaf_flush_unused: sheaf is empty',
        );
        for (const o of objs) c.call('do_slab_free', { obj: o });
      },
    },
  ],
};

/** kfree_rcu(obj) in a thread: __kfree_rcu_sheaf() puts it into this CPU's rcu_free sheaf. */
export const __kfree_rcu_sheaf: LeafModel = {
  name: '__kfree_rcu_sheaf',
  summary:
    "local_trylock (assumed to succeed: nothing else holds this CPU's sheaves lock in the scenarios) and adds the object to pcs->rcu_free; a full sheaf goes to call_rcu(rcu_free_sheaf)",
  assumes: { calls: ['local_trylock', 'local_unlock', 'call_rcu'], locks: ['local_trylock'] },
  params: ['s', 'obj'],
  phases: [
    {
      footprint: ({ task, frame }) => ({
        r: ['rcu:readers'],
        w: [
          `pcs:${task.cpu}`,
          `rcu:cbs:${task.cpu}`,
          // the object's place; a full sheaf's call_rcu() relabels the others (see flush_rcu_sheaf)
          ...objKeys([frame.args.obj as number]),
        ],
      }),
      run: (c) => {
        const obj = c.frame.args.obj as number;
        const cpu = c.task.cpu;
        const pcs = c.s.pcs[cpu];
        if (pcs.rcu_free === null) {
          pcs.rcu_free = c.s.sheaves.length;
          c.s.sheaves.push({ id: pcs.rcu_free, objects: [] });
        }
        const sh = c.s.sheaves[pcs.rcu_free];
        sh.objects.push(obj);
        c.s.objects[obj].where = `rcu_free:${cpu}`;
        c.emit(`kfree_rcu(o${obj}) → pcs->rcu_free sheaf#${sh.id} on cpu${cpu}`);
        if (sh.objects.length >= c.s.cache.sheaf_capacity) {
          pcs.rcu_free = null;
          const cb = callRcu(c.s, cpu, 'rcu_free_sheaf_nobarn', sh.id);
          c.emit(`sheaf full: call_rcu(rcu_free_sheaf_nobarn) cb#${cb}`);
        }
      },
    },
  ],
};

/** pcs_flush_all(): main and spare sheaves back to the slabs (from flush_cpu_slab). */
export const pcs_flush_all: LeafModel = {
  name: 'pcs_flush_all',
  summary: 'under local_lock detaches pcs->main and pcs->spare and frees their objects to the slabs',
  assumes: { calls: ['local_lock', 'local_unlock', 'sheaf_flush_unused'], locks: ['local_lock'] },
  phases: [
    {
      footprint: ({ task }) => ({ r: [], w: [`pcs:${task.cpu}`] }),
      run: (c) => {
        const pcs = c.s.pcs[c.task.cpu];
        const objs = [...sheafObjs(c.s, pcs.main), ...sheafObjs(c.s, pcs.spare)];
        for (const id of [pcs.main, pcs.spare]) if (id !== null) c.s.sheaves[id].objects = [];
        pcs.spare = null;
        c.emit(
          objs.length
            ? `pcs_flush_all on cpu${c.task.cpu}: flushes ${list(objs)} from main/spare`
            : `pcs_flush_all on cpu${c.task.cpu}: main/spare empty`,
        );
        for (const o of objs) c.call('do_slab_free', { obj: o });
      },
    },
  ],
};

/** barn_shrink(): full sheaves kept in the node's barn go back to the slabs. */
export const barn_shrink: LeafModel = {
  name: 'barn_shrink',
  summary: "frees the objects of the barn's full sheaves to their slabs and drops empty sheaves",
  assumes: { calls: [] },
  phases: [
    {
      footprint: ({ s }) => ({
        r: [],
        w: [
          'barn',
          ...slabKeys(
            s,
            s.barn.full.flatMap((id) => s.sheaves[id].objects),
          ),
          ...objKeys(s.barn.full.flatMap((id) => s.sheaves[id].objects)),
        ],
      }),
      run: (c) => {
        const objs = c.s.barn.full.flatMap((id) => c.s.sheaves[id].objects);
        for (const id of c.s.barn.full) c.s.sheaves[id].objects = [];
        c.s.barn = { full: [], empty: [] };
        for (const o of objs) {
          const sl = c.s.slabs[c.s.objects[o].slab];
          sl.freelist.push(o);
          sl.inuse--;
          c.s.objects[o].where = 'slab';
        }
        c.emit(objs.length ? `barn_shrink: ${list(objs)} back to their slabs` : 'barn_shrink: barn empty');
      },
    },
  ],
};

/** Work function of flush_all_cpus_locked(): this CPU's sheaves, then its cpu slab. */
export const flush_cpu_slab: LeafModel = {
  name: 'flush_cpu_slab',
  summary:
    'work on each CPU: pcs_flush_all() when the cache has sheaves, then flush_this_cpu_slab() → flush_slab() when there is a cpu slab',
  assumes: { calls: ['pcs_flush_all', 'flush_this_cpu_slab'] },
  phases: [
    {
      footprint: () => ({ r: [], w: [] }),
      run: (c) => {
        const cpu = c.task.cpu;
        c.emit(`flush_cpu_slab on cpu${cpu}`);
        // flush_this_cpu_slab() tests c->slab itself; flush_slab() models that test.
        const calls = c.s.cache.cpu_sheaves ? ['pcs_flush_all', 'flush_slab'] : ['flush_slab'];
        for (const fn of calls) c.call(fn, {});
      },
    },
  ],
};

/** After the series removed cpu slabs, flush_all_cpus_locked() queues this instead of flush_cpu_slab(). */
export const flush_cpu_sheaves: LeafModel = {
  name: 'flush_cpu_sheaves',
  summary: 'work on each CPU: pcs_flush_all() (no cpu slab any more after the sheaves-for-all series)',
  assumes: { calls: ['pcs_flush_all'] },
  phases: [
    {
      footprint: () => ({ r: [], w: [] }),
      run: (c) => {
        c.emit(`flush_cpu_sheaves on cpu${c.task.cpu}`);
        c.call('pcs_flush_all', {});
      },
    },
  ],
};

/**
 * has_pcs_used(cpu, s): the CPU's percpu sheaves hold something (a spare or rcu_free sheaf, or
 * objects in main). Read when flush_all_cpus_locked()'s loop reaches the CPU, in one go with the
 * step before it: exact while nothing frees into the cache during kmem_cache_destroy() (a
 * caller bug the kernel does not guard against either), which holds for every scenario here.
 */
export const has_pcs_used: PredModel = {
  name: 'has_pcs_used',
  summary:
    "the CPU's percpu sheaves hold a spare or rcu_free sheaf, or objects in main (read as the loop reaches the CPU; exact while nothing frees into the cache during destroy)",
  eval: (s, _env, args) => {
    if (!s.cache.cpu_sheaves) return false;
    const pcs = s.pcs[Number(args[0])];
    if (!pcs) return false;
    return pcs.spare !== null || pcs.rcu_free !== null || sheafObjs(s, pcs.main).length > 0;
  },
};
