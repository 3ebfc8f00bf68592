// e2e step of a scenario file: Run, its observation, its links to the file, and a mismatch.

import * as fs from 'node:fs';
import * as path from 'node:path';
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Harness } from './harness';

export function scenarioSteps(ui: Harness): void {
  it("a scenario file: Run shows herd7's observation and the trace, its P0 steps link to the file; an exists that no longer matches the Result is a diagnostic", async () => {
    const file = path.join(ui.workspace, 'scenarios', 'f1-kasan-nofix.litmus');
    const disk = fs.readFileSync(file);
    await ui.openFile('f1-kasan-nofix.litmus');
    await ui.page.locator('.tab.active', { hasText: 'f1-kasan-nofix.litmus' }).waitFor();
    const run = ui.page.locator('.codelens-decoration a', { hasText: /^▶ Run$/ }).first();
    await run.waitFor({ timeout: 60_000 });
    await ui.page.mouse.move(5, 5);
    await run.click();
    const observation = ui.webview().locator('#litmus');
    await observation.waitFor({ timeout: 90_000 });
    assert.equal(
      await observation.innerText(),
      'Observation Sometimes: exists (objects_remaining(s)) holds in 16 of 18 executions — expected Sometimes: matches.',
    );
    assert.match(await ui.webview().locator('#verdict').innerText(), /objects remaining/i);
    await ui.traceReady();
    const lanes = await ui.webview().locator('.lane-head .cell.lane').allInnerTexts();
    assert.ok(
      lanes.some((l) => /CPU0 process P0/.test(l)),
      `lanes: ${lanes.join(' | ')}`,
    );
    // a step of P0: it names the scenario's line of the call it is under, and the link opens the file there
    await ui.webview().locator('#step-0').click();
    const link = ui.webview().locator('#reveal-scenario');
    const p0 =
      fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .findIndex((l) => l.includes('kmem_cache_destroy(s);')) + 1;
    assert.equal(await link.innerText(), `P0, line ${p0} of the scenario file`);
    await link.click();
    await ui.page.locator('.tab.active', { hasText: 'f1-kasan-nofix.litmus' }).waitFor({ timeout: 10_000 });
    await ui.shot('13-scenario-run');
    // the exists clause edited so that it asks for a deadlock: Never, not the file's Sometimes
    await ui.line(/^exists\s\(objects_remaining\(s\)\)/).click();
    await ui.page.keyboard.press('Home');
    await ui.page.keyboard.press('Shift+End');
    await ui.page.keyboard.type('exists (deadlock)');
    await ui.line(/^exists\s\(deadlock\)/).waitFor();
    await ui.runCommand('View: Focus Problems');
    const problem = ui.page
      .locator('.markers-panel .monaco-list-row', { hasText: 'Observation Never, but the file expects Sometimes' })
      .first();
    await problem.waitFor({ timeout: 60_000 });
    assert.match(await problem.innerText(), /holds in 0 of 18 executions/);
    await ui.shot('14-scenario-mismatch');
    await ui.runCommand('File: Revert File');
    await ui.runCommand('View: Close All Editors');
    assert.ok(fs.readFileSync(file).equals(disk), 'the scenario file changed on disk');
  });
}
