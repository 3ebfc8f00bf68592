// The CLI as a user runs it: the bundled dist/cli.js, exit codes, files written or not.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';

const CLI = path.resolve(__dirname, '../../../dist/cli.js');
const run = (...args: string[]) => {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'slablens-cli-'));

describe('slablens CLI', () => {
  it('list shows every built-in scenario', () => {
    const r = run('list');
    assert.equal(r.code, 0);
    for (const id of [
      'f1-kasan-nofix',
      'f2-kasan-fix',
      'f3-nokasan-nofix',
      'f3-nokasan-fix',
      'f4-fix-no-shutdown-barrier',
      'f4-nofix-no-shutdown-barrier',
      'f5-cpu-slab-flush',
      'f5-cpu-slab-flush-unprotected',
    ]) {
      assert.match(r.out, new RegExp(`^${id} `, 'm'));
    }
  });

  it('check f1-kasan-nofix --json exits 1 with the failing trace; replay of the saved trace reproduces it', () => {
    const dir = tmp();
    const file = path.join(dir, 'f1.json');
    const r = run('check', 'f1-kasan-nofix', '--json', '--trace-out', file);
    assert.equal(r.code, 1, r.err);
    const j = JSON.parse(r.out);
    assert.equal(j.verdict, 'fail');
    assert.equal(j.property, 'objects remaining');
    assert.ok(j.states > 1 && j.transitions > 0 && j.trace.length > 0);
    for (const k of ['step', 'thread', 'cpu', 'context', 'function', 'event']) assert.ok(k in j.trace[0], k);
    const again = run('replay', file, '--json');
    assert.equal(again.code, 1);
    const k = JSON.parse(again.out);
    assert.equal(k.verdict, 'fail');
    assert.equal(k.steps, j.schedule.length);
    const byToken = run('replay', '--token', j.token, '--json');
    assert.equal(byToken.code, 1);
    assert.equal(JSON.parse(byToken.out).steps, j.schedule.length);
  });

  for (const strategy of ['random', 'pct']) {
    it(`check --strategy ${strategy} --seed 1 finds F1 and replays`, () => {
      const dir = tmp();
      const file = path.join(dir, 't.json');
      const r = run('check', 'f1-kasan-nofix', '--strategy', strategy, '--seed', '1', '--json', '--trace-out', file);
      assert.equal(r.code, 1, r.err);
      assert.equal(JSON.parse(r.out).seed, 1);
      assert.equal(run('replay', file).code, 1);
    });
  }

  it('a passing scenario exits 0; --cpus keeps the verdict', () => {
    assert.equal(run('check', 'f2-kasan-fix', '--cpus', '4').code, 0);
    assert.equal(run('check', 'f4-nofix-no-shutdown-barrier', '--cpus', '3').code, 1);
  });

  it('incomplete exploration exits 3', () => {
    const r = run('check', 'f2-kasan-fix', '--strategy', 'naive', '--cpus', '4', '--max-states', '50');
    assert.equal(r.code, 3);
    assert.match(r.out, /INCOMPLETE/);
  });

  it('bad input: one clear line, exit 2, nothing written', () => {
    const dir = tmp();
    const out = path.join(dir, 'never.json');
    const cases: [string[], RegExp][] = [
      [['check', 'no-such-scenario', '--trace-out', out], /unknown scenario 'no-such-scenario'/],
      [['check', 'f1-kasan-nofix', '--cpus', '1', '--trace-out', out], /--cpus must be an integer/],
      [['check', 'f1-kasan-nofix', '--strategy', 'bogus', '--trace-out', out], /unknown strategy 'bogus'/],
      [['check', 'f1-kasan-nofix', '--frobnicate'], /Unknown option '--frobnicate'/],
      [['replay', '--token', 'f1-kasan-nofix~2~////'], /token/],
      [['frob'], /unknown command 'frob'/],
    ];
    for (const [args, msg] of cases) {
      const r = run(...args);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.err.split('\n')[0], msg);
    }
    assert.ok(!fs.existsSync(out));
  });

  it('a corrupt or foreign trace file is refused with exit 2 and left as it was', () => {
    const dir = tmp();
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, '{"format": "slablens-trace", "version": 1, "scena');
    const r = run('replay', bad);
    assert.equal(r.code, 2);
    assert.match(r.err, /not valid JSON/);
    assert.equal(fs.readFileSync(bad, 'utf8'), '{"format": "slablens-trace", "version": 1, "scena');
    fs.writeFileSync(bad, '{"hello": 1}');
    assert.match(run('replay', bad).err, /not a slablens trace/);
    assert.match(run('replay', path.join(dir, 'missing.json')).err, /cannot read/);
  });

  it('demo prints the table with the expected verdicts and writes the F1 trace', () => {
    const dir = tmp();
    const r = spawnSync(process.execPath, [CLI, 'demo', '--trace-dir', dir], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.doesNotMatch(r.stdout, /MISMATCH/);
    assert.match(r.stdout, /^f1-kasan-nofix\s+F1\s+fail\s+fail\s+objects remaining/m);
    assert.match(r.stdout, /^f5-cpu-slab-flush-unprotected\s+F5\s+fail\s+fail\s+lost free/m);
    assert.ok(fs.existsSync(path.join(dir, 'f1-kasan-nofix.json')));
  });
});
