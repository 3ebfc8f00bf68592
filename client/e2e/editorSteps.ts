// e2e steps in the C editor: CodeLenses, the hover, Simulate (KASAN) to FAIL, the trace view at
// the default split width, coverage, and the trace's keyboard.

import assert from 'node:assert/strict';
import { it } from 'node:test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFINITION, Harness } from './harness';

// page-side code in evaluate() callbacks: the client project has no DOM library
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const document: any;
declare const window: any;
declare function getComputedStyle(e: unknown): { opacity: string };

export function editorSteps(ui: Harness): void {
  it('opens mm/slab_common.c and the server puts CodeLenses on it', async () => {
    await ui.page.keyboard.press('Control+P');
    await ui.page.keyboard.type('slab_common.c');
    await ui.page.locator('.quick-input-list .monaco-list-row:visible', { hasText: 'slab_common.c' }).first().click();
    await ui.page.locator('.tab.active', { hasText: 'slab_common.c' }).waitFor();
    try {
      // the editor renders lenses of the lines in view only: go where one must be (through the
      // server's document symbols), then wait for it
      await ui.gotoSymbol('kvfree_rcu_barrier_on_cache');
      await ui.page
        .locator('.codelens-decoration a', { hasText: 'Simulate (KASAN)' })
        .first()
        .waitFor({ state: 'attached', timeout: 60_000 });
      await ui.lensAbove(DEFINITION, 'Simulate (KASAN)');
    } finally {
      await ui.shot('1-opened');
    }
  });

  it('hover on kvfree_rcu_barrier_on_cache shows the path summary from kmem_cache_destroy', async () => {
    await ui.gotoSymbol('kvfree_rcu_barrier_on_cache');
    const name = ui.page.locator('.view-line span', { hasText: /^kvfree_rcu_barrier_on_cache$/ }).first();
    const text = await ui.hoverUntil(name, 'Reached from');
    assert.match(text, /kmem_cache_destroy/);
    assert.match(text, /flush_rcu_sheaves_on_cache/);
    await ui.shot('2-hover');
  });

  it('"Simulate (KASAN)" on the fixture (no rcu_barrier() after flushing sheaves) shows FAIL with lanes per CPU', async () => {
    const verdict = await ui.simulateExpecting(
      { line: DEFINITION, title: 'Simulate (KASAN)', fn: /^kvfree_rcu_barrier_on_cache \(KASAN\)/ },
      /FAIL/i,
    );
    assert.match(verdict, /objects remaining/i);
    const lanes = await ui.webview().locator('.lane-head .cell.lane').allInnerTexts();
    assert.ok(
      lanes.some((l) => /CPU0 kworker/.test(l)) && lanes.some((l) => /CPU1 softirq rcu_core\/1/.test(l)),
      `lanes: ${lanes.join(' | ')}`,
    );
    assert.match(await ui.page.locator('.statusbar').innerText(), /KASAN FAIL/);
    await ui.shot('3-fail');
  });

  it('at the default split width every lane and the verdict headline are in view', async () => {
    const w = ui.webview();
    const seen = await w.locator('body').evaluate(() => {
      const width = document.documentElement.clientWidth;
      const heads = [...document.querySelectorAll('.lane-head .cell.lane')].map((e) => ({
        text: (e as { innerText: string }).innerText,
        r: e.getBoundingClientRect(),
      }));
      const v = document.getElementById('verdict')!.getBoundingClientRect();
      return {
        width,
        heads: heads.map((h) => ({ text: h.text, left: h.r.left, right: h.r.right, top: h.r.top, bottom: h.r.bottom })),
        verdict: { top: v.top, bottom: v.bottom, height: window.innerHeight },
      };
    });
    console.log(
      `e2e: the trace view is ${seen.width} px wide; lanes: ${seen.heads.map((h) => h.text.replace(/\s+/g, ' ')).join(' | ')}`,
    );
    assert.ok(seen.heads.length >= 4, JSON.stringify(seen.heads));
    for (const h of seen.heads)
      assert.ok(
        h.left >= 0 && h.right <= seen.width + 1 && h.top >= 0 && h.bottom <= seen.verdict.height,
        `lane "${h.text}" is cut off: ${JSON.stringify(h)} in ${seen.width} px`,
      );
    assert.ok(seen.verdict.top >= 0 && seen.verdict.top < 30, `verdict headline at ${JSON.stringify(seen.verdict)}`);
    await ui.shot('3b-split-width');
  });

  it('coverage: after the run the statement no execution reached is greyed in the editor', async () => {
    // kmem_cache_destroy's rcu_barrier() under CONFIG_SLUB_RCU_DEBUG (off in this scenario)
    await ui.gotoSymbol('kmem_cache_destroy');
    const opacity = async () =>
      ui.page
        .locator('.editor-group-container .view-lines')
        .first()
        .evaluate((root) => {
          const lines = [...root.querySelectorAll('.view-line')].sort(
            (a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top,
          );
          const i = lines.findIndex((l) =>
            (l.textContent ?? '').replace(/\u00a0/g, ' ').includes('SLAB_TYPESAFE_BY_RCU)) {'),
          );
          if (i < 0) return 'not in view';
          const spans = [...lines[i + 1].querySelectorAll('span span')].map((x) => Number(getComputedStyle(x).opacity));
          return Math.min(...spans);
        });
    let o: number | string = 'not in view';
    for (let i = 0; i < 40 && !(typeof o === 'number' && o < 1); i++) {
      await ui.page.waitForTimeout(250);
      o = await opacity();
    }
    assert.ok(typeof o === 'number' && o < 1, `the unreached rcu_barrier() line is not greyed (opacity ${o})`);
    await ui.shot('3c-coverage');
  });

  it('stepping through the trace with the keyboard keeps the keys in the trace and never changes the document', async () => {
    const disk = fs.readFileSync(path.join(ui.workspace, 'mm', 'slab_common.c'));
    const w = ui.webview();
    await w.locator('#step-0').click();
    const inTrace = () => ui.page.evaluate(() => document.activeElement?.tagName === 'IFRAME');
    for (const key of ['ArrowDown', 'ArrowDown', 'j', 'k', 'ArrowRight', 'End', 'Home', ' ', 'f', 'ArrowUp']) {
      await ui.page.keyboard.press(key);
      assert.ok(await inTrace(), `the keyboard left the trace after ${key}`);
    }
    await ui.page.waitForTimeout(500);
    assert.equal(
      await ui.page.locator('.tab.dirty', { hasText: 'slab_common.c' }).count(),
      0,
      'slab_common.c was changed by the keys',
    );
    assert.ok(
      fs.readFileSync(path.join(ui.workspace, 'mm', 'slab_common.c')).equals(disk),
      'slab_common.c changed on disk',
    );
    // Enter opens the source with the keyboard (step 0 is a call statement of the C); Ctrl+K T comes back
    await ui.page.keyboard.press('Home');
    await ui.page.keyboard.press('Enter');
    // the editor's input element (a textarea, or the EditContext element of newer VS Code)
    await ui.page.waitForFunction(() => !!document.activeElement?.closest('.monaco-editor'), undefined, {
      timeout: 30_000,
    });
    await ui.page.keyboard.press('Control+K');
    await ui.page.keyboard.press('t');
    await ui.page.waitForFunction(() => document.activeElement?.tagName === 'IFRAME', undefined, { timeout: 10_000 });
    assert.equal(await w.locator('body').evaluate(() => document.activeElement?.id), 'steps');
    assert.equal(await ui.page.locator('.tab.dirty', { hasText: 'slab_common.c' }).count(), 0);
  });
}
