// e2e steps on a patch series: the saved list thread as a tree with the replies on the diff, a
// review comment exported as a reply, and v3 compared with v2.

import assert from 'node:assert/strict';
import { it } from 'node:test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Harness, SEED, V3 } from './harness';

export function seriesSteps(ui: Harness): void {
  it(
    "a saved list thread opens as a series: patches in a tree, the diff with the list's replies as comment threads",
    { skip: !fs.existsSync(SEED) && 'the seed thread (../shared/seed) is not here' },
    async () => {
      await ui.runCommand('View: Close All Editors'); // room for the diff: the trace view goes too
      await ui.openFile('sheaves-rfc-v2.txt');
      await ui.runCommand('Slablens: Open Patch Series');
      const first = ui.page.locator('.monaco-list-row', { hasText: '01/20' }).first();
      await first.waitFor({ timeout: 30_000 });
      const rows = await ui.page
        .locator('[id="workbench.view.extension.slablens"] .monaco-list-row, .pane-body .monaco-list-row')
        .allInnerTexts();
      assert.ok(
        rows.some((r) => /01\/20 .*slab/.test(r)),
        `tree rows: ${rows.slice(0, 6).join(' | ')}`,
      );
      // checked against the workspace: the patch's own row says whether it applies to this tree
      await ui.runCommand('Slablens: Check Series Against This Tree');
      const checked = ui.page.locator('.monaco-list-row', { hasText: /01\/20 [\s\S]*applies · A\d/ }).first();
      await checked.waitFor({ timeout: 30_000 });
      await ui.shot('6a-series-check');
      await first.click();
      await ui.page.keyboard.press('ArrowRight');
      await ui.page.locator('.monaco-list-row', { hasText: 'mm/slab_common.c' }).first().click();
      await ui.page.waitForSelector('.monaco-diff-editor', { timeout: 20_000 });
      // Harry Yoo's reply to patch 01 sits on the line it quotes, as a comment thread
      await ui.page.locator('.review-widget', { hasText: 'Harry Yoo' }).first().waitFor({ timeout: 20_000 });
      await ui.shot('6-series-thread');
    },
  );

  it(
    'a review comment on the diff is exported as a reply quoting that hunk line',
    { skip: !fs.existsSync(SEED) && 'the seed thread (../shared/seed) is not here' },
    async () => {
      const right = ui.page.locator('.monaco-diff-editor .editor.modified');
      await right
        .locator('.view-line', { hasText: /^\s*rcu_barrier\(\);\s*$/ })
        .last()
        .click();
      await ui.page.keyboard.press('End');
      await ui.runCommand('Add Comment on Current Selection');
      await ui.page
        .locator('.review-widget', { hasText: 'Start discussion' })
        .locator('.comment-form .monaco-editor')
        .first()
        .click();
      const text = 'This rcu_barrier() is what kasan_cache_shutdown() needs.';
      await ui.page.keyboard.type(text);
      await ui.page.locator('.review-widget .monaco-button', { hasText: 'Add Review Comment' }).first().click();
      await ui.page.locator('.review-widget', { hasText: text }).first().waitFor({ timeout: 10_000 });
      // the tree counts it, from the review action's answer (no describe of the whole series)
      await ui.page
        .locator('.monaco-list-row', { hasText: /01\/20 [\s\S]*· 1 comments/ })
        .first()
        .waitFor({ timeout: 10_000 });
      await ui.runCommand('Slablens: Export Review Reply');
      await ui.page.locator('.quick-input-list .monaco-list-row:visible', { hasText: '01/20' }).first().click();
      const dir = path.join(ui.workspace, '.slablens', 'replies');
      let reply = '';
      for (let i = 0; i < 50 && !reply; i++) {
        await ui.page.waitForTimeout(200);
        const f = fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => n.endsWith('.eml')) : [];
        if (f.length) reply = fs.readFileSync(path.join(dir, f[0]), 'utf8');
      }
      assert.ok(reply, 'no reply written under .slablens/replies');
      assert.match(reply, /^From: Ada Reviewer <ada@example\.org>$/m);
      assert.match(reply, /^Subject: Re: \[.*PATCH.*01\/20\]/m);
      // a saved web page carries no Message-IDs: no made-up In-Reply-To, and the user is told why
      assert.doesNotMatch(reply, /^In-Reply-To:/m);
      const told = ui.page
        .locator('.notifications-toasts .notification-list-item', { hasText: 'Reply written to' })
        .first();
      await told.waitFor({ timeout: 10_000 });
      assert.match((await told.getAttribute('aria-label')) ?? (await told.innerText()), /no Message-Id/);
      assert.match(reply, new RegExp(`^> \\+\\s*rcu_barrier\\(\\);\\n\\n${text.replace(/[()]/g, '\\$&')}$`, 'm'));
      await ui.shot('7-series-comment');
      await ui.runCommand('View: Close All Editors');
    },
  );

  it(
    'v3 of the series compared with the v2 thread: the range-diff in the tree, my v2 comment carried to v3',
    { skip: !(fs.existsSync(SEED) && fs.existsSync(V3)) && 'the seed thread or the v3 mbox (../shared) is not here' },
    async () => {
      await ui.openFile('sheaves-v3.mbox');
      await ui.runCommand('Slablens: Open Patch Series');
      await ui.page.locator('.monaco-list-row', { hasText: '01/21' }).first().waitFor({ timeout: 30_000 });
      await ui.runCommand('Slablens: Compare with Earlier Revision');
      await ui.page.locator('.quick-input-list .monaco-list-row:visible', { hasText: 'v3 slab' }).first().click(); // which revision: v3
      await ui.page
        .locator('.quick-input-list .monaco-list-row:visible', { hasText: 'sheaves-rfc-v2.txt' })
        .first()
        .click(); // with: v2, the saved thread
      const since = ui.page.locator('.monaco-list-row', { hasText: 'Changes since v2' }).first();
      await since.waitFor({ timeout: 20_000 });
      assert.match(await since.innerText(), /1 changed · 0 unchanged/);
      const pair = ui.page.locator('.monaco-list-row', { hasText: /01 → 01 mm\/slab: add rcu_barrier\(\)/ }).first();
      assert.match(await pair.innerText(), /changed \+\d+ −\d+/);
      // the comment written on v2 in the step before, on a line v3 still has
      const mine = ui.page
        .locator('.monaco-list-row', { hasText: 'This rcu_barrier() is what kasan_cache_shutdown() needs.' })
        .first();
      await mine.waitFor({ timeout: 10_000 });
      assert.match(await mine.innerText(), /open at mm\/slab_common\.c:\d+/);
      await pair.click();
      const diff = ui.page.locator('.monaco-diff-editor');
      await diff.first().waitFor({ timeout: 20_000 });
      assert.ok(
        await ui.page.locator('.tab', { hasText: 'range-diff v2 01 ↔ v3 01' }).count(),
        'the range-diff editor is open',
      );
      // v3's commit message tells the KASAN story: a line only the new side has
      await diff.locator('.editor.modified .view-line', { hasText: 'kasan' }).first().waitFor({ timeout: 10_000 });
      await ui.shot('9-compare');
      await ui.runCommand('View: Close All Editors');
    },
  );
}
