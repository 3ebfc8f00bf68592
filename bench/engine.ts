// npm run bench:engine — the search techniques side by side, per scenario and CPU count, in one
// run: naive (every reachable state once), dpor stateless (Flanagan–Godefroid + sleep sets),
// dpor stateful (the default: + state cache), --stop-at-first, and --symmetry alone (naive) and
// with dpor (stateful). Each measurement is a whole
// child process (wall time, peak RSS), median of RUNS runs. Prints a table, the targets, then
// one JSON line per measurement. Figures only: nothing here asserts a time.
//
//   npm run bench:engine                      the default cases
//   npm run bench:engine -- f1-kasan-nofix:2-6 RUNS=5 NAIVE_LIMIT=30000
//   ONLY_INTERP=1 npm run bench:engine       only the interpreted-C vs hand-model sections (the
//                                            per-tree one reads SLABLENS_KERNEL(_PRESERIES))
//   ONLY_CLI=1 npm run bench:engine          only the CLI processes (list, F2@8; cli.js against cliFull.js)
//
// The server (tree-sitter) is loaded only by the interpreted-C section: a child that runs one
// search loads the engine alone, as `node dist/cli.js check` does.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { explore, ExploreOptions, machineFor, makeScenario, scenarioIds } from '../engine/src';
import { ExportError, exportPromela } from '../engine/src/promela';
import { buildPan, PanResult, runPan, spinAvailable } from '../engine/test/spin';
import { cliSection } from './cliProcess';
import { interpretedPerTree } from './interpTrees';

const RUNS = Number(process.env.RUNS ?? 3);
const NAIVE_LIMIT = Number(process.env.NAIVE_LIMIT ?? 30_000);
const LIMIT = Number(process.env.DPOR_LIMIT ?? 2_000_000);
const SPIN_TIMEOUT_MS = Number(process.env.SPIN_TIMEOUT_MS ?? 120_000);
const tools = spinAvailable();
const SPIN = process.env.SPIN !== '0' && tools.spin && tools.gcc;

interface SpinRow {
  full: PanResult;
  first: PanResult;
  /** spin -a + gcc -O2 + pan (full search), ms */
  pipelineMs: number;
}

/** Spin on the exported model: pan full (-c0: past errors), pan to its first error, and the whole pipeline. */
function spin(id: string, cpus: number): SpinRow {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slablens-bench-spin-'));
  try {
    const b = buildPan(exportPromela(makeScenario(id, { cpus })), dir, '-O2');
    const runs = (all: boolean) => {
      const rs = Array.from({ length: RUNS }, () =>
        runPan(dir, { all, hashBits: 24, depth: 100_000, timeoutMs: SPIN_TIMEOUT_MS }),
      );
      const m = rs[0];
      return { ...m, ms: median(rs.map((r) => r.ms)), memMB: median(rs.map((r) => r.memMB)) };
    };
    const full = runs(true);
    const first = runs(false);
    return { full, first, pipelineMs: b.spinMs + b.ccMs + full.ms };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

interface One {
  verdict: string;
  states: number;
  transitions: number;
  executions: number;
  failing: number;
  complete: boolean;
  searchMs: number;
  wallMs: number;
  rssMB: number;
}

/** Child mode: run one search, print its figures as JSON. */
function child(arg: string): void {
  const { id, cpus, o } = JSON.parse(arg) as { id: string; cpus: number; o: ExploreOptions };
  const r = explore(machineFor(makeScenario(id, { cpus })), o);
  const out = {
    verdict: r.verdict,
    states: r.states,
    transitions: r.transitions,
    executions: r.executions,
    failing: r.failing,
    complete: r.reason === undefined || !!r.stoppedAtFirst,
    searchMs: r.elapsedMs,
    rssMB: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(JSON.stringify(out) + '\n');
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function measure(id: string, cpus: number, o: ExploreOptions, runs = RUNS): One {
  const all: One[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const p = spawnSync(process.execPath, [__filename, '--one', JSON.stringify({ id, cpus, o })], {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    });
    const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
    if (p.status !== 0) throw new Error(`bench child failed: ${p.stderr}`);
    all.push({ ...(JSON.parse(p.stdout) as One), wallMs });
  }
  const m = all[0];
  return {
    ...m,
    searchMs: median(all.map((a) => a.searchMs)),
    wallMs: median(all.map((a) => a.wallMs)),
    rssMB: median(all.map((a) => a.rssMB)),
  };
}

type Technique = { name: string; o: ExploreOptions; naive?: boolean };
const TECHNIQUES: Technique[] = [
  { name: 'naive', o: { strategy: 'naive', maxStates: NAIVE_LIMIT }, naive: true },
  { name: 'dpor stateless', o: { strategy: 'dpor', stateless: true, maxStates: LIMIT } },
  { name: 'dpor stateful', o: { strategy: 'dpor', maxStates: LIMIT } },
  { name: 'first cex', o: { strategy: 'dpor', stopAtFirst: true, maxStates: LIMIT } },
  { name: 'naive symmetry', o: { strategy: 'naive', symmetry: true, maxStates: NAIVE_LIMIT }, naive: true },
  { name: 'dpor+symmetry', o: { strategy: 'dpor', symmetry: true, maxStates: LIMIT } },
];

const DEFAULT_CASES = ['f1-kasan-nofix:2-6', 'f2-kasan-fix:7-8', 'f5-cpu-slab-flush:2-4'];

function cases(args: string[]): { id: string; cpus: number }[] {
  const out: { id: string; cpus: number }[] = [];
  for (const a of args.length ? args : DEFAULT_CASES) {
    const m = /^([\w-]+):(\d+)(?:-(\d+))?$/.exec(a);
    if (!m || !scenarioIds().includes(m[1]))
      throw new Error(
        `bench case '${a}': expected <scenario>:<cpus>[-<cpus>] (scenarios: ${scenarioIds().join(', ')})`,
      );
    for (let c = Number(m[2]); c <= Number(m[3] ?? m[2]); c++) out.push({ id: m[1], cpus: c });
  }
  return out;
}

async function main(): Promise<void> {
  const rows: Record<string, unknown>[] = [];
  const cell = (r: One) =>
    `${String(r.states).padStart(8)}${r.complete ? ' ' : '+'} ${r.wallMs.toFixed(0).padStart(6)} ${r.rssMB.toFixed(0).padStart(4)}`;
  console.log(
    `whole processes, median of ${RUNS}; cells: states, wall ms, peak MB ('+' = stopped at the state limit, or pan at ${SPIN_TIMEOUT_MS} ms)`,
  );
  console.log(
    'pan: -O2 -DSAFETY, -w24; full = -c0 (on past errors, one trail); ratios: ours / pan (wall, whole processes)',
  );
  const spinHead = SPIN
    ? ` ${'pan full'.padStart(22)} ${'pan first error'.padStart(22)} ${'pipeline ms'.padStart(11)}  full/pan  first/pan`
    : '';
  if (!SPIN) console.log(`Spin columns left out: ${process.env.SPIN === '0' ? 'SPIN=0' : 'spin or gcc not installed'}`);
  console.log(`${'scenario'.padEnd(20)} cpus ${TECHNIQUES.map((t) => t.name.padStart(22)).join(' ')}${spinHead}`);
  for (const { id, cpus } of cases(process.argv.slice(2))) {
    const res: Record<string, One> = {};
    for (const t of TECHNIQUES) {
      // naive beyond a few CPUs only measures the limit; one run says that
      res[t.name] = measure(id, cpus, t.o, t.naive && cpus > 4 ? 1 : RUNS);
    }
    let spinCells = '';
    let sp: SpinRow | undefined;
    let refused = '';
    if (SPIN) {
      try {
        sp = spin(id, cpus);
      } catch (e) {
        if (!(e instanceof ExportError)) throw e;
        refused = e.message;
        spinCells = `  Spin: ${e.message}`;
      }
    }
    if (sp) {
      const pc = (r: PanResult) =>
        `${String(r.states).padStart(8)}${r.verdict === 'incomplete' ? '+' : ' '} ${r.ms.toFixed(0).padStart(6)} ${r.memMB.toFixed(0).padStart(4)}`;
      const ratio = (a: number, b: PanResult) =>
        (b.verdict === 'incomplete' ? `<${(a / b.ms).toFixed(2)}` : (a / b.ms).toFixed(2)).padStart(9);
      spinCells = ` ${pc(sp.full).padStart(22)} ${pc(sp.first).padStart(22)} ${sp.pipelineMs.toFixed(0).padStart(11)} ${ratio(res['dpor stateful'].wallMs, sp.full)} ${ratio(res['first cex'].wallMs, sp.first)}`;
    }
    console.log(
      `${id.padEnd(20)} ${String(cpus).padStart(4)} ${TECHNIQUES.map((t) => cell(res[t.name]).padStart(22)).join(' ')}${spinCells}`,
    );
    const spinJson = sp && {
      panFull: {
        verdict: sp.full.verdict,
        property: sp.full.property,
        states: sp.full.states,
        ms: sp.full.ms,
        memMB: sp.full.memMB,
      },
      panFirst: {
        verdict: sp.first.verdict,
        property: sp.first.property,
        states: sp.first.states,
        ms: sp.first.ms,
        memMB: sp.first.memMB,
      },
      pipelineMs: sp.pipelineMs,
    };
    rows.push({
      scenario: id,
      cpus,
      ...res,
      ...(spinJson ? { spin: spinJson } : {}),
      ...(refused ? { spinRefused: refused } : {}),
    });
  }
  const get = (id: string, cpus: number) =>
    rows.find((r) => r.scenario === id && r.cpus === cpus) as Record<string, One> | undefined;
  console.log('');
  for (const c of [2, 3, 4]) {
    const r = get('f5-cpu-slab-flush', c);
    if (!r) continue;
    const d = r['dpor stateful'];
    const n = r['naive'];
    console.log(
      `target F5 @${c}: dpor states ≤ naive states: ${d.states} vs ${n.states}${n.complete ? '' : '+'} ${d.states <= n.states ? 'met' : 'NOT met'}`,
    );
  }
  const f1 = get('f1-kasan-nofix', 6) as
    (Record<string, One> & { spin?: { panFull: { ms: number }; panFirst: { ms: number } } }) | undefined;
  if (f1?.spin) {
    const a = f1['dpor stateful'].wallMs;
    const b = f1['first cex'].wallMs;
    console.log(
      `target F1 @6 full search ≤ pan's: ${a.toFixed(0)} ms vs ${f1.spin.panFull.ms.toFixed(0)} ms ${a <= f1.spin.panFull.ms ? 'met' : 'NOT met'}`,
    );
    console.log(
      `target F1 @6 first counterexample ≤ pan's to its first error: ${b.toFixed(0)} ms vs ${f1.spin.panFirst.ms.toFixed(0)} ms ${b <= f1.spin.panFirst.ms ? 'met' : 'NOT met'}`,
    );
  }
  for (const t of ['dpor stateful', 'dpor+symmetry']) {
    const f2 = get('f2-kasan-fix', 8)?.[t];
    if (f2)
      console.log(
        `F2 @8 (${t}, bench child): < 1 s and < 150 MB: ${f2.wallMs.toFixed(0)} ms, ${f2.rssMB.toFixed(0)} MB ${f2.wallMs < 1000 && f2.rssMB < 150 ? 'met' : 'NOT met'} (the target is the CLI's process, below)`,
      );
  }
  const f1s = f1?.['dpor+symmetry'];
  if (f1?.spin && f1s)
    console.log(
      `F1 @6 dpor+symmetry: ${f1s.states} states, ${f1s.wallMs.toFixed(0)} ms vs pan ${f1.spin.panFull.ms.toFixed(0)} ms ${f1s.wallMs <= f1.spin.panFull.ms ? 'met' : 'NOT met'}`,
    );
  // CPU hotplug (issue 13): the last CPU goes offline at any point. check() runs dpor there; naive
  // is the baseline in the same run (the soundness tests hold dpor to naive's final states)
  if (!process.env.NO_HOTPLUG) {
    console.log('\nwith --hotplug (cpu1 goes offline, and with --hotplug-up back): dpor, the verdict, against naive');
    for (const id of ['f2-kasan-fix', 'f1-kasan-nofix', 'f3-nokasan-fix']) {
      for (const up of [false, true]) {
        const sc = makeScenario(id, { cpus: 2, hotplug: { up } });
        const n = explore(machineFor(sc), { strategy: 'naive', maxStates: NAIVE_LIMIT });
        const d = explore(machineFor(sc), { strategy: 'dpor', maxStates: LIMIT });
        const name = `${id} --hotplug${up ? '-up' : ''}`;
        console.log(
          `${name.padEnd(29)} 2  dpor ${d.verdict} ${d.states} states ${d.elapsedMs} ms   naive ${n.verdict} ${n.states} states ${n.elapsedMs} ms   dpor/naive states ${(d.states / n.states).toFixed(2)}`,
        );
        rows.push({
          scenario: id,
          hotplug: true,
          up,
          cpus: 2,
          dpor: { verdict: d.verdict, states: d.states, transitions: d.transitions, ms: d.elapsedMs },
          naive: { verdict: n.verdict, states: n.states, transitions: n.transitions, ms: n.elapsedMs },
        });
      }
    }
  }
  rows.push({ cli: cliSection(RUNS) });
  for (const r of rows) console.log(JSON.stringify(r));
  if (!process.env.SKIP_INTERP) await interpretedVsHand().then(() => interpretedPerTree(RUNS, LIMIT));
}

// Interpreted C against the hand models: the destroy scenario (F3: no KASAN, every object back to
// its slab; F1's failure would stop the search early) over server/fixtures/kernel-interp, the
// same orchestration for both, 2–MAX_CPUS CPUs, stateful dpor in this process, warmed up, in turns.
// SKIP_INTERP=1 leaves it out.
async function interpretedVsHand(): Promise<void> {
  const { Analyzer } = await import('../server/src/analyzer');
  const { interpretScenario, sourcePrograms } = await import('../server/src/kernelCheck');
  const maxCpus = Number(process.env.MAX_CPUS ?? 6);
  const fixture = path.resolve(__dirname, '../../server/fixtures/kernel-interp');
  const a = new Analyzer({ lazyBodies: false });
  for (const f of ['mm/slub.c', 'mm/slab_common.c'])
    a.update(path.join(fixture, f), fs.readFileSync(path.join(fixture, f), 'utf8'));
  const { programs } = sourcePrograms(a);
  const id = 'f3-nokasan-nofix';
  console.log(
    `\ninterpreted C vs hand models: ${id} over server/fixtures/kernel-interp, dpor stateful, median of ${RUNS}`,
  );
  console.log(
    `${'cpus'.padStart(4)} ${'hand states'.padStart(12)} ${'ms'.padStart(7)}   ${'interp states'.padStart(13)} ${'ms'.padStart(7)}   time ×  per state ×`,
  );
  const irows: {
    cpus: number;
    hand: { states: number; ms: number; verdict: string };
    interp: { states: number; ms: number; verdict: string; interpreted: number };
    ratio: number;
    perState: number;
  }[] = [];
  for (let cpus = 2; cpus <= maxCpus; cpus++) {
    const cfuncs = interpretScenario(a, id, programs, cpus).cfuncs;
    const once = (withC: boolean) =>
      explore(machineFor(makeScenario(id, { cpus, programs, cfuncs: withC ? cfuncs : undefined })), {
        strategy: 'dpor',
        maxStates: LIMIT,
      });
    // both warmed up first, then measured in turns: the JIT and the machine's load treat them alike
    for (let w = 0; w < 2; w++) [false, true].forEach(once);
    const hs: ReturnType<typeof once>[] = [];
    const is: ReturnType<typeof once>[] = [];
    for (let k = 0; k < RUNS; k++) {
      hs.push(once(false));
      is.push(once(true));
    }
    const h = { ...hs[0], elapsedMs: median(hs.map((r) => r.elapsedMs)) };
    const i = { ...is[0], elapsedMs: median(is.map((r) => r.elapsedMs)) };
    const ratio = i.elapsedMs / Math.max(1, h.elapsedMs);
    // the two searches reach different numbers of states (an interpreted step covers a whole
    // locked section, a hand model's phases may not): the cost of interpretation itself is per state
    const perState = i.elapsedMs / i.states / (Math.max(1, h.elapsedMs) / h.states);
    console.log(
      `${String(cpus).padStart(4)} ${String(h.states).padStart(12)} ${String(h.elapsedMs).padStart(7)}   ${String(i.states).padStart(13)} ${String(i.elapsedMs).padStart(7)}   ${ratio.toFixed(2).padStart(5)}×  ${perState.toFixed(2).padStart(10)}×`,
    );
    irows.push({
      cpus,
      hand: { states: h.states, ms: h.elapsedMs, verdict: h.verdict },
      interp: { states: i.states, ms: i.elapsedMs, verdict: i.verdict, interpreted: Object.keys(cfuncs).length },
      ratio: Number(ratio.toFixed(2)),
      perState: Number(perState.toFixed(2)),
    });
  }
  const at4 = irows.find((r) => r.cpus === 4);
  if (at4)
    console.log(
      `target interpreted destroy @4 CPUs ≤ 3× the hand models' time: ${at4.ratio}× ${at4.ratio <= 3 ? 'met' : 'NOT met'}`,
    );
  for (const r of irows) console.log(JSON.stringify({ interpretedVsHand: id, ...r }));
}

const crash = (e: unknown) => {
  console.error(e);
  process.exit(1);
};
if (process.argv[2] === '--one') child(process.argv[3]);
else if (process.env.ONLY_INTERP)
  interpretedVsHand()
    .then(() => interpretedPerTree(RUNS, LIMIT))
    .catch(crash);
else if (process.env.ONLY_CLI) console.log(JSON.stringify({ cli: cliSection(RUNS) }));
else main().catch(crash);
