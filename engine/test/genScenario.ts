// Small scenarios over the leaf models for the differential test against Spin: random setups
// (slabs, a cpu slab, objects allocated, in rcu_free or main sheaves, handed to call_rcu), and
// one or two threads of calls, guards, loops over CPUs, work items and a helper program.
// Every one is valid for the machine (no unknown variable, no object out of range).

import fc from 'fast-check';
import { anchorPrograms } from '../src';
import type { Pred, Program, Scenario, SetupOp, Stmt } from '../src';

const LEAF_CALLS = ['kmem_cache_free', '__kfree_rcu_sheaf', 'do_slab_free'];
const PLAIN_CALLS = [
  'rcu_barrier',
  'rcu_read_lock',
  'rcu_read_unlock',
  'flush_slab',
  'pcs_flush_all',
  'kasan_cache_shutdown',
  'free_partial',
  '__kvfree_rcu_barrier',
  'barn_shrink',
];
const WORK_FNS = ['flush_rcu_sheaf', 'flush_cpu_slab', 'flush_cpu_sheaves'];

const lk = (fn: string, lock?: string, assign?: string): Stmt => ({
  op: 'lock',
  fn,
  ...(lock ? { lock } : {}),
  ...(assign ? { assign } : {}),
});
/** Lock and unlock around a statement: mutual exclusion, irqs off, cpu_hotplug_lock read or write. */
const LOCK_PAIRS: [Stmt, Stmt][] = [
  [lk('mutex_lock', '&a'), lk('mutex_unlock', '&a')],
  [lk('mutex_lock', '&b'), lk('mutex_unlock', '&b')],
  [lk('spin_lock_irqsave', '&b'), lk('spin_unlock_irqrestore', '&b')],
  [lk('cpus_read_lock'), lk('cpus_read_unlock')],
  [lk('cpus_write_lock'), lk('cpus_write_unlock')],
];
/** Lock statements on their own: asserts, an unbalanced unlock, a trylock. */
const LOCK_ALONE: Stmt[] = [
  lk('lockdep_assert_held', '&a'),
  lk('lockdep_assert_cpus_held'),
  lk('mutex_unlock', '&a'),
  {
    op: 'if',
    cond: { kind: 'const', value: true },
    then: [
      lk('mutex_trylock', '&a', 'ok'),
      { op: 'if', cond: { kind: 'local', name: 'ok' }, then: [lk('mutex_unlock', '&a')] },
    ],
  },
];
const locked = ([take, give]: [Stmt, Stmt], inner: Stmt): Stmt => ({
  op: 'if',
  cond: { kind: 'const', value: true },
  then: [take, inner, give],
});

export function genScenario(): fc.Arbitrary<Scenario> {
  return fc
    .record({
      ncpus: fc.integer({ min: 2, max: 3 }),
      slabs: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 2 }),
      cpuSlab: fc.boolean(),
      kasan: fc.boolean(),
      cpuSheaves: fc.boolean(),
      capacity: fc.integer({ min: 1, max: 3 }),
      refcount: fc.integer({ min: 1, max: 2 }),
      irqsave: fc.boolean(),
      tid: fc.boolean(),
      checkLeak: fc.boolean(),
      seeds: fc.array(fc.nat(1000), { minLength: 40, maxLength: 40 }),
      nthreads: fc.integer({ min: 1, max: 2 }),
    })
    .map((r) => {
      let k = 0;
      const pick = <T>(xs: T[]): T => xs[r.seeds[k++ % r.seeds.length] % xs.length];
      const nobj = r.slabs.reduce((a, b) => a + b, 0);
      const cpu = () => pick(Array.from({ length: r.ncpus }, (_, c) => c));
      const obj = () => pick(Array.from({ length: nobj }, (_, o) => o));
      const setup: SetupOp[] = r.slabs.map((n) => ({ op: 'new_slab', objects: n }));
      if (r.cpuSlab) setup.push({ op: 'cpu_slab', slab: 0, cpu: 0 });
      const allocated = new Set<number>();
      for (let o = 0; o < nobj; o++) if (pick([true, true, false])) allocated.add(o);
      for (const o of allocated) setup.push({ op: 'alloc', obj: o });
      const rcuCpus = new Set<number>();
      for (const o of allocated) {
        const what = pick(['keep', 'keep', 'kfree_rcu', 'main']);
        const c = cpu();
        if (what === 'kfree_rcu') {
          setup.push({ op: 'kfree_rcu', obj: o, cpu: c });
          rcuCpus.add(c);
        } else if (what === 'main') setup.push({ op: 'free_to_main', obj: o, cpu: c });
      }
      for (const c of rcuCpus) if (pick([true, false])) setup.push({ op: 'call_rcu_sheaf', cpu: c });

      const stmt = (depth: number, inLoop: boolean): Stmt => {
        const kind = pick(['leaf', 'leaf', 'plain', 'plain', 'work', 'flush', 'if', 'loop', 'dec', 'helper', 'lock']);
        const c = inLoop ? 'cpu' : String(cpu());
        switch (kind) {
          case 'leaf':
            return { op: 'call', fn: pick(LEAF_CALLS), args: ['s', String(obj())] };
          case 'plain':
            return { op: 'call', fn: pick(PLAIN_CALLS) };
          case 'work':
            return { op: 'queue_work_on', cpu: c, work: pick(['w', 'slub_flush']), fn: pick(WORK_FNS) };
          case 'flush':
            return { op: 'flush_work', cpu: c, work: pick(['w', 'slub_flush']) };
          case 'if':
            if (depth > 1) return { op: 'call', fn: pick(PLAIN_CALLS) };
            return {
              op: 'if',
              cond: pick<Pred>([
                { kind: 'config', name: 'CONFIG_KASAN' },
                { kind: 'cache', field: 'refcount' },
                { kind: 'call', fn: 'node_nr_slabs' },
                { kind: 'not', arg: { kind: 'cache', field: 'refcount' } },
              ]),
              then: [stmt(depth + 1, inLoop)],
              else: pick([undefined, [stmt(depth + 1, inLoop)]]),
            };
          case 'loop':
            if (depth > 1 || inLoop) return { op: 'call', fn: pick(PLAIN_CALLS) };
            return {
              op: 'for_each',
              over: 'cpu',
              var: 'cpu',
              body: [
                pick<Stmt>([
                  { op: 'queue_work_on', cpu: 'cpu', work: 'slub_flush', fn: pick(WORK_FNS) },
                  { op: 'flush_work', cpu: 'cpu', work: 'slub_flush' },
                ]),
              ],
            };
          case 'dec':
            return { op: 'dec', field: 'refcount' };
          case 'lock':
            return depth > 1 || pick([true, false])
              ? pick(LOCK_ALONE)
              : locked(pick(LOCK_PAIRS), stmt(depth + 1, inLoop));
          default:
            return { op: 'call', fn: 'helper', args: ['s'], assign: 'err' };
        }
      };
      const helper: Program = [
        { op: 'call', fn: pick(PLAIN_CALLS) },
        {
          op: 'if',
          cond: { kind: 'call', fn: 'node_nr_slabs' },
          then: [{ op: 'return', value: { kind: 'const', value: true } }],
        },
        { op: 'return', value: { kind: 'const', value: false } },
      ];
      const threads = Array.from({ length: r.nthreads }, (_, i) => {
        const body: Stmt[] = Array.from({ length: 1 + (r.seeds[30 + i] % 4) }, () => stmt(0, false));
        if (body.some((s) => s.op === 'call' && s.fn === 'helper'))
          body.push({
            op: 'if',
            cond: { kind: 'local', name: 'err' },
            then: [{ op: 'call', fn: '__kvfree_rcu_barrier' }],
          });
        return { id: `P${i}`, cpu: i === 0 ? 0 : cpu(), program: anchorPrograms({ [`P${i}`]: body })[`P${i}`] };
      });
      const sc: Scenario = {
        id: 'generated',
        title: 'generated',
        description: 'a generated IR program',
        ncpus: r.ncpus,
        config: { CONFIG_KASAN: r.kasan, CONFIG_SLUB_TINY: false, CONFIG_SLUB_RCU_DEBUG: false },
        switches: { flush_slab_irqsave: r.irqsave, free_tid_check: r.tid },
        cache: {
          name: 'test_cache',
          cpu_sheaves: r.cpuSheaves,
          sheaf_capacity: r.capacity,
          refcount: r.refcount,
          flags: [],
        },
        setup,
        threads,
        programs: anchorPrograms({ helper }),
        checkLeak: r.checkLeak,
      };
      return sc;
    });
}
