// The end-to-end test's harness: one code-server with the packaged .vsix installed, one chromium
// page on it, and the page helpers the steps share (go to a symbol, find a CodeLens, run a
// command, wait for a verdict in the trace view).
//
// The steps live beside this file, one module per area (editorSteps, seriesSteps, …). Each exports
// a function that registers its it() blocks against a Harness; client/test/e2e.test.ts calls them
// in order inside one describe(), so all steps share one code-server session (CI starts it once).
// A new step: add it to the module of its area (or a new *Steps.ts module) and register it there.
// These modules are outside client/test/ on purpose: node --test would run each file of that folder
// as a test file of its own.

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, FrameLocator, Locator, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import {
  CHROMIUM_ARGS,
  CodeServerInstall,
  ensureCodeServer,
  findChromium,
  findCodeServer,
  installExtension,
  makeProfile,
  RunningCodeServer,
  startCodeServer,
} from '../tools/codeServer';

export const ROOT = path.resolve(__dirname, '../../..');
const RESULTS = path.join(ROOT, 'test-results');
export const required = process.env.SLABLENS_E2E_REQUIRED === '1';
/** The mailing-list thread the project comes from, and the v3 series (../shared, never copied into the repo). */
export const SEED = path.resolve(ROOT, '..', 'shared', 'seed', '000_8cd25ffe23bae77f.txt');
export const V3 = path.resolve(ROOT, '..', 'shared', 'data', 'sheaves-v3.mbox');
/** The line of kvfree_rcu_barrier_on_cache's definition in mm/slab_common.c. */
export const DEFINITION = /void\s+kvfree_rcu_barrier_on_cache\(/;

export type Box = { x: number; y: number; width: number; height: number };

/**
 * A Simulate lens: by its title above a line of the file, or as a locator (an experiment copy's
 * lens), with the function whose verdict it must give (the start of the trace view's title).
 */
export type LensAt = ({ line: string | RegExp; title: string } | { lens: Locator }) & { fn: RegExp };

export interface Prerequisites {
  cs: CodeServerInstall;
  chromiumPath: string;
}

/** code-server and chromium, or why the test cannot run. */
export async function prerequisites(): Promise<Prerequisites | string> {
  const chromiumPath = findChromium();
  let cs = findCodeServer();
  if (!cs && (required || process.env.SLABLENS_E2E_INSTALL === '1'))
    cs = await ensureCodeServer((s) => console.log(`e2e: ${s}`));
  if (!chromiumPath) return 'chromium not found (apt-get install -y chromium; or set SLABLENS_CHROMIUM)';
  if (!cs) return 'code-server not installed (run `npm start` once, or SLABLENS_E2E_INSTALL=1 npm test, or .ci/run)';
  return { cs, chromiumPath };
}

/** The fixture kernel tree as a reviewer's workspace: the saved thread, the v3 mbox and a scenario file beside it. */
function makeWorkspace(tmp: string): string {
  const ws = path.join(tmp, 'kernel');
  fs.cpSync(path.join(ROOT, 'server', 'fixtures', 'kernel'), ws, { recursive: true });
  // the mailing-list thread the project comes from, as a reviewer would save it
  fs.mkdirSync(path.join(ws, 'patches'));
  if (fs.existsSync(SEED)) fs.copyFileSync(SEED, path.join(ws, 'patches', 'sheaves-rfc-v2.txt'));
  else console.warn(`\n!!!! ${SEED} not found: the series steps of the end-to-end test are SKIPPED !!!!\n`);
  if (fs.existsSync(V3)) fs.copyFileSync(V3, path.join(ws, 'patches', 'sheaves-v3.mbox'));
  else console.warn(`\n!!!! ${V3} not found: the revision comparison step of the end-to-end test is SKIPPED !!!!\n`);
  // a scenario file shipped with a review: F1 as the package has it
  fs.mkdirSync(path.join(ws, 'scenarios'));
  fs.copyFileSync(
    path.join(ROOT, 'scenarios', 'f1-kasan-nofix.litmus'),
    path.join(ws, 'scenarios', 'f1-kasan-nofix.litmus'),
  );
  return ws;
}

const SETTINGS = {
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'chat.disableAIFeatures': true,
  'editor.hover.delay': 150,
  'slablens.review.identity': 'Ada Reviewer <ada@example.org>',
  // keep the diff full height: the Comments panel would otherwise open over it
  'comments.openView': 'never',
  // typing in the test must give exactly what it types, however slow the machine
  'editor.quickSuggestions': { other: 'off', comments: 'off', strings: 'off' },
  'editor.suggestOnTriggerCharacters': false,
  'editor.autoClosingBrackets': 'never',
  'editor.acceptSuggestionOnEnter': 'off',
};

/** One code-server session and its page, shared by every step. The fields are set by start(). */
export class Harness {
  page!: Page;
  /** The workspace folder code-server opened (a copy of server/fixtures/kernel). */
  workspace!: string;
  extensionsDir!: string;
  private userDataDir!: string;
  private tmp?: string;
  private server?: RunningCodeServer;
  private browser?: Browser;

  async start(pre: Prerequisites): Promise<void> {
    fs.mkdirSync(RESULTS, { recursive: true });
    this.tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'slablens-e2e-'));
    const vsix = path.join(this.tmp, 'slablens.vsix');
    execFileSync(
      path.join(ROOT, 'node_modules', '.bin', 'vsce'),
      ['package', '--no-rewrite-relative-links', '--out', vsix],
      { cwd: ROOT, stdio: 'pipe' },
    );
    this.workspace = makeWorkspace(this.tmp);
    const profile = makeProfile(path.join(this.tmp, 'profile'), SETTINGS);
    this.extensionsDir = profile.extensionsDir;
    this.userDataDir = profile.userDataDir;
    await installExtension(pre.cs, profile, vsix);
    this.server = await startCodeServer(pre.cs, profile, this.workspace);
    this.browser = await chromium.launch({ executablePath: pre.chromiumPath, args: CHROMIUM_ARGS });
    this.page = await this.browser.newPage({ viewport: { width: 1500, height: 950 } });
    await this.page.goto(this.server.url, { timeout: 120_000 }); // a loaded machine serves the workbench slowly
    await this.page.waitForSelector('.monaco-workbench', { timeout: 90_000 });
  }

  async stop(): Promise<void> {
    if (this.page && !process.exitCode) await this.shot('last').catch(() => undefined);
    await this.browser?.close().catch(() => undefined);
    if (this.server) {
      fs.writeFileSync(path.join(RESULTS, 'e2e-code-server.log'), this.server.log());
      // VS Code's own logs, the "Slablens" output channel (the language server's log) among them
      const logs = path.join(this.userDataDir, 'logs');
      if (fs.existsSync(logs)) fs.cpSync(logs, path.join(RESULTS, 'e2e-vscode-logs'), { recursive: true });
      await this.server.stop();
    }
    if (this.tmp) fs.rmSync(this.tmp, { recursive: true, force: true });
  }

  /** A screenshot in test-results/e2e-<name>.png. */
  shot(name: string): Promise<Buffer> {
    return this.page.screenshot({ path: path.join(RESULTS, `e2e-${name}.png`) });
  }

  /** The trace view's document (the webview's inner frame). */
  webview(): FrameLocator {
    return this.page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
  }

  /** The editor line element that shows `text` (the first one); Monaco renders spaces as U+00A0, which \s matches. */
  line(text: string | RegExp): Locator {
    return this.page.locator('.view-line', { hasText: text }).first();
  }

  /** The text of the editor's lines in view, top to bottom. */
  viewLines(scope = this.page.locator('.editor-group-container').first()): Promise<string[]> {
    return scope.locator('.view-line').evaluateAll((ls) =>
      ls
        .map((l) => ({ top: l.getBoundingClientRect().top, text: (l.textContent ?? '').replace(/\u00a0/g, ' ') }))
        .sort((a, b) => a.top - b.top)
        .map((l) => l.text),
    );
  }

  /** Go to a symbol of the active editor (Ctrl+Shift+O): the server's document symbols. */
  async gotoSymbol(name: string): Promise<void> {
    const page = this.page;
    const input = page.locator('.quick-input-widget input');
    await page.locator('.quick-input-widget').waitFor({ state: 'hidden' }); // a picker still closing would take the keys
    const symbolPickerOpen = async (): Promise<boolean> => {
      for (let i = 0; i < 20; i++) {
        if ((await input.inputValue({ timeout: 250 }).catch(() => '')).startsWith('@')) return true;
        await page.waitForTimeout(250);
      }
      return false;
    };
    for (let attempt = 0; attempt < 3; attempt++) {
      await page.keyboard.press('Control+Shift+O');
      if (await symbolPickerOpen()) break; // the symbol picker, not another one, has the keyboard
      await page.keyboard.press('Escape');
    }
    await input.pressSequentially(name);
    await page.locator('.quick-input-list .monaco-list-row:visible', { hasText: name }).first().waitFor();
    await page.keyboard.press('Enter');
    await this.line(name).waitFor();
  }

  /** kvfree_rcu_barrier_on_cache through the server's workspace symbols: whatever editor is open, this lands in the file. */
  async openDefinition(): Promise<void> {
    await this.page.keyboard.press('Control+T');
    await this.page.keyboard.type('kvfree_rcu_barrier_on_cache');
    await this.page
      .locator('.quick-input-list .monaco-list-row:visible', { hasText: /^kvfree_rcu_barrier_on_cache/ })
      .first()
      .waitFor({ timeout: 20_000 });
    await this.page.keyboard.press('Enter');
    await this.line(DEFINITION).waitFor();
  }

  /**
   * The CodeLens link with this title right above the line showing `text`. The hover is closed
   * first (it covers the lens line), and the lenses are looked for again while VS Code renders
   * them anew (after a refresh there is a moment with none in the page).
   */
  async lensAbove(text: string | RegExp, title: string): Promise<Locator> {
    await this.page.mouse.move(5, 5);
    await this.page.keyboard.press('Escape');
    for (let attempt = 0; attempt < 40; attempt++) {
      const target = await this.line(text).boundingBox();
      let best: Locator | undefined;
      let bestDy = Infinity;
      for (const l of target ? await this.page.locator('.codelens-decoration a', { hasText: title }).all() : []) {
        const b = await l.boundingBox({ timeout: 1000 }).catch(() => null); // re-rendered meanwhile: looked for again
        const dy = b ? target!.y - b.y : -1;
        if (b && dy > 0 && dy < bestDy) [best, bestDy] = [l, dy];
      }
      if (best) return best;
      await this.page.waitForTimeout(250);
    }
    assert.fail(`no "${title}" CodeLens above "${text}" within 10 s`);
  }

  /**
   * Where a lens is once the lenses hold still: after a run or an edit the server refreshes them,
   * and a row re-rendered under the mouse would take the click to another function's lens.
   */
  async stillBox(lens: LensAt): Promise<Box> {
    let last = '';
    for (let i = 0; i < 20; i++) {
      const l = 'line' in lens ? await this.lensAbove(lens.line, lens.title) : lens.lens;
      const b = await l.boundingBox({ timeout: 10_000 }).catch(() => null);
      if (b && JSON.stringify(b) === last) return b;
      last = JSON.stringify(b);
      await this.page.waitForTimeout(300);
    }
    assert.fail(`the "${'line' in lens ? lens.title : 'Simulate'}" CodeLens does not hold still`);
  }

  /** Mark the verdict the trace view shows as old, so that only a new one answers (none before the first run). */
  async markVerdictOld(): Promise<void> {
    const open = await this.page.locator('iframe.webview.ready').count();
    if (open)
      await this.webview()
        .locator('#verdict')
        .evaluate((e) => e.setAttribute('data-old', '1'), undefined, { timeout: 2_000 })
        .catch(() => undefined); // no verdict yet: nothing to mark
  }

  /**
   * Click a Simulate lens once it holds still and wait until the trace view shows a new verdict
   * for `lens.fn` that matches `expected`. A click that a re-rendered row took to another
   * function's lens is seen by the title, and the lens is clicked again (three clicks at most).
   */
  async simulateExpecting(lens: LensAt, expected: RegExp): Promise<string> {
    const fresh = this.webview().locator('#verdict:not([data-old])');
    for (let attempt = 0; ; attempt++) {
      await this.page.mouse.move(5, 5);
      await this.markVerdictOld();
      const b = await this.stillBox(lens);
      await this.page.mouse.click(b.x + b.width / 2, b.y + b.height / 2);
      if (!(await this.appears(fresh, 90_000))) assert.fail('no new verdict in the trace view within 90 s');
      const title = await fresh.locator('#title').innerText();
      if (lens.fn.test(title)) break;
      assert.ok(attempt < 2, `three clicks on the lens simulated ${title}, not ${lens.fn}`);
    }
    try {
      await fresh.filter({ hasText: expected }).waitFor({ timeout: 90_000 });
    } catch {
      assert.fail(
        `the trace view did not show ${expected} (it shows: ${await fresh.innerText().catch(() => 'nothing')})`,
      );
    }
    await this.traceReady();
    return fresh.innerText();
  }

  /**
   * Hover `target` until the hover shows `text`, and return the hover's text. The editor may still
   * be scrolling when the target first shows, so it is found and hovered anew (a busy machine
   * renders late).
   */
  async hoverUntil(target: Locator, text: string | RegExp): Promise<string> {
    const hover = this.page.locator('.monaco-hover .hover-contents, .monaco-hover-content').first();
    for (let attempt = 0; attempt < 6; attempt++) {
      await this.page.mouse.move(5, 5);
      const b = await target.boundingBox();
      if (b) await this.page.mouse.move(b.x + b.width / 2, b.y + b.height / 2);
      if (await this.appears(hover.filter({ hasText: text }), 5_000)) return hover.innerText();
    }
    assert.fail(`no hover with ${text} (hover shows: ${await hover.innerText().catch(() => 'nothing')})`);
  }

  /** The trace view has built the lanes of the result it shows (they come a frame after the verdict). */
  async traceReady(): Promise<void> {
    await this.webview().locator('#app[aria-busy="false"]').waitFor({ state: 'attached', timeout: 30_000 });
  }

  /** Run a command by its title from the command palette (F1). */
  async runCommand(title: string): Promise<void> {
    const input = this.page.locator('.quick-input-widget input');
    await this.page.locator('.quick-input-widget').waitFor({ state: 'hidden' }); // a picker still closing would take the keys
    // F1 from the trace view reaches the workbench a moment later: type only once the palette has
    // the keyboard, or the first letters go to the trace's own keys
    for (let attempt = 0; attempt < 3; attempt++) {
      await this.page.keyboard.press('F1');
      if (await this.appears(this.page.locator('.quick-input-widget input:focus'), 5_000)) break;
      await this.page.keyboard.press('Escape');
    }
    assert.match(await input.inputValue(), /^>/, 'the command palette did not open');
    await this.page.keyboard.type(title);
    await this.page.locator('.quick-input-list .monaco-list-row:visible', { hasText: title }).first().click();
  }

  /** Open a workspace file by name with Quick Open (Ctrl+P). */
  async openFile(name: string): Promise<void> {
    await this.page.keyboard.press('Control+P');
    await this.page.keyboard.type(name);
    await this.page.locator('.quick-input-list .monaco-list-row:visible', { hasText: name }).first().click();
  }

  /** Wait for a toast or dialog button; false when it did not come within `timeout` ms. */
  async appears(l: Locator, timeout: number): Promise<boolean> {
    return l.waitFor({ timeout }).then(
      () => true,
      () => false,
    );
  }

  /** pid of the slablens language server started by this code-server's extension host. */
  serverPid(): number | undefined {
    const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
    const row = out.split('\n').find((l) => l.includes(this.extensionsDir) && l.includes('dist/server.js'));
    return row ? Number(row.trim().split(/\s+/)[0]) : undefined;
  }
}

/** CPU seconds the process has used (all its threads: the exploration runs in a worker). */
export function cpuSeconds(pid: number): number {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, in clock ticks (USER_HZ = 100)
}
