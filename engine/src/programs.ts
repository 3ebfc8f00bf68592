// Built-in IR of the orchestration functions, as they read in mm/slab_common.c and mm/slub.c
// at the base of the sheaves series (without patch 01). The language server derives the same IR
// from the C text; a test checks that the two agree on our fixtures.

import { anchorPrograms, Pred, Program, ProgramSet, Stmt } from './ir';

const call = (fn: string, ...args: string[]): Stmt => ({ op: 'call', fn, args });
const lock = (fn: string, l?: string): Stmt => (l === undefined ? { op: 'lock', fn } : { op: 'lock', fn, lock: l });
const cache = (field: string): Pred => ({ kind: 'cache', field });

/** kvfree_rcu_barrier_on_cache() before patch 01: no rcu_barrier() after the flush. */
const kvfree_rcu_barrier_on_cache_nofix: Program = [
  { op: 'if', cond: cache('cpu_sheaves'), then: [call('flush_rcu_sheaves_on_cache', 's')] },
  call('__kvfree_rcu_barrier'),
];

/** Patch 01: "mm/slab: add rcu_barrier() to kvfree_rcu_barrier_on_cache()". */
const kvfree_rcu_barrier_on_cache_fix: Program = [
  { op: 'if', cond: cache('cpu_sheaves'), then: [call('flush_rcu_sheaves_on_cache', 's'), call('rcu_barrier')] },
  call('__kvfree_rcu_barrier'),
];

const BASE: ProgramSet = {
  kmem_cache_destroy: [
    call('kvfree_rcu_barrier_on_cache', 's'),
    {
      op: 'if',
      cond: {
        kind: 'and',
        args: [
          { kind: 'config', name: 'CONFIG_SLUB_RCU_DEBUG' },
          { kind: 'flag', name: 'SLAB_TYPESAFE_BY_RCU' },
        ],
      },
      then: [call('rcu_barrier')],
    },
    lock('cpus_read_lock'),
    lock('mutex_lock', '&slab_mutex'),
    { op: 'dec', field: 'refcount' },
    {
      op: 'if',
      cond: cache('refcount'),
      then: [lock('mutex_unlock', '&slab_mutex'), lock('cpus_read_unlock'), { op: 'return' }],
    },
    call('kasan_cache_shutdown', 's'),
    { op: 'call', fn: '__kmem_cache_shutdown', args: ['s'], assign: 'err' },
    {
      op: 'warn',
      cond: { kind: 'local', name: 'err' },
      message: 'kmem_cache_destroy %s: Slab cache still has objects when called from kmem_cache_destroy',
    },
    lock('mutex_unlock', '&slab_mutex'),
    lock('cpus_read_unlock'),
  ],
  kvfree_rcu_barrier_on_cache: kvfree_rcu_barrier_on_cache_nofix,
  flush_rcu_sheaves_on_cache: [
    lock('mutex_lock', '&flush_lock'),
    {
      op: 'for_each',
      over: 'cpu',
      var: 'cpu',
      body: [{ op: 'queue_work_on', cpu: 'cpu', work: 'slub_flush', fn: 'flush_rcu_sheaf' }],
    },
    { op: 'for_each', over: 'cpu', var: 'cpu', body: [{ op: 'flush_work', cpu: 'cpu', work: 'slub_flush' }] },
    lock('mutex_unlock', '&flush_lock'),
  ],
  __kmem_cache_shutdown: [
    call('flush_all_cpus_locked', 's'),
    { op: 'if', cond: cache('sheaf_capacity'), then: [call('rcu_barrier')] },
    {
      op: 'for_each',
      over: 'node',
      var: 'node',
      body: [
        { op: 'if', cond: cache('cpu_sheaves'), then: [call('barn_shrink', 's')] },
        call('free_partial', 's'),
        {
          op: 'if',
          cond: { kind: 'call', fn: 'node_nr_slabs' },
          then: [{ op: 'return', value: { kind: 'const', value: true } }],
        },
      ],
    },
    { op: 'return', value: { kind: 'const', value: false } },
  ],
  flush_all_cpus_locked: [
    lock('lockdep_assert_cpus_held'),
    lock('mutex_lock', '&flush_lock'),
    {
      op: 'for_each',
      over: 'cpu',
      var: 'cpu',
      body: [{ op: 'queue_work_on', cpu: 'cpu', work: 'slub_flush', fn: 'flush_cpu_slab' }],
    },
    { op: 'for_each', over: 'cpu', var: 'cpu', body: [{ op: 'flush_work', cpu: 'cpu', work: 'slub_flush' }] },
    lock('mutex_unlock', '&flush_lock'),
  ],
};

/**
 * The cpuhp teardown callbacks the C registers with cpuhp_setup_state*(), as programs: slub's
 * CPUHP_SLUB_DEAD callback, for the caches with sheaves (the scenario has one cache).
 */
const TEARDOWN: ProgramSet = {
  slub_cpu_dead: [
    lock('mutex_lock', '&slab_mutex'),
    { op: 'if', cond: { kind: 'call', fn: 'cache_has_sheaves' }, then: [call('__pcs_flush_all_cpu', 's', 'cpu')] },
    lock('mutex_unlock', '&slab_mutex'),
  ],
};

/** The built-in cpuhp teardown programs, anchored. */
export const builtinTeardown = (): ProgramSet => anchorPrograms(TEARDOWN);

export const ORCHESTRATION = [
  'kmem_cache_destroy',
  'kvfree_rcu_barrier_on_cache',
  'flush_rcu_sheaves_on_cache',
  '__kmem_cache_shutdown',
  'flush_all_cpus_locked',
];

export interface ProgramVariant {
  /** patch 01 applied: rcu_barrier() right after flush_rcu_sheaves_on_cache() */
  patch01?: boolean;
  /** the rcu_barrier() in __kmem_cache_shutdown() removed (F4) */
  noShutdownBarrier?: boolean;
}

/** The built-in programs, anchored, in the variant asked for. */
export function builtinPrograms(v: ProgramVariant = {}): ProgramSet {
  const p: ProgramSet = { ...BASE };
  if (v.patch01) p.kvfree_rcu_barrier_on_cache = kvfree_rcu_barrier_on_cache_fix;
  if (v.noShutdownBarrier) {
    p.__kmem_cache_shutdown = BASE.__kmem_cache_shutdown.filter(
      (s) => !(s.op === 'if' && s.then.some((t) => t.op === 'call' && t.fn === 'rcu_barrier')),
    );
  }
  return anchorPrograms(p);
}
