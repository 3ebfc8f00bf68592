// The cost of interpreting the C, per kernel tree: F1–F5 at 2 CPUs over
// server/fixtures/kernel-interp, the real pair (SLABLENS_KERNEL) and the pre-series tree
// (SLABLENS_KERNEL_PRESERIES), each with the hand models alone and with the C interpreted (what
// `check --kernel DIR` runs, fallbacks included), stateful dpor, median of `runs` search times.
// A tree whose variable is unset is skipped, and the table says so. Figures only.

import * as fs from 'node:fs';
import * as path from 'node:path';

const SCENARIOS = [
  'f1-kasan-nofix',
  'f2-kasan-fix',
  'f3-nokasan-nofix',
  'f4-fix-no-shutdown-barrier',
  'f5-cpu-slab-flush',
];

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function interpretedPerTree(runs: number, limit: number): Promise<void> {
  const { Analyzer } = await import('../server/src/analyzer');
  const { checkFromKernel } = await import('../server/src/kernelCheck');
  const trees: [string, string | undefined][] = [
    ['kernel-interp', path.resolve(__dirname, '../../server/fixtures/kernel-interp')],
    ['pair', process.env.SLABLENS_KERNEL],
    ['preseries', process.env.SLABLENS_KERNEL_PRESERIES],
  ];
  console.log(`\ninterpreted C vs hand models per tree, 2 CPUs, dpor stateful, search ms median of ${runs}`);
  console.log(
    `${'tree'.padEnd(14)} ${'scenario'.padEnd(28)} ${'hand states'.padStart(11)} ${'ms'.padStart(7)}   ${'interp states'.padStart(13)} ${'ms'.padStart(7)}  hand models left`,
  );
  for (const [name, dir] of trees) {
    if (!dir) {
      console.log(`${name.padEnd(14)} skipped (its environment variable is not set)`);
      continue;
    }
    const a = new Analyzer({ lazyBodies: false });
    for (const f of ['mm/slub.c', 'mm/slab_common.c', 'mm/slab.h'])
      if (fs.existsSync(path.join(dir, f))) a.update(path.join(dir, f), fs.readFileSync(path.join(dir, f), 'utf8'));
    for (const id of SCENARIOS) {
      const once = (handModelsOnly: boolean) =>
        checkFromKernel(a, id, { handModelsOnly }, { strategy: 'dpor', maxStates: limit });
      const hs = Array.from({ length: runs }, () => once(true));
      const is = Array.from({ length: runs }, () => once(false));
      const h = hs[0].result;
      const i = is[0].result;
      const left = is[0].interpretation.handModels.filter((x) => x.fallback === 'hand model').map((x) => x.name);
      const hms = median(hs.map((r) => r.result.elapsedMs));
      const ims = median(is.map((r) => r.result.elapsedMs));
      console.log(
        `${name.padEnd(14)} ${id.padEnd(28)} ${String(h.states).padStart(11)} ${String(hms).padStart(7)}   ${String(i.states).padStart(13)} ${String(ims).padStart(7)}  ${left.join(', ') || '-'}`,
      );
      console.log(
        JSON.stringify({
          interpretedPerTree: name,
          scenario: id,
          hand: { verdict: h.verdict, states: h.states, ms: hms },
          interp: { verdict: i.verdict, states: i.states, ms: ims, handModels: left },
        }),
      );
    }
  }
}
