// The registry of leaf models, keyed by the C function they stand for.

import { Registry } from '../model';
import { do_slab_free, flush_slab, kmem_cache_free } from './cpuslab';
import { rcu_barrier, rcu_do_batch, rcu_read_lock, rcu_read_unlock } from './rcu';
import {
  __kfree_rcu_sheaf,
  barn_shrink,
  flush_cpu_sheaves,
  flush_cpu_slab,
  flush_rcu_sheaf,
  has_pcs_used,
  pcs_flush_all,
  rcu_free_sheaf_nobarn,
} from './sheaves';
import {
  __kvfree_rcu_barrier,
  cache_has_sheaves,
  free_partial,
  kasan_cache_shutdown,
  node_has_slabs,
  slab_in_kunit_test,
} from './shutdown';
import { flush_work, process_one_work, queue_work_on } from './workqueue';
import { LOCK_MODELS } from './locks';
import { HOTPLUG_MODELS } from './hotplug';

export function defaultRegistry(): Registry {
  const r = new Registry();
  for (const m of [
    rcu_do_batch,
    rcu_barrier,
    rcu_read_lock,
    rcu_read_unlock,
    queue_work_on,
    process_one_work,
    flush_work,
    flush_rcu_sheaf,
    rcu_free_sheaf_nobarn,
    __kfree_rcu_sheaf,
    pcs_flush_all,
    barn_shrink,
    flush_cpu_slab,
    flush_cpu_sheaves,
    do_slab_free,
    flush_slab,
    kmem_cache_free,
    kasan_cache_shutdown,
    free_partial,
    __kvfree_rcu_barrier,
    ...LOCK_MODELS,
    ...HOTPLUG_MODELS,
  ])
    r.addLeaf(m);
  r.addPred(cache_has_sheaves).addPred(node_has_slabs).addPred(slab_in_kunit_test).addPred(has_pcs_used);
  return r;
}
