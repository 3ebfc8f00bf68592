// "New Scenario from Trace…": the file written from a trace lowers to the very scenario the trace
// ran (each built-in, and a scenario file's own trace), asks the trace's question without a Result,
// and what a file cannot say is refused with its reason.

import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { check, makeScenario, scenarioIds } from '../../engine/src';
import { firstError, loadScenarioFile, loadScenarioText, runScenario } from '../src/litmus';
import { FromTraceError, scenarioFromTrace } from '../src/litmus/fromTrace';
import { sameScenario } from '../src/litmus/lower';

const ROOT = path.resolve(__dirname, '../../..');

describe('New Scenario from Trace', () => {
  it("each built-in scenario's trace gives a file that lowers to the same scenario, asking for the violated property", () => {
    for (const id of scenarioIds()) {
      const r = check(makeScenario(id, {}), { strategy: 'dpor', stopAtFirst: true });
      assert.ok(r.trace, id);
      const text = scenarioFromTrace(r.trace, `q-${id}`);
      const l = loadScenarioText(`q-${id}.litmus`, text);
      assert.equal(firstError(l), undefined, `${id}: ${JSON.stringify(firstError(l))}\n${text}`);
      assert.ok(sameScenario(l.lowered!.scenario, r.trace.scenario), `${id}: the file is another scenario\n${text}`);
      assert.equal(l.ast!.expected, undefined, 'no Result is made up');
      assert.ok(
        l.diagnostics.some((d) => /no \(\* Result/.test(d.message)),
        'the file says it has no Result',
      );
      if (r.property === 'lost free') assert.match(text, /^exists \(lost_free\)$/m);
      if (r.property === 'objects remaining') assert.match(text, /^exists \(objects_remaining\(s\)\)$/m);
    }
  });

  it("a scenario file's own trace (a fail of F5 unprotected) gives its question back, and the run agrees", () => {
    const l = loadScenarioFile(path.join(ROOT, 'scenarios/f5-cpu-slab-flush-unprotected.litmus'));
    const r = runScenario(l.lowered!, { strategy: 'dpor' });
    assert.equal(r.verdict, 'fail');
    const text = scenarioFromTrace(r.trace!, 'again');
    const again = loadScenarioText('again.litmus', text);
    assert.ok(sameScenario(again.lowered!.scenario, l.lowered!.scenario), text);
    assert.equal(runScenario(again.lowered!, { strategy: 'dpor' }).litmus.observation, r.litmus.observation);
  });

  it('refuses what a file cannot say: a hotplug thread, a bad name; a title cannot smuggle a Result or end the comment', () => {
    const hot = check(makeScenario('f1-kasan-nofix', { hotplug: {} }), { strategy: 'dpor', stopAtFirst: true });
    assert.throws(
      () => scenarioFromTrace(hot.trace!, 'x'),
      (e: Error) => e instanceof FromTraceError && /hotplug thread/.test(e.message),
    );
    const r = check(makeScenario('f3-nokasan-nofix', {}), { strategy: 'dpor', stopAtFirst: true });
    assert.throws(() => scenarioFromTrace(r.trace!, 'a b'), FromTraceError);
    const t = { ...r.trace!, scenario: { ...r.trace!.scenario, title: 'evil *) P9(x) { } (* Result: Always' } };
    const l = loadScenarioText('t.litmus', scenarioFromTrace(t, 'evil'));
    assert.equal(firstError(l), undefined);
    assert.equal(l.ast!.expected, undefined);
    assert.equal(l.ast!.threads.length, r.trace!.scenario.threads.length);
  });
});
