// Cache shutdown leaves: KASAN's quarantine flush, free_partial() with its "Objects remaining"
// report, the kvfree_rcu batching barrier, and the predicates the orchestration guards test.

import type { LeafModel, PredModel } from '../model';
import type { State } from '../state';
import { allCpus, list, objKeys, returnToSlab, slabKeys } from './common';

const quarantined = (s: State) => s.quarantine.flat();

export const kasan_cache_shutdown: LeafModel = {
  name: 'kasan_cache_shutdown',
  summary:
    "with CONFIG_KASAN: kasan_quarantine_remove_cache() frees every quarantined object of the cache (all CPUs' lists) back to its slab; no-op otherwise",
  assumes: { calls: [] },
  phases: [
    {
      footprint: ({ s, env }) =>
        env.config.CONFIG_KASAN
          ? { r: [], w: [...allCpus(s, 'quarantine'), ...slabKeys(s, quarantined(s)), ...objKeys(quarantined(s))] }
          : { r: [], w: [] },
      run: (c) => {
        if (!c.env.config.CONFIG_KASAN) {
          c.emit('kasan_cache_shutdown(): no-op without CONFIG_KASAN');
          return;
        }
        const objs = quarantined(c.s);
        for (let cpu = 0; cpu < c.s.ncpus; cpu++) c.s.quarantine[cpu] = [];
        for (const o of objs) returnToSlab(c.s, o);
        c.emit(
          objs.length
            ? `kasan_cache_shutdown(): flushes quarantined ${list(objs)} back to their slabs`
            : 'kasan_cache_shutdown(): quarantine holds no object of this cache',
        );
      },
    },
  ],
};

const describe = (s: State, slab: number) =>
  s.objects
    .filter((o) => o.slab === slab && o.where !== 'slab')
    .map(
      (o) =>
        `o${o.id} (${o.where.startsWith('quarantine') ? 'in the KASAN quarantine of cpu' + o.where.split(':')[1] : o.where})`,
    )
    .join(', ');

export const free_partial: LeafModel = {
  name: 'free_partial',
  summary:
    'for each slab on the node partial list: discard it when inuse == 0, otherwise list_slab_objects() reports "Objects remaining in <cache> on __kmem_cache_shutdown()"',
  assumes: { calls: ['list_slab_objects', 'discard_slab', 'remove_partial'] },
  phases: [
    {
      // list_slab_objects() reads where each object in use is
      footprint: ({ s }) => ({ r: objKeys(s.objects.map((o) => o.id)), w: s.slabs.map((sl) => `slab:${sl.id}`) }),
      run: (c) => {
        const notes: string[] = [];
        for (const sl of c.s.slabs) {
          if (sl.discarded || sl.frozen) continue;
          if (sl.inuse === 0) {
            sl.discarded = true;
            notes.push(`slab#${sl.id} empty → discard_slab`);
          } else if (sl.inuse < sl.objects) {
            const msg = `Objects remaining in ${c.s.cache.name} on __kmem_cache_shutdown()`;
            notes.push(`slab#${sl.id} inuse=${sl.inuse}: ${describe(c.s, sl.id)} → list_slab_objects: "${msg}"`);
            c.violate('objects remaining', msg);
          }
        }
        c.emit(`free_partial: ${notes.join('; ') || 'no partial slabs'}`);
      },
    },
  ],
};

export const __kvfree_rcu_barrier: LeafModel = {
  name: '__kvfree_rcu_barrier',
  summary:
    'waits for the kfree_rcu() batches (krcp); they hold no object of the cache in these scenarios, and it does not wait for call_rcu() callbacks',
  assumes: { calls: [] },
  phases: [
    {
      footprint: () => ({ r: [], w: [] }),
      run: (c) => c.emit('__kvfree_rcu_barrier(): kfree_rcu batches drained (none hold objects here)'),
    },
  ],
};

export const cache_has_sheaves: PredModel = {
  name: 'cache_has_sheaves',
  summary: '!IS_ENABLED(CONFIG_SLUB_TINY) && s->sheaf_capacity',
  eval: (s, env) => !env.config.CONFIG_SLUB_TINY && s.cache.sheaf_capacity > 0,
};

/** `if (!slab_in_kunit_test()) WARN(...)`: the scenarios are a boot, not the slub KUnit tests (which expect the errors). */
export const slab_in_kunit_test: PredModel = {
  name: 'slab_in_kunit_test',
  summary: 'false: not a KUnit test run (CONFIG_SLUB_KUNIT_TEST), so the WARN is not silenced',
  eval: () => false,
};

/** n->nr_partial || node_nr_slabs(n): only free_partial() in the same thread discards slabs. */
export const node_has_slabs: PredModel = {
  name: 'node_nr_slabs',
  summary: 'the node still has slabs (partial or full) after free_partial()',
  eval: (s) => s.slabs.some((sl) => !sl.discarded),
};
