// The static lock rules (analyzer/lockdep.ts) on our own C in kernel idioms (server/fixtures/lockdep),
// and `slablens lint` on them.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { Analyzer } from '../src/analyzer';
import { analyzeLocks } from '../src/analyzer/lockdep';

const ROOT = path.resolve(__dirname, '../../..');
const FIX = path.join(ROOT, 'server/fixtures/lockdep');
const CLI = path.join(ROOT, 'dist/cli.js');

function lintText(text: string, uri = '/x/mm/slub.c') {
  const a = new Analyzer();
  a.update(uri, text);
  return analyzeLocks(a);
}
const fixture = (name: string): string => fs.readFileSync(path.join(FIX, name), 'utf8');
const lineOf = (text: string, needle: string): number => text.split('\n').findIndex((l) => l.includes(needle));

describe('lock order over the call graph', () => {
  it('reports an AB-BA cycle between two entry points with both chains', () => {
    const text = fixture('abba.c');
    const r = lintText(text);
    const f = r.findings.filter((x) => x.rule === 'lock-order');
    assert.equal(f.length, 1, JSON.stringify(r.findings));
    assert.match(f[0].message, /possible circular locking dependency/);
    assert.deepEqual(new Set(f[0].locks), new Set(['slab_mutex', '&n->list_lock']));
    assert.deepEqual(
      new Set(f[0].paths.map((p) => p.join(' '))),
      new Set(['kmem_cache_destroy', 'kmem_cache_shrink count_partial_locked']),
    );
    const chains = f[0].chains!;
    assert.equal(chains.length, 2);
    // each chain: where the held lock was taken, and the calls down to where the other was taken under it
    const at = (needle: string, nth = 0): number =>
      text
        .split('\n')
        .map((l, i) => (l.includes(needle) ? i : -1))
        .filter((i) => i >= 0)[nth];
    const expected = [
      at('mutex_lock(&slab_mutex);', 0),
      at('spin_lock_irqsave(&n->list_lock'),
      at('count_partial_locked(n);'),
      at('mutex_lock(&slab_mutex);', 1),
      at('spin_lock_irq(&node->list_lock'),
    ];
    assert.deepEqual(
      [...new Set(f[0].related.map((x) => x.line))].sort((x, y) => x - y),
      expected.sort((x, y) => x - y),
    );
  });

  it('a consistent order is no cycle', () => {
    const text = fixture('abba.c').replace(
      /spin_lock_irqsave\(&n->list_lock, flags\);\n\tcount_partial_locked\(n\);/,
      'count_partial_locked(n);\n\tspin_lock_irqsave(&n->list_lock, flags);',
    );
    const r = lintText(text);
    assert.equal(r.findings.length, 0, JSON.stringify(r.findings));
    assert.ok(r.dependencies.includes('slab_mutex -> &node->list_lock'), r.dependencies.join(', '));
  });

  it('reports a cycle through a cpuhp teardown callback (the write side of cpu_hotplug_lock)', () => {
    const r = lintText(fixture('cpuhp-cycle.c'));
    assert.equal(r.findings.length, 1, JSON.stringify(r.findings));
    const f = r.findings[0];
    assert.equal(f.rule, 'lock-order');
    assert.deepEqual(new Set(f.locks), new Set(['cpu_hotplug_lock', 'slab_mutex']));
    assert.ok(
      r.roots.some((x) => x.fn === 'slub_cpu_dead' && x.kind === 'cpuhp'),
      'the teardown callback is found from its cpuhp_setup_state_nocalls() registration',
    );
    const viaWriter = f.chains!.find((c) => c.held === 'cpu_hotplug_lock');
    assert.equal(viaWriter?.heldMode, 'write');
    assert.equal(viaWriter?.takenAt.at(-1)?.fn, 'slub_cpu_dead');
  });

  it('does not report read-read on cpu_hotplug_lock alone, and does once a writer takes the other lock', () => {
    const text = fixture('read-read.c');
    const r = lintText(text);
    assert.deepEqual(r.findings, []);
    assert.equal(r.dependencies.length, 2, 'both dependencies are recorded: it is the read rule that drops the cycle');
    const withWriter =
      text +
      '\nstatic int slub_cpu_dead(unsigned int cpu)\n{\n\tmutex_lock(&slab_mutex);\n\tmutex_unlock(&slab_mutex);\n\treturn 0;\n}\n\nvoid __init kmem_cache_init(void)\n{\n\tcpuhp_setup_state_nocalls(CPUHP_SLUB_DEAD, "slub:dead", NULL, slub_cpu_dead);\n}\n';
    const w = lintText(withWriter);
    assert.equal(
      w.findings.filter((x) => x.rule === 'lock-order').length,
      1,
      JSON.stringify(w.findings.map((x) => x.message)),
    );
  });

  it('follows unlock-and-return branches and trylock', () => {
    const r = lintText(`static DEFINE_MUTEX(a);
static DEFINE_MUTEX(b);
void kmem_cache_destroy(struct kmem_cache *s)
{
	mutex_lock(&a);
	if (s->refcount) {
		mutex_unlock(&a);
		return;
	}
	mutex_lock(&b);
	mutex_unlock(&b);
	mutex_unlock(&a);
}
int kmem_cache_shrink(struct kmem_cache *s)
{
	if (!mutex_trylock(&b))
		return 0;
	mutex_lock(&a);
	mutex_unlock(&a);
	mutex_unlock(&b);
	return 0;
}
`);
    assert.ok(r.dependencies.includes('a -> b'), r.dependencies.join(', '));
    assert.ok(r.dependencies.includes('b -> a'), r.dependencies.join(', '));
    assert.equal(
      r.findings.length,
      1,
      'a held across the early return still orders a before b; the trylock-held b orders b before a',
    );
  });
});

describe('hotplug protection', () => {
  it('a for_each_online_cpu + queue_work_on loop reached with and without cpus_read_lock: one finding, on the unprotected path', () => {
    const text = fixture('hotplug-loop.c');
    const r = lintText(text);
    assert.equal(r.findings.length, 1, JSON.stringify(r.findings));
    const f = r.findings[0];
    assert.equal(f.rule, 'hotplug');
    assert.equal(f.line, lineOf(text, 'for_each_online_cpu(cpu) {'));
    assert.deepEqual(f.paths, [['kvfree_rcu_barrier', 'flush_cpu_sheaves_all']]);
    assert.deepEqual(f.protectedPaths, [['kmem_cache_shrink', 'flush_cpu_sheaves_all']]);
    assert.match(f.message, /Other callers hold it: kmem_cache_shrink → flush_cpu_sheaves_all/);
    assert.deepEqual(f.locks, ['flush_lock']);
    assert.ok(
      f.related.some(
        (x) =>
          x.line === lineOf(text, '\tflush_cpu_sheaves_all(s);\n\trcu_barrier') ||
          x.message.startsWith('kvfree_rcu_barrier() calls flush_cpu_sheaves_all()'),
      ),
    );
  });

  it('no finding once every caller holds cpu_hotplug_lock', () => {
    const text = fixture('hotplug-loop.c').replace(
      '\tflush_cpu_sheaves_all(s);\n\trcu_barrier();',
      '\tcpus_read_lock();\n\tflush_cpu_sheaves_all(s);\n\tcpus_read_unlock();\n\trcu_barrier();',
    );
    assert.deepEqual(lintText(text).findings, []);
  });

  it('a loop that only reads per-CPU statistics is no finding; one that queues work is', () => {
    const text = fixture('stats-loop.c');
    assert.deepEqual(lintText(text).findings, []);
    const queues = text.replace('sum += READ_ONCE(st->nr_free);', 'queue_work_on(cpu, system_wq, &st->work);');
    assert.equal(lintText(queues).findings.length, 1);
  });

  it('lockdep_assert_cpus_held() reached without the lock', () => {
    const r = lintText(`static void flush_all_cpus_locked(struct kmem_cache *s)
{
	lockdep_assert_cpus_held();
	flush_cpu_slab(s);
}
int kmem_cache_shrink(struct kmem_cache *s)
{
	flush_all_cpus_locked(s);
	return 0;
}
`);
    assert.equal(r.findings.length, 1);
    assert.equal(r.findings[0].line, 2);
    assert.deepEqual(r.findings[0].paths, [['kmem_cache_shrink', 'flush_all_cpus_locked']]);
  });

  it('a caller with no locks comes into a shared context once: one hover path', () => {
    const r = lintText(fixture('shared-callee.c'));
    assert.deepEqual(r.pathLocks('slab_order_of'), [{ path: ['kmem_cache_shrink', 'slab_order_of'], held: [[], []] }]);
  });

  it('the locks held along each path, for the hover', () => {
    const r = lintText(fixture('hotplug-loop.c'));
    const p = r.pathLocks('flush_cpu_sheaves_all');
    assert.deepEqual(
      p.map((x) => ({ path: x.path, held: x.held })),
      [
        { path: ['kmem_cache_shrink', 'flush_cpu_sheaves_all'], held: [[], ['cpu_hotplug_lock (read)']] },
        { path: ['kvfree_rcu_barrier', 'flush_cpu_sheaves_all'], held: [[], []] },
      ],
    );
  });
});

describe('slablens lint', () => {
  const run = (...args: string[]) => {
    const r = spawnSync(process.execPath, [CLI, 'lint', ...args], { encoding: 'utf8' });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };
  const tree = (files: Record<string, string>): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slablens-lint-'));
    fs.mkdirSync(path.join(dir, 'mm'));
    for (const [k, v] of Object.entries(files)) fs.writeFileSync(path.join(dir, 'mm', k), v);
    return dir;
  };

  it('exits 1 with findings, in the JSON shape of the issue', () => {
    const dir = tree({
      'slub.c': fixture('hotplug-loop.c'),
      'slab_common.c': fixture('abba.c').replace('static DEFINE_MUTEX(slab_mutex);', ''),
    });
    const r = run('--kernel', dir, '--json');
    assert.equal(r.code, 1, r.err);
    const j = JSON.parse(r.out);
    assert.deepEqual(Object.keys(j), ['findings']);
    assert.deepEqual(j.findings.map((f: { rule: string }) => f.rule).sort(), ['hotplug', 'lock-order']);
    for (const f of j.findings)
      assert.deepEqual(Object.keys(f), ['rule', 'message', 'function', 'file', 'line', 'paths', 'locks']);
    const h = j.findings.find((f: { rule: string }) => f.rule === 'hotplug');
    assert.equal(h.line, lineOf(fixture('hotplug-loop.c'), 'for_each_online_cpu(cpu) {') + 1, '1-based');
    const text = run('--kernel', dir);
    assert.equal(text.code, 1);
    assert.match(text.out, /slub\.c:\d+: warning: \[hotplug\]/);
  });

  it('exits 0 without findings and 2 on bad input', () => {
    assert.equal(run('--kernel', tree({ 'slub.c': fixture('stats-loop.c') })).code, 0);
    const missing = run('--kernel', path.join(os.tmpdir(), 'no-such-kernel-dir'));
    assert.equal(missing.code, 2);
    assert.match(missing.err, /not a directory/);
    assert.equal(run('--kernel', FIX).code, 2, 'a directory without mm/ slab files');
    assert.equal(run().code, 2);
  });
});

const KERNEL = process.env.SLABLENS_KERNEL;
const present = !!KERNEL && ['mm/slub.c', 'mm/slab_common.c'].every((f) => fs.existsSync(path.join(KERNEL, f)));
if (!present)
  process.stderr.write(
    `\n*** SLABLENS_KERNEL ${KERNEL ? `(${KERNEL}) has no mm/slub.c + mm/slab_common.c` : 'is not set'}: lint on real kernel files is SKIPPED ***\n`,
  );

describe(
  'slablens lint on a real kernel tree (SLABLENS_KERNEL)',
  { skip: present ? false : 'SLABLENS_KERNEL not set' },
  () => {
    it('runs, and every finding names its paths; no finding on a loop that only reads', () => {
      const r = spawnSync(process.execPath, [CLI, 'lint', '--kernel', KERNEL!, '--json'], {
        encoding: 'utf8',
        maxBuffer: 1 << 26,
      });
      assert.ok(r.status === 0 || r.status === 1, r.stderr);
      const j = JSON.parse(r.stdout) as {
        findings: { rule: string; function: string; file: string; line: number; paths: string[][] }[];
      };
      for (const f of j.findings) {
        assert.ok(f.paths.length > 0 && f.paths.every((p) => p.length > 0), JSON.stringify(f));
        const line = fs.readFileSync(f.file, 'utf8').split('\n')[f.line - 1];
        if (f.rule === 'hotplug')
          assert.match(line, /for_each_online_cpu|lockdep_assert_cpus_held/, `${f.file}:${f.line}`);
      }
      process.stderr.write(
        `lint on ${KERNEL}: ${j.findings.map((f) => `${f.rule} ${f.function} ${path.basename(f.file)}:${f.line}`).join('; ') || 'no findings'}\n`,
      );
    });
  },
);
