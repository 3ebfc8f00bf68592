// Which kernel functions a scenario runs through: the functions and call stacks of the steps of
// a few seeded random executions. Callbacks (rcu_free_sheaf_nobarn after call_rcu()), work items
// and the phases named after the C they stand for (slab_free_hook) are included, which a static
// walk of the models' declared calls would miss. For hovers: "scenarios that reach it".

import { rng } from './explore';
import { Machine, ModelError } from './machine';
import { defaultRegistry } from './models';
import type { Scenario } from './scenario';
import { listScenarios, makeScenario } from './scenarios';

const MAX_STEPS = 10_000;

export function functionsReached(sc: Scenario, runs = 8, seed = 1): Set<string> {
  const m = new Machine(sc, sc.programs, defaultRegistry());
  const random = rng(seed);
  const out = new Set<string>();
  for (let r = 0; r < runs; r++) {
    let s = m.initial();
    for (let i = 0; i < MAX_STEPS; i++) {
      const en = m.enabled(s);
      if (!en.length) break;
      let next;
      try {
        next = m.step(s, en[Math.floor(random() * en.length)]);
      } catch (e) {
        if (e instanceof ModelError) break; // a model's own error ends this run; what it reached so far counts
        throw e;
      }
      for (const info of next.infos) {
        out.add(info.fn);
        for (const f of info.stack) out.add(f);
      }
      s = next.state;
    }
  }
  return out;
}

/** Kernel function → the built-in scenarios whose executions run through it, in scenario order. */
export function scenariosReaching(): Map<string, string[]> {
  const by = new Map<string, string[]>();
  for (const { id } of listScenarios()) {
    for (const fn of functionsReached(makeScenario(id))) {
      if (!by.has(fn)) by.set(fn, []);
      by.get(fn)!.push(id);
    }
  }
  return by;
}
