// The CLI as the user runs it: whole `node dist/cli.js …` processes (wall time and peak RSS), the
// same commands through dist/cliFull.js (the whole CLI in one bundle, as dist/cli.js was before it loaded
// only the engine for the built-in scenarios), and `node -e 0` (node's own start), in one run.
// issue 15's target "F2 at 8 CPUs under 1 s, in under 150 MB" is about this process.

import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const PRELOAD = path.join(__dirname, 'rssAtExit.js');

export interface CliRun {
  wallMs: number;
  rssMB: number;
  /** the search's own time and states, from check's summary line */
  searchMs?: number;
  states?: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** One whole process: `node <args>`, peak RSS from the preload. */
function runOnce(args: string[]): CliRun {
  const t0 = process.hrtime.bigint();
  const p = spawnSync(process.execPath, ['--require', PRELOAD, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
  });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  if (p.status !== 0 && p.status !== 1) throw new Error(`bench: node ${args.join(' ')}: exit ${p.status}: ${p.stderr}`);
  const rss = JSON.parse(String(p.output[3])) as { maxRssKB: number };
  const out: CliRun = { wallMs, rssMB: rss.maxRssKB / 1024 };
  // check's summary line: "  dpor: 298 states, …, 547 ms"
  const m = /: (\d+) states, .*, (\d+) ms$/m.exec(p.stdout);
  if (m) {
    out.states = Number(m[1]);
    out.searchMs = Number(m[2]);
  }
  return out;
}

/** Medians of `runs` processes, the variants taking turns (the machine's load treats them alike). */
export function measureCli(variants: Record<string, string[]>, runs: number): Record<string, CliRun> {
  const all: Record<string, CliRun[]> = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (let i = 0; i < runs; i++) for (const [k, args] of Object.entries(variants)) all[k].push(runOnce(args));
  const pick = (xs: (number | undefined)[]) => (xs[0] === undefined ? undefined : median(xs as number[]));
  return Object.fromEntries(
    Object.entries(all).map(([k, rs]) => [
      k,
      {
        wallMs: median(rs.map((r) => r.wallMs)),
        rssMB: median(rs.map((r) => r.rssMB)),
        searchMs: pick(rs.map((r) => r.searchMs)),
        states: rs[0].states,
      },
    ]),
  );
}

/** what the user runs: the text output (--json adds the trace of a pass, a replay of 129 steps) */
export const F2_AT_8 = ['check', 'f2-kasan-fix', '--cpus', '8'];

/** Prints the rows and the F2@8 target line; returns the figures (for the JSON lines). */
export function cliSection(runs: number): Record<string, CliRun> {
  const cli = path.join('dist', 'cli.js');
  const full = path.join('dist', 'cliFull.js');
  const r = measureCli(
    {
      'node -e 0': ['-e', '0'],
      'list (cli.js)': [cli, 'list'],
      'list (cliFull.js)': [full, 'list'],
      'F2@8 check (cli.js)': [cli, ...F2_AT_8],
      'F2@8 check (cliFull.js)': [full, ...F2_AT_8],
    },
    runs,
  );
  const load = os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');
  console.log(
    `\nthe CLI as the user runs it: whole processes (node dist/…), median of ${runs}, in turns; load ${load}`,
  );
  console.log(`${'command'.padEnd(26)} ${'wall ms'.padStart(8)} ${'peak MB'.padStart(8)} ${'search ms'.padStart(9)}`);
  for (const [k, v] of Object.entries(r))
    console.log(
      `${k.padEnd(26)} ${v.wallMs.toFixed(0).padStart(8)} ${v.rssMB.toFixed(0).padStart(8)} ${(v.searchMs === undefined ? '' : String(v.searchMs)).padStart(9)}`,
    );
  const ratio = (a: string, b: string) => (r[a].wallMs / r[b].wallMs).toFixed(2);
  console.log(
    `cli.js / cliFull.js (wall): list ${ratio('list (cli.js)', 'list (cliFull.js)')}, F2@8 ${ratio('F2@8 check (cli.js)', 'F2@8 check (cliFull.js)')}`,
  );
  const f2 = r['F2@8 check (cli.js)'];
  console.log(
    `target F2 @8 (node dist/cli.js ${F2_AT_8.join(' ')}, whole process): < 1 s and < 150 MB: ${f2.states} states, ${f2.wallMs.toFixed(0)} ms, ${f2.rssMB.toFixed(0)} MB ${f2.wallMs < 1000 && f2.rssMB < 150 ? 'met' : 'NOT met'} (node -e 0: ${r['node -e 0'].wallMs.toFixed(0)} ms)`,
  );
  return r;
}
