// End to end in a real VS Code: the packaged .vsix installed into code-server, driven with
// Debian's chromium through playwright-core. Nothing of VS Code is mocked: the hover, the
// CodeLens, the webview and the language server are the ones a reviewer gets.
//
// Needs code-server (installed on first use into ~/.cache/slablens by `npm start`, or here when
// SLABLENS_E2E_INSTALL=1) and chromium. Without them the suite is skipped with a loud message,
// unless SLABLENS_E2E_REQUIRED=1 (set by .ci/run), where it fails.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, FrameLocator, Locator, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import {
  CHROMIUM_ARGS, CodeServerInstall, ensureCodeServer, findChromium, findCodeServer, installExtension, makeProfile, RunningCodeServer, startCodeServer,
} from '../tools/codeServer';

const ROOT = path.resolve(__dirname, '../../..');
const RESULTS = path.join(ROOT, 'test-results');
const required = process.env.SLABLENS_E2E_REQUIRED === '1';

async function prerequisites(): Promise<{ cs: CodeServerInstall; chromiumPath: string } | string> {
  const chromiumPath = findChromium();
  let cs = findCodeServer();
  if (!cs && (required || process.env.SLABLENS_E2E_INSTALL === '1')) cs = await ensureCodeServer((s) => console.log(`e2e: ${s}`));
  if (!chromiumPath) return 'chromium not found (apt-get install -y chromium; or set CHROMIUM_PATH)';
  if (!cs) return 'code-server not installed (run `npm start` once, or SLABLENS_E2E_INSTALL=1 npm test, or .ci/run)';
  return { cs, chromiumPath };
}

describe('slablens in a real VS Code (code-server + chromium)', async () => {
  const pre = await prerequisites().catch((e: Error) => `cannot install code-server: ${e.message}`);
  if (typeof pre === 'string') {
    if (required) {
      it('the end-to-end test can run', () => assert.fail(`SLABLENS_E2E_REQUIRED=1 but ${pre}`));
      return;
    }
    console.warn(`\n!!!! SKIPPING the VS Code end-to-end test: ${pre} !!!!\n`);
    it('end-to-end test in code-server', { skip: `SKIPPED: ${pre}` }, () => undefined);
    return;
  }

  let tmp: string;
  let server: RunningCodeServer;
  let browser: Browser;
  let page: Page;
  let extensionsDir: string;

  const shot = (name: string) => page.screenshot({ path: path.join(RESULTS, `e2e-${name}.png`) });
  const webview = (): FrameLocator => page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');

  before(async () => {
    fs.mkdirSync(RESULTS, { recursive: true });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'slablens-e2e-'));
    const vsix = path.join(tmp, 'slablens.vsix');
    execFileSync(path.join(ROOT, 'node_modules', '.bin', 'vsce'), ['package', '--out', vsix], { cwd: ROOT, stdio: 'pipe' });
    const ws = path.join(tmp, 'kernel');
    fs.cpSync(path.join(ROOT, 'server', 'fixtures', 'kernel'), ws, { recursive: true });
    const profile = makeProfile(path.join(tmp, 'profile'), { 'workbench.secondarySideBar.defaultVisibility': 'hidden', 'chat.disableAIFeatures': true, 'editor.hover.delay': 150 });
    extensionsDir = profile.extensionsDir;
    await installExtension(pre.cs, profile, vsix);
    server = await startCodeServer(pre.cs, profile, ws);
    browser = await chromium.launch({ executablePath: pre.chromiumPath, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1500, height: 950 } });
    await page.goto(server.url);
    await page.waitForSelector('.monaco-workbench', { timeout: 90_000 });
  });

  after(async () => {
    if (page && !process.exitCode) await shot('last').catch(() => undefined);
    await browser?.close().catch(() => undefined);
    if (server) {
      fs.writeFileSync(path.join(RESULTS, 'e2e-code-server.log'), server.log());
      await server.stop();
    }
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** The editor line element that shows `text` (the first one); Monaco renders spaces as U+00A0, which \s matches. */
  const line = (text: string | RegExp): Locator => page.locator('.view-line', { hasText: text }).first();
  const DEFINITION = /void\s+kvfree_rcu_barrier_on_cache\(/;

  async function gotoSymbol(name: string): Promise<void> {
    await page.keyboard.press('Control+Shift+O');
    await page.keyboard.type(name);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor();
    await page.keyboard.press('Enter');
    await line(name).waitFor();
  }

  /** The CodeLens link with this title right above the line showing `text`. */
  async function lensAbove(text: string | RegExp, title: string): Promise<Locator> {
    const target = (await line(text).boundingBox())!;
    let best: Locator | undefined;
    let bestDy = Infinity;
    for (const l of await page.locator('.codelens-decoration a', { hasText: title }).all()) {
      const b = await l.boundingBox();
      const dy = b ? target.y - b.y : -1;
      if (b && dy > 0 && dy < bestDy) [best, bestDy] = [l, dy];
    }
    assert.ok(best, `no "${title}" CodeLens above "${text}"`);
    return best;
  }

  /** Click a Simulate lens and wait until the trace view shows the expected verdict. */
  async function simulateExpecting(lens: Locator, expected: RegExp): Promise<string> {
    await page.mouse.move(5, 5);
    await lens.click();
    const v = webview().locator('[data-testid=verdict]');
    try {
      await v.filter({ hasText: expected }).waitFor({ timeout: 90_000 });
    } catch {
      assert.fail(`the trace view did not show ${expected} (it shows: ${await v.innerText().catch(() => 'nothing')})`);
    }
    return v.innerText();
  }

  it('opens mm/slab_common.c and the server puts CodeLenses on it', async () => {
    await page.keyboard.press('Control+P');
    await page.keyboard.type('slab_common.c');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'slab_common.c' }).first().click();
    await page.locator('.codelens-decoration a', { hasText: 'Simulate (KASAN)' }).first().waitFor({ state: 'attached', timeout: 60_000 });
    await shot('1-opened');
  });

  it('hover on kvfree_rcu_barrier_on_cache shows the path summary from kmem_cache_destroy', async () => {
    await gotoSymbol('kvfree_rcu_barrier_on_cache');
    const name = page.locator('.view-line span', { hasText: /^kvfree_rcu_barrier_on_cache$/ }).first();
    const b = (await name.boundingBox())!;
    await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2);
    const hover = page.locator('.monaco-hover .hover-contents, .monaco-hover-content').first();
    await hover.filter({ hasText: 'Reached from' }).waitFor({ timeout: 20_000 });
    const text = await hover.innerText();
    assert.match(text, /kmem_cache_destroy/);
    assert.match(text, /flush_rcu_sheaves_on_cache/);
    await shot('2-hover');
  });

  it('"Simulate (KASAN)" on the fixture (no rcu_barrier() after flushing sheaves) shows FAIL with lanes per CPU', async () => {
    const verdict = await simulateExpecting(await lensAbove(DEFINITION, 'Simulate (KASAN)'), /FAIL/i);
    assert.match(verdict, /objects remaining/i);
    const lanes = await webview().locator('[data-testid=lane]').allInnerTexts();
    assert.ok(lanes.some((l) => /kworker\/0/.test(l)) && lanes.some((l) => /rcu_core\/1|softirq/.test(l)), `lanes: ${lanes.join(' | ')}`);
    assert.match(await page.locator('.statusbar').innerText(), /slablens: FAIL/);
    await shot('3-fail');
  });

  it('adding the missing rcu_barrier(); in the editor and simulating again gives PASS', async () => {
    await page.locator('.editor-group-container').first().click({ position: { x: 400, y: 10 } });
    await gotoSymbol('kvfree_rcu_barrier_on_cache');
    const flush = page.locator('.view-line', { hasText: 'flush_rcu_sheaves_on_cache(s);' }).first();
    await flush.click();
    await page.keyboard.press('End');
    await page.keyboard.press('Enter');
    await page.keyboard.type('rcu_barrier(');
    await page.keyboard.press('End'); // past the auto-closed paren
    await page.keyboard.type(';');
    await page.keyboard.press('Escape');
    await line('rcu_barrier();').waitFor();
    await page.waitForTimeout(500); // let didChange reach the server
    await simulateExpecting(await lensAbove(DEFINITION, 'Simulate (KASAN)'), /PASS/i);
    assert.match(await page.locator('.statusbar').innerText(), /slablens: PASS/);
    await shot('4-pass');
  });

  /** pid of the slablens language server started by this code-server's extension host. */
  function serverPid(): number | undefined {
    const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
    const row = out.split('\n').find((l) => l.includes(extensionsDir) && l.includes('dist/server.js'));
    return row ? Number(row.trim().split(/\s+/)[0]) : undefined;
  }

  it('a crashed server is restarted, and the user is told once', async () => {
    const pid = serverPid();
    assert.ok(pid, 'language server process not found');
    process.kill(pid, 'SIGKILL');
    const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'stopped unexpectedly and was restarted' });
    await toast.first().waitFor({ timeout: 30_000 });
    let again: number | undefined;
    for (let i = 0; i < 100 && !(again && again !== pid); i++) {
      await page.waitForTimeout(200);
      again = serverPid();
    }
    assert.ok(again && again !== pid, 'no new server process');
    await shot('5-restarted');
    process.kill(again, 'SIGKILL');
    let third: number | undefined;
    for (let i = 0; i < 100 && !(third && third !== again); i++) {
      await page.waitForTimeout(200);
      third = serverPid();
    }
    assert.ok(third && third !== again, 'not restarted the second time');
    await page.waitForTimeout(1000);
    assert.equal(await toast.count(), 1, 'said once');
  });
});
