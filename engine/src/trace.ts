// Traces: versioned JSON that carries its scenario, so a saved trace replays on its own, and a
// compact replay token (like shuttle's schedule strings) for built-in scenarios.

import { Machine, ModelError, StepInfo } from './machine';
import { Footprint, orderedAfter } from './model';
import { defaultRegistry } from './models';
import type { Scenario } from './scenario';
import { makeScenario } from './scenarios';
import { BuiltinScenario, checkImportedTrace, TraceSchemaError } from './traceSchema';
import { flatView, State } from './state';

export const TRACE_FORMAT = 'slablens-trace';
export const TRACE_VERSION = 1;

/** One step of a trace. A softirq callback is one scheduling step with several sub-steps (`sub`). */
export interface TraceStep {
  step: number;
  sub: number;
  thread: string;
  cpu: number;
  context: StepInfo['ctx'];
  function: string;
  stack: string[];
  anchor?: StepInfo['anchor'];
  /** the statement of the thread's own body the step is under (a scenario file's P line) */
  origin?: StepInfo['origin'];
  event: string;
  warnings: string[];
  violation?: StepInfo['violation'];
  changes?: StepInfo['changes'];
  /**
   * Vector clock of the scheduling step (thread → count), from the steps' footprints as the
   * explorer sees them: step a happens before step b iff b.clock[a.thread] >= a.clock[a.thread].
   */
  clock?: Record<string, number>;
}

const toStep = (step: number, sub: number, i: StepInfo): TraceStep => ({
  step,
  sub,
  thread: i.task,
  cpu: i.cpu,
  context: i.ctx,
  function: i.fn,
  stack: i.stack,
  anchor: i.anchor,
  ...(i.origin ? { origin: i.origin } : {}),
  event: i.event,
  warnings: i.warnings,
  violation: i.violation,
  changes: i.changes,
});

export interface Trace {
  format: typeof TRACE_FORMAT;
  version: number;
  scenario: Scenario;
  verdict: 'pass' | 'fail' | 'incomplete';
  property?: string;
  message?: string;
  schedule: string[];
  token: string | null;
  violationStep?: number;
  steps: TraceStep[];
  /** the allocator state before the first step and after the last */
  initial: Record<string, string>;
  final: Record<string, string>;
  warnings: string[];
}

export class TraceError extends Error {}

export function machineFor(sc: Scenario): Machine {
  return new Machine(sc, sc.programs, defaultRegistry());
}

/** Re-execute a schedule, recording every step. Throws TraceError when it does not fit. */
export function replaySchedule(sc: Scenario, schedule: string[]): { steps: TraceStep[]; initial: State; final: State } {
  const m = machineFor(sc);
  const initial = m.initial();
  let s = initial;
  const steps: TraceStep[] = [];
  const done: { task: string; fp: Footprint; clock: Record<string, number> }[] = [];
  schedule.forEach((task, i) => {
    if (!m.enabled(s).includes(task)) {
      throw new TraceError(
        `replay diverged at step ${i}: task ${task} cannot run there (runnable: ${m.enabled(s).join(', ') || 'none'})`,
      );
    }
    const fp = m.footprint(s, m.task(s, task)) ?? { r: [], w: [] };
    const clock: Record<string, number> = {};
    for (const e of done) {
      if (e.task !== task && !orderedAfter(e.fp, fp)) continue;
      for (const [t, n] of Object.entries(e.clock)) clock[t] = Math.max(clock[t] ?? 0, n);
    }
    clock[task] = (clock[task] ?? 0) + 1;
    done.push({ task, fp, clock });
    const r = m.step(s, task, true);
    r.infos.forEach((info, sub) => steps.push({ ...toStep(i, sub, info), clock }));
    s = r.state;
  });
  if (m.enabled(s).length)
    throw new TraceError(
      `replay ended after ${schedule.length} steps but tasks can still run: ${m.enabled(s).join(', ')}`,
    );
  m.finalCheck(s);
  return { steps, initial, final: s };
}

export function buildTrace(sc: Scenario, schedule: string[], verdict: Trace['verdict']): Trace {
  const { steps, initial, final } = replaySchedule(sc, schedule);
  const v = final.violation;
  return {
    format: TRACE_FORMAT,
    version: TRACE_VERSION,
    scenario: sc,
    verdict,
    property: v?.property,
    message: v?.message,
    schedule,
    token: encodeToken(sc, schedule),
    violationStep: v ? v.step : undefined,
    steps,
    initial: flatView(initial),
    final: flatView(final),
    warnings: final.warnings,
  };
}

/** Check and load a parsed trace file. */
export function readTrace(data: unknown): Trace {
  const t = data as Partial<Trace>;
  if (!t || typeof t !== 'object' || t.format !== TRACE_FORMAT)
    throw new TraceError('not a slablens trace (missing "format": "slablens-trace")');
  if (t.version !== TRACE_VERSION)
    throw new TraceError(
      `trace version ${String(t.version)} not supported (this slablens reads version ${TRACE_VERSION})`,
    );
  if (
    !t.scenario ||
    typeof t.scenario !== 'object' ||
    !Array.isArray(t.schedule) ||
    !t.schedule.every((x) => typeof x === 'string')
  ) {
    throw new TraceError('trace is missing its scenario or schedule');
  }
  return t as Trace;
}

/** Re-run a saved trace or a token from its schedule: the verdict is what the replay reaches. */
export function replayTrace(from: { trace: unknown } | { token: string }, builtin?: BuiltinScenario): Trace {
  let t: Trace;
  if ('token' in from) {
    const { scenario, schedule } = decodeToken(from.token);
    t = buildTrace(scenario, schedule, 'pass');
  } else {
    // checked against the schema and rebuilt from the engine before any of it runs
    let checked;
    try {
      checked = checkImportedTrace(from.trace, builtin);
    } catch (e) {
      if (e instanceof TraceSchemaError) throw new TraceError(e.message);
      throw e;
    }
    t = buildTrace(checked.scenario, checked.schedule, 'pass');
  }
  t.verdict = t.property ? 'fail' : 'pass';
  return t;
}

// Token: <scenario>~<cpus>~<base64url of varint choice indices into the sorted runnable set>.

const b64 = (bytes: number[]) => Buffer.from(bytes).toString('base64url');

export function encodeToken(sc: Scenario, schedule: string[]): string | null {
  if (sc.source === 'extracted') return null; // programs come from C text: only the trace file replays them
  if (sc.hotplug) return null; // the hotplug thread is not in the token's scenario: the trace file replays it
  const m = machineFor(sc);
  let s = m.initial();
  const bytes: number[] = [];
  for (const task of schedule) {
    let i = m.enabled(s).indexOf(task);
    if (i < 0) return null;
    do {
      bytes.push((i & 0x7f) | (i > 0x7f ? 0x80 : 0));
      i >>>= 7;
    } while (i > 0);
    s = m.step(s, task).state;
  }
  return `${sc.id}~${sc.ncpus}~${b64(bytes)}`;
}

export function decodeToken(token: string): { scenario: Scenario; schedule: string[] } {
  const parts = token.trim().split('~');
  if (parts.length !== 3 || !/^\d+$/.test(parts[1]) || !/^[A-Za-z0-9_-]*$/.test(parts[2])) {
    throw new TraceError(`malformed replay token (expected <scenario>~<cpus>~<schedule>)`);
  }
  let scenario: Scenario;
  try {
    scenario = makeScenario(parts[0], { cpus: Number(parts[1]) });
  } catch (e) {
    throw new TraceError(`replay token: ${(e as Error).message}`);
  }
  const bytes = [...Buffer.from(parts[2], 'base64url')];
  const m = machineFor(scenario);
  let s = m.initial();
  const schedule: string[] = [];
  for (let k = 0; k < bytes.length;) {
    let i = 0;
    let shift = 0;
    for (;;) {
      if (k >= bytes.length) throw new TraceError('replay token is truncated');
      const b = bytes[k++];
      i |= (b & 0x7f) << shift;
      shift += 7;
      if (!(b & 0x80)) break;
    }
    const en = m.enabled(s);
    if (i >= en.length)
      throw new TraceError(`replay token does not fit scenario ${scenario.id} at step ${schedule.length}`);
    schedule.push(en[i]);
    try {
      s = m.step(s, en[i]).state;
    } catch (e) {
      if (e instanceof ModelError) throw new TraceError(e.message);
      throw e;
    }
  }
  return { scenario, schedule };
}
