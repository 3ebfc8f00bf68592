// e2e steps of the reviewer's experiment: the fix typed in gives PASS, "Simulate without this
// statement" and an experiment copy give FAIL, and neither touches the file or the buffer.

import assert from 'node:assert/strict';
import { it } from 'node:test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFINITION, Harness } from './harness';

export function experimentSteps(ui: Harness): void {
  it('adding the missing rcu_barrier(); in the editor and simulating again gives PASS', async () => {
    // one editor: the lines below are read by their height on the page, and an editor that an
    // earlier step left open beside (the series steps close theirs; without ../shared they are skipped) would mix in
    await ui.runCommand('View: Close All Editors');
    await ui.openDefinition();
    await ui.page
      .locator('.codelens-decoration a', { hasText: 'Simulate (KASAN)' })
      .first()
      .waitFor({ state: 'attached', timeout: 30_000 });
    const flush = ui.page.locator('.view-line', { hasText: 'flush_rcu_sheaves_on_cache(s);' }).first();
    await flush.click();
    await ui.page.keyboard.press('End');
    await ui.page.keyboard.press('Enter');
    await ui.page.keyboard.type('rcu_barrier();');
    // the new line sits right under the flush (the fixture has another rcu_barrier() elsewhere)
    const under = async () => {
      const lines = await ui.page.locator('.view-line').evaluateAll((ls) =>
        ls
          .map((l) => ({
            top: l.getBoundingClientRect().top,
            text: (l.textContent ?? '').replace(/\u00a0/g, ' ').trim(),
          }))
          .sort((a, b) => a.top - b.top)
          .map((l) => l.text),
      );
      const at = lines.indexOf('flush_rcu_sheaves_on_cache(s);');
      return lines.slice(at - 2, at + 4);
    };
    let shown = await under();
    for (let i = 0; i < 50 && shown[3] !== 'rcu_barrier();'; i++) {
      await ui.page.waitForTimeout(100); // the editor renders the typed text a little later
      shown = await under();
    }
    assert.equal(shown[3], 'rcu_barrier();', `edited: ${shown.join(' / ')}`);
    await ui.page.waitForTimeout(500); // let didChange reach the server
    await ui.simulateExpecting(
      { line: DEFINITION, title: 'Simulate (KASAN)', fn: /^kvfree_rcu_barrier_on_cache \(KASAN\)/ },
      /PASS/i,
    );
    assert.match(await ui.page.locator('.statusbar').innerText(), /KASAN PASS/);
    assert.match(await ui.webview().locator('#covers').innerText(), /P0 on CPU0: kmem_cache_destroy\(s\)/);
    await ui.shot('4-pass');
  });

  it('"Simulate without this statement" on the rcu_barrier(); gives FAIL, and the file and the buffer stay as they were', async () => {
    const file = path.join(ui.workspace, 'mm', 'slab_common.c');
    const disk = fs.readFileSync(file);
    const shown = await ui.viewLines();
    const at = shown.findIndex((l) => l.trim() === 'flush_rcu_sheaves_on_cache(s);');
    assert.equal(shown[at + 1]?.trim(), 'rcu_barrier();', shown.slice(at - 2, at + 3).join(' / '));
    await ui.page
      .locator('.codelens-decoration a', { hasText: 'Simulate without this statement' })
      .first()
      .waitFor({ state: 'attached', timeout: 30_000 });
    // the cursor on the rcu_barrier(); line, then the command (the lens and the code action run the same)
    const lines = ui.page.locator('.editor-group-container').first().locator('.view-line');
    const boxes = await lines.evaluateAll((ls) =>
      ls
        .map((l) => ({ t: (l.textContent ?? '').replace(/\u00a0/g, ' ').trim(), top: l.getBoundingClientRect().top }))
        .sort((a, b) => a.top - b.top),
    );
    const target = boxes[boxes.findIndex((b) => b.t === 'flush_rcu_sheaves_on_cache(s);') + 1];
    const box = (await ui.page.locator('.editor-group-container').first().locator('.view-lines').boundingBox())!;
    await ui.page.mouse.click(box.x + 200, target.top + 5);
    await ui.page.keyboard.press('End');
    await ui.page.mouse.move(5, 5);
    await ui.runCommand('Slablens: Simulate without This Statement');
    const v = ui.webview().locator('#verdict');
    await v
      .filter({ hasText: /FAIL/ })
      .filter({ hasText: /EXPERIMENT/ })
      .waitFor({ timeout: 60_000 });
    assert.match(await v.innerText(), /objects remaining/i);
    const exp = await ui.webview().locator('#experiment').innerText();
    assert.match(exp, /without `rcu_barrier\(\);`/);
    assert.match(exp, /unchanged on disk .* and in the editor/);
    assert.match(await ui.page.locator('.statusbar').innerText(), /experiment FAIL/);
    assert.match(
      await ui.page.locator('.statusbar').innerText(),
      /KASAN PASS/,
      "the file's own KASAN verdict stays PASS",
    );
    assert.ok(fs.readFileSync(file).equals(disk), 'slab_common.c changed on disk');
    assert.deepEqual(await ui.viewLines(), shown, 'the buffer changed');
    await ui.shot('10-without-statement');
  });

  it('an edit in an experiment copy of the function gives the same FAIL; the diff shows the change', async () => {
    const file = path.join(ui.workspace, 'mm', 'slab_common.c');
    const disk = fs.readFileSync(file);
    await ui.runCommand('Slablens: Experiment on This Function');
    const copy = ui.page.locator('.editor-group-container.active');
    await ui.page.locator('.tab.active', { hasText: /Untitled/ }).waitFor({ timeout: 20_000 });
    await copy
      .locator('.view-line', { hasText: /^\s*rcu_barrier\(\);\s*$/ })
      .first()
      .click();
    await ui.page.keyboard.press('Control+Shift+K'); // delete the line
    for (let i = 0; i < 40 && (await copy.locator('.view-line', { hasText: /^\s*rcu_barrier\(\);\s*$/ }).count()); i++)
      await ui.page.waitForTimeout(100);
    const lens = copy.locator('.codelens-decoration a', { hasText: 'Simulate experiment (KASAN)' }).first();
    await lens.waitFor({ timeout: 20_000 });
    await ui.simulateExpecting({ lens, fn: /kvfree_rcu_barrier_on_cache/ }, /FAIL/i);
    assert.match(await ui.webview().locator('#verdict').innerText(), /EXPERIMENT/);
    assert.match(
      await ui.webview().locator('#experiment').innerText(),
      /experiment copy of kvfree_rcu_barrier_on_cache/,
    );
    assert.ok(fs.readFileSync(file).equals(disk), 'slab_common.c changed on disk');
    await ui.shot('11-experiment-copy');
    await ui.runCommand('Slablens: Show Experiment Diff');
    await ui.page.locator('.tab', { hasText: 'file ↔ experiment' }).first().waitFor({ timeout: 20_000 });
    await ui.page
      .locator('.monaco-diff-editor .editor.original .view-line', { hasText: 'rcu_barrier();' })
      .first()
      .waitFor({ timeout: 10_000 });
    await ui.shot('12-experiment-diff');
    await ui.runCommand('View: Close All Editors');
    // the untitled copy asks whether to save it: no
    const dontSave = ui.page.locator('.monaco-dialog-box .monaco-button', { hasText: /Don't Save/ }).first();
    if (await ui.appears(dontSave, 5_000)) await dontSave.click();
    if (await ui.appears(dontSave, 3_000)) await dontSave.click();
  });
}
