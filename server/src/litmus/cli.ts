// `slablens check <file.litmus> [--kernel DIR] [--json]`, and the built-in ids run as their files
// in scenarios/. Exit codes for a file: 0 the observation is the expected Result, 1 it is not,
// 2 a bad file or usage, 3 incomplete (the limits stopped the exploration before it could tell).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import {
  CHECK_OPTIONS,
  EXIT,
  exitFor,
  int,
  printTrace,
  resultJson,
  searchOptions,
  symmetryLine,
} from '../../../engine/src/cli';
import { Io, readInputFile, UsageError, writeOutput } from '../../../io/src';
import { DEFAULT_INDEX_SETTINGS } from '../../../protocol/src/settings';
import { LitmusCheckResult, Scenario } from '../../../engine/src';
import { Analyzer, extractOrchestrationReport, SLAB_FILES } from '../analyzer';
import { Diagnostic } from './ast';
import { firstError, loadScenarioFile, LoadedScenario, runScenario } from './index';
import { builtinScenarioFile } from '../cliRoute';

/** A built-in id (a shipped .litmus file's name) as its file lowers with `cpus` CPUs: what a replayed trace of it must carry. */
export function builtinScenario(id: string, cpus: number): Scenario | undefined {
  const file = builtinScenarioFile(id);
  const l = file ? loadScenarioFile(file) : undefined;
  return l?.lowered && !firstError(l) && l.lowered.scenario.ncpus === cpus ? l.lowered.scenario : undefined;
}

const showDiag = (file: string, d: Diagnostic) => `${file}:${d.line}:${d.column}: ${d.severity}: ${d.message}`;

/** The orchestration programs from a kernel tree's C (the built-in IR for any not found there). */
export function kernelPrograms(dir: string) {
  const analyzer = new Analyzer({ lazyBodies: false });
  let n = 0;
  for (const rel of SLAB_FILES) {
    const f = path.join(dir, rel);
    if (!fs.existsSync(f)) continue;
    // the server's cap (slablens.maxFileBytes) and its refusal of FIFOs and devices
    analyzer.update(
      f,
      new TextDecoder('utf-8', { fatal: false }).decode(
        readInputFile(f, 'kernel file', DEFAULT_INDEX_SETTINGS.maxFileBytes),
      ),
    );
    n++;
  }
  if (!n) throw new UsageError(`${dir}: no mm/slab_common.c, mm/slub.c or mm/slab.h found`);
  return extractOrchestrationReport(analyzer);
}

/** The --json shape of a scenario file's run (resultJson plus the clause's observation). */
export function litmusJson(file: string, r: LitmusCheckResult, l: LoadedScenario, seed?: number) {
  const x = r.litmus;
  return {
    ...resultJson(r, seed),
    file,
    litmus: {
      clause: x.clause,
      quantifier: x.quantifier,
      observation: x.observation ?? null,
      holds: x.holds,
      executions: x.total,
      ok: x.ok ?? null,
      expected: x.expected ?? null,
      matches: x.matches ?? null,
      witness: x.witness ? { schedule: x.witness.schedule, steps: x.witness.steps } : null,
    },
    warnings: l.diagnostics.filter((d) => d.severity === 'warning'),
  };
}

/** The words of a run for people: herd7's Observation line, the expectation, the engine's verdict. */
export function litmusSummary(name: string, r: LitmusCheckResult): string[] {
  const x = r.litmus;
  const out = [`Test ${name}: ${x.clause}`];
  if (x.observation)
    out.push(
      `  Observation ${name} ${x.observation} ${x.holds} ${x.total - x.holds}  (the clause holds in ${x.holds} of ${x.total} executions explored by ${r.strategy}${r.strategy === 'dpor' ? ', one per class of equivalent interleavings' : ''})`,
    );
  else
    out.push(
      `  Observation: undecided — ${r.message ?? 'the exploration stopped'} (the clause held in ${x.holds} of ${x.total} executions it finished)`,
    );
  if (x.expected)
    out.push(
      `  Expected ${x.expected}: ${x.matches === undefined ? 'cannot tell (incomplete)' : x.matches ? 'matches' : `MISMATCH (observed ${x.observation})`}`,
    );
  else out.push('  Expected: no (* Result: … *) comment');
  out.push(`  ${r.verdict.toUpperCase()}${r.property ? ` (${r.property})` : ''}${r.message ? `: ${r.message}` : ''}`);
  out.push(
    `  ${r.strategy}: ${r.states} states, ${r.transitions} transitions, ${r.executions} interleavings, ${r.elapsedMs} ms`,
  );
  const sym = symmetryLine(r);
  if (sym) out.push(sym);
  return out;
}

/** Exit code of a file run: the expectation decides; without one, herd7's Ok / No. */
export function litmusExit(r: LitmusCheckResult): number {
  const x = r.litmus;
  if (x.observation === undefined) return EXIT.incomplete;
  if (x.expected) return x.matches ? EXIT.pass : EXIT.fail;
  return x.ok ? EXIT.pass : EXIT.fail;
}

const OPTIONS = { ...CHECK_OPTIONS, kernel: { type: 'string' } } as const;

/**
 * `check <file.litmus>` — or a built-in id (`asBuiltin`): its file is run, and the exit code is the
 * engine's verdict, as it was before the built-ins were files.
 */
export function cmdCheckScenario(args: string[], io: Io, asBuiltin = false): number {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: OPTIONS });
  if (positionals.length !== 1)
    throw new UsageError('check takes one scenario file (or a built-in id, see `slablens list`)');
  const o = searchOptions(values);
  const { strategy } = o;
  const file = asBuiltin ? builtinScenarioFile(positionals[0])! : positionals[0];
  const programs = values.kernel ? kernelPrograms(values.kernel).programs : undefined;
  const l = loadScenarioFile(file, { programs });
  const err = firstError(l);
  if (err || !l.lowered) {
    io.err(`slablens: ${showDiag(file, err ?? l.diagnostics[0])}`);
    return EXIT.usage;
  }
  const cpus = int('cpus', values.cpus, 2);
  if (cpus !== undefined && cpus !== l.lowered.scenario.ncpus) {
    throw new UsageError(
      `--cpus ${cpus}: ${file} is written for ${l.lowered.scenario.ncpus} CPUs (its threads and init block; NR_CPUS=N in the init block sets more)`,
    );
  }
  if (!values.json) for (const w of l.diagnostics) io.err(showDiag(file, w));
  const r = runScenario(l.lowered, o);
  // the trace to keep: the engine's counterexample when a property failed, else where the clause held
  const trace = r.verdict === 'fail' ? r.trace : (r.litmus.witness ?? r.trace);
  if (values['trace-out'] && trace)
    writeOutput(values['trace-out'], JSON.stringify(trace, null, 1) + '\n', '--trace-out');
  if (values.json)
    io.out(
      JSON.stringify(litmusJson(file, r, l, strategy === 'random' || strategy === 'pct' ? o.seed : undefined), null, 1),
    );
  else {
    io.out(`${l.lowered.scenario.id}: ${file}${values.kernel ? ` (programs from ${values.kernel})` : ''}`);
    for (const line of litmusSummary(l.lowered.scenario.id, r)) io.out(line);
    if (trace && (r.verdict === 'fail' || r.litmus.witness)) {
      io.out(
        r.verdict === 'fail'
          ? `  shortest counterexample found (${trace.schedule.length} steps):`
          : `  shortest execution where the clause holds (${trace.schedule.length} steps):`,
      );
      printTrace(io, trace);
      if (trace.token) io.out(`  replay: slablens replay --token ${trace.token}`);
    }
    if (values['trace-out'] && trace) io.out(`  trace written to ${values['trace-out']}`);
  }
  return asBuiltin ? exitFor(r.verdict) : litmusExit(r);
}
