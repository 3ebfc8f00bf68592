// Built-in scenarios: the facts F1–F5 of the seed thread. Ids are fixed; others script them.

import type { CFuncSet } from './cir';
import { anchorPrograms, Program, ProgramSet, Stmt } from './ir';
import { controlCpu } from './models/hotplug';
import { builtinPrograms, builtinTeardown, ProgramVariant } from './programs';
import type { Scenario, SetupOp } from './scenario';

export interface ScenarioOptions {
  cpus?: number;
  /** replace the built-in orchestration programs (the server passes IR extracted from C) */
  programs?: ProgramSet;
  /** functions interpreted from C (lowered by the server): they replace the leaf models of the same name */
  cfuncs?: CFuncSet;
  config?: Record<string, boolean>;
  /**
   * CPU hotplug: a thread takes `cpu` (default: the last one) down at any point, runs the cpuhp
   * teardown callbacks `teardown` (default: slub_cpu_dead; programs from `programs` or built in)
   * under the write lock, and with `up` brings the CPU back.
   */
  hotplug?: boolean | { cpu?: number; up?: boolean; teardown?: string[] };
}

interface Builtin {
  id: string;
  title: string;
  description: string;
  fact: string;
  expect: 'pass' | 'fail';
  expectProperty?: string;
  build(
    cpus: number,
    o: ScenarioOptions,
  ): Omit<Scenario, 'id' | 'title' | 'description' | 'fact' | 'expect' | 'expectProperty'>;
}

const thread = (id: string, cpu: number, program: Program) => ({
  id,
  cpu,
  program: anchorPrograms({ [id]: program })[id],
});

/** kfree_rcu() of one object on every CPU, then kmem_cache_destroy() on CPU 0. */
function destroyScenario(kasan: boolean, variant: ProgramVariant) {
  return (cpus: number, o: ScenarioOptions) => {
    const setup: SetupOp[] = [];
    for (let c = 0; c < cpus; c++) {
      // one slab per CPU with a free object left, so a freed slab is partial, not full
      setup.push({ op: 'new_slab', objects: 2 }, { op: 'alloc', obj: 2 * c }, { op: 'kfree_rcu', obj: 2 * c, cpu: c });
    }
    return {
      ncpus: cpus,
      config: { CONFIG_KASAN: kasan, CONFIG_SLUB_RCU_DEBUG: false, CONFIG_SLUB_TINY: false, ...o.config },
      switches: { flush_slab_irqsave: true, free_tid_check: true },
      cache: { name: 'test_cache', cpu_sheaves: true, sheaf_capacity: 4, refcount: 1, flags: [] },
      setup,
      threads: [thread('P0', 0, [{ op: 'call', fn: 'kmem_cache_destroy', args: ['s'] }])],
      programs: o.programs ?? builtinPrograms(variant),
      ...(o.cfuncs ? { cfuncs: o.cfuncs } : {}),
      checkLeak: true,
    };
  };
}

/**
 * The pre-series cpu slab: CPU 0's c->slab holds o0..o2, all allocated. P0 frees o0 through
 * the do_slab_free() fastpath on CPU 0; RCU callbacks free o1 on CPU 0 (softirq, same c) and
 * o2 on CPU 1 (a different c: slowpath); P1 runs flush_all_cpus_locked() → flush_slab() on
 * every CPU, then rcu_barrier().
 */
function cpuSlabScenario(irqsave: boolean, tid: boolean) {
  return (cpus: number, o: ScenarioOptions) => ({
    ncpus: cpus,
    config: { CONFIG_KASAN: false, CONFIG_SLUB_TINY: false, ...o.config },
    switches: { flush_slab_irqsave: irqsave, free_tid_check: tid },
    cache: { name: 'test_cache', cpu_sheaves: true, sheaf_capacity: 4, refcount: 1, flags: [] },
    setup: [
      { op: 'new_slab', objects: 3 },
      { op: 'cpu_slab', slab: 0, cpu: 0 },
      { op: 'alloc', obj: 0 },
      { op: 'alloc', obj: 1 },
      { op: 'alloc', obj: 2 },
      { op: 'kfree_rcu', obj: 1, cpu: 0 },
      { op: 'call_rcu_sheaf', cpu: 0 },
      { op: 'kfree_rcu', obj: 2, cpu: 1 },
      { op: 'call_rcu_sheaf', cpu: 1 },
    ] as SetupOp[],
    threads: [
      thread('P0', 0, [{ op: 'call', fn: 'do_slab_free', args: ['s', '0'] }]),
      // flush_all(): cpus_read_lock() around flush_all_cpus_locked(), as its lockdep_assert_cpus_held() asks
      thread('P1', 1, [
        { op: 'lock', fn: 'cpus_read_lock' },
        { op: 'call', fn: 'flush_all_cpus_locked', args: ['s'] },
        { op: 'lock', fn: 'cpus_read_unlock' },
        { op: 'call', fn: 'rcu_barrier' },
      ]),
    ],
    programs: o.programs ?? builtinPrograms(),
    ...(o.cfuncs ? { cfuncs: o.cfuncs } : {}),
    checkLeak: true,
  });
}

const F5_DESC =
  'pre-series cpu slab: flush_slab() on each CPU vs do_slab_free() from process context and from RCU callbacks';

const BUILTINS: Builtin[] = [
  {
    id: 'f1-kasan-nofix',
    fact: 'F1',
    expect: 'fail',
    expectProperty: 'objects remaining',
    title: 'kmem_cache_destroy with CONFIG_KASAN, without patch 01',
    description:
      'rcu_free sheaves flushed to call_rcu() but not waited for; a callback after kasan_cache_shutdown() leaves its object in the quarantine',
    build: destroyScenario(true, {}),
  },
  {
    id: 'f2-kasan-fix',
    fact: 'F2',
    expect: 'pass',
    title: 'kmem_cache_destroy with CONFIG_KASAN, with patch 01',
    description: 'rcu_barrier() after flush_rcu_sheaves_on_cache(): callbacks finish before kasan_cache_shutdown()',
    build: destroyScenario(true, { patch01: true }),
  },
  {
    id: 'f3-nokasan-nofix',
    fact: 'F3',
    expect: 'pass',
    title: 'kmem_cache_destroy without CONFIG_KASAN, without patch 01',
    description:
      "callbacks return objects to their slabs; __kmem_cache_shutdown()'s rcu_barrier() comes before free_partial()",
    build: destroyScenario(false, {}),
  },
  {
    id: 'f3-nokasan-fix',
    fact: 'F3',
    expect: 'pass',
    title: 'kmem_cache_destroy without CONFIG_KASAN, with patch 01',
    description: 'the fix changes nothing without KASAN',
    build: destroyScenario(false, { patch01: true }),
  },
  {
    id: 'f4-fix-no-shutdown-barrier',
    fact: 'F4',
    expect: 'pass',
    title: 'patch 01, rcu_barrier() removed from __kmem_cache_shutdown()',
    description: 'the barrier in kvfree_rcu_barrier_on_cache() makes the one in __kmem_cache_shutdown() unnecessary',
    build: destroyScenario(true, { patch01: true, noShutdownBarrier: true }),
  },
  {
    id: 'f4-nofix-no-shutdown-barrier',
    fact: 'F4',
    expect: 'fail',
    expectProperty: 'objects remaining',
    title: 'no patch 01 and no rcu_barrier() in __kmem_cache_shutdown()',
    description: 'without either barrier a callback can run after free_partial()',
    build: destroyScenario(false, { noShutdownBarrier: true }),
  },
  {
    id: 'f5-cpu-slab-flush',
    fact: 'F5',
    expect: 'pass',
    title: 'flush_slab() vs frees to c->freelist, protections on',
    description: `${F5_DESC}; same c means same CPU, irqsave and the tid cmpxchg protect it`,
    build: cpuSlabScenario(true, true),
  },
  {
    id: 'f5-cpu-slab-flush-unprotected',
    fact: 'F5',
    expect: 'fail',
    expectProperty: 'lost free',
    title: 'flush_slab() vs frees to c->freelist, local_lock_irqsave and tid check off',
    description: `${F5_DESC}; with both protections off an object freed to c->freelist is lost`,
    build: cpuSlabScenario(false, false),
  },
  {
    id: 'f5-cpu-slab-flush-no-irqsave',
    fact: 'F5',
    expect: 'fail',
    expectProperty: 'lost free',
    title: 'flush_slab() without local_lock_irqsave',
    description: `${F5_DESC}; the RCU callback interrupts flush_slab() between reading and clearing c->freelist`,
    build: cpuSlabScenario(false, true),
  },
  {
    id: 'f5-cpu-slab-flush-no-tid',
    fact: 'F5',
    expect: 'fail',
    expectProperty: 'lost free',
    title: 'do_slab_free() fastpath without the tid in its cmpxchg',
    description: `${F5_DESC}; a flush that preempts the fastpath goes unnoticed when c->freelist looks the same`,
    build: cpuSlabScenario(true, false),
  },
];

export const MIN_CPUS = 2;

export function listScenarios(): {
  id: string;
  fact: string;
  title: string;
  description: string;
  expect: 'pass' | 'fail';
  expectProperty?: string;
}[] {
  return BUILTINS.map(({ id, fact, title, description, expect, expectProperty }) => ({
    id,
    fact,
    title,
    description,
    expect,
    expectProperty,
  }));
}

export function scenarioIds(): string[] {
  return BUILTINS.map((b) => b.id);
}

export class UnknownScenario extends Error {}

export function makeScenario(id: string, o: ScenarioOptions = {}): Scenario {
  const b = BUILTINS.find((x) => x.id === id);
  if (!b) throw new UnknownScenario(`unknown scenario '${id}' (known: ${scenarioIds().join(', ')})`);
  const cpus = o.cpus ?? 2;
  if (!Number.isInteger(cpus) || cpus < MIN_CPUS || cpus > 16)
    throw new RangeError(`--cpus must be an integer from ${MIN_CPUS} to 16, got ${o.cpus}`);
  const { id: _i, build, ...meta } = b;
  const sc: Scenario = { id, ...meta, ...build(cpus, o) };
  return o.hotplug ? withHotplug(sc, o.hotplug === true ? {} : o.hotplug) : sc;
}

/** Add the hotplug thread to a scenario (see ScenarioOptions.hotplug and models/hotplug.ts). */
export function withHotplug(sc: Scenario, h: { cpu?: number; up?: boolean; teardown?: string[] }): Scenario {
  const dead = h.cpu ?? sc.ncpus - 1;
  if (!Number.isInteger(dead) || dead < 0 || dead >= sc.ncpus)
    throw new RangeError(`--hotplug: cpu ${h.cpu} is not one of the scenario's ${sc.ncpus} CPUs`);
  const teardown = h.teardown ?? ['slub_cpu_dead'];
  const builtin = builtinTeardown();
  const programs = { ...sc.programs };
  for (const fn of teardown) {
    if (programs[fn]) continue;
    if (!builtin[fn]) throw new RangeError(`--hotplug: no program for the cpuhp teardown callback ${fn}`);
    programs[fn] = builtin[fn];
  }
  const lk = (fn: string): Stmt => ({ op: 'lock', fn });
  const program: Program = [
    lk('cpus_write_lock'),
    { op: 'call', fn: 'takedown_cpu', args: ['cpu'] },
    ...teardown.map((fn): Stmt => ({ op: 'call', fn, args: ['cpu'] })),
    lk('cpus_write_unlock'),
    ...(h.up
      ? [lk('cpus_write_lock'), { op: 'call', fn: 'bringup_cpu', args: ['cpu'] } as Stmt, lk('cpus_write_unlock')]
      : []),
  ];
  return {
    ...sc,
    title: `${sc.title} (cpu${dead} goes offline${h.up ? ' and back' : ''})`,
    // the thread's expectation is for CPUs that stay online
    expect: undefined,
    expectProperty: undefined,
    programs,
    hotplug: { cpu: dead, up: !!h.up, teardown },
    threads: [...sc.threads, { ...thread('cpuhp', controlCpu(dead), program), locals: { cpu: dead } }],
  };
}
