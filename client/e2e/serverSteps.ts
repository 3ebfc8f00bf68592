// e2e steps on the language server's process: Cancel stops an exploration, and a crashed server
// is restarted with one message.

import assert from 'node:assert/strict';
import { it } from 'node:test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cpuSeconds, Harness } from './harness';

export function serverSteps(ui: Harness): void {
  it("Cancel on the progress notification of a long exploration stops the server's work within a second", async () => {
    // a scenario made long on purpose: 6 CPUs, every state (naive), no state limit to stop it
    const settings = path.join(ui.workspace, '.vscode', 'settings.json');
    fs.mkdirSync(path.dirname(settings), { recursive: true });
    fs.writeFileSync(
      settings,
      JSON.stringify({
        'slablens.simulation.cpus': 6,
        'slablens.simulation.strategy': 'naive',
        'slablens.simulation.maxStates': 100_000_000,
      }),
    );
    try {
      // the extension host reads the settings file when its watcher tells it: until then a run
      // uses the defaults (2 CPUs, dpor) and is over at once; the progress title says which it got
      const toast = ui.page
        .locator('.notifications-toasts .notification-toast', {
          hasText: 'simulating scenario f2-kasan-fix — 6 CPUs, naive',
        })
        .first();
      for (let attempt = 0; attempt < 20; attempt++) {
        await ui.page.waitForTimeout(500);
        await ui.runCommand('Slablens: Run Scenario');
        await ui.page
          .locator('.quick-input-list .monaco-list-row:visible', { hasText: 'f2-kasan-fix' })
          .first()
          .click();
        if (await ui.appears(toast, 3_000)) break;
        await ui.runCommand('View: Close All Editors'); // the quick run's trace view
      }
      await toast.waitFor({ timeout: 1_000 });
      const pid = ui.serverPid();
      assert.ok(pid, 'language server process not found');
      // exploring: a core's worth of CPU a second on an idle machine; on a loaded one (other test
      // suites on 2 cores) it may take several seconds to use 0.3 s, but it never stays near zero
      const w0 = cpuSeconds(pid);
      let busy = 0;
      for (let waited = 0; waited < 15_000 && busy <= 0.3; waited += 500) {
        await ui.page.waitForTimeout(500);
        busy = cpuSeconds(pid) - w0;
      }
      assert.ok(busy > 0.3, `the server is not exploring (${busy.toFixed(2)} s of CPU in 15 seconds)`);
      await ui.shot('8-exploring');
      await toast.locator('.monaco-button', { hasText: 'Cancel' }).click();
      await ui.page.waitForTimeout(1000);
      const c0 = cpuSeconds(pid);
      await ui.page.waitForTimeout(1000);
      const used = cpuSeconds(pid) - c0;
      assert.ok(
        used < 0.25,
        `the server still used ${used.toFixed(2)} s of CPU in the second after the first second after Cancel`,
      );
      assert.match(await ui.page.locator('.statusbar').innerText(), /cancelled/);
    } finally {
      fs.rmSync(settings);
    }
  });

  it('a crashed server is restarted, and the user is told once', async () => {
    const pid = ui.serverPid();
    assert.ok(pid, 'language server process not found');
    process.kill(pid, 'SIGKILL');
    const toast = ui.page.locator('.notifications-toasts .notification-toast', {
      hasText: 'stopped unexpectedly and was restarted',
    });
    await toast.first().waitFor({ timeout: 30_000 });
    let again: number | undefined;
    for (let i = 0; i < 100 && !(again && again !== pid); i++) {
      await ui.page.waitForTimeout(200);
      again = ui.serverPid();
    }
    assert.ok(again && again !== pid, 'no new server process');
    await ui.shot('5-restarted');
    process.kill(again, 'SIGKILL');
    let third: number | undefined;
    for (let i = 0; i < 100 && !(third && third !== again); i++) {
      await ui.page.waitForTimeout(200);
      third = ui.serverPid();
    }
    assert.ok(third && third !== again, 'not restarted the second time');
    await ui.page.waitForTimeout(1000);
    assert.equal(await toast.count(), 1, 'said once');
  });
}
