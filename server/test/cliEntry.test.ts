// dist/cli.js loads the engine's bundle alone for the built-in scenarios, the whole CLI for the
// rest (cliEntry.ts): which one a command line gets, and that both say the same to the user.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { engineOnly } from '../src/cliRoute';

const ROOT = path.resolve(__dirname, '../../..');
const run = (bundle: string, args: string[]) => {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'dist', bundle), ...args], { encoding: 'utf8', cwd: ROOT });
  // the search's own time is the one thing that differs between two runs
  const strip = (s: string) => s.replace(/\d+ ms/g, 'N ms').replace(/"elapsedMs": \d+/g, '"elapsedMs": N');
  return { code: r.status, out: strip(r.stdout), err: r.stderr };
};

describe('dist/cli.js: the engine alone for the built-in scenarios', () => {
  it('routes list, help and the built-in builder to the engine, the rest to the whole CLI', () => {
    for (const argv of [
      [],
      ['help'],
      ['list', '--json'],
      ['demo', '--cpus', '2'],
      ['check', 'f2-kasan-fix', '--cpus', '8'],
      ['check', 'f1-kasan-nofix', '--hotplug'],
      ['check', 'no-such-scenario'],
      ['export', 'f2-kasan-fix', '--promela', 'x.pml'],
    ])
      assert.equal(engineOnly(argv), true, argv.join(' '));
    for (const argv of [
      ['check', 'f2-kasan-fix'], // its file in scenarios/
      ['check', 'scenarios/f1-kasan-nofix.litmus'],
      ['check', 'my.litmus', '--cpus', '3'],
      ['check', '--kernel', 'k', '--entry', 'kmem_cache_destroy'],
      ['check', 'f1-kasan-nofix', '--kernel=k'],
      ['export', '--kernel', 'k', '--promela', 'x.pml'],
      ['replay', 'f1.json'],
      ['series', 'x.mbox'],
      ['index', 'k'],
      ['lint', '--kernel', 'k'],
      ['frobnicate'],
    ])
      assert.equal(engineOnly(argv), false, argv.join(' '));
  });

  it('says the same as the whole CLI, exit codes included', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slablens-entry-'));
    try {
      const cases = [
        ['list'],
        ['check', 'f1-kasan-nofix', '--cpus', '2', '--json'],
        ['check', 'f2-kasan-fix', '--cpus', '3'],
        ['check', 'f2-kasan-fix', '--cpus', '1'],
        ['check', 'f2-kasan-fix', '--strategy', 'nope', '--cpus', '2'],
        ['check', 'f2-kasan-fix'],
        ['export', 'f2-kasan-fix', '--promela', path.join(dir, 'f2.pml')],
        ['nope'],
        [],
      ];
      for (const args of cases) {
        const thin = run('cli.js', args);
        const full = run('cliFull.js', args);
        assert.deepEqual(thin, full, args.join(' '));
      }
      assert.ok(fs.existsSync(path.join(dir, 'f2.pml')));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
