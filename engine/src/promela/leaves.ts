// The leaf models in Promela: one generator per modelled C function, each writing the same
// phases as its TypeScript model (engine/src/models/) as steps of the task's step machine.
// A phase is one atomic step; what the TypeScript phase computes, its Promela step computes on
// the encoded state (see encode.ts). Keep the two in step: the differential test against Spin
// (engine/test/promela.test.ts) is what notices when they drift.

import { W } from './encode';
import { ExportError } from './errors';
import type { Args, StepWriter as Gen, TaskCtx } from './task';

export type { Args };

/**
 * A leaf generator: defines the steps of one call and returns its entry code (what the step
 * before runs to start it). `k` continues after the call; `ret(v)` stores the result.
 */
export type LeafGen = (g: Gen, t: TaskCtx, a: Args, k: string, ret: (v: string) => string) => string;

export const returnToSlab = (o: string) => `sinuse[oslab[${o}]] = sinuse[oslab[${o}]] - 1; owhere[${o}] = ${W.slab}`;

/** A new sheaf (kernel: alloc_empty_sheaf); the bound is the export's, checked. */
const newSheaf = (g: Gen, into: string) => `assert(nsh < NSHEAF); ${into} = nsh; shn[nsh] = 0; nsh++`;

const push = (sh: string, o: string) => `shobj[${sh} * NOBJ + shn[${sh}]] = ${o}; shn[${sh}]++`;

/**
 * call_rcu(&sheaf->rcu_head, rcu_free_sheaf_nobarn) on `cpu` (models/common.ts callRcu): the
 * callback goes at the tail of its CPU's queue, named by its place there, not by a global count
 * (the order two CPUs queued in is not state, as the engine's key has it).
 */
export function callRcu(g: Gen, t: TaskCtx, cpu: string, sheaf: string): string {
  const j = t.v('j');
  const slot = `(${cpu} * QLEN + cbn[${cpu}])`;
  const readers = g.readers.map((_, r) => `cbrd[${slot} * NTHR + ${r}] = (rdepth[${r}] > 0 -> repoch[${r}] + 1 : 0)`);
  return [
    `assert(cbn[${cpu}] < QLEN)`,
    `cbq[${slot}] = ${sheaf}`,
    ...readers,
    `queued[${cpu}]++`,
    `${j} = 0; do :: ${j} < shn[${sheaf}] -> owhere[shobj[${sheaf} * NOBJ + ${j}]] = ${W.rcu_cb}; oarg[shobj[${sheaf} * NOBJ + ${j}]] = ${cpu}; ${j}++ :: else -> break od`,
    `${j} = 0`,
    `cbn[${cpu}]++`,
  ].join('; ');
}

/** Take the objects of a sheaf into the task's pending list (in order) and empty it. */
const takeSheaf = (t: TaskCtx, sh: string) => {
  const j = t.v('j');
  return `${j} = 0; do :: ${j} < shn[${sh}] -> ${t.v('pend')}[${t.v('np')}] = shobj[${sh} * NOBJ + ${j}]; ${t.v('np')}++; ${j}++ :: else -> break od; shn[${sh}] = 0`;
};

/** do_slab_free() on each object of the pending list, one call after the other, then `k`. */
function freeEach(g: Gen, t: TaskCtx, k: string): string {
  const pi = t.v('pi');
  const loop = g.token();
  const entry = g.call(
    'do_slab_free',
    t,
    { obj: `${t.v('pend')}[${pi}]` },
    `${pi}++; if :: ${pi} < ${t.v('np')} -> ${loop} :: else -> ${k} fi`,
    null,
  );
  g.patch(loop, entry);
  return `if :: ${t.v('np')} > 0 -> ${pi} = 0; ${entry} :: else -> ${k} fi`;
}

export const LEAVES: Record<string, LeafGen> = {
  // --- workqueues (models/workqueue.ts)
  queue_work_on: (g, t, a, k, ret) => {
    const w = `${a.work} * NCPU + ${a.cpu}`;
    // the item's kworker on that CPU (a process from the start, idle until wfn names its function) takes it
    // with CPU hotplug: kon[] is the CPU it runs on, and on an offline CPU an unbound worker on
    // one of the CPUs online now takes it (wunb[]: their mask; models/hotplug.ts unboundCandidates)
    const hp = g.hotplug
      ? `kon[${w}] = ${a.cpu}; wunb[${w}] = (online[${a.cpu}] -> 0 : ${g.cpus.map((c) => `(online[${c}] -> ${1 << c} : 0)`).join(' | ')}); `
      : '';
    const p = g.step(
      null,
      `if :: wpend[${w}] -> ${ret('0')} :: else -> wpend[${w}] = 1; wfn[${w}] = ${g.kworker(a.fn, a.work)}; ${hp}live++; ${ret('1')} fi; ${k}`,
    );
    return t.goto(p);
  },
  flush_work: (g, t, a, k) => t.goto(g.step(`!wpend[${a.work} * NCPU + ${a.cpu}]`, k)),

  // --- RCU (models/rcu.ts); rcu_do_batch is the rcu_core service itself (compile.ts)
  rcu_barrier: (g, t, a, k) => {
    const target = t.v('target');
    const p1 = g.step(g.cpus.map((c) => `completed[${c}] >= ${target}[${c}]`).join(' && ') || 'true', k);
    return t.goto(g.step(null, `${g.cpus.map((c) => `${target}[${c}] = queued[${c}]`).join('; ')}; ${t.goto(p1)}`));
  },
  rcu_read_lock: (g, t, a, k) => {
    const r = g.reader(t);
    return t.goto(g.step(null, `if :: rdepth[${r}] == 0 -> repoch[${r}]++ :: else -> skip fi; rdepth[${r}]++; ${k}`));
  },
  rcu_read_unlock: (g, t, a, k) => {
    const r = g.reader(t);
    return t.goto(g.step(null, `if :: rdepth[${r}] > 0 -> rdepth[${r}]-- :: else -> skip fi; ${k}`));
  },

  // --- sheaves (models/sheaves.ts)
  flush_rcu_sheaf: (g, t, a, k) => {
    const sh = t.v('sh');
    const p1 = g.step(null, `${callRcu(g, t, t.cpu, sh)}; ${k}`);
    return t.goto(
      g.step(
        null,
        `${sh} = prcu[${t.cpu}]; prcu[${t.cpu}] = NONE; if :: ${sh} == NONE -> ${k} :: else -> ${t.goto(p1)} fi`,
      ),
    );
  },
  rcu_free_sheaf_nobarn: (g, t, a, k) => {
    const sh = a.sheaf;
    const j = t.v('j');
    const o = `shobj[${sh} * NOBJ + ${j}]`;
    const p1 = g.step(null, `${t.v('np')} = 0; ${takeSheaf(t, sh)}; ${freeEach(g, t, k)}`);
    const hook = g.kasan
      ? `${j} = 0; do :: ${j} < shn[${sh}] -> owhere[${o}] = ${W.quarantine}; oarg[${o}] = ${t.cpu}; ${j}++ :: else -> break od; shn[${sh}] = 0; `
      : '';
    return t.goto(g.step(null, `${hook}${t.goto(p1)}`));
  },
  __kfree_rcu_sheaf: (g, t, a, k) => {
    const cpu = t.cpu;
    const sh = t.v('sh');
    const body = [
      `if :: prcu[${cpu}] == NONE -> ${newSheaf(g, `prcu[${cpu}]`)} :: else -> skip fi`,
      `${sh} = prcu[${cpu}]`,
      push(sh, a.obj),
      `owhere[${a.obj}] = ${W.rcu_free}; oarg[${a.obj}] = ${cpu}`,
      `if :: shn[${sh}] >= ${g.sc.cache.sheaf_capacity} -> prcu[${cpu}] = NONE; ${callRcu(g, t, cpu, sh)} :: else -> skip fi`,
      k,
    ];
    return t.goto(g.step(null, body.join('; ')));
  },
  pcs_flush_all: (g, t, a, k) => {
    const cpu = t.cpu;
    const take = (p: string) => `if :: ${p}[${cpu}] != NONE -> ${takeSheaf(t, `${p}[${cpu}]`)} :: else -> skip fi`;
    return t.goto(
      g.step(
        null,
        `${t.v('np')} = 0; ${take('pmain')}; ${take('pspare')}; pspare[${cpu}] = NONE; ${freeEach(g, t, k)}`,
      ),
    );
  },
  barn_shrink: (g, t, a, k) => {
    // Nothing puts a sheaf into the barn in these models, and export refuses a setup that does.
    return t.goto(g.step(null, k));
  },
  flush_cpu_slab: (g, t, a, k) => {
    const slab = g.call('flush_slab', t, {}, k, null);
    const then = g.sc.cache.cpu_sheaves ? g.call('pcs_flush_all', t, {}, slab, null) : slab;
    return t.goto(g.step(null, then));
  },
  flush_cpu_sheaves: (g, t, a, k) => t.goto(g.step(null, g.call('pcs_flush_all', t, {}, k, null))),

  // --- the pre-series cpu slab (models/cpuslab.ts)
  do_slab_free: (g, t, a, k) => {
    const cpu = t.cpu;
    const o = a.obj;
    const tid = t.v('tid');
    const fl = t.v('fl');
    const p0 = g.alloc();
    const tidOk = g.sc.switches.free_tid_check ? ` && ctid[${cpu}] == ${tid}` : '';
    const p1 = g.step(
      null,
      `if :: cfl[${cpu}] == ${fl}${tidOk} -> cfl[${cpu}] = cfl[${cpu}] | (1 << ${o}); ctid[${cpu}]++; owhere[${o}] = ${W.cpu_freelist}; oarg[${o}] = ${cpu}; ${k} :: else -> ${t.goto(p0)} fi`,
    );
    g.define(
      p0,
      null,
      `if :: cslab[${cpu}] != oslab[${o}] -> ${returnToSlab(o)}; ${k} :: else -> ${tid} = ctid[${cpu}]; ${fl} = cfl[${cpu}]; ${t.goto(p1)} fi`,
    );
    return t.goto(p0);
  },
  flush_slab: (g, t, a, k) => {
    const cpu = t.cpu;
    const irq = g.sc.switches.flush_slab_irqsave;
    const slab = t.v('slab');
    const fl = t.v('fl');
    const j = t.v('j');
    const p2 = g.step(
      null,
      `${j} = 0; do :: ${j} < NOBJ -> if :: (${fl} >> ${j}) & 1 -> owhere[${j}] = ${W.slab}; sinuse[${slab}]-- :: else -> skip fi; ${j}++ :: else -> break od; sfrozen[${slab}] = 0; ${k}`,
    );
    const p1 = g.step(
      null,
      `${j} = 0; do :: ${j} < NOBJ -> if :: ((cfl[${cpu}] >> ${j}) & 1) && !((${fl} >> ${j}) & 1) -> owhere[${j}] = ${W.lost} :: else -> skip fi; ${j}++ :: else -> break od; ` +
        `cslab[${cpu}] = NONE; cfl[${cpu}] = 0; ctid[${cpu}]++; ${irq ? `irq[${cpu}] = 0; ` : ''}${t.goto(p2)}`,
    );
    return t.goto(
      g.step(
        null,
        `if :: cslab[${cpu}] == NONE -> ${k} :: else -> ${irq ? `irq[${cpu}] = _pid + 1; ` : ''}${slab} = cslab[${cpu}]; ${fl} = cfl[${cpu}]; ${t.goto(p1)} fi`,
      ),
    );
  },
  kmem_cache_free: (g, t, a, k) => {
    const cpu = t.cpu;
    const o = a.obj;
    let path: string;
    if (g.kasan) path = `owhere[${o}] = ${W.quarantine}; oarg[${o}] = ${cpu}; ${k}`;
    else if (g.sc.cache.cpu_sheaves) {
      path = `if :: pmain[${cpu}] == NONE -> ${newSheaf(g, `pmain[${cpu}]`)} :: else -> skip fi; ${push(`pmain[${cpu}]`, o)}; owhere[${o}] = ${W.main}; oarg[${o}] = ${cpu}; ${k}`;
    } else path = g.call('do_slab_free', t, { obj: o }, k, null);
    return t.goto(
      g.step(
        null,
        `if :: owhere[${o}] != ${W.allocated} -> double_free = 1; assert(!double_free); ${k} :: else -> ${path} fi`,
      ),
    );
  },

  // --- cache shutdown (models/shutdown.ts)
  kasan_cache_shutdown: (g, t, a, k) => {
    if (!g.kasan) return t.goto(g.step(null, k));
    const j = t.v('j');
    return t.goto(
      g.step(
        null,
        `${j} = 0; do :: ${j} < NOBJ -> if :: owhere[${j}] == ${W.quarantine} -> ${returnToSlab(j)} :: else -> skip fi; ${j}++ :: else -> break od; ${k}`,
      ),
    );
  },
  free_partial: (g, t, a, k) => {
    const body = g.slabs.map(
      (s) =>
        `if :: sdisc[${s}] || sfrozen[${s}] -> skip :: else -> if :: sinuse[${s}] == 0 -> sdisc[${s}] = 1 :: sinuse[${s}] < sobjects[${s}] -> objects_remaining = 1; assert(!objects_remaining) :: else -> skip fi fi`,
    );
    return t.goto(g.step(null, [...body, k].join('; ')));
  },
  __kvfree_rcu_barrier: (g, t, a, k) => t.goto(g.step(null, k)),
};

/** Predicate functions (PredModel) as Promela expressions. */
export const PREDS: Record<string, (g: Gen, args: string[]) => string> = {
  cache_has_sheaves: (g) => (!g.sc.config.CONFIG_SLUB_TINY && g.sc.cache.sheaf_capacity > 0 ? 'true' : 'false'),
  slab_in_kunit_test: () => 'false',
  has_pcs_used: (g, [cpu]) => {
    if (!/^\d+$/.test(cpu ?? ''))
      throw new ExportError(`not exportable: has_pcs_used(${cpu ?? ''}) with the CPU known only at run time`);
    if (!g.sc.cache.cpu_sheaves || Number(cpu) >= g.sc.ncpus) return 'false';
    return `(pspare[${cpu}] != NONE || prcu[${cpu}] != NONE || (pmain[${cpu}] != NONE && shn[pmain[${cpu}]] > 0))`;
  },
  node_nr_slabs: (g) => (g.slabs.length ? `(${g.slabs.map((s) => `!sdisc[${s}]`).join(' || ')})` : 'false'),
};
