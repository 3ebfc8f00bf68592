// The kernel-source commands of the CLI: index and check --kernel, on our fixture tree.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';

const ROOT = path.resolve(__dirname, '../../..');
const CLI = path.join(ROOT, 'dist/cli.js');
const FIX = path.join(ROOT, 'server/fixtures/kernel');
const run = (...args: string[]) => {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

/** A copy of the fixture tree with patch 01 applied to kvfree_rcu_barrier_on_cache(). */
function patchedTree(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slablens-kernel-'));
  fs.mkdirSync(path.join(dir, 'mm'));
  fs.copyFileSync(path.join(FIX, 'mm/slub.c'), path.join(dir, 'mm/slub.c'));
  const lines = fs.readFileSync(path.join(FIX, 'mm/slab_common.c'), 'utf8').split('\n');
  const at = lines.findIndex((l) => l.includes('flush_rcu_sheaves_on_cache(s);'));
  lines.splice(at + 1, 0, lines[at].replace('flush_rcu_sheaves_on_cache(s);', 'rcu_barrier();'));
  fs.writeFileSync(path.join(dir, 'mm/slab_common.c'), lines.join('\n'));
  return dir;
}

describe('slablens CLI on kernel source', () => {
  it('index --json lists the functions and call edges', () => {
    const r = run('index', FIX, '--json');
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out);
    const names = j.functions.map((f: { name: string }) => f.name);
    for (const n of [
      'kmem_cache_destroy',
      'kvfree_rcu_barrier_on_cache',
      'flush_rcu_sheaves_on_cache',
      '__kmem_cache_shutdown',
      'flush_all_cpus_locked',
    ])
      assert.ok(names.includes(n), n);
    assert.ok(
      j.edges.some(
        (e: { caller: string; callee: string }) =>
          e.caller === 'kvfree_rcu_barrier_on_cache' && e.callee === 'flush_rcu_sheaves_on_cache',
      ),
    );
  });

  it('check --kernel follows the source: fails without patch 01 under KASAN, passes with it, passes without KASAN', () => {
    const nofix = run('check', '--kernel', FIX, '--entry', 'kmem_cache_destroy', '--config', 'KASAN=y', '--json');
    assert.equal(nofix.code, 1, nofix.err);
    assert.equal(JSON.parse(nofix.out).property, 'objects remaining');
    const fixed = run(
      'check',
      '--kernel',
      patchedTree(),
      '--entry',
      'kmem_cache_destroy',
      '--config',
      'KASAN=y',
      '--json',
    );
    assert.equal(fixed.code, 0, fixed.err);
    assert.equal(run('check', '--kernel', FIX, '--config', 'KASAN=n').code, 0);
  });

  it("check --kernel takes check's search flags, checked alike, and refuses what it would not simulate", () => {
    const first = run('check', '--kernel', FIX, '--config', 'KASAN=y', '--stop-at-first', '--json');
    assert.equal(first.code, 1, first.err);
    const j = JSON.parse(first.out);
    assert.equal(j.stoppedAtFirst, true, 'the first counterexample, as for a built-in');
    assert.equal(j.executions, 1);
    const sym = run('check', '--kernel', FIX, '--config', 'KASAN=y', '--symmetry');
    assert.equal(sym.code, 1, sym.err);
    assert.match(sym.out, /symmetry: /, 'what --symmetry covered is said');
    const interp = path.join(ROOT, 'server/fixtures/kernel-interp');
    const scen = run('check', 'f1-kasan-nofix', '--kernel', interp, '--stop-at-first', '--json');
    assert.equal(scen.code, 1, scen.err);
    assert.equal(JSON.parse(scen.out).stoppedAtFirst, true);
    // a bad flag is a usage error (exit 2) naming it, never an internal error (70) or a silent default
    for (const [args, msg] of [
      [['--strategy', 'bogus'], /unknown strategy 'bogus'/],
      [['--cpus', 'abc'], /--cpus must be an integer ≥ 2, got 'abc'/],
      [['--max-states', '0'], /--max-states must be an integer ≥ 1, got '0'/],
      [['--hotplug-up'], /--hotplug-cpu and --hotplug-up go with --hotplug/],
      [['--hotplug', '--hotplug-up'], /go with a scenario id/],
    ] as const) {
      const r = run('check', '--kernel', FIX, ...args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
      assert.match(r.err, msg);
    }
    // a scenario over the tree's C takes the hotplug thread (and says so), not left out silently
    const hot = run('check', 'f2-kasan-fix', '--kernel', interp, '--hotplug', '--hotplug-up', '--stop-at-first');
    assert.equal(hot.code, 1, hot.err);
    assert.match(hot.out, /^f2-kasan-fix from .* \(hotplug: cpu1 goes offline and back\): FAIL/);
  });

  it('bad input: a folder without slab files, a bad --config', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'slablens-empty-'));
    const r = run('check', '--kernel', empty);
    assert.equal(r.code, 2);
    assert.match(r.err, /no mm\/slab_common.c/);
    assert.equal(run('index', empty).code, 2);
    assert.match(run('check', '--kernel', FIX, '--config', 'KASAN').err, /expected NAME=y or NAME=n/);
  });
});
