// Kernel primitives that interpreted C calls, each with its contract: what the model assumes the
// primitive does. They are the only hand-written parts on an interpreted path, next to the
// blocking primitives that stay leaf models with their own steps (rcu_barrier, flush_work,
// queue_work_on, rcu_read_lock). A few functions of mm/slub.c are here too as `hand model`:
// used only when their body in the tree cannot be interpreted, and then reported as such.

import { CONSTANTS, CVal, GLOBALS, Halt, isRef, splitRef } from './heap';
import { isKrcWork } from './krc';
import { activeReaders } from './models/common';
import { ModelError } from './modelError';
import type { CCtx, CPrimitive } from './cctx';
import { MEM_PRIMS, num } from './cprimsMem';

export type { CCtx, CPrimitive } from './cctx';

export { PTR_SIZE } from './cprimsMem';
const objId = (v: CVal, what: string, c: CCtx): number => {
  if (!isRef(v) || splitRef(v).kind !== 'obj')
    throw new ModelError(`not modelled: ${what} of ${String(v)} in ${c.fn} at line ${c.line + 1}`);
  return Number(splitRef(v).id);
};

// ---- sections that run as one step -------------------------------------------------------------

/** Irqs (or preemption) off on this CPU, nested: the interpreter runs the section as one step. */
function enter(c: CCtx, kind: 'irq' | 'preempt'): void {
  const cpu = c.s.cpus[c.t.cpu];
  if (kind === 'irq') {
    if (cpu.irqOwner !== null && cpu.irqOwner !== c.t.id)
      throw new ModelError(`irqs already off on cpu${c.t.cpu} by ${cpu.irqOwner}`);
    cpu.irqOwner = c.t.id;
    cpu.irqDepth = (cpu.irqDepth ?? 0) + 1;
  } else {
    cpu.preemptOwner = c.t.id;
    cpu.preemptDepth = (cpu.preemptDepth ?? 0) + 1;
  }
}

function leave(c: CCtx, kind: 'irq' | 'preempt', name: string): void {
  const cpu = c.s.cpus[c.t.cpu];
  const owner = kind === 'irq' ? cpu.irqOwner : cpu.preemptOwner;
  if (owner !== c.t.id) {
    c.violate(
      'unbalanced unlock',
      `${name}() in ${c.fn} at line ${c.line + 1} releases a section this task did not enter`,
    );
    throw new Halt();
  }
  if (kind === 'irq') {
    cpu.irqDepth = (cpu.irqDepth ?? 1) - 1;
    if (!cpu.irqDepth) {
      cpu.irqOwner = null;
      delete cpu.irqDepth;
    }
  } else {
    cpu.preemptDepth = (cpu.preemptDepth ?? 1) - 1;
    if (!cpu.preemptDepth) {
      cpu.preemptOwner = null;
      delete cpu.preemptDepth;
    }
  }
}

/** The scenario's switch for F5: flush_slab() without its irq-save lock (the C is not edited). */
const irqsaveOff = (c: CCtx) => c.fn === 'flush_slab' && !c.env.switches.flush_slab_irqsave;

const lock = (name: string, kind: 'irq' | 'preempt', contract: string): CPrimitive => ({
  name,
  kind: 'primitive',
  contract,
  run: (c) => {
    if (kind === 'irq' && name.startsWith('local_lock_irq') && irqsaveOff(c)) {
      c.emit(`${name}(): switched off by the scenario (no irq-save)`);
      return 0;
    }
    enter(c, kind);
    return 0;
  },
});
const unlock = (name: string, kind: 'irq' | 'preempt', contract: string): CPrimitive => ({
  name,
  kind: 'primitive',
  contract,
  run: (c) => {
    if (kind === 'irq' && name.startsWith('local_unlock_irq') && irqsaveOff(c)) return 0;
    leave(c, kind, name);
    return 0;
  },
});

const LOCK_CONTRACT =
  'disables preemption (local_lock) or irqs (_irq, _irqsave) on this CPU until the matching unlock; the section runs as one step of the interleaving. Spinlocks are thin: the section is one step, which is exact when every access to the data they protect is under them';

const noop = (name: string, contract: string, ret: CVal = 0): CPrimitive => ({
  name,
  kind: 'no-op',
  contract,
  run: () => ret,
});

// ---- the kfree_rcu() batching (krc.ts): empty in every scenario ------------------------------------

const krcWork = (w: CVal, what: string, line: number): string => {
  if (isKrcWork(w)) return String(w);
  throw new ModelError(`not modelled: ${what}(${String(w)}) (only krc's own work) at line ${line + 1}`);
};

const KRC_PRIMS: CPrimitive[] = [
  {
    name: 'flush_rcu_work',
    kind: 'primitive',
    contract:
      'waits until a queued rcu_work (a krc batch) has had its grace period and run; returns false when none was queued, which is every krc batch here (krc is empty: kfree_rcu() goes to the sheaves)',
    run: (c, args) => {
      c.emit(`flush_rcu_work(${krcWork(args[0], 'flush_rcu_work', c.line)}): no batch queued`);
      return 0;
    },
  },
  {
    name: 'cancel_delayed_work_sync',
    kind: 'primitive',
    contract:
      "cancels a delayed work and waits for a running instance; returns false when it was not pending, which krc's monitor work never is here (krc is empty)",
    run: (c, args) => {
      krcWork(args[0], 'cancel_delayed_work_sync', c.line);
      return 0;
    },
  },
  {
    name: '__nr_cpu_ids',
    kind: 'primitive',
    pure: true,
    contract:
      'for_each_possible_cpu(): every CPU of the scenario, online or not (it does not read cpu_online_mask, so a CPU taken down is still visited)',
    run: (c) => c.s.cpus.length,
  },
];

const PRIMS: CPrimitive[] = [
  ...KRC_PRIMS,
  lock('local_lock', 'preempt', LOCK_CONTRACT),
  unlock('local_unlock', 'preempt', LOCK_CONTRACT),
  lock('local_lock_irq', 'irq', LOCK_CONTRACT),
  unlock('local_unlock_irq', 'irq', LOCK_CONTRACT),
  lock('local_lock_irqsave', 'irq', LOCK_CONTRACT),
  lock('local_lock_cpu_slab', 'irq', LOCK_CONTRACT),
  unlock('local_unlock_cpu_slab', 'irq', LOCK_CONTRACT),
  unlock('local_unlock_irqrestore', 'irq', LOCK_CONTRACT),
  {
    name: 'local_trylock',
    kind: 'primitive',
    contract:
      "takes this CPU's local lock and returns true: a holder on the same CPU would have excluded this task from running (the section is one step)",
    run: (c) => {
      enter(c, 'preempt');
      return 1;
    },
  },
  ...['spin_lock', 'raw_spin_lock', 'bit_spin_lock'].map((n) => lock(n, 'preempt', LOCK_CONTRACT)),
  ...['spin_unlock', 'raw_spin_unlock', 'bit_spin_unlock'].map((n) => unlock(n, 'preempt', LOCK_CONTRACT)),
  lock('local_irq_save', 'irq', LOCK_CONTRACT),
  unlock('local_irq_restore', 'irq', LOCK_CONTRACT),
  ...['spin_lock_irq', 'raw_spin_lock_irq', 'spin_lock_irqsave', 'raw_spin_lock_irqsave'].map((n) =>
    lock(n, 'irq', LOCK_CONTRACT),
  ),
  ...['spin_unlock_irq', 'raw_spin_unlock_irq', 'spin_unlock_irqrestore', 'raw_spin_unlock_irqrestore'].map((n) =>
    unlock(n, 'irq', LOCK_CONTRACT),
  ),
  ...['mutex_lock', 'mutex_unlock', 'cpus_read_lock', 'cpus_read_unlock'].map((n) =>
    noop(
      n,
      'sleeping locks are not state yet: the paths interpreted here take them only in orchestration code that runs once',
    ),
  ),

  // ---- per-CPU data ----------------------------------------------------------------------------
  ...['this_cpu_ptr', 'raw_cpu_ptr', 'per_cpu_ptr', 'per_cpu'].map((name): CPrimitive => ({
    name,
    kind: 'primitive',
    pure: true,
    contract:
      "the instance of a per-CPU variable for this CPU (per_cpu_ptr: for the CPU given): s->cpu_sheaves → that CPU's struct slub_percpu_sheaves, s->cpu_slab → its struct kmem_cache_cpu, &krc → its struct kfree_rcu_cpu",
    run: (c, args) => {
      const cpu = name.startsWith('per_cpu') ? num(args[1]) : c.t.cpu;
      const p = args[0];
      if (p === 'percpu:cpu_sheaves') return `pcs:${cpu}`;
      if (p === 'percpu:cpu_slab') return `kcc:${cpu}`;
      if (p === GLOBALS.krc) return `krc:${cpu}`;
      throw new ModelError(`not modelled: ${name}(${String(p)}) in ${c.fn} at line ${c.line + 1}`);
    },
  })),
  {
    name: 'smp_processor_id',
    kind: 'primitive',
    pure: true,
    contract: 'the CPU the task runs on',
    run: (c) => c.t.cpu,
  },
  ...['this_cpu_read', '__this_cpu_read', 'raw_cpu_read'].map((name): CPrimitive => ({
    name,
    kind: 'primitive',
    contract: "reads a field of this CPU's instance of a per-CPU struct (this_cpu_read(s->cpu_slab->partial))",
    run: (c, args) => {
      const r = splitRef(String(args[0]));
      if (r.kind !== 'percpu' || !r.member || r.member.includes('/'))
        throw new ModelError(`not modelled: ${name}(${String(args[0])}) at line ${c.line + 1}`);
      const [obj, field] = [r.base, r.member];
      return c.heap.get(obj === 'percpu:cpu_sheaves' ? `pcs:${c.t.cpu}` : `kcc:${c.t.cpu}`, field, c.line);
    },
  })),
  ...['this_cpu_write', '__this_cpu_write', 'raw_cpu_write'].map((name): CPrimitive => ({
    name,
    kind: 'primitive',
    contract: "writes a field of this CPU's instance of a per-CPU struct",
    run: (c, args) => {
      const r = splitRef(String(args[0]));
      if (r.kind !== 'percpu' || !r.member || r.member.includes('/'))
        throw new ModelError(`not modelled: ${name}(${String(args[0])}) at line ${c.line + 1}`);
      const [obj, field] = [r.base, r.member];
      c.heap.set(obj === 'percpu:cpu_sheaves' ? `pcs:${c.t.cpu}` : `kcc:${c.t.cpu}`, field, args[1], c.line);
      return 0;
    },
  })),
  {
    name: 'in_nmi',
    kind: 'primitive',
    pure: true,
    contract: 'no task of the scenarios runs in NMI context',
    run: () => 0,
  },
  {
    name: 'in_task',
    kind: 'primitive',
    pure: true,
    contract: 'process or kworker context (not softirq)',
    run: (c) => (c.t.ctx === 'softirq' ? 0 : 1),
  },
  {
    name: 'irqs_disabled',
    kind: 'primitive',
    // only the task itself gives up irqs it holds
    pure: true,
    contract: 'whether this task runs with irqs off on its CPU',
    run: (c) => (c.s.cpus[c.t.cpu].irqOwner === c.t.id ? 1 : 0),
  },
  {
    name: 'USE_LOCKLESS_FAST_PATH',
    kind: 'primitive',
    pure: true,
    contract: '!CONFIG_PREEMPT_RT: the lockless fastpath is used',
    run: (c) => (c.env.config.CONFIG_PREEMPT_RT ? 0 : 1),
  },
  {
    name: 'local_lock_is_locked',
    kind: 'primitive',
    contract: "whether this CPU's local lock is held (by a task this one interrupted)",
    run: (c) => {
      const cpu = c.s.cpus[c.t.cpu];
      return (cpu.preemptOwner !== null && cpu.preemptOwner !== c.t.id) ||
        (cpu.irqOwner !== null && cpu.irqOwner !== c.t.id)
        ? 1
        : 0;
    },
  },
  noop('slab_test_pfmemalloc', 'page flag: no slab of the scenarios comes from pfmemalloc reserves'),

  // ---- cmpxchg of the pre-series fastpath ------------------------------------------------------
  {
    name: 'this_cpu_try_cmpxchg_freelist',
    kind: 'primitive',
    contract:
      "atomically on this CPU's struct kmem_cache_cpu: if (c->freelist, c->tid) equals *old, stores new and returns true; else writes the current pair into *old and returns false. With the scenario's tid check off, only the freelist is compared",
    run: (c, args) => cmpxchgFreelist(c, args[0], args[1], args[2]),
  },
  {
    name: 'this_cpu_cmpxchg_double',
    kind: 'primitive',
    contract:
      'this_cpu_cmpxchg_double(c->freelist, c->tid, old freelist, old tid, new freelist, new tid): the same compare-and-swap on the pair',
    run: (c, args) => {
      const old = { freelist: args[2], counter: args[3] };
      const r = cmpxchgFreelist(c, args[0], null, { freelist: args[4], counter: args[5] }, old);
      return r;
    },
  },

  // ---- RCU -------------------------------------------------------------------------------------
  {
    name: 'call_rcu',
    kind: 'primitive',
    contract:
      "queues fn(head) on this CPU's callback list; it runs in softirq on this CPU after a grace period (readers inside rcu_read_lock() at call time have left). The head must not be queued twice",
    run: (c, args) => {
      const head = args[0];
      const fn = args[1];
      if (!isRef(head) || !isRef(fn) || !fn.startsWith('fn:'))
        throw new ModelError(`not modelled: call_rcu(${String(head)}, ${String(fn)}) in ${c.fn} at line ${c.line + 1}`);
      const h = splitRef(head);
      if (h.kind !== 'sheaf' || h.member !== 'rcu_head')
        throw new ModelError(`not modelled: call_rcu on ${head} (only a sheaf's rcu_head) at line ${c.line + 1}`);
      const sheaf = Number(h.id);
      c.heap.read('rcu:readers');
      c.heap.write(`rcu:cbs:${c.t.cpu}`);
      c.heap.write(`sheaf:${sheaf}`);
      const twice = c.s.rcu.cbs.find((cb) => cb.sheaf === sheaf);
      if (twice) {
        c.violate(
          'call_rcu twice',
          `call_rcu() twice on sheaf#${sheaf}->rcu_head: cb#${twice.id} (${twice.fn}) has not run yet (${c.fn}, line ${c.line + 1})`,
        );
        throw new Halt();
      }
      if (c.s.sheaves[sheaf].freed) {
        c.violate(
          'use after free',
          `use after free: call_rcu() on sheaf#${sheaf}, already freed (${c.fn}, line ${c.line + 1})`,
        );
        throw new Halt();
      }
      const id = c.s.rcu.nextCb++;
      c.s.rcu.cbs.push({ id, cpu: c.t.cpu, fn: fn.slice(3), sheaf, readers: activeReaders(c.s) });
      c.s.rcu.queued[c.t.cpu]++;
      c.heap.touchedObjects = true;
      c.emit(`call_rcu(&sheaf#${sheaf}->rcu_head, ${fn.slice(3)}) on cpu${c.t.cpu}: cb#${id}`);
      return 0;
    },
  },

  // ---- KASAN -----------------------------------------------------------------------------------
  {
    name: 'slab_free_hook',
    kind: 'primitive',
    contract:
      "the free hooks (KASAN among them): with CONFIG_KASAN the object goes into this CPU's quarantine and the hook returns false (the caller must not free it); without, returns true",
    run: (c, args) => {
      const o = objId(args[1], 'slab_free_hook()', c);
      if (!c.env.config.CONFIG_KASAN) return 1;
      c.heap.write(`quarantine:${c.t.cpu}`);
      c.s.quarantine[c.t.cpu].push(o);
      c.heap.touchedObjects = true;
      c.emit(`slab_free_hook(o${o}) → kasan_slab_free() puts o${o} into the KASAN quarantine of cpu${c.t.cpu}`);
      return 0;
    },
  },
  noop('kasan_reset_tag', 'untagged pointer: the model has no tags', null),

  // ---- the page level, object memory -----------------------------------------------------------
  {
    name: 'virt_to_slab',
    kind: 'primitive',
    pure: true,
    contract: 'the slab (struct page level) an object belongs to',
    run: (c, args) => `slab:${c.s.objects[objId(args[0], 'virt_to_slab()', c)].slab}`,
  },
  // a slab is one folio of its pages: the pre-series C goes through the folio, the series' through the page
  ...['virt_to_page', 'virt_to_folio'].map((name): CPrimitive => ({
    name,
    kind: 'primitive',
    pure: true,
    contract: `the struct ${name.slice(8)} of an object: its slab's first page`,
    run: (c, args) => `page:${c.s.objects[objId(args[0], `${name}()`, c)].slab}`,
  })),
  ...['page_slab', 'folio_slab'].map((name): CPrimitive => ({
    name,
    kind: 'primitive',
    pure: true,
    contract: `the slab a ${name.slice(0, -5)} belongs to`,
    run: (c, args) => `slab:${pageOf(c, name, args[0])}`,
  })),
  {
    name: 'folio_test_slab',
    kind: 'primitive',
    pure: true,
    contract: 'every folio of the scenarios is a slab (no large kmalloc)',
    run: (c, args) => (pageOf(c, 'folio_test_slab', args[0]), 1),
  },
  {
    name: 'slab_nid',
    kind: 'primitive',
    pure: true,
    contract: "the node of the slab's pages",
    run: (c, args) => (isRef(args[0]) ? c.s.slabs[Number(splitRef(args[0]).id)].node : 0),
  },
  {
    name: 'get_node',
    kind: 'primitive',
    pure: true,
    contract: 's->node[nid]: the struct kmem_cache_node of that node',
    run: (_c, args) => `node:${num(args[1])}`,
  },
  {
    name: 'get_freepointer',
    kind: 'primitive',
    contract:
      'reads the free pointer stored in the object (object + s->offset): the next object on the freelist that holds it',
    run: (c, args) => c.heap.nextFree(objId(args[1], 'get_freepointer()', c)),
  },
  {
    name: 'set_freepointer',
    kind: 'primitive',
    contract: 'stores a free pointer in the object (object + s->offset)',
    run: (c, args) => {
      const fp = args[2];
      c.heap.setFree(objId(args[1], 'set_freepointer()', c), fp === null || fp === 0 ? null : String(fp));
      return 0;
    },
  },
  {
    name: 'free_slab',
    kind: 'primitive',
    contract: "returns the slab's pages to the page allocator; the slab is gone (a later access is a use after free)",
    run: (c, args) => {
      const sl = c.s.slabs[Number(splitRef(String(args[1])).id)];
      c.heap.write(`slab:${sl.id}`);
      sl.discarded = true;
      delete sl.off;
      c.emit(`free_slab(slab#${sl.id}): pages freed`);
      return 0;
    },
  },
  {
    name: 'kfree',
    kind: 'primitive',
    contract:
      'kfree() of a sheaf (kmalloc memory): the sheaf is freed; objects still in it are lost; a second kfree is a double free',
    run: (c, args) => {
      const p = args[0];
      if (p === null || p === 0) return 0;
      if (!isRef(p) || splitRef(p).kind !== 'sheaf')
        throw new ModelError(`not modelled: kfree(${String(p)}) in ${c.fn} at line ${c.line + 1}`);
      const sh = c.s.sheaves[Number(splitRef(p).id)];
      c.heap.write(`sheaf:${sh.id}`);
      if (sh.freed) {
        c.violate('double free', `double free: kfree(sheaf#${sh.id}) in ${c.fn} at line ${c.line + 1}, already freed`);
        throw new Halt();
      }
      sh.freed = true;
      c.heap.touchedObjects = true;
      c.emit(`kfree(sheaf#${sh.id})${sh.objects.length ? ` with ${sh.objects.length} object(s) still in it` : ''}`);
      return 0;
    },
  },

  ...MEM_PRIMS,

  // ---- reports ---------------------------------------------------------------------------------
  {
    name: 'list_slab_objects',
    kind: 'primitive',
    contract:
      'prints the objects still allocated in the slab ("Objects remaining in <cache> on __kmem_cache_shutdown()"): the report is the property "objects remaining"',
    run: (c, args) => {
      const sl = c.s.slabs[Number(splitRef(String(args[1])).id)];
      const text =
        typeof args[2] === 'string' && args[2].startsWith('"')
          ? args[2].slice(1)
          : 'Objects remaining in %s on __kmem_cache_shutdown()';
      const msg = text.replace('%s', c.s.cache.name);
      c.s.objects.forEach((o) => o.slab === sl.id && c.heap.read(`obj:${o.id}`));
      const held = c.s.objects
        .filter((o) => o.slab === sl.id && o.where !== 'slab')
        .map(
          (o) =>
            `o${o.id} (${o.where.startsWith('quarantine') ? 'in the KASAN quarantine of cpu' + o.where.split(':')[1] : o.where})`,
        );
      c.emit(`slab#${sl.id} inuse=${sl.inuse}: ${held.join(', ')} → list_slab_objects: "${msg}"`);
      c.violate('objects remaining', msg);
      return 0;
    },
  },
  ...[
    'stat',
    'stat_add',
    'note_cmpxchg_failure',
    'barrier',
    'lockdep_assert_held',
    'lockdep_assert_irqs_disabled',
    'lockdep_assert_cpus_held',
    'might_sleep',
    'memcg_slab_free_hook',
    'alloc_tagging_slab_free_hook',
    'pr_err',
    'pr_warn',
    'printk',
    'kmemleak_free_recursive',
    'debug_check_no_locks_freed',
    'prefetchw',
    'pr_info',
    'cpu_relax',
  ].map((n) => noop(n, 'statistics, debug output or annotation: no effect on the allocator state')),
  noop('kmem_cache_debug_flags', 'mm/slab.h: no SLUB debugging (slub_debug) in the scenarios'),
  noop('is_kfence_address', 'no object of the scenarios comes from the KFENCE pool'),
  noop('kfence_free', 'no object of the scenarios comes from the KFENCE pool: returns false'),
  noop('slab_want_init_on_free', 'init_on_free is off in the scenarios'),
  noop('slab_in_kunit_test', 'not a KUnit run'),
  // VM_BUG_ON() is BUG_ON() under CONFIG_DEBUG_VM: checked, as a debug kernel would
  ...['BUG_ON', 'VM_BUG_ON'].map((name): CPrimitive => ({
    name,
    kind: 'primitive',
    pure: true,
    contract: 'BUG when the condition holds: a property violation',
    run: (c, args) => {
      if (num(args[0]) || isRef(args[0])) {
        c.violate('BUG', `${name}() in ${c.fn} at line ${c.line + 1}`);
        throw new Halt();
      }
      return 0;
    },
  })),
  // WARN(cond, fmt, ...) and WARN_ONCE: the message is not evaluated (warned once per run or not)
  ...['WARN_ON', 'WARN', 'WARN_ONCE'].map((name): CPrimitive => ({
    name,
    kind: 'primitive',
    contract: 'a warning when the condition holds; returns the condition',
    run: (c, args) => {
      const v = num(args[0]) || isRef(args[0]) ? 1 : 0;
      if (v) c.s.warnings.push(`${name} in ${c.fn} at line ${c.line + 1}`);
      return v;
    },
  })),

  // ---- hand models of slub functions, used only when the body cannot be interpreted -----------
  {
    name: '__slab_free',
    kind: 'hand model',
    contract: "the slowpath: puts the objects head..tail back on the slab's freelist and lowers slab->inuse by cnt",
    run: (c, args) => {
      const sl = c.s.slabs[Number(splitRef(String(args[1])).id)];
      let p: CVal = args[2];
      c.heap.write(`slab:${sl.id}`);
      for (let n = 0; n < num(args[4]) && p !== null; n++) {
        const o = objId(p, '__slab_free()', c);
        if (c.s.objects[o].where === 'slab') {
          c.violate('double free', `double free: o${o} is already free in slab#${sl.id}`);
          throw new Halt();
        }
        const next: CVal = n + 1 < num(args[4]) ? c.heap.nextFree(o) : null;
        c.heap.setFree(o, c.heap.head(`slab:${sl.id}`));
        c.heap.set(`slab:${sl.id}`, 'freelist', `obj:${o}`, c.line);
        sl.inuse--;
        p = next;
      }
      c.emit(`__slab_free(slab#${sl.id}): inuse=${sl.inuse}`);
      return 0;
    },
  },
  {
    name: '__kmem_cache_free_bulk',
    kind: 'hand model',
    contract:
      "frees the `size` objects of the array p (a sheaf's objects, a local array) to their slabs, one __slab_free() each: on the slab's freelist, slab->inuse lowered",
    run: (c, args) => {
      for (let k = 0; k < num(args[1]); k++) {
        const o = objId(c.mem.load(c.mem.offset(args[2], k, c.line), c.line), '__kmem_cache_free_bulk()', c);
        const sl = `slab:${c.s.objects[o].slab}`;
        PRIM.get('__slab_free')!.run(c, [args[0], sl, `obj:${o}`, `obj:${o}`, 1, 0]);
      }
      return 0;
    },
  },
  {
    name: 'deactivate_slab',
    kind: 'hand model',
    contract:
      'merges the freelist taken from the cpu slab back into the slab, lowers inuse by its length, unfreezes the slab',
    run: (c, args) => {
      const sl = c.s.slabs[Number(splitRef(String(args[1])).id)];
      c.heap.write(`slab:${sl.id}`);
      let p: CVal = args[2];
      while (p !== null && p !== 0) {
        const o = objId(p, 'deactivate_slab()', c);
        const next = c.heap.nextFree(o);
        c.heap.setFree(o, c.heap.head(`slab:${sl.id}`));
        c.heap.set(`slab:${sl.id}`, 'freelist', `obj:${o}`, c.line);
        sl.inuse--;
        p = next;
      }
      sl.frozen = false;
      c.emit(`deactivate_slab(slab#${sl.id}): inuse=${sl.inuse}, unfrozen`);
      return 0;
    },
  },
  {
    name: 'free_empty_sheaf',
    kind: 'hand model',
    contract: 'kfree() of the sheaf',
    run: (c, args) => PRIM.get('kfree')!.run(c, [args[1]]),
  },
];

/** The slab id of a page / folio reference (`page:N`). */
function pageOf(c: CCtx, name: string, p: CVal): string {
  if (!isRef(p) || splitRef(p).kind !== 'page')
    throw new ModelError(`not modelled: ${name}(${String(p)}) at line ${c.line + 1}`);
  return splitRef(p).id;
}

function cmpxchgFreelist(c: CCtx, pcp: CVal, oldRef: CVal, nu: CVal, oldValue?: CVal): CVal {
  if (!isRef(pcp) || !(pcp.startsWith('percpu:cpu_slab') || pcp.startsWith('kcc:')))
    throw new ModelError(`not modelled: cmpxchg on ${String(pcp)} at line ${c.line + 1}`);
  const cpu = pcp.startsWith('kcc:') ? Number(splitRef(pcp).id) : c.t.cpu;
  const k = `kcc:${cpu}`;
  let old: CVal = oldValue ?? null;
  if (oldValue === undefined) {
    if (!isRef(oldRef) || !oldRef.startsWith('local:'))
      throw new ModelError(`not modelled: cmpxchg old value ${String(oldRef)} at line ${c.line + 1}`);
    old = c.local(oldRef.slice(6));
  }
  if (!old || typeof old !== 'object' || !nu || typeof nu !== 'object')
    throw new ModelError(`not modelled: cmpxchg of a non-pair value at line ${c.line + 1}`);
  const cur = { freelist: c.heap.get(k, 'freelist', c.line), counter: c.heap.get(k, 'tid', c.line) };
  const tidOk = !c.env.switches.free_tid_check || cur.counter === old.counter;
  if (cur.freelist === (old.freelist ?? null) && tidOk) {
    c.heap.set(k, 'freelist', nu.freelist ?? null, c.line);
    c.heap.set(k, 'tid', nu.counter, c.line);
    c.emit(
      `cmpxchg(c->freelist${c.env.switches.free_tid_check ? ', c->tid' : ' (tid not compared)'}) on cpu${cpu} succeeds`,
    );
    return 1;
  }
  c.heap.write(`c:${cpu}`);
  if (oldValue === undefined) c.local(String(oldRef).slice(6), cur);
  c.emit(`cmpxchg on cpu${cpu} fails: c changed (tid ${String(old.counter)} → ${String(cur.counter)})`);
  return 0;
}

export const PRIM = new Map<string, CPrimitive>(PRIMS.map((p) => [p.name, p]));

/** Names of the primitives, by kind (for the server's resolution of callees, and the README). */
export function primitiveNames(kind?: CPrimitive['kind']): string[] {
  return PRIMS.filter((p) => !kind || p.kind === kind).map((p) => p.name);
}

export { CONSTANTS };
