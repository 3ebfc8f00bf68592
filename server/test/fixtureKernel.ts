// The hand-written kernel fixture (server/fixtures/kernel/mm) as the analyzer tests load it.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Analyzer } from '../src/analyzer';

// out/server/test -> server/fixtures (sources are not copied by tsc)
export const FIXTURES = join(__dirname, '..', '..', '..', 'server', 'fixtures', 'kernel', 'mm');
export const COMMON = 'file:///kernel/mm/slab_common.c';
export const SLUB = 'file:///kernel/mm/slub.c';
export const read = (f: string): string => readFileSync(join(FIXTURES, f), 'utf8');

export function load(): Analyzer {
  const a = new Analyzer();
  a.update(COMMON, read('slab_common.c'));
  a.update(SLUB, read('slub.c'));
  return a;
}

/** every definition in the fixture, in file order */
export const EXPECTED_FUNCTIONS = [
  // slab_common.c
  'slab_in_kunit_test',
  'kmem_cache_sanity_check',
  'slab_kmem_cache_release',
  'slab_kmem_cache_release_all',
  'kfree_rcu_queue_one',
  'kvfree_call_rcu',
  '__kvfree_rcu_barrier',
  'kvfree_rcu_barrier',
  'kvfree_rcu_barrier_on_cache',
  'kmem_cache_destroy',
  'kmem_cache_shrink',
  'print_slabinfo_header',
  'kvfree_rcu_init',
  // slub.c
  'stat',
  'node_nr_slabs',
  'deactivate_slab',
  'flush_slab',
  'sheaf_flush_unused',
  'pcs_flush_all',
  'flush_this_cpu_slab',
  'flush_cpu_slab',
  'flush_all_cpus_locked',
  'rcu_free_sheaf_nobarn',
  'flush_rcu_sheaf',
  'flush_rcu_sheaves_on_cache',
  'do_slab_free',
  '__kfree_rcu_sheaf',
  'kfree_rcu_sheaf',
  'free_partial',
  'barn_shrink',
  '__kmem_cache_shutdown',
  'slab_debug_init',
];
