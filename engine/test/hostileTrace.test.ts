// Issue 18, traces: an imported trace is someone else's file. Findings 5 and 6 (and the crash
// exit codes of 14 that a broken trace used to cause), with traces of our own edited the way the
// probe edited them.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import {
  check,
  checkImportedTrace,
  makeScenario,
  replayTrace,
  shellCommand,
  shellQuote,
  Trace,
  TraceError,
} from '../src';

const CLI = path.resolve(__dirname, '../../../dist/cli.js');
const run = (...args: string[]) => {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr, signal: r.signal };
};
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slablens-trace-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));

/** A real F1 counterexample trace, as `check --trace-out` writes it. */
function f1(): Trace {
  const r = check(makeScenario('f1-kasan-nofix'), { strategy: 'dpor' });
  return JSON.parse(JSON.stringify(r.trace)) as Trace;
}
const write = (name: string, t: unknown) => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, JSON.stringify(t));
  return f;
};

describe('finding 6: an imported trace is checked against its schema and limits before anything runs', () => {
  it('the real trace replays (the check lets it through, and it still fails as it did)', () => {
    const t = f1();
    assert.equal(replayTrace({ trace: t }).verdict, 'fail');
    const r = run('replay', write('ok.json', t));
    assert.equal(r.code, 1, r.err);
  });
  const cases: [string, (t: Trace & Record<string, unknown>) => void, RegExp][] = [
    ['ncpus: 100000000', (t) => void (t.scenario.ncpus = 100_000_000), /scenario\.ncpus: Too big/],
    [
      'a huge setup',
      (t) => void (t.scenario.setup = Array.from({ length: 200_000 }, () => ({ op: 'new_slab', objects: 1_000_000 }))),
      /scenario\.setup: Too big|more than 200000 nodes/,
    ],
    ['a schedule of 1,000,000 steps', (t) => void (t.schedule = Array(1_000_000).fill('destroy')), /schedule: Too big/],
    [
      'a schedule entry that is no task name',
      (t) => void (t.schedule = ['x\n; rm -rf ~']),
      /schedule\.0: a schedule entry is a task name/,
    ],
    [
      'a broken scenario',
      (t) => void ((t as Record<string, unknown>).scenario = { id: 'f1-kasan-nofix' }),
      /scenario\.ncpus/,
    ],
    [
      'a "__proto__" program name',
      (t) => void (t.scenario.programs = JSON.parse('{"__proto__": {"x": 1}}')),
      /refused/,
    ],
  ];
  for (const [what, edit, why] of cases) {
    it(`${what}: refused at once with a message, exit 2`, () => {
      const t = f1() as Trace & Record<string, unknown>;
      edit(t);
      assert.throws(
        () => replayTrace({ trace: t }),
        (e: Error) => e instanceof TraceError && why.test(e.message),
      );
      const r = run('replay', write('bad.json', t));
      assert.equal(r.code, 2, r.err);
      assert.match(r.err, /^slablens: the trace is refused: /);
      assert.equal(r.err.trim().split('\n').length, 1, r.err);
    });
  }
  it('an extracted trace whose programs nest 10,000 levels deep is refused (not a stack overflow)', () => {
    const t = f1();
    t.scenario.source = 'extracted';
    t.scenario.id = 'kmem_cache_destroy (KASAN)';
    let deep: unknown = { op: 'nop' };
    for (let i = 0; i < 10_000; i++) deep = { op: 'if', then: [deep] };
    t.scenario.programs = { kmem_cache_destroy: [deep] } as unknown as Trace['scenario']['programs'];
    assert.throws(() => checkImportedTrace(t), /nest deeper than 200 levels/);
  });
});

describe('finding 5: a scenario id must be known, and a shown command is quoted', () => {
  it('an edited trace cannot pass for the built-in scenario ("f2-kasan-fix … FAIL")', () => {
    const t = f1();
    t.scenario.id = 'f2-kasan-fix';
    const r = replayTrace({ trace: t });
    // what replays is the trace's own content, and its title says it is not the built-in
    assert.match(r.scenario.title, /as the trace file carries it, not checked against a built-in scenario/);
    const same = replayTrace({ trace: f1() });
    assert.doesNotMatch(same.scenario.title, /not checked/);
  });
  it("an id like f1'; touch … is refused as unknown, and never reaches a command unquoted", () => {
    const t = f1();
    const evil = `f1'; touch ${path.join(dir, 'pwned')}; '`;
    t.scenario.id = evil;
    assert.throws(() => replayTrace({ trace: t }), /unknown scenario id/);
    const r = run('replay', write('evil.json', t));
    assert.equal(r.code, 2);
    assert.ok(!fs.existsSync(path.join(dir, 'pwned')));
    // the quoting itself: sh reads the word back as it was
    const cmd = shellCommand(['printf', '%s', evil]);
    const sh = spawnSync('sh', ['-c', cmd], { encoding: 'utf8', cwd: dir });
    assert.equal(sh.stdout, evil);
    assert.ok(!fs.existsSync(path.join(dir, 'pwned')));
    assert.equal(shellQuote('f1-kasan-nofix~2~AAAB'), 'f1-kasan-nofix~2~AAAB');
  });
  it('the CLI prints the replay token as one quoted word', () => {
    const r = run('check', 'f1-kasan-nofix');
    assert.match(r.out, /replay: slablens replay --token [A-Za-z0-9_~-]+$/m);
  });
});
