// e2e steps for the lock rules in the C editor: the hotplug warning on the for_each_online_cpu
// loop's line of flush_rcu_sheaves_on_cache (reached from kvfree_rcu_barrier_on_cache without
// cpus_read_lock()), and the "Simulate (KASAN, hotplug)" CodeLens above that function, run to its
// verdict.

import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Harness } from './harness';

const LOOP = /for_each_online_cpu\(cpu\)\s*\{/;
const FLUSH = /void\s+flush_rcu_sheaves_on_cache\(/;

export function lockSteps(ui: Harness): void {
  it('mm/slub.c: a hotplug warning on the for_each_online_cpu loop, the hotplug CodeLens above its function', async () => {
    await ui.openFile('slub.c');
    await ui.page.locator('.tab.active', { hasText: 'slub.c' }).waitFor();
    await ui.gotoSymbol('flush_rcu_sheaves_on_cache');
    const loop = ui.line(LOOP);
    await loop.waitFor();
    try {
      // the squiggle is drawn in the overlay layer, at the height of the line it marks
      let onLine = false;
      for (let attempt = 0; attempt < 120 && !onLine; attempt++) {
        const l = await loop.boundingBox();
        for (const s of await ui.page.locator('.squiggly-warning').all()) {
          const b = await s.boundingBox().catch(() => null);
          if (l && b && b.y >= l.y - 2 && b.y + b.height <= l.y + l.height + 4) onLine = true;
        }
        if (!onLine) await ui.page.waitForTimeout(500);
      }
      assert.ok(onLine, 'no warning squiggle on the for_each_online_cpu line within 60 s');
      // its message, in the hover over the loop
      const name = loop.locator('span', { hasText: /^for_each_online_cpu$/ }).first();
      const text = await ui.hoverUntil(name, 'cpu_hotplug_lock');
      assert.match(text, /for_each_online_cpu loop calling queue_work_on\(\)/);
      assert.match(text, /kvfree_rcu_barrier_on_cache → flush_rcu_sheaves_on_cache/);
      await ui.lensAbove(FLUSH, 'Simulate (KASAN, hotplug)');
    } finally {
      await ui.shot('lock-hotplug-warning');
    }
  });

  it('"Simulate (KASAN, hotplug)" on flush_rcu_sheaves_on_cache runs with a CPU going down: FAIL', async () => {
    const verdict = await ui.simulateExpecting(
      { line: FLUSH, title: 'Simulate (KASAN, hotplug)', fn: /^flush_rcu_sheaves_on_cache/ },
      /FAIL/i,
    );
    assert.match(verdict, /objects remaining/i);
    // the hotplug thread (cpuhp: cpus_write_lock, a CPU taken down) is one of the lanes
    const lanes = await ui.webview().locator('.lane-head .cell.lane').allInnerTexts();
    assert.ok(
      lanes.some((l) => /cpuhp/.test(l)),
      `lanes: ${lanes.join(' | ')}`,
    );
    await ui.shot('lock-hotplug-fail');
  });
}
