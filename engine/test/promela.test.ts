// The Promela export, and Spin as an independent referee of the explorer: for the built-in
// scenarios and for generated IR programs, Spin's verdict on the exported model equals ours (and,
// for the generated ones, ours equals the exact naive search's). On a disagreement both
// counterexamples print.
// Needs spin and a C compiler (tcc, else gcc): skipped, loudly, where they are absent, unless
// CI=true (.ci/run installs them).

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { check, explore, machineFor, makeScenario, scenarioIds } from '../src';
import type { Program, Scenario, Stmt } from '../src';
import { ExportError, exportPromela, exportPromelaBatch } from '../src/promela';
import { genScenario } from './genScenario';
import { buildPan, PanResult, runPan, spinAvailable, spinTrail } from './spin';

const tools = spinAvailable();
const missing = !tools.spin || !(tools.tcc || tools.gcc);
if (missing) {
  const what = `spin and tcc or gcc needed (missing: ${[!tools.spin && 'spin', !(tools.tcc || tools.gcc) && 'tcc or gcc'].filter(Boolean).join(', ')})`;
  if (process.env.CI === 'true') throw new Error(`${what}: .ci/run installs them`);
  console.warn(`\n*** SKIPPING the Spin differential test: ${what}. apt-get install spin tcc ***\n`);
}
const skip = missing ? 'spin or a C compiler not installed' : false;
/**
 * tcc compiles a pan.c of 20 models in about 0.15 s of CPU where gcc -O0 takes 15 s, and on these
 * models (at most a few 10,000 states) its verifier runs as fast; gcc is the fallback.
 */
const CC = tools.tcc ? 'tcc' : 'gcc';

/** programs per pan binary: Spin numbers proctypes in a byte, and each program brings about five */
const BATCH = 25;
/**
 * pan's depth bound and hash table (2^17 slots, chained: exact, only slower when fuller) sized for
 * these models (at most 115,583 states and depth 103; a bound too small makes pan incomplete, which
 * fails): with -m200000 -w20 most of a run's CPU went to allocating, 4x as much for the same result.
 */
const PAN = { depth: 20_000, hashBits: 17 };

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'slablens-spin-'));

describe('Promela export', () => {
  it('refuses what it cannot translate, naming it', () => {
    const base = makeScenario('f1-kasan-nofix');
    const withOp = (s: Stmt) => ({ ...base, threads: [{ id: 'P0', cpu: 0, program: [s] }] });
    assert.throws(
      () => exportPromela(withOp({ op: 'lock', fn: 'down_read', lock: '&r' })),
      (e: Error) => e instanceof ExportError && /^not exportable: lock primitive down_read/.test(e.message),
    );
    assert.throws(() => exportPromela(withOp({ op: 'call', fn: 'no_such_fn' })), /not exportable: no_such_fn/);
    assert.throws(
      () => exportPromela(withOp({ op: 'if', cond: { kind: 'call', fn: 'mystery' }, then: [] })),
      /not exportable: predicate mystery\(\)/,
    );
    const rec = {
      ...base,
      programs: { ...base.programs, kmem_cache_destroy: [{ op: 'call', fn: 'kmem_cache_destroy' }] as Program },
    };
    assert.throws(() => exportPromela(rec), /not exportable: recursive call of kmem_cache_destroy/);
  });

  it('writes every built-in scenario, its locks (mutex, cpu_hotplug_lock, lockdep asserts) included', () => {
    for (const id of scenarioIds()) {
      const text = exportPromela(makeScenario(id, { cpus: 3 }));
      assert.match(text, /lk\[\d\] = _pid \+ 1/, id);
    }
  });

  it('writes CPU hotplug: the online mask, moved threads, kworkers and callbacks', () => {
    const text = exportPromela(makeScenario('f5-cpu-slab-flush', { cpus: 2, hotplug: { up: true } }));
    assert.match(text, /online\[1\] = 0/, 'takedown_cpu clears the CPU in the mask');
    assert.match(text, /P1_cpu = 0/, 'P1, on the CPU that goes down, moves to the control CPU');
    assert.match(text, /cbqon\[/, 'callbacks moved to the control CPU keep where rcu_barrier() counts them');
    assert.match(text, /wunb\[/, 'work on an offline CPU goes to an unbound worker');
    assert.match(text, /online\[1\] = 1/, 'bringup_cpu');
  });

  it('writes a generated scenario with its properties as assertions', () => {
    const [sc] = fc.sample(genScenario(), { numRuns: 1, seed: 3 });
    const text = exportPromela(sc);
    assert.match(text, /proctype P0\(\)/);
    assert.match(text, /assert\(!objects_remaining\)|assert\(!lost_free\)|assert\(!double_free\)|timeout ->/);
  });
});

interface Case {
  name: string;
  sc: Scenario;
}

interface DiffOptions {
  /** the exact search too, where it is cheap (generated programs); the built-ins have their own soundness test */
  naive?: boolean;
  /**
   * Ours stops at its first failure. The verdict is the same (a failure found stays one; a pass
   * is a complete search either way), and it saves most of the time on failing hotplug scenarios:
   * 80 CPU s for the 40 of them instead of over 5 min (F1 at 3 CPUs down and up alone took 3).
   * Full hotplug searches against naive's final states are in hotplug.test.
   */
  stopAtFirst?: boolean;
  expect?: (c: Case, spin: PanResult) => string | null;
}

/** Ours (stateful dpor) against naive and Spin, for a batch sharing one pan binary. */
function differential(
  cases: Case[],
  label: string,
  o: DiffOptions = {},
): { disagreements: string[]; spinStates: number; fails: number } {
  const dir = tmp();
  buildPan(exportPromelaBatch(cases.map((c) => c.sc)), dir, '-O0', [], CC);
  const disagreements: string[] = [];
  let spinStates = 0;
  let fails = 0;
  cases.forEach((c, i) => {
    const ours = check(c.sc, { strategy: 'dpor', maxStates: 200_000, stopAtFirst: o.stopAtFirst });
    const naive = o.naive ? explore(machineFor(c.sc), { strategy: 'naive', maxStates: 200_000 }) : ours;
    const spin: PanResult = runPan(dir, { ...PAN, part: i });
    spinStates += spin.states || 0;
    if (ours.verdict === 'fail') fails++;
    assert.notEqual(ours.verdict, 'incomplete', `${c.name}: ours incomplete: ${ours.reason}`);
    assert.notEqual(spin.verdict, 'incomplete', `${c.name}: Spin incomplete: ${spin.reason}`);
    // naive stopped at its limit without a failure decides nothing; Spin stays the referee there
    const naiveAgrees = naive.verdict === ours.verdict || naive.verdict === 'incomplete';
    const wrong = o.expect?.(c, spin);
    if (wrong) disagreements.push(wrong);
    if (naiveAgrees && ours.verdict === spin.verdict) return;
    // both counterexamples, for whoever reads the failure
    const single = tmp();
    fs.writeFileSync(path.join(single, 'scenario.json'), JSON.stringify(c.sc, null, 1));
    buildPan(exportPromela(c.sc), single, '-O0', [], CC);
    const alone = runPan(single, PAN);
    const trail = alone.verdict === 'fail' ? spinTrail(single) : '(Spin found no error)';
    const ourTrace = ours.trace
      ? ours.trace.steps
          .map(
            (s) =>
              `  ${s.step} ${s.thread} ${s.function}: ${s.event}${s.violation ? `  <-- ${s.violation.property}` : ''}`,
          )
          .join('\n')
      : '(no trace)';
    disagreements.push(
      [
        `${label} ${c.name}: slablens ${ours.verdict}${ours.property ? ` (${ours.property})` : ''}, naive ${naive.verdict}, Spin ${spin.verdict}${spin.property ? ` (${spin.property})` : ''}`,
        `scenario: ${JSON.stringify({ ncpus: c.sc.ncpus, config: c.sc.config, switches: c.sc.switches, cache: c.sc.cache, setup: c.sc.setup, threads: c.sc.threads, checkLeak: c.sc.checkLeak })}`,
        `slablens trace:\n${ourTrace}`,
        `Spin trail (${single}, with model.pml and scenario.json):\n${trail
          .split('\n')
          .filter((l) => /proc|assert|invalid/.test(l))
          .slice(0, 120)
          .join('\n')}`,
      ].join('\n'),
    );
  });
  // the batch's binary is kept only for a disagreement (each one brings its own single-model copy)
  if (!disagreements.length) fs.rmSync(dir, { recursive: true, force: true });
  return { disagreements, spinStates, fails };
}

describe('Spin agrees with the explorer', { skip }, () => {
  it('on every built-in scenario at 2 and 3 CPUs, and Spin finds what the thread says', () => {
    const cases = [2, 3].flatMap((cpus) =>
      scenarioIds().map((id) => ({ name: `${id}@${cpus}`, sc: makeScenario(id, { cpus }) })),
    );
    const d = differential(cases, 'built-in', {
      expect: (c, spin) => {
        const want = c.sc.expect === 'fail' ? `fail (${c.sc.expectProperty})` : 'pass';
        const got = spin.verdict === 'fail' ? `fail (${spin.property})` : spin.verdict;
        return got === want ? null : `${c.name}: Spin ${got}, the thread says ${want}`;
      },
    });
    assert.deepEqual(d.disagreements, [], d.disagreements.join('\n\n'));
  });

  it('on every built-in scenario with CPU hotplug (the last CPU down, and down then up) at 2 and 3 CPUs', () => {
    const cases = [2, 3].flatMap((cpus) =>
      scenarioIds().flatMap((id) =>
        [false, true].map((up) => ({
          name: `${id}@${cpus}${up ? ' down and up' : ' down'}`,
          sc: makeScenario(id, { cpus, hotplug: { up } }),
        })),
      ),
    );
    const disagreements: string[] = [];
    for (let b = 0; b < cases.length; b += 20)
      disagreements.push(...differential(cases.slice(b, b + 20), 'hotplug', { stopAtFirst: true }).disagreements);
    assert.deepEqual(disagreements, [], disagreements.join('\n\n'));
  });

  it('on 200 generated IR programs (setups, leaves, guards, loops, work, RCU readers)', () => {
    const progs = fc.sample(genScenario(), { numRuns: Number(process.env.SLABLENS_DIFF_RUNS ?? 200), seed: 20261205 });
    const disagreements: string[] = [];
    let fails = 0;
    for (let b = 0; b < progs.length; b += BATCH) {
      const batch = progs.slice(b, b + BATCH).map((sc, i) => ({ name: `#${b + i}`, sc }));
      const d = differential(batch, 'generated', { naive: true });
      disagreements.push(...d.disagreements);
      fails += d.fails;
    }
    assert.deepEqual(disagreements, [], disagreements.join('\n\n'));
    // both verdicts occur, so the agreement covers passes and failures
    assert.ok(
      fails > progs.length / 10 && fails < progs.length * 0.9,
      `${fails} of ${progs.length} generated programs fail`,
    );
  });
});
