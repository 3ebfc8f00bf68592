// Property: on generated IR programs, dpor (stateless and stateful) reaches exactly the final
// states of the naive search, which visits every reachable state. Verdicts can agree while a
// final state is missing (the Spin differential compares verdicts), so this compares the sets.
// A mismatch prints the program (shrunk by fast-check) and a missing final state with a schedule
// that reaches it. SLABLENS_DPOR_RUNS / SLABLENS_DPOR_SEED widen or move the sample.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { explore, machineFor, stateKey } from '../src';
import type { Scenario } from '../src';
import type { State } from '../src/state';
import { genScenario } from './genScenario';

const RUNS = Number(process.env.SLABLENS_DPOR_RUNS ?? 300);
const SEED = Number(process.env.SLABLENS_DPOR_SEED ?? 2);
/** Programs whose naive search passes this many states are skipped (and counted), to bound the test's time. */
const MAX_STATES = 20_000;

/** A schedule from the initial state to a final state with this key (depth-first, each state once). */
function scheduleTo(sc: Scenario, key: string): string[] | undefined {
  const m = machineFor(sc);
  const seen = new Set<string>();
  const path: string[] = [];
  const go = (s: State): boolean => {
    const k = stateKey(s);
    if (seen.has(k)) return false;
    seen.add(k);
    const en = m.enabled(s);
    if (!en.length) {
      m.finalCheck(s);
      return stateKey(s) === key;
    }
    for (const p of en) {
      path.push(p);
      if (go(m.step(s, p).state)) return true;
      path.pop();
    }
    return false;
  };
  return go(m.initial()) ? path : undefined;
}

/** What dpor misses or adds against naive; undefined when the program is too big to compare. */
function compare(sc: Scenario): string[] | undefined {
  // stateless dpor revisits states, so it may pass naive's count: it gets more room
  const finals = (strategy: 'naive' | 'dpor', stateless: boolean) => {
    const maxStates = strategy === 'naive' ? MAX_STATES : 10 * MAX_STATES;
    const r = explore(machineFor(sc), { strategy, stateless, collect: 'terminal', maxStates });
    return r.reason ? undefined : r.collected!;
  };
  const naive = finals('naive', true);
  if (!naive) return undefined;
  const out: string[] = [];
  for (const stateless of [true, false]) {
    const d = finals('dpor', stateless);
    const name = stateless ? 'stateless dpor' : 'stateful dpor';
    if (!d) return undefined;
    const missing = [...naive].filter((k) => !d.has(k));
    const extra = [...d].filter((k) => !naive.has(k));
    if (missing.length)
      out.push(
        `${name} misses ${missing.length} of naive's ${naive.size} final states, e.g.\n  ${missing[0]}\n  reached by ${scheduleTo(sc, missing[0])?.join(' ')}`,
      );
    if (extra.length) out.push(`${name} reaches ${extra.length} final states naive does not, e.g.\n  ${extra[0]}`);
  }
  return out;
}

describe('dpor reaches the naive search final states on generated programs', () => {
  it(`${RUNS} generated IR programs (seed ${SEED}), stateless and stateful`, () => {
    let skipped = 0;
    const run = fc.check(
      fc.property(genScenario(), (sc) => {
        const diff = compare(sc);
        if (!diff) skipped++;
        else if (diff.length) throw new Error(`${diff.join('\n')}\nprogram: ${JSON.stringify(sc)}`);
      }),
      { numRuns: RUNS, seed: SEED },
    );
    // fast-check's own report leaves out the property's message: the missing state and the program
    if (run.failed)
      assert.fail(
        `program ${run.numRuns} of seed ${SEED} (shrunk ${run.numShrinks} times):\n${String((run.errorInstance as Error | undefined)?.message ?? run.errorInstance)}`,
      );
    // the bound on states skips few programs, so the sample stays what it says
    assert.ok(skipped < RUNS / 20, `${skipped} of ${RUNS} programs skipped (over ${MAX_STATES} states)`);
  });
});
