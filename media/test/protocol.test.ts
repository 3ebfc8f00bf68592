// The host↔webview protocol: views built from real engine results, and guards that reject
// what a scripted page or a hand-edited trace could send.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { check, makeScenario, Trace } from '../../engine/src';
import {
  isFromWebview,
  isSimulationView,
  isToWebview,
  isTrace,
  SimulationView,
  toView,
  traceView,
} from '../src/protocol';

const f1 = check(makeScenario('f1-kasan-nofix'), { strategy: 'dpor' });
const f2 = check(makeScenario('f2-kasan-fix'), { strategy: 'dpor' });
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

describe('toView', () => {
  it('carries verdict, property, stats and the failing trace of f1 with its replay token', () => {
    const v = toView(f1, 'F1: KASAN, no patch 01');
    assert.equal(v.title, 'F1: KASAN, no patch 01');
    assert.equal(v.verdict, 'fail');
    assert.equal(v.property, 'objects remaining');
    assert.match(v.message ?? '', /Objects remaining in test_cache/);
    assert.deepEqual(v.stats, {
      strategy: 'dpor',
      states: f1.states,
      transitions: f1.transitions,
      executions: f1.executions,
      outcomes: f1.outcomes,
      failing: f1.failing,
      elapsedMs: f1.elapsedMs,
      ncpus: 2,
    });
    assert.ok(f1.failing > 0 && f1.executions >= f1.failing);
    assert.match(v.token ?? '', /^f1-kasan-nofix~2~/);
    assert.equal(v.trace, f1.trace);
    assert.equal(v.config?.CONFIG_KASAN, true);
    assert.equal(v.reason, undefined);
    assert.ok(isSimulationView(v), 'a view from the engine passes the guard the webview applies');
    // it crosses postMessage as JSON-like data: nothing lost in a structured clone
    assert.ok(isSimulationView(clone(v)));
  });

  it('a pass keeps its sample trace and has no property', () => {
    const v = toView(f2, 'F2');
    assert.equal(v.verdict, 'pass');
    assert.equal(v.property, undefined);
    assert.ok(v.trace && v.trace.steps.length > 0);
    assert.ok(v.stats && v.stats.executions >= 1 && v.stats.failing === 0);
  });

  it('an incomplete result keeps its reason', () => {
    const r = check(makeScenario('f1-kasan-nofix'), { strategy: 'naive', maxStates: 5 });
    assert.equal(r.verdict, 'incomplete');
    const v = toView(r, 'limited');
    assert.equal(v.verdict, 'incomplete');
    assert.match(v.reason ?? '', /state limit|5/);
    assert.ok(isSimulationView(clone(v)));
  });

  it('passes builtinFallback and non-empty notModelled through, drops empty ones', () => {
    const v = toView({ ...f2, builtinFallback: ['flush_all_cpus_locked'] }, 't', {
      notModelled: { kmem_cache_destroy: ['line 12: slab_kmem_cache_release: no model'] },
    });
    assert.deepEqual(v.builtinFallback, ['flush_all_cpus_locked']);
    assert.deepEqual(v.notModelled, { kmem_cache_destroy: ['line 12: slab_kmem_cache_release: no model'] });
    const w = toView({ ...f2, builtinFallback: [] }, 't', { notModelled: { kmem_cache_destroy: [] } });
    assert.equal(w.builtinFallback, undefined);
    assert.equal(w.notModelled, undefined);
  });

  it('says what CPU symmetry covered, and the guard takes only text for it', () => {
    const f1at4 = check(makeScenario('f1-kasan-nofix', { cpus: 4 }), { strategy: 'dpor', symmetry: true });
    const v = toView(f1at4, 'F1 at 4, symmetry');
    assert.match(
      v.stats?.symmetry ?? '',
      /^\{CPU1, CPU2, CPU3\} interchangeable by their setup; \d+ of \d+ states keyed/,
    );
    assert.ok(isSimulationView(clone(v)));
    assert.equal(toView(f2, 'F2').stats?.symmetry, undefined, 'nothing said when it was not asked for');
    const bad = clone(v) as unknown as { stats: Record<string, unknown> };
    bad.stats.symmetry = 5;
    assert.equal(isSimulationView(bad), false);
  });

  it('traceView shows an imported trace without inventing statistics', () => {
    const v = traceView(f1.trace!, 'f1.json');
    assert.equal(v.stats, null);
    assert.equal(v.verdict, 'fail');
    assert.equal(v.property, 'objects remaining');
    assert.ok(isSimulationView(clone(v)));
  });
});

describe('guards', () => {
  const view = toView(f1, 'F1');

  it('isToWebview accepts each host message and rejects malformed ones', () => {
    assert.ok(isToWebview({ type: 'show', view }));
    assert.ok(isToWebview({ type: 'error', message: 'boom' }));
    assert.ok(isToWebview({ type: 'busy', text: 'exploring…' }));
    assert.ok(isToWebview({ type: 'busy', text: null }));
    assert.ok(isToWebview({ type: 'select', index: 3 }));
    for (const bad of [
      null,
      'show',
      [],
      {},
      { type: 'show' },
      { type: 'show', view: { ...view, verdict: 'maybe' } },
      { type: 'error' },
      { type: 'select', index: -1 },
      { type: 'select', index: 1.5 },
      { type: 'eval', code: '1' },
    ]) {
      assert.equal(isToWebview(bad), false, JSON.stringify(bad));
    }
  });

  it('isSimulationView rejects a trace whose steps have the wrong types', () => {
    const mutate = (f: (t: Trace) => void) => {
      const v = clone(view) as SimulationView;
      f(v.trace!);
      return isSimulationView(v);
    };
    assert.equal(
      mutate(() => {}),
      true,
    );
    assert.equal(
      mutate((t) => ((t.steps[0] as unknown as { event: number }).event = 1)),
      false,
    );
    assert.equal(
      mutate((t) => ((t.steps[0] as unknown as { stack: unknown }).stack = 'P0')),
      false,
    );
    assert.equal(
      mutate((t) => ((t.steps[0] as unknown as { changes: unknown }).changes = [{ key: 'o0', from: 1, to: null }])),
      false,
    );
    assert.equal(
      mutate((t) => ((t.steps[0] as unknown as { clock: unknown }).clock = { P0: 'one' })),
      false,
    );
    assert.equal(
      mutate((t) => ((t as unknown as { version: number }).version = 2)),
      false,
    );
    assert.equal(
      mutate((t) => ((t.steps[0] as unknown as { context: string }).context = 'process selected')),
      false,
    );
    assert.equal(
      mutate((t) => ((t.initial as Record<string, unknown>).o0 = 3)),
      false,
    );
    assert.equal(isSimulationView({ ...clone(view), stats: { ...view.stats, states: -1 } }), false);
    assert.equal(isSimulationView({ ...clone(view), config: { CONFIG_KASAN: 'y' } }), false);
    assert.equal(isSimulationView({ ...clone(view), notModelled: { f: 'x' } }), false);
    assert.ok(isTrace(clone(f2.trace)));
  });

  it('isFromWebview accepts each webview message and rejects what a scripted page could abuse', () => {
    for (const ok of [
      { type: 'ready' },
      { type: 'reveal', function: 'flush_rcu_sheaves_on_cache', index: 1 },
      { type: 'reveal', function: '__kmem_cache_shutdown', line: 120, index: 2 },
      { type: 'step', index: 0 },
      { type: 'copyToken', token: 'f1-kasan-nofix~2~AAAA' },
      { type: 'exportTrace' },
      { type: 'importTrace' },
    ]) {
      assert.ok(isFromWebview(ok), JSON.stringify(ok));
    }
    for (const bad of [
      undefined,
      { type: 'reveal' },
      { type: 'reveal', function: '../../etc/passwd' },
      { type: 'reveal', function: 'kfree', line: -1 },
      { type: 'reveal', function: 'kfree', index: '1' },
      { type: 'step', index: -2 },
      { type: 'step' },
      { type: 'copyToken', token: '' },
      { type: 'copyToken', token: 'a\nrm -rf /' },
      { type: 'copyToken', token: 'x'.repeat(70000) },
      { type: 'openFile', path: '/etc/passwd' },
    ]) {
      assert.equal(isFromWebview(bad), false, JSON.stringify(bad)?.slice(0, 80));
    }
  });
});
