// Which part of the CLI a command line needs. dist/cli.js (cliEntry.ts) reads only this module
// before it loads one bundle: list, check, export and demo of the built-in scenarios run on the
// engine alone (dist/cliEngine.js, 0.3 MB); scenario files, kernel trees, mail and replay (a trace
// of a scenario file) need the analyzer, peggy and mailparser too (dist/cliFull.js, 3.4 MB), whose
// loading alone took longer than F2@8's search. So this module imports node's built-ins only.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

/** The shipped scenarios/ folder (next to dist/ in the package; the repo root from out/). */
export function scenariosDir(): string | undefined {
  let d = __dirname;
  for (let i = 0; i < 6; i++) {
    const c = path.join(d, 'scenarios');
    if (fs.existsSync(path.join(c, 'f1-kasan-nofix.litmus'))) return c;
    d = path.dirname(d);
  }
  return undefined;
}

/** The file of a built-in scenario id, if shipped. */
export function builtinScenarioFile(id: string): string | undefined {
  const dir = scenariosDir();
  if (!dir || !/^[\w.-]+$/.test(id)) return undefined;
  const f = path.join(dir, `${id}.litmus`);
  return fs.existsSync(f) ? f : undefined;
}

export const isScenarioPath = (p: string): boolean =>
  p.endsWith('.litmus') || (p.includes(path.sep) && fs.existsSync(p));

/**
 * `check` of a scenario file, or of a built-in id (its file in scenarios/) when neither --kernel
 * nor --cpus nor --hotplug asks for the built-in builder (which scales the setup to N CPUs, adds
 * the hotplug thread).
 */
export function scenarioRoute(args: string[]): 'file' | 'builtin' | undefined {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: false,
    options: {
      ...Object.fromEntries(
        [
          'kernel',
          'entry',
          'cpus',
          'strategy',
          'seed',
          'runs',
          'preemptions',
          'max-states',
          'trace-out',
          'token',
          'hotplug-cpu',
        ].map((k) => [k, { type: 'string' as const }]),
      ),
      hotplug: { type: 'boolean' },
      'hotplug-up': { type: 'boolean' },
      symmetry: { type: 'boolean' },
    },
  });
  const p = positionals[0];
  if (typeof p !== 'string') return undefined;
  if (isScenarioPath(p)) return 'file';
  // the scenario files have no hotplug thread: --hotplug asks for the built-in builder's
  const builder =
    values.kernel !== undefined ||
    values.cpus !== undefined ||
    values.entry !== undefined ||
    values.hotplug !== undefined ||
    values['hotplug-up'] !== undefined ||
    values['hotplug-cpu'] !== undefined;
  if (!builder && builtinScenarioFile(p)) return 'builtin';
  return undefined;
}

export const asksForKernel = (argv: string[]): boolean =>
  argv.some((a) => a === '--kernel' || a.startsWith('--kernel='));

/**
 * True when the engine's own command line (engine/src/cli.ts) runs `argv` exactly as the whole
 * CLI's main() would: it hands these to the engine's main, whose built-in scenarios need nothing
 * of the server (only `replay` takes the server's scenario files, to rebuild a trace's scenario).
 */
export function engineOnly(argv: string[]): boolean {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case undefined:
    case 'help':
    case '--help':
    case '-h':
    case 'list':
    case 'demo':
      return true;
    case 'check':
      return !asksForKernel(argv) && scenarioRoute(rest) === undefined;
    case 'export':
      return !asksForKernel(argv);
    default:
      return false;
  }
}
