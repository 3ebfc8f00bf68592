// The `slablens` CLI: the engine's commands plus those that read kernel source through the
// analyzer (`index <dir>`, `check --kernel <dir> --entry kmem_cache_destroy`).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import {
  CHECK_OPTIONS,
  checkSearch,
  cliError,
  crashed,
  EXIT,
  exitFor,
  hotplugOption,
  int,
  main as engineMain,
  printCounterexample,
  resultJson,
  summary,
  writePromela,
} from '../../engine/src/cli';
import { inputFileProblem, Io, readInputFile, runAsProcess, stdio, UsageError, writeOutput } from '../../io/src';
import { DEFAULT_INDEX_SETTINGS } from '../../protocol/src/settings';
import { Analyzer, extractOrchestrationReport, notModelledByFunction, SLAB_FILES } from './analyzer';
import { scenarioFromSource, simulateFromSource, unsupportedIn } from './simulate';
import { checkFromKernel, interpretScenario, sourcePrograms } from './kernelCheck';
import { NOT_IN_TREE, type Interpretation } from './analyzer/interpret';
import type { ExploreOptions } from '../../engine/src';
import { cmdSeries } from './series/cli';
import { cmdLint } from './lint';
import { builtinScenario, cmdCheckScenario } from './litmus/cli';
import { asksForKernel, scenarioRoute } from './cliRoute';

/** Index the slab files of a kernel tree (those that exist; at least one must). */
function load(
  dir: string,
  maxFileBytes = DEFAULT_INDEX_SETTINGS.maxFileBytes,
): { analyzer: Analyzer; files: string[] } {
  // a one-shot command: the index is the full trees' at once (no skeleton first, see analyzer/skeleton.ts)
  const analyzer = new Analyzer({ lazyBodies: false });
  const files: string[] = [];
  for (const rel of SLAB_FILES) {
    const f = path.join(dir, rel);
    if (!fs.existsSync(f)) continue;
    // the server's cap (slablens.maxFileBytes) and its refusal of FIFOs and devices
    const why = inputFileProblem(f, maxFileBytes);
    if (why)
      throw new UsageError(
        `${f}: ${why}${/over the limit/.test(why) ? ' (slablens.maxFileBytes; --max-file-bytes N reads it)' : ''}`,
      );
    const buf = readInputFile(f, '', maxFileBytes);
    const text = new TextDecoder('utf-8', { fatal: false }).decode(buf);
    analyzer.update(f, text);
    files.push(f);
  }
  if (!files.length) throw new UsageError(`${dir}: no mm/slab_common.c, mm/slub.c or mm/slab.h found`);
  return { analyzer, files };
}

function cmdIndex(args: string[], io: Io): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { json: { type: 'boolean' }, 'max-file-bytes': { type: 'string' } },
  });
  if (positionals.length !== 1) throw new UsageError('index takes one kernel directory');
  const cap = values['max-file-bytes'];
  if (cap !== undefined && !/^[1-9]\d*$/.test(cap))
    throw new UsageError(`--max-file-bytes must be a positive integer, got '${cap}'`);
  const { analyzer, files } = load(positionals[0], cap === undefined ? undefined : Number(cap));
  const fns = analyzer.functions();
  const edges = fns.flatMap((f) =>
    f.calls.map((c) => ({ caller: f.name, callee: c.callee, line: c.range.start.line + 1, viaPointer: c.viaPointer })),
  );
  if (values.json) {
    io.out(
      JSON.stringify(
        {
          version: 1,
          files,
          functions: fns.map((f) => ({
            name: f.name,
            file: f.uri,
            line: f.selectionRange.start.line + 1,
            static: f.isStatic,
            signature: f.signature,
          })),
          edges,
        },
        null,
        1,
      ),
    );
  } else {
    for (const file of files) io.out(`${file}: ${fns.filter((f) => f.uri === file).length} functions`);
    io.out(`${fns.length} functions, ${edges.length} call edges`);
  }
  return 0;
}

/** The --config NAME=y|n options as a config map. */
function configOf(list: string[] | undefined): Record<string, boolean> {
  const config: Record<string, boolean> = {};
  for (const c of list ?? []) {
    const m = /^(?:CONFIG_)?([A-Z0-9_]+)=(y|n)$/.exec(c);
    if (!m) throw new UsageError(`--config ${c}: expected NAME=y or NAME=n`);
    config[`CONFIG_${m[1]}`] = m[2] === 'y';
  }
  return config;
}

/** `export --kernel DIR --entry kmem_cache_destroy --promela FILE`: the IR from the C text as a Promela model. */
function cmdExportKernel(args: string[], io: Io): number {
  const { values } = parseArgs({
    args,
    options: {
      kernel: { type: 'string' },
      entry: { type: 'string' },
      config: { type: 'string', multiple: true },
      cpus: { type: 'string' },
      promela: { type: 'string' },
      hotplug: { type: 'boolean' },
    },
  });
  const entry = values.entry ?? 'kmem_cache_destroy';
  if (entry !== 'kmem_cache_destroy')
    throw new UsageError(`--entry ${entry}: only kmem_cache_destroy is exported from source so far`);
  if (values.cpus !== undefined && !/^\d+$/.test(values.cpus))
    throw new UsageError(`--cpus must be an integer ≥ 2, got '${values.cpus}'`);
  const config = configOf(values.config);
  const { analyzer } = load(values.kernel!);
  const { programs, extractions, teardown } = extractOrchestrationReport(analyzer);
  const { scenario, builtinFallback } = scenarioFromSource(
    programs,
    {
      function: entry,
      kasan: !!config.CONFIG_KASAN,
      cpus: values.cpus ? Number(values.cpus) : 2,
      hotplug: !!values.hotplug,
    },
    teardown,
  );
  const code = writePromela(scenario, values.promela, io);
  if (builtinFallback.length) io.out(`  not found in the source, built-in IR used: ${builtinFallback.join(', ')}`);
  for (const [fn, list] of Object.entries(notModelledByFunction(extractions)))
    for (const n of list) io.out(`  not modelled in ${fn} (line ${n.line + 1}): ${n.call}: ${n.reason}`);
  return code;
}

/** `check --kernel` on code the extraction could not read: no verdict, exit 3. */
function reportUnsupported(io: Io, entry: string, kernel: string, unsupported: string, json: boolean): number {
  if (json)
    io.out(
      JSON.stringify(
        { version: 1, verdict: 'incomplete', reason: `unsupported: ${unsupported}`, entry, kernel },
        null,
        1,
      ),
    );
  else io.out(`${entry} from ${kernel}: UNSUPPORTED, no verdict\n  ${unsupported}`);
  return EXIT.incomplete;
}

/** What the hotplug thread does, as the scenario's title says it ("cpu1 goes offline …"). */
function hotplugWords(title: string): string {
  const at = title.search(/cpu\d+ goes offline/);
  if (at < 0) return title;
  let w = title.slice(at);
  // the title may close a parenthesis it opened before the words: drop what the words do not open
  while (w.endsWith(')') && (w.match(/\)/g) ?? []).length > (w.match(/\(/g) ?? []).length) w = w.slice(0, -1);
  return w;
}

/** The options of `check --kernel`: check's own (the search flags checked alike) and the tree's. */
const KERNEL_CHECK_OPTIONS = {
  ...CHECK_OPTIONS,
  kernel: { type: 'string' },
  entry: { type: 'string' },
  config: { type: 'string', multiple: true },
} as const;

/** The text form of `check --kernel`'s verdict. */
function printKernelVerdict(
  io: Io,
  r: ReturnType<typeof simulateFromSource>,
  run: { entry: string; kernel: string; kasan: boolean; hotplug: boolean },
  notModelled: ReturnType<typeof notModelledByFunction>,
  interpretation: ReturnType<typeof interpretScenario>,
): void {
  const what = `${run.entry} from ${run.kernel} (${run.kasan ? 'CONFIG_KASAN=y' : 'CONFIG_KASAN=n'}${run.hotplug ? `, hotplug: ${hotplugWords(r.title)}` : ''})`;
  io.out(summary(r, what));
  if (r.builtinFallback.length) io.out(`  not found in the source, built-in IR used: ${r.builtinFallback.join(', ')}`);
  for (const [fn, list] of Object.entries(notModelled))
    for (const n of list) io.out(`  not modelled in ${fn} (line ${n.line + 1}): ${n.call}: ${n.reason}`);
  printInterpretation(io, interpretation);
  printCounterexample(io, r);
}

function cmdCheckKernel(args: string[], io: Io): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: KERNEL_CHECK_OPTIONS,
  });
  if (positionals.length > 1) throw new UsageError('check takes one scenario id (see `slablens list`)');
  const search = checkSearch(values);
  const cpus = int('cpus', values.cpus, 2);
  // checked for both forms (--hotplug-cpu and --hotplug-up need --hotplug)
  const hotplug = hotplugOption(values);
  if (positionals.length === 1) return checkScenarioKernel(positionals[0], { ...values, cpus, hotplug }, search, io);
  if (hotplug && (hotplug.cpu !== undefined || hotplug.up))
    throw new UsageError(
      '--hotplug-cpu and --hotplug-up go with a scenario id (`check <scenario> --kernel DIR --hotplug …`); --entry takes the last CPU down',
    );
  const entry = values.entry ?? 'kmem_cache_destroy';
  if (entry !== 'kmem_cache_destroy')
    throw new UsageError(`--entry ${entry}: only kmem_cache_destroy is simulated from source so far`);
  const config = configOf(values.config);
  const { analyzer } = load(values.kernel!);
  const { programs, extractions, teardown } = extractOrchestrationReport(analyzer);
  const unsupported = unsupportedIn(extractions);
  // never a verdict from code that was not read: incomplete (exit 3), with the note
  if (unsupported) return reportUnsupported(io, entry, values.kernel!, unsupported, !!values.json);
  const interpretation = interpretScenario(
    analyzer,
    config.CONFIG_KASAN ? 'f1-kasan-nofix' : 'f3-nokasan-nofix',
    sourcePrograms(analyzer).programs,
    cpus ?? 2,
  );
  const r = simulateFromSource(
    programs,
    { function: entry, kasan: !!config.CONFIG_KASAN, cpus: cpus ?? 2, hotplug: !!values.hotplug },
    search,
    teardown,
    interpretation.cfuncs,
  );
  const notModelled = notModelledByFunction(extractions);
  if (values['trace-out'] && r.trace)
    writeOutput(values['trace-out'], JSON.stringify(r.trace, null, 1) + '\n', '--trace-out');
  if (values.json)
    io.out(
      JSON.stringify(
        {
          ...resultJson(r),
          entry,
          kernel: values.kernel,
          builtinFallback: r.builtinFallback,
          notModelled,
          ...interpretationJson(interpretation),
        },
        null,
        1,
      ),
    );
  else
    printKernelVerdict(
      io,
      r,
      { entry, kernel: values.kernel!, kasan: !!config.CONFIG_KASAN, hotplug: !!values.hotplug },
      notModelled,
      interpretation,
    );
  return exitFor(r.verdict);
}

const interpretationJson = (i: Interpretation) => ({
  interpreted: i.interpreted,
  handModels: i.handModels,
  primitives: i.primitives,
  unmodelledCalls: i.traps,
});

function printInterpretation(io: Io, i: Interpretation): void {
  io.out(`  interpreted from the C: ${i.interpreted.length} functions (${i.interpreted.join(', ')})`);
  io.out(`  hand models: ${i.handModels.length}${i.handModels.length ? '' : ' (none)'}`);
  for (const h of i.handModels)
    io.out(
      `    ${h.name}: ${h.reason}${h.fallback === 'none' ? ' — no model stands in for it' : ` — ${h.fallback} used`}`,
    );
  const absent = i.handModels.filter((h) => h.reason === NOT_IN_TREE).map((h) => h.name);
  if (absent.length)
    io.out(
      `  WARNING: this tree has no ${absent.join(', ')}: the scenario runs the hand model${absent.length > 1 ? 's' : ''} in ${absent.length > 1 ? 'their' : 'its'} place, so the verdict is about ${absent.length > 1 ? 'those models' : 'that model'} there, not this tree's C (is the scenario meant for another tree?)`,
    );
}

/** `check <scenario> --kernel <dir>`: a built-in scenario over the tree's C. */
function checkScenarioKernel(
  id: string,
  values: {
    kernel?: string;
    cpus?: number;
    json?: boolean;
    'trace-out'?: string;
    config?: string[];
    hotplug?: { cpu?: number; up?: boolean };
  },
  search: ExploreOptions,
  io: Io,
): number {
  const config = configOf(values.config);
  const cpus = values.cpus;
  const { analyzer } = load(values.kernel!);
  const unsupported = unsupportedIn(extractOrchestrationReport(analyzer).extractions);
  if (unsupported) {
    // never a verdict from code that was not read: incomplete (exit 3), with the note
    if (values.json)
      io.out(
        JSON.stringify(
          {
            version: 1,
            verdict: 'incomplete',
            reason: `unsupported: ${unsupported}`,
            scenario: id,
            kernel: values.kernel,
          },
          null,
          1,
        ),
      );
    else io.out(`${id} from ${values.kernel}: UNSUPPORTED, no verdict\n  ${unsupported}`);
    return EXIT.incomplete;
  }
  const k = checkFromKernel(analyzer, id, { cpus, config, hotplug: values.hotplug }, search);
  const r = k.result;
  if (values['trace-out'] && r.trace)
    writeOutput(values['trace-out'], JSON.stringify(r.trace, null, 1) + '\n', '--trace-out');
  if (values.json) {
    io.out(
      JSON.stringify(
        {
          ...resultJson(r),
          kernel: values.kernel,
          builtinFallback: k.builtinFallback,
          notModelled: k.notModelled,
          ...interpretationJson(k.interpretation),
        },
        null,
        1,
      ),
    );
    return exitFor(r.verdict);
  }
  io.out(summary(r, `${id} from ${values.kernel}${values.hotplug ? ` (hotplug: ${hotplugWords(r.title)})` : ''}`));
  if (k.builtinFallback.length) io.out(`  not found in the source, built-in IR used: ${k.builtinFallback.join(', ')}`);
  printInterpretation(io, k.interpretation);
  printCounterexample(io, r);
  return exitFor(r.verdict);
}

export { crashed };

export function main(argv: string[], io: Io = stdio): number | Promise<number> {
  // reading mail is asynchronous (mailparser): `series` returns a promise
  if (argv[0] === 'series') return cmdSeries(argv.slice(1), io).catch((e) => cliError(e, io));
  try {
    if (argv[0] === 'index') return cmdIndex(argv.slice(1), io);
    if (argv[0] === 'lint') return cmdLint(argv.slice(1), io);
    if (argv[0] === 'check') {
      const route = scenarioRoute(argv.slice(1));
      if (route) return cmdCheckScenario(argv.slice(1), io, route === 'builtin');
    }
    const kernel = asksForKernel(argv);
    if (argv[0] === 'check' && kernel) return cmdCheckKernel(argv.slice(1), io);
    if (argv[0] === 'export' && kernel) return cmdExportKernel(argv.slice(1), io);
  } catch (e) {
    return cliError(e, io);
  }
  return engineMain(argv, io, builtinScenario);
}

// dist/cliFull.js, which dist/cli.js loads for what the engine alone cannot run, runs as a process too
if (require.main === module) runAsProcess(main, crashed);
