// `slablens` command line over the engine API: list, check, replay, demo.
// Exit codes: 0 pass, 1 property violated, 2 usage or input error, 3 incomplete, 70 internal error.

import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { Io, makeDirs, readInputFile, stdio, UsageError, writeOutput } from '../../io/src';
import { check, CheckResult } from './check';
import { ModelError } from './machine';
import { ExploreOptions, STRATEGIES, Strategy } from './explore';
import { listScenarios, makeScenario, scenarioIds, UnknownScenario } from './scenarios';
import { replayTrace, Trace, TraceError } from './trace';
import { symmetryText } from './symmetryText';
import type { BuiltinScenario } from './traceSchema';
import { ExportError, exportPromela } from './promela';
import type { Scenario } from './scenario';
import { shellCommand } from './shell';

/** A saved trace file is read whole: larger than this is no trace slablens wrote. */
export const MAX_TRACE_BYTES = 64 << 20;

/** crash: an error slablens did not expect (a bug), never a verdict; 70 is sysexits' EX_SOFTWARE */
export const EXIT = { pass: 0, fail: 1, usage: 2, incomplete: 3, crash: 70 } as const;

const USAGE = `usage:
  slablens list [--json]
  slablens check <scenario> [--cpus N] [--strategy ${STRATEGIES.join('|')}] [--seed S] [--runs N]
                 [--preemptions K] [--max-states N] [--stop-at-first] [--stateless]
                 [--symmetry] [--json] [--trace-out FILE]
  slablens replay <trace.json> [--json]
  slablens replay --token <token> [--json]
  slablens demo [--cpus N] [--trace-dir DIR]
  slablens export <scenario> [--cpus N] [--hotplug [--hotplug-cpu N] [--hotplug-up]] --promela FILE
  slablens export --kernel DIR [--entry kmem_cache_destroy] [--config KASAN=y] [--cpus N] --promela FILE`;

export function int(name: string, v: string | undefined, min: number): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min) throw new UsageError(`--${name} must be an integer ≥ ${min}, got '${v}'`);
  return Number(v);
}

/** The search options of a `check`, read from CHECK_OPTIONS' flags: the strategy (checked), seed, runs, bounds. */
export function searchOptions(values: {
  strategy?: string;
  seed?: string;
  runs?: string;
  preemptions?: string;
  'max-states'?: string;
  symmetry?: boolean;
}): ExploreOptions & { strategy: Strategy } {
  const strategy = (values.strategy ?? 'dpor') as Strategy;
  if (!STRATEGIES.includes(strategy))
    throw new UsageError(`unknown strategy '${values.strategy}' (one of ${STRATEGIES.join(', ')})`);
  return {
    strategy,
    seed: int('seed', values.seed, 0) ?? 1,
    runs: int('runs', values.runs, 1),
    preemptions: int('preemptions', values.preemptions, 0),
    maxStates: int('max-states', values['max-states'], 1),
    ...(values.symmetry ? { symmetry: true } : {}),
  };
}

/** What --symmetry covered, in one line (none when it was not asked for). */
export function symmetryLine(r: Pick<CheckResult, 'symmetry'>): string | undefined {
  return r.symmetry ? `  symmetry: ${symmetryText(r.symmetry)}` : undefined;
}

export function exitFor(verdict: string): number {
  return verdict === 'pass' ? EXIT.pass : verdict === 'fail' ? EXIT.fail : EXIT.incomplete;
}

/** The --json shape of a check (versioned). */
export function resultJson(r: CheckResult, seed?: number) {
  return {
    version: 1,
    scenario: r.scenario,
    verdict: r.verdict,
    property: r.property ?? null,
    message: r.message ?? null,
    reason: r.reason ?? null,
    strategy: r.strategy,
    seed: seed ?? null,
    ncpus: r.ncpus,
    config: r.config,
    states: r.states,
    transitions: r.transitions,
    pruned: r.pruned,
    executions: r.executions,
    outcomes: r.outcomes,
    failing: r.failing,
    elapsedMs: r.elapsedMs,
    schedule: r.schedule,
    token: r.trace?.token ?? null,
    violationStep: r.violationStep ?? null,
    stoppedAtFirst: r.stoppedAtFirst ?? false,
    shortened: r.shortened ?? null,
    symmetry: r.symmetry ?? null,
    trace: r.trace?.steps ?? [],
  };
}

/** A check's verdict and what it explored, in a few lines (the same for built-ins and `--kernel`). */
export function summary(
  r: Pick<
    CheckResult,
    | 'verdict'
    | 'property'
    | 'message'
    | 'states'
    | 'transitions'
    | 'executions'
    | 'failing'
    | 'outcomes'
    | 'elapsedMs'
    | 'strategy'
    | 'stoppedAtFirst'
    | 'symmetry'
  >,
  scenario: string,
): string {
  const head = `${scenario}: ${r.verdict.toUpperCase()}${r.property ? ` (${r.property})` : ''}`;
  const failing = r.stoppedAtFirst
    ? 'stopped at the first failing one (--stop-at-first; drop it to count them all)'
    : `${r.failing} failing`;
  const stats = `${r.strategy}: ${r.states} states, ${r.transitions} transitions, ${r.executions} interleavings (${failing}), ${r.outcomes} distinct outcomes, ${r.elapsedMs} ms`;
  return [head, r.message ? `  ${r.message}` : '', `  ${stats}`, symmetryLine(r)].filter(Boolean).join('\n');
}

export function printTrace(io: Io, t: Trace): void {
  for (const s of t.steps) {
    const mark = s.violation ? '  <-- ' + s.violation.property : '';
    io.out(
      `  ${String(s.step).padStart(3)}${s.sub ? '.' + s.sub : '  '} cpu${s.cpu} ${s.thread.padEnd(28)} ${s.function.padEnd(26)} ${s.event}${mark}`,
    );
    for (const w of s.warnings) io.out(`        WARNING: ${w}`);
  }
}

/** A fail's trace, said as what it is (shortened first counterexample, or the shortest found), and its replay command. */
export function printCounterexample(
  io: Io,
  r: Pick<CheckResult, 'verdict' | 'trace' | 'shortened' | 'schedule'>,
): void {
  if (r.verdict !== 'fail' || !r.trace) return;
  const sh = r.shortened;
  io.out(
    sh
      ? `  first counterexample, shortened from ${sh.from} to ${sh.to} context switches (violation at step ${sh.stepsTo}; ${r.schedule.length} steps):`
      : `  shortest counterexample found (${r.schedule.length} steps):`,
  );
  printTrace(io, r.trace);
  if (r.trace.token) io.out(`  replay: ${shellCommand(['slablens', 'replay', '--token', r.trace.token])}`);
}

/** Every search flag of `check` (strategy checked, numbers checked, --stop-at-first, --stateless, --symmetry). */
export function checkSearch(
  values: Parameters<typeof searchOptions>[0] & { 'stop-at-first'?: boolean; stateless?: boolean },
): ExploreOptions & { strategy: Strategy } {
  return { ...searchOptions(values), stopAtFirst: values['stop-at-first'], stateless: values.stateless };
}

/** The options of `check` (a scenario file's check takes these and --kernel). */
export const CHECK_OPTIONS = {
  cpus: { type: 'string' },
  strategy: { type: 'string' },
  seed: { type: 'string' },
  runs: { type: 'string' },
  preemptions: { type: 'string' },
  'max-states': { type: 'string' },
  json: { type: 'boolean' },
  'trace-out': { type: 'string' },
  hotplug: { type: 'boolean' },
  'hotplug-cpu': { type: 'string' },
  'hotplug-up': { type: 'boolean' },
  'stop-at-first': { type: 'boolean' },
  stateless: { type: 'boolean' },
  symmetry: { type: 'boolean' },
} as const;

/** --hotplug [--hotplug-cpu N] [--hotplug-up]: a thread that takes a CPU down (and up) at any point. */
export function hotplugOption(v: {
  hotplug?: boolean;
  'hotplug-cpu'?: string;
  'hotplug-up'?: boolean;
}): { cpu?: number; up: boolean } | undefined {
  if (!v.hotplug && (v['hotplug-cpu'] !== undefined || v['hotplug-up']))
    throw new UsageError('--hotplug-cpu and --hotplug-up go with --hotplug');
  if (!v.hotplug) return undefined;
  return { cpu: int('hotplug-cpu', v['hotplug-cpu'], 0), up: !!v['hotplug-up'] };
}

function cmdCheck(args: string[], io: Io): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: CHECK_OPTIONS,
  });
  if (positionals.length !== 1) throw new UsageError('check takes one scenario id (see `slablens list`)');
  const o = checkSearch(values);
  const { strategy } = o;
  const sc = makeScenario(positionals[0], { cpus: int('cpus', values.cpus, 2), hotplug: hotplugOption(values) });
  // a pass's trace is shown only in --json and --trace-out
  const r = check(sc, o, { passTrace: !!(values.json || values['trace-out']) });
  if (values['trace-out'] && r.trace)
    writeOutput(values['trace-out'], JSON.stringify(r.trace, null, 1) + '\n', '--trace-out');
  if (values.json)
    io.out(JSON.stringify(resultJson(r, strategy === 'random' || strategy === 'pct' ? o.seed : undefined), null, 1));
  else {
    io.out(summary(r, sc.id));
    printCounterexample(io, r);
    if (values['trace-out'] && r.trace) io.out(`  trace written to ${values['trace-out']}`);
  }
  return exitFor(r.verdict);
}

function cmdReplay(args: string[], io: Io, builtin?: BuiltinScenario): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { token: { type: 'string' }, json: { type: 'boolean' } },
  });
  let t: Trace;
  if (values.token !== undefined) {
    if (positionals.length) throw new UsageError('replay takes a trace file or --token, not both');
    t = replayTrace({ token: values.token });
  } else {
    if (positionals.length !== 1) throw new UsageError('replay takes one trace file (or --token <token>)');
    // a trace is at most a few MB: a FIFO, a device or a huge file is refused before it is read
    let text: string;
    try {
      text = readInputFile(positionals[0], 'trace', MAX_TRACE_BYTES).toString('utf8');
    } catch (e) {
      // an input that cannot be read is one line (exit 2), not the usage text after it
      throw e instanceof UsageError ? new TraceError(e.message) : e;
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      throw new TraceError(`${positionals[0]} is not valid JSON (a corrupt or truncated trace file)`);
    }
    t = replayTrace({ trace: data }, builtin);
  }
  const verdict = t.verdict;
  if (values.json) {
    io.out(
      JSON.stringify(
        {
          version: 1,
          scenario: t.scenario.id,
          verdict,
          property: t.property ?? null,
          message: t.message ?? null,
          steps: t.schedule.length,
          token: t.token,
          trace: t.steps,
        },
        null,
        1,
      ),
    );
  } else {
    io.out(
      `${t.scenario.id}: replayed ${t.schedule.length} steps: ${verdict.toUpperCase()}${t.property ? ` (${t.property})` : ''}`,
    );
    // which scenario ran: a trace not equal to its built-in one says so here (its title), never under the built-in's name alone
    io.out(`  ${t.scenario.title}`);
    if (t.message) io.out(`  ${t.message}`);
    printTrace(io, t);
  }
  return exitFor(verdict);
}

function cmdList(args: string[], io: Io): number {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean' } } });
  const l = listScenarios();
  if (values.json) io.out(JSON.stringify(l, null, 1));
  else for (const s of l) io.out(`${s.id.padEnd(32)} ${s.fact}  expect ${s.expect.padEnd(4)}  ${s.title}`);
  return 0;
}

function cmdDemo(args: string[], io: Io): number {
  const { values } = parseArgs({ args, options: { cpus: { type: 'string' }, 'trace-dir': { type: 'string' } } });
  const cpus = int('cpus', values.cpus, 2) ?? 2;
  const dir = values['trace-dir'] ?? path.join('.slablens', 'traces');
  io.out(
    `slablens demo: facts F1–F5 of "[PATCH RFC v2 01/20] mm/slab: add rcu_barrier() to kvfree_rcu_barrier_on_cache()", ${cpus} CPUs, dpor`,
  );
  io.out('');
  io.out(
    `${'scenario'.padEnd(32)} ${'fact'.padEnd(4)} ${'verdict'.padEnd(8)} ${'expected'.padEnd(8)} ${'property'.padEnd(18)} ${'states'.padStart(8)} ${'ms'.padStart(6)}`,
  );
  let worst = 0;
  let f1: string | null = null;
  for (const s of listScenarios()) {
    const r = check(makeScenario(s.id, { cpus }), { strategy: 'dpor' }, { passTrace: s.id === 'f1-kasan-nofix' });
    const ok = r.verdict === s.expect;
    if (!ok) worst = 1;
    io.out(
      `${s.id.padEnd(32)} ${s.fact.padEnd(4)} ${r.verdict.padEnd(8)} ${s.expect.padEnd(8)} ${(r.property ?? '-').padEnd(18)} ${String(r.states).padStart(8)} ${String(r.elapsedMs).padStart(6)}${ok ? '' : '  MISMATCH'}`,
    );
    if (s.id === 'f1-kasan-nofix' && r.trace) {
      f1 = path.join(dir, 'f1-kasan-nofix.json');
      makeDirs(dir);
      writeOutput(f1, JSON.stringify(r.trace, null, 1) + '\n', '--trace-dir');
    }
  }
  io.out('');
  if (f1)
    io.out(
      `F1 counterexample trace written to ${f1}\n  replay it: ${shellCommand(['node', 'dist/cli.js', 'replay', f1])}`,
    );
  return worst;
}

/** Write a scenario's Promela model (the --promela file) and say how to check it. */
export function writePromela(sc: Scenario, file: string | undefined, io: Io): number {
  if (!file) throw new UsageError('export needs --promela FILE (the model to write)');
  const text = exportPromela(sc);
  writeOutput(file, text, '--promela');
  io.out(`${sc.id}, ${sc.ncpus} CPUs: wrote ${file} (${text.split('\n').length} lines of Promela)`);
  io.out(
    `  check it with Spin: spin -a ${shellCommand([path.basename(file)])} && gcc -O2 -DSAFETY -DVECTORSZ=8192 -o pan pan.c && ./pan -m1000000`,
  );
  return 0;
}

function cmdExport(args: string[], io: Io): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      cpus: { type: 'string' },
      promela: { type: 'string' },
      hotplug: { type: 'boolean' },
      'hotplug-cpu': { type: 'string' },
      'hotplug-up': { type: 'boolean' },
    },
  });
  if (positionals.length !== 1)
    throw new UsageError('export takes one scenario id (see `slablens list`), or --kernel DIR');
  const sc = makeScenario(positionals[0], { cpus: int('cpus', values.cpus, 2), hotplug: hotplugOption(values) });
  return writePromela(sc, values.promela, io);
}

/**
 * Usage and input errors become one line on stderr and exit 2. Anything else is a bug: one line
 * saying so and exit 70 (EXIT.crash), so that no script reads a crash as a verdict.
 */
export function cliError(e: unknown, io: Io, usage = ''): number {
  const err = e as Error & { code?: string };
  if (e instanceof UsageError || err.code?.startsWith('ERR_PARSE_ARGS')) {
    io.err(`slablens: ${err.message}${usage ? '\n' + usage : ''}`);
    return EXIT.usage;
  }
  const overflow = e instanceof RangeError && /call stack/i.test(err.message);
  if (
    !overflow &&
    (e instanceof TraceError ||
      e instanceof RangeError ||
      e instanceof UnknownScenario ||
      e instanceof ModelError ||
      e instanceof ExportError)
  ) {
    io.err(`slablens: ${err.message}`);
    return EXIT.usage;
  }
  return crashed(e, io);
}

/** The one line of an unexpected error, and its exit code. */
export function crashed(e: unknown, io: Io): number {
  const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  io.err(`slablens: internal error, not a verdict (exit ${EXIT.crash}): ${msg.split('\n')[0]}`);
  return EXIT.crash;
}

/** `builtin`: how the built-in scenarios are built from their .litmus files (the server's CLI passes it). */
export function main(argv: string[], io: Io = stdio, builtin?: BuiltinScenario): number {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'list':
        return cmdList(rest, io);
      case 'check':
        return cmdCheck(rest, io);
      case 'replay':
        return cmdReplay(rest, io, builtin);
      case 'demo':
        return cmdDemo(rest, io);
      case 'export':
        return cmdExport(rest, io);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(USAGE);
        return cmd === undefined ? EXIT.usage : 0;
      default:
        throw new UsageError(`unknown command '${cmd}'`);
    }
  } catch (e) {
    return cliError(e, io, USAGE);
  }
}

export { scenarioIds };
