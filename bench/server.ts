// npm run bench:server — the analyzer and the language server on our fixtures and, when
// SLABLENS_KERNEL points at a kernel tree, on its real mm/slub.c + mm/slab_common.c.
// Baseline in the same run: ctags on the same files, when installed. Prints a table and JSON.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Analyzer } from '../server/src/analyzer';

const FILES = ['mm/slab_common.c', 'mm/slub.c'];
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const ms = (x: number) => Number(x.toFixed(3));

function ctagsMs(files: string[]): number | null {
  const probe = spawnSync('ctags', ['--version'], { encoding: 'utf8' });
  if (probe.status !== 0) return null;
  const t0 = performance.now();
  spawnSync('ctags', ['-x', '--c-kinds=f', ...files], { encoding: 'utf8', maxBuffer: 1 << 26 });
  return performance.now() - t0;
}

function bench(label: string, dir: string) {
  const files = FILES.map((f) => path.join(dir, f)).filter((f) => fs.existsSync(f));
  const texts = files.map((f) => fs.readFileSync(f, 'utf8'));
  const cold: number[] = [];
  let a = new Analyzer();
  for (let i = 0; i < 5; i++) {
    a = new Analyzer();
    const t0 = performance.now();
    files.forEach((f, k) => a.update(f, texts[k]));
    a.functions();
    cold.push(performance.now() - t0);
  }
  // one-character edits in the middle of the largest file, typed and undone
  const big = texts.reduce((m, t, k) => (t.length > texts[m].length ? k : m), 0);
  const at = texts[big].indexOf('\n', Math.floor(texts[big].length / 2)) + 1;
  const inc: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    a.applyEdit(files[big], at, at, ' ');
    a.applyEdit(files[big], at, at + 1, '');
    inc.push((performance.now() - t0) / 2);
  }
  // hover's work: definition, paths from the entry points, callees
  const names = a.functions().map((f) => f.name);
  const hover: number[] = [];
  for (const n of names.slice(0, 300)) {
    const t0 = performance.now();
    a.definition(n);
    a.pathsToRoot(n);
    a.callees(n);
    hover.push(performance.now() - t0);
  }
  const ctags = ctagsMs(files);
  const row = {
    label,
    files: files.length,
    chars: texts.reduce((s, t) => s + t.length, 0),
    functions: names.length,
    coldIndexMs: ms(pct(cold, 50)),
    incrementalMs: { p50: ms(pct(inc, 50)), p95: ms(pct(inc, 95)) },
    hoverMs: { p50: ms(pct(hover, 50)), p95: ms(pct(hover, 95)) },
    ctagsMs: ctags === null ? null : ms(ctags),
    coldVsCtags: ctags === null ? null : Number((pct(cold, 50) / ctags).toFixed(2)),
    rssMB: Math.round(process.memoryUsage().rss / 1e6),
  };
  console.log(
    `${label.padEnd(10)} ${String(row.functions).padStart(5)} fns  cold ${row.coldIndexMs} ms  incremental p50 ${row.incrementalMs.p50} / p95 ${row.incrementalMs.p95} ms  hover p50 ${row.hoverMs.p50} / p95 ${row.hoverMs.p95} ms  ` +
      (ctags === null ? 'ctags: not installed (apt-get install universal-ctags for the baseline)' : `ctags ${row.ctagsMs} ms → cold/ctags ${row.coldVsCtags}×`) +
      `  rss ${row.rssMB} MB`,
  );
  return row;
}

const rows = [bench('fixtures', path.resolve(__dirname, '../../server/fixtures/kernel'))];
const real = process.env.SLABLENS_KERNEL;
if (real && FILES.some((f) => fs.existsSync(path.join(real, f)))) rows.push(bench('kernel', real));
else console.log('real kernel files: skipped (set SLABLENS_KERNEL to a tree with mm/slub.c and mm/slab_common.c)');
console.log('targets: hover p95 ≤ 5 ms, incremental ≤ 10 ms, cold index ≤ 3× ctags');
for (const r of rows) console.log(JSON.stringify(r));
