// An imported trace is someone else's file. Before anything of it runs it is checked against a
// schema (zod) with limits on its size, and its scenario is rebuilt from the engine: a trace names
// a built-in scenario (or carries programs extracted from C for one), so an edited trace can claim
// neither another setup nor a verdict for another scenario. What replays is the rebuilt scenario.

import { isDeepStrictEqual } from 'node:util';
import type * as Zod from 'zod';
import type { ProgramSet } from './ir';
import type { Scenario } from './scenario';
import { makeScenario, MIN_CPUS, scenarioIds } from './scenarios';

/** makeScenario's own bound: more CPUs than this is no scenario the engine builds. */
export const MAX_CPUS = 16;
/** steps in a schedule: the longest counterexample of the built-in scenarios is under 200 */
export const MAX_SCHEDULE = 20_000;
/** IR nodes (objects and arrays) in the programs of a trace extracted from C */
export const MAX_PROGRAM_NODES = 200_000;
export const MAX_PROGRAM_DEPTH = 200;

const TASK = /^[A-Za-z0-9_][A-Za-z0-9_./:-]{0,63}$/;
const FUNCTION = /^[A-Za-z_]\w{0,63}$/;
/** a .litmus file's name (without the extension): letters, digits, "-", "_", "." */
const LITMUS_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
/** the id simulateFromSource gives a scenario with extracted programs: the function, "(KASAN)" */
const EXTRACTED_ID = /^[A-Za-z_]\w{0,63}( \(KASAN\))?$/;

/** The envelope's schema. zod (0.4 MB of the engine's 0.7 MB bundle) is loaded only when a trace is imported: `check` runs without it. */
function envelopeSchema() {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use (above)
  const { z } = require('zod') as typeof Zod;
  return z.looseObject({
    format: z.literal('slablens-trace'),
    version: z.literal(1),
    scenario: z.looseObject({
      id: z.string().min(1).max(100),
      ncpus: z.number().int().min(MIN_CPUS).max(MAX_CPUS),
      source: z.enum(['builtin', 'extracted']).optional(),
      setup: z.array(z.unknown()).max(1000),
      threads: z.array(z.unknown()).max(64),
      programs: z.record(z.string().regex(FUNCTION, 'a program is named by a C function name'), z.unknown()),
    }),
    schedule: z.array(z.string().regex(TASK, 'a schedule entry is a task name')).max(MAX_SCHEDULE),
  });
}
let envelope: ReturnType<typeof envelopeSchema> | undefined;

export class TraceSchemaError extends Error {}

/** The scenario (its IR above all) is plain JSON: bounded in nodes and depth, and no key that would reach a prototype. */
function irProblem(v: unknown): string | undefined {
  let nodes = 0;
  const walk = (x: unknown, depth: number, at: string): string | undefined => {
    if (x === null || typeof x !== 'object') return undefined;
    if (++nodes > MAX_PROGRAM_NODES) return `the scenario has more than ${MAX_PROGRAM_NODES} nodes`;
    if (depth > MAX_PROGRAM_DEPTH)
      return `the programs nest deeper than ${MAX_PROGRAM_DEPTH} levels (at ${at.slice(0, 80)}…)`;
    for (const [k, y] of Object.entries(x)) {
      if (k === '__proto__' || k === 'constructor' || k === 'prototype')
        return `the scenario has a key "${k}" (at ${at})`;
      const why = walk(y, depth + 1, `${at}.${k}`);
      if (why) return why;
    }
    return undefined;
  };
  return walk(v, 0, 'scenario');
}

const json = (x: unknown): unknown => JSON.parse(JSON.stringify(x));
const describeIssue = (i: Zod.z.core.$ZodIssue): string =>
  `${i.path.map(String).join('.') || '(the file)'}: ${i.message}`;

/** The scenario a built-in id (or a shipped .litmus file's name) runs as with `cpus` CPUs, when the caller can build it (the server lowers the file). */
export type BuiltinScenario = (id: string, cpus: number) => Scenario | undefined;

/**
 * The scenario and schedule to replay from an imported trace, or TraceSchemaError saying what in it
 * is refused. Nothing of the trace runs before this returns.
 */
export function checkImportedTrace(
  data: unknown,
  builtin?: BuiltinScenario,
): { scenario: Scenario; schedule: string[] } {
  const head = data as { format?: unknown; version?: unknown } | null;
  if (!head || typeof head !== 'object' || head.format !== 'slablens-trace')
    throw new TraceSchemaError('not a slablens trace (missing "format": "slablens-trace")');
  if (head.version !== 1)
    throw new TraceSchemaError(
      `trace version ${String(head.version).slice(0, 20)} not supported (this slablens reads version 1)`,
    );
  // bounded before anything walks it (zod and JSON.stringify recurse too; zod would drop a "__proto__" key unseen)
  const why = irProblem((data as { scenario?: unknown }).scenario);
  if (why) throw new TraceSchemaError(`the trace is refused: ${why}`);
  envelope ??= envelopeSchema();
  const r = envelope.safeParse(data);
  if (!r.success)
    throw new TraceSchemaError(`the trace is refused: ${r.error.issues.slice(0, 3).map(describeIssue).join('; ')}`);
  const t = r.data;
  const sc = t.scenario;
  const saved = json(sc) as Record<string, unknown>;
  if (sc.source === 'extracted') {
    if (!EXTRACTED_ID.test(sc.id))
      throw new TraceSchemaError(
        `the trace is refused: scenario id ${JSON.stringify(sc.id)} is not a function simulated from C`,
      );
    // the built-in scenario whose setup and threads it ran, with its programs from C
    const programs = sc.programs as ProgramSet;
    for (const base of scenarioIds()) {
      const rebuilt: Scenario = { ...makeScenario(base, { cpus: sc.ncpus, programs }), source: 'extracted' };
      const { id: _a, title: _b, expect: _c, ...mine } = json(rebuilt) as Record<string, unknown>;
      const { id: _d, title: _e, expect: _f, ...theirs } = saved;
      if (isDeepStrictEqual(mine, theirs))
        return {
          scenario: {
            ...rebuilt,
            id: sc.id,
            title: `${sc.id}: programs extracted from C, as the trace file carries them`,
            expect: undefined,
          },
          schedule: t.schedule,
        };
    }
    throw new TraceSchemaError(
      `the trace is refused: its setup, threads or configuration are not those of any built-in scenario with ${sc.ncpus} CPUs`,
    );
  }
  if (!scenarioIds().includes(sc.id) && !LITMUS_NAME.test(sc.id))
    throw new TraceSchemaError(
      `the trace is refused: unknown scenario id ${JSON.stringify(sc.id.slice(0, 100))} (known: ${scenarioIds().join(', ')}, or a .litmus file's name)`,
    );
  const rebuilt = scenarioIds().includes(sc.id) ? makeScenario(sc.id, { cpus: sc.ncpus }) : undefined;
  if (rebuilt && isDeepStrictEqual(json(rebuilt), saved)) return { scenario: rebuilt, schedule: t.schedule };
  // the built-ins run from their .litmus files: the scenario the file lowers to is the one to match
  const lowered = builtin?.(sc.id, sc.ncpus);
  if (lowered && isDeepStrictEqual(json(lowered), saved)) return { scenario: lowered, schedule: t.schedule };
  // a scenario from a .litmus file (the built-ins run from theirs too), or an edited one: it replays
  // as the trace carries it, within the limits above, and its title says so: never as the built-in
  const own = saved as unknown as Scenario;
  return {
    scenario: {
      ...own,
      title: `${String(own.title ?? sc.id).slice(0, 200)} (as the trace file carries it, not checked against a built-in scenario)`,
      expect: undefined,
    },
    schedule: t.schedule,
  };
}
