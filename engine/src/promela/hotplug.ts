// CPU hotplug in Promela (models/hotplug.ts): takedown_cpu(), bringup_cpu() and slub's cpuhp
// teardown __pcs_flush_all_cpu(). The encoding: online[cpu]; a thread that may run on the dead
// CPU keeps its CPU in a variable; a work item's kworker runs on kon[item] (an unbound worker,
// wunb[item] the mask of candidate CPUs, picks one when its CPU was offline); a callback moved to
// the control CPU keeps in cbqon (its CPU + 1) where rcu_barrier() counts it.

import { callRcu, returnToSlab, type LeafGen } from './leaves';

const mask = (cpus: number[]) => cpus.map((c) => `(online[${c}] -> ${1 << c} : 0)`).join(' | ');

export const HOTPLUG_LEAVES: Record<string, LeafGen> = {
  takedown_cpu: (g, t, a, k) => {
    const hp = g.hotplug!;
    const dead = a.cpu;
    const ctrl = t.cpu;
    const j = t.v('j');
    const item = `${j} * NCPU + ${dead}`;
    const tail = `(${ctrl} * QLEN + cbn[${ctrl}])`;
    const from = `(${dead} * QLEN + ${j})`;
    const moveCb = [
      `cbq[${tail}] = cbq[${from}]`,
      `cbqon[${tail}] = (cbqon[${from}] == 0 -> ${dead} + 1 : cbqon[${from}])`,
      ...g.readers.map((_, r) => `cbrd[${tail} * NTHR + ${r}] = cbrd[${from} * NTHR + ${r}]`),
      `cbq[${from}] = 0; cbqon[${from}] = 0`,
      ...g.readers.map((_, r) => `cbrd[${from} * NTHR + ${r}] = 0`),
      `cbn[${ctrl}]++`,
    ].join('; ');
    const body = [
      `online[${dead}] = 0`,
      // its threads move to the control CPU
      ...g.movers.map((m) => `if :: ${m.pc} != 0 && ${m.cpu} == ${dead} -> ${m.cpu} = ${ctrl} :: else -> skip fi`),
      // its work: not started yet, left to an unbound worker on a CPU online now; started, moves
      `${j} = 0; do :: ${j} < NWORK -> if :: wpend[${item}] && wfn[${item}] != 0 && wunb[${item}] == 0 -> wunb[${item}] = ${mask(g.cpus)} :: else -> skip fi; ${j}++ :: else -> break od`,
      `${j} = 0; do :: ${j} < NWORK * NCPU -> if :: wpend[${j}] && wfn[${j}] == 0 && kon[${j}] == ${dead} -> kon[${j}] = ${ctrl} :: else -> skip fi; ${j}++ :: else -> break od`,
      // its callbacks join the control CPU's queue, behind its own (rcutree_migrate_callbacks)
      `assert(cbn[${ctrl}] + cbn[${dead}] <= QLEN)`,
      `${j} = 0; do :: ${j} < cbn[${dead}] -> ${moveCb}; ${j}++ :: else -> break od; cbn[${dead}] = 0; ${j} = 0`,
      k,
    ];
    if (Number(dead) !== hp.dead) throw new Error(`takedown_cpu(${dead}) of a CPU the scenario does not take down`);
    return t.goto(g.step(`irq[${dead}] == 0`, body.join('; ')));
  },
  bringup_cpu: (g, t, a, k) => t.goto(g.step(null, `online[${a.cpu}] = 1; ${k}`)),
  __pcs_flush_all_cpu: (g, t, a, k) => {
    const cpu = a.cpu;
    const j = t.v('j');
    const back = (p: string) =>
      `if :: ${p}[${cpu}] != NONE -> ${j} = 0; do :: ${j} < shn[${p}[${cpu}]] -> ${returnToSlab(`shobj[${p}[${cpu}] * NOBJ + ${j}]`)}; ${j}++ :: else -> break od; shn[${p}[${cpu}]] = 0; ${j} = 0 :: else -> skip fi`;
    const rcu = `if :: prcu[${cpu}] != NONE -> ${t.v('sh')} = prcu[${cpu}]; prcu[${cpu}] = NONE; ${callRcu(g, t, t.cpu, t.v('sh'))} :: else -> skip fi`;
    return t.goto(g.step(null, `${back('pmain')}; ${back('pspare')}; pspare[${cpu}] = NONE; ${rcu}; ${k}`));
  },
};
