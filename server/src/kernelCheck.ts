// `slablens check <scenario> --kernel <dir>`: a built-in scenario (its setup, threads and
// configuration) run over the kernel tree's C: the orchestration programs extracted from it, and
// every other function on the scenario's paths interpreted from its body where the interpreter
// covers it; what is not is listed with the construct that blocks it.

import {
  builtinPrograms,
  check,
  CheckResult,
  ExploreOptions,
  makeScenario,
  ModelError,
  ORCHESTRATION,
  ProgramSet,
} from '../../engine/src';
import { Analyzer, extractOrchestrationReport, notModelledByFunction, NotModelled } from './analyzer';
import { fallBack, Interpretation, interpretPaths, pathRoots, trapWhy } from './analyzer/interpret';

export interface KernelCheck {
  result: CheckResult;
  interpretation: Interpretation;
  /** orchestration functions missing from the files: the built-in IR stands in */
  builtinFallback: string[];
  notModelled: Record<string, NotModelled[]>;
}

/** The orchestration programs from the files, built-in IR for the ones they lack. */
export function sourcePrograms(a: Analyzer): {
  programs: ProgramSet;
  builtinFallback: string[];
  notModelled: Record<string, NotModelled[]>;
  /** the cpuhp teardown callbacks the source registers (for --hotplug) */
  teardown: string[];
} {
  const { programs, extractions, teardown } = extractOrchestrationReport(a);
  const builtin = builtinPrograms();
  const builtinFallback: string[] = [];
  for (const fn of ORCHESTRATION) {
    if (programs[fn]) continue;
    programs[fn] = builtin[fn];
    builtinFallback.push(fn);
  }
  return { programs, builtinFallback, notModelled: notModelledByFunction(extractions), teardown };
}

/** Interpretation of the functions a scenario reaches, given its programs. */
export function interpretScenario(a: Analyzer, id: string, programs: ProgramSet, cpus?: number): Interpretation {
  return interpretPaths(a, pathRoots(makeScenario(id, { programs, cpus })));
}

/** The run reached a call neither interpreted nor modelled (the engine's "not modelled: call to X() in F at line N"). */
const TRAP = /^not modelled: call to (\w+)\(\) in (\w+) at line (\d+)/;

/**
 * Run the scenario over the interpreted bodies. A run that reaches a call neither interpreted nor
 * modelled makes its caller fall back to a hand model (reported, with the call), and runs again.
 */
export function checkFromKernel(
  a: Analyzer,
  id: string,
  o: {
    cpus?: number;
    config?: Record<string, boolean>;
    handModelsOnly?: boolean;
    /** a thread takes a CPU down (and up) at any point; the teardown callbacks are the source's */
    hotplug?: { cpu?: number; up?: boolean };
  },
  explore: ExploreOptions,
): KernelCheck {
  const { programs, builtinFallback, notModelled, teardown } = sourcePrograms(a);
  const hotplug = o.hotplug && { ...o.hotplug, teardown: teardown.length ? teardown : undefined };
  let interpretation = interpretScenario(a, id, programs, o.cpus);
  for (let round = 0; ; round++) {
    const sc = makeScenario(id, {
      cpus: o.cpus,
      programs,
      config: o.config,
      cfuncs: o.handModelsOnly ? undefined : interpretation.cfuncs,
      hotplug,
    });
    sc.source = 'extracted';
    sc.expect = undefined;
    try {
      return { result: check(sc, explore), interpretation, builtinFallback, notModelled };
    } catch (e) {
      if (!(e instanceof ModelError) || round > 20) throw e;
      const m = TRAP.exec(e.message);
      if (m && interpretation.cfuncs[m[2]])
        interpretation = fallBack(interpretation, m[2], trapWhy(interpretation, m[1], Number(m[3]) - 1));
      else if (e.at && interpretation.cfuncs[e.at.fn])
        // something else the model does not cover, met while running this body
        interpretation = fallBack(
          interpretation,
          e.at.fn,
          `${e.message.replace(/ at line \d+$/, '')}, met by the run in ${e.at.fn} at line ${e.at.line + 1}`,
        );
      else throw e;
    }
  }
}
