// Simulation that follows the code: the orchestration IR comes from the C text the reviewer has
// open (extracted by the analyzer), the leaves from the engine's registry.

import {
  check,
  CFuncSet,
  CheckResult,
  ExploreOptions,
  makeScenario,
  ORCHESTRATION,
  ProgramSet,
  builtinPrograms,
} from '../../engine/src';
import type { Scenario } from '../../engine/src';
import type { SimulateParams } from '../../protocol/src';

export type { SimulateParams };

/**
 * The destroy scenario with the programs from the source: KASAN picks the F1 setup (objects in
 * rcu_free sheaves, CONFIG_KASAN=y), otherwise the F3 one. Orchestration functions missing from
 * the source fall back to the built-in IR, and the result says which ones did.
 */
export function simulateFromSource(
  extracted: ProgramSet,
  p: SimulateParams,
  o: Partial<ExploreOptions> = {},
  teardown: string[] = [],
  cfuncs?: CFuncSet,
): CheckResult & { builtinFallback: string[] } {
  const explore = {
    strategy: p.strategy ?? 'dpor',
    maxStates: p.maxStates,
    seed: p.seed,
    stopAtFirst: p.stopAtFirst,
    symmetry: p.symmetry,
    ...o,
  };
  // the cpuhp teardown callbacks found in the source, else the built-in slub_cpu_dead
  const hotplug = p.hotplug ? { teardown: teardown.length ? teardown : undefined } : undefined;
  if (p.builtin && p.scenario)
    return {
      ...check(makeScenario(p.scenario, { cpus: p.cpus, hotplug }), explore),
      builtinFallback: [...ORCHESTRATION],
    };
  const { scenario, builtinFallback } = scenarioFromSource(extracted, p, teardown, cfuncs);
  return { ...check(scenario, explore), builtinFallback };
}

/** The scenario simulateFromSource runs (also what `slablens export --kernel` writes as Promela). */
export function scenarioFromSource(
  extracted: ProgramSet,
  p: SimulateParams,
  teardown: string[] = [],
  cfuncs?: CFuncSet,
): { scenario: Scenario; builtinFallback: string[] } {
  const hotplug = p.hotplug ? { teardown: teardown.length ? teardown : undefined } : undefined;
  const builtin = builtinPrograms();
  const programs: ProgramSet = {};
  const builtinFallback: string[] = [];
  for (const fn of ORCHESTRATION) {
    if (extracted[fn]) programs[fn] = extracted[fn];
    else {
      programs[fn] = builtin[fn];
      builtinFallback.push(fn);
    }
  }
  const base = p.scenario ?? (p.kasan ? 'f1-kasan-nofix' : 'f3-nokasan-nofix');
  for (const fn of teardown) if (extracted[fn]) programs[fn] = extracted[fn];
  const sc = { ...makeScenario(base, { cpus: p.cpus ?? 2, programs, hotplug, cfuncs }), source: 'extracted' as const };
  sc.id = `${p.function ?? 'kmem_cache_destroy'}${p.kasan ? ' (KASAN)' : ''}`;
  sc.title = `kmem_cache_destroy() as written in the source, ${p.kasan ? 'CONFIG_KASAN=y' : 'CONFIG_KASAN=n'}${sc.hotplug ? `, cpu${sc.hotplug.cpu} goes offline (teardown: ${sc.hotplug.teardown.join(', ')})` : ''}`;
  sc.expect = undefined;
  return { scenario: sc, builtinFallback };
}

/**
 * Why no verdict may be drawn from these extractions (a function nested too deep to extract, or
 * whose extraction failed): its IR would be empty or partial, and an exploration of it would say
 * FAIL or PASS of code it never read.
 */
export function unsupportedIn(extractions: Record<string, { unsupported?: string }>): string | undefined {
  return Object.values(extractions).find((x) => x.unsupported)?.unsupported;
}
