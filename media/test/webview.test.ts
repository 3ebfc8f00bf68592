// Size: 616 lines with comments, 553 of code (eslint counts code, at most 600): one headless Chromium session and one served page are shared by every test of the trace view.
// The trace webview tested without VS Code: the page from traceHtml with the built script and
// CSS, served from localhost to headless Chromium, a stub acquireVsCodeApi that records what the
// page posts, and views made by running the engine here.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { check, makeScenario } from '../../engine/src';
import { makeNonce, traceHtml } from '../src/html';
import { failingIndex, lanes, order } from '../src/model';
import { FromWebview, isToWebview, SimulationView, toView, ToWebview, traceView } from '../src/protocol';

const ROOT = path.resolve(__dirname, '../../..');
// where to find the browser and its flags, shared with client/'s VS Code tests
const browserSettings = JSON.parse(fs.readFileSync(path.join(ROOT, 'tools/chromium.json'), 'utf8')) as {
  paths: string[];
  args: string[];
};
const CHROMIUM =
  [process.env.SLABLENS_CHROMIUM, ...browserSettings.paths].find((c): c is string => !!c && fs.existsSync(c)) ??
  process.env.SLABLENS_CHROMIUM ??
  browserSettings.paths[0];
const SCRIPT = path.join(ROOT, 'dist/media/trace.js');
const STYLE = path.join(ROOT, 'media/trace.css');
const SHOTS = path.join(ROOT, 'test-results');

const skip = !fs.existsSync(CHROMIUM)
  ? `!!! CHROMIUM NOT FOUND at ${CHROMIUM}: the trace webview browser tests are SKIPPED (install chromium or set SLABLENS_CHROMIUM) !!!`
  : false;
if (skip) {
  console.error(`\n${'!'.repeat(100)}\n${skip}\n${'!'.repeat(100)}\n`);
  // counted as a skipped test in the summary, not silently absent
  it('trace webview in headless Chromium', (t) => t.skip(skip));
}

const f1 = toView(
  check(makeScenario('f1-kasan-nofix'), { strategy: 'dpor' }),
  'F1: kmem_cache_destroy() with KASAN, without patch 01',
);
const f2 = toView(check(makeScenario('f2-kasan-fix'), { strategy: 'dpor' }), 'F2: with patch 01');
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

// Stands in for the VS Code webview host: records posts, keeps state in sessionStorage so it
// survives a reload like VS Code's getState/setState, and records CSP violations and dialogs.
const STUB = `
window.__posted = [];
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
let acquired = 0;
window.acquireVsCodeApi = () => {
  if (++acquired > 1) throw new Error('acquireVsCodeApi may only be called once');
  return {
    postMessage: (m) => window.__posted.push(JSON.parse(JSON.stringify(m))),
    getState: () => { const s = sessionStorage.getItem('vscodeState'); return s ? JSON.parse(s) : undefined; },
    setState: (s) => { sessionStorage.setItem('vscodeState', JSON.stringify(s)); return s; },
  };
};`;

describe('trace webview in headless Chromium (no VS Code)', { skip }, () => {
  let browser: Browser;
  let server: http.Server;
  let base = '';
  const requested: string[] = [];

  before(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slablens-webview-'));
    fs.copyFileSync(SCRIPT, path.join(dir, 'trace.js'));
    fs.copyFileSync(STYLE, path.join(dir, 'trace.css'));
    server = http.createServer((req, res) => {
      requested.push(req.url ?? '');
      const name = req.url === '/' ? 'index.html' : (req.url ?? '').slice(1);
      const file = path.join(dir, path.basename(name));
      if (!fs.existsSync(file)) {
        res.writeHead(404).end();
        return;
      }
      const type = name.endsWith('.js') ? 'text/javascript' : name.endsWith('.css') ? 'text/css' : 'text/html';
      res.writeHead(200, { 'content-type': `${type}; charset=utf-8` }).end(fs.readFileSync(file));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // the CSP source is this origin, as webview.cspSource is the webview resource origin in VS Code
    const html = traceHtml({
      cspSource: base,
      nonce: makeNonce(),
      scriptUri: `${base}/trace.js`,
      styleUri: `${base}/trace.css`,
      title: 'slablens trace',
    });
    fs.writeFileSync(path.join(dir, 'index.html'), html);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: browserSettings.args,
    });
    fs.mkdirSync(SHOTS, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    await new Promise((r) => server?.close(r));
  });

  interface Opened {
    page: Page;
    dialogs: string[];
    posted(): Promise<FromWebview[]>;
    send(m: ToWebview | unknown): Promise<void>;
  }

  // One tab for all tests (a new page costs seconds on a loaded CI box); each test starts
  // from a fresh load with the webview state cleared, as a newly opened panel does.
  let tab: Page | undefined;
  const dialogs: string[] = [];
  async function open(view?: SimulationView): Promise<Opened> {
    if (!tab) {
      tab = await (await browser.newContext({ viewport: { width: 1500, height: 950 } })).newPage();
      tab.on('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
      await tab.addInitScript(STUB);
      await tab.goto(`${base}/`);
    }
    const page = tab;
    await page.evaluate(() => sessionStorage.clear());
    dialogs.length = 0;
    await page.goto(`${base}/`);
    await page.waitForFunction(() => (window as unknown as { __posted: unknown[] }).__posted.length > 0);
    const o: Opened = {
      page,
      dialogs,
      posted: () => page.evaluate(() => (window as unknown as { __posted: FromWebview[] }).__posted),
      // the same event VS Code's postMessage delivers, dispatched synchronously so the page
      // has handled it when evaluate returns (no timing guesses)
      send: async (m) => {
        await page.evaluate((data) => void window.dispatchEvent(new MessageEvent('message', { data })), m);
        // a result's verdict is in at once, its lanes a frame later: wait for them (#app aria-busy)
        if (isToWebview(m) && m.type === 'show')
          await page.waitForSelector('#app[aria-busy="false"]', { state: 'attached' });
      },
    };
    if (view) {
      await o.send({ type: 'show', view });
      await page.waitForSelector('#verdict');
    }
    return o;
  }

  const selectedId = (p: Page) => p.getAttribute('[role=option][aria-selected=true]', 'id');
  const lastPost = async (o: Opened) => (await o.posted()).at(-1);
  const cspViolations = (p: Page) => p.evaluate(() => (window as unknown as { __csp: string[] }).__csp);

  it('posts ready on load, then shows a failure with the error in front, opened at the failing step', async () => {
    const o = await open();
    assert.deepEqual(await o.posted(), [{ type: 'ready' }]);
    await o.send({ type: 'show', view: f1 });
    const { page } = o;
    assert.equal(await page.textContent('#verdict .badge'), 'FAIL');
    assert.equal(await page.textContent('#title'), f1.title);
    assert.equal(
      await page.textContent('#property'),
      'objects remaining: Objects remaining in test_cache on __kmem_cache_shutdown()',
    );
    assert.equal(await page.getAttribute('#verdict', 'aria-live'), 'polite');
    const fi = failingIndex(f1.trace!)!;
    assert.equal(await selectedId(page), `step-${fi}`);
    assert.match(
      (await page.textContent('#error-front')) ?? '',
      /Violated at step \d+ on CPU0 \(process P0\) in free_partial/,
    );
    assert.match((await page.textContent('#current-step .violation-box')) ?? '', /objects remaining/);
    assert.match((await page.textContent('#warnings')) ?? '', /Slab cache still has objects/);
    assert.deepEqual(await page.$$eval('#stack li', (l) => l.map((x) => x.textContent)), [
      'P0',
      'kmem_cache_destroy',
      '__kmem_cache_shutdown',
      'free_partial',
    ]);
    // the failing step's row is scrolled into the list's view, and the verdict stays on screen
    const inView = await page.evaluate((id) => {
      const row = document.getElementById(id)!.getBoundingClientRect();
      const list = document.querySelector('.scroller')!.getBoundingClientRect();
      const head = document.querySelector('.lane-head')!.getBoundingClientRect();
      const verdict = document.getElementById('verdict')!.getBoundingClientRect();
      return {
        row: row.top >= head.bottom - 1 && row.bottom <= list.bottom + 1 && row.bottom <= innerHeight,
        verdict: verdict.top >= 0,
      };
    }, `step-${fi}`);
    assert.deepEqual(inView, { row: true, verdict: true });
    // (checked before the screenshot, which makes Playwright touch the page's styles)
    assert.deepEqual(
      await page.$$eval('[style]', (l) => l.map((x) => x.outerHTML.slice(0, 120))),
      [],
      'no inline style attributes',
    );
    await page.screenshot({ path: path.join(SHOTS, 'webview-fail.png'), fullPage: true });
    assert.deepEqual(await cspViolations(page), []);
    assert.deepEqual(o.dialogs, []);
  });

  it('in a 500 px panel every lane is in view, the failing step is brought into the window, the verdict stays on top', async () => {
    const o = await open();
    await o.page.setViewportSize({ width: 500, height: 800 });
    try {
      await o.send({ type: 'show', view: f1 });
      const fi = failingIndex(f1.trace!)!;
      const r = await o.page.evaluate(
        (id) => document.getElementById(id)!.getBoundingClientRect().toJSON() as DOMRect,
        `step-${fi}`,
      );
      assert.ok(r.top >= 0 && r.bottom <= 800 + 1, JSON.stringify(r));
      const heads = await o.page.$$eval('.lane-head .cell', (l) =>
        l.map((x) => x.getBoundingClientRect().toJSON() as DOMRect),
      );
      assert.ok(
        heads.length >= 3 && heads.every((b) => b.left >= 0 && b.right <= 500 + 1 && b.width > 40),
        JSON.stringify(heads),
      );
      const v = await o.page.evaluate(
        () => document.getElementById('verdict')!.getBoundingClientRect().toJSON() as DOMRect,
      );
      assert.ok(v.top >= 0 && v.top < 20 && v.height > 10 && r.top >= v.bottom - 1, `verdict at ${JSON.stringify(v)}`);
      await o.page.screenshot({ path: path.join(SHOTS, 'webview-narrow.png') });
    } finally {
      await o.page.setViewportSize({ width: 1500, height: 950 });
    }
  });

  it('at the default split width (571 px) the Not modelled list shows flush_all_cpus_locked whole: nothing clips its underscores', async () => {
    const o = await open();
    await o.page.setViewportSize({ width: 571, height: 800 });
    try {
      const v = clone(f1);
      v.notModelled = { flush_all_cpus_locked: ['has_pcs_used_or_not: no model (a guess)', 'queue_work_on: x'] };
      await o.send({ type: 'show', view: v });
      await o.page.evaluate(() => window.scrollTo(0, 0));
      const seen = await o.page.$$eval('.not-modelled code', (codes) =>
        codes.map((c) => {
          const r = c.getBoundingClientRect();
          // every box around it that clips (overflow other than visible) holds it whole
          const clippers: string[] = [];
          for (let e = c.parentElement; e; e = e.parentElement) {
            const cs = getComputedStyle(e);
            const b = e.getBoundingClientRect();
            if ((cs.overflowY !== 'visible' || cs.overflowX !== 'visible') && (b.top > r.top || b.bottom < r.bottom))
              clippers.push(`${e.tagName}.${e.className} ${cs.overflowY}`);
          }
          const verdict = document.getElementById('verdict')!.getBoundingClientRect();
          return { text: c.textContent, top: r.top, bottom: r.bottom, under: verdict.bottom > r.top, clippers };
        }),
      );
      assert.equal(seen[0]?.text, 'flush_all_cpus_locked', JSON.stringify(seen));
      for (const s of seen) assert.deepEqual([s.under, s.clippers], [false, []], JSON.stringify(s));
      await o.page.locator('.not-modelled').screenshot({ path: path.join(SHOTS, 'webview-not-modelled-571.png') });
    } finally {
      await o.page.setViewportSize({ width: 1500, height: 950 });
    }
  });

  it('one lane per CPU and context, and every step sits in its own lane', async () => {
    const { page } = await open(f1);
    const heads = await page.$$eval('.lane-head .cell.lane', (l) => l.map((x) => x.textContent));
    assert.deepEqual(
      heads,
      lanes(f1.trace!).map((l) => l.label),
    );
    assert.deepEqual(heads, [
      'CPU0 process P0',
      'CPU0 kworker',
      'CPU0 softirq rcu_core/0',
      'CPU1 kworker',
      'CPU1 softirq rcu_core/1',
    ]);
    // the rcu_core/1 step is in the last column of its row
    const i = f1.trace!.steps.findIndex((s) => s.thread === 'rcu_core/1');
    const cells = await page.$$eval(`#step-${i} .cell.lane`, (l) => l.map((x) => x.classList.contains('occupied')));
    assert.deepEqual(cells, [false, false, false, false, true]);
    assert.equal(await page.getAttribute('#steps', 'role'), 'listbox');
    assert.equal(await page.locator('#steps [role=option]').count(), f1.trace!.steps.length);
  });

  it('keys step through the trace and post the step: ←/→, j/k, Home/End, f', async () => {
    const o = await open(f1);
    const { page } = o;
    const fi = failingIndex(f1.trace!)!;
    const n = f1.trace!.steps.length;
    await page.focus('#steps');
    await page.keyboard.press('ArrowLeft');
    assert.equal(await selectedId(page), `step-${fi - 1}`);
    assert.deepEqual(await lastPost(o), { type: 'step', index: fi - 1 });
    await page.keyboard.press('ArrowRight');
    assert.equal(await selectedId(page), `step-${fi}`);
    assert.deepEqual(await lastPost(o), { type: 'step', index: fi });
    await page.keyboard.press('Home');
    assert.equal(await selectedId(page), 'step-0');
    // the first row is not hidden under the sticky lane header
    assert.ok(
      await page.evaluate(
        () =>
          document.getElementById('step-0')!.getBoundingClientRect().top >=
          document.querySelector('.lane-head')!.getBoundingClientRect().bottom - 1,
      ),
    );
    assert.equal(await page.getAttribute('#steps', 'aria-activedescendant'), 'step-0');
    await page.keyboard.press('k'); // clamps at the first step
    assert.equal(await selectedId(page), 'step-0');
    await page.keyboard.press('j');
    assert.equal(await selectedId(page), 'step-1');
    await page.keyboard.press('End');
    assert.equal(await selectedId(page), `step-${n - 1}`);
    await page.keyboard.press('f');
    assert.equal(await selectedId(page), `step-${fi}`);
    assert.deepEqual(await lastPost(o), { type: 'step', index: fi });
    // the buttons do the same
    await page.click('#btn-back');
    assert.equal(await selectedId(page), `step-${fi - 1}`);
    await page.click('#btn-forward');
    assert.equal(await selectedId(page), `step-${fi}`);
    assert.match((await page.textContent('#position')) ?? '', new RegExp(`\\(${fi + 1} of ${n}\\)`));
    // at the first step Back is marked unavailable but keeps the focus of a keyboard user
    await page.focus('#btn-back');
    for (let k = 0; k <= fi; k++) await page.keyboard.press('Enter');
    assert.equal(await selectedId(page), 'step-0');
    assert.equal(await page.getAttribute('#btn-back', 'aria-disabled'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'btn-back');
  });

  it('clicking a step selects it (the host shows its source, the keys stay here); Enter asks for the source with the keyboard', async () => {
    const o = await open(f1);
    const { page } = o;
    const s0 = f1.trace!.steps[0];
    assert.ok(s0.anchor);
    await page.click('#step-0');
    assert.deepEqual(await lastPost(o), { type: 'step', index: 0 });
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'steps', 'the step list keeps the keyboard');
    assert.equal(s0.anchor!.fn, 'flush_rcu_sheaves_on_cache');
    // a kworker step has no call statement: its function is what is revealed
    const k = f1.trace!.steps.findIndex((s) => s.function === 'flush_rcu_sheaf');
    await page.click(`#step-${k}`);
    await page.keyboard.press(' ');
    assert.deepEqual(await lastPost(o), { type: 'reveal', function: 'flush_rcu_sheaf', focus: false });
    assert.equal(await page.textContent('#reveal-step'), 'flush_rcu_sheaf');
    assert.doesNotMatch((await page.textContent('#current-step')) ?? '', /called from/);
    await page.keyboard.press('Home');
    assert.match(
      (await page.textContent('#current-step')) ?? '',
      /In \w+ called from flush_rcu_sheaves_on_cache \(statement \d+\)/,
    );
    await page.keyboard.press('Enter');
    assert.deepEqual(await lastPost(o), {
      type: 'reveal',
      function: s0.anchor!.fn,
      index: s0.anchor!.index,
      focus: true,
    });
    // the host gives the keyboard back (Slablens: Focus Trace View)
    await o.send({ type: 'focus' });
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'steps');
    // a stack frame reveals that function
    await page.click('#stack li:nth-child(2) button');
    assert.deepEqual(await lastPost(o), { type: 'reveal', function: 'kmem_cache_destroy' });
  });

  it('shows the replay token and command; Copy, Export, Import post to the host', async () => {
    const o = await open(f1);
    const { page } = o;
    assert.equal(await page.textContent('#token'), f1.token);
    // a token is [A-Za-z0-9_~-]: one word as it is
    assert.equal(await page.textContent('#replay-command'), `node dist/cli.js replay --token ${f1.token}`);
    await page.click('#copy-token');
    assert.deepEqual(await lastPost(o), { type: 'copyToken', token: f1.token });
    await page.click('#export');
    assert.deepEqual(await lastPost(o), { type: 'exportTrace' });
    await page.click('#import');
    assert.deepEqual(await lastPost(o), { type: 'importTrace' });
  });

  it('dims exactly the steps concurrent with the selected one (vector clocks), and the toggle undims', async () => {
    const { page } = await open(f1);
    const steps = f1.trace!.steps;
    // the end of CPU1's flush_rcu_sheaf work: after P0 queued it, before P0's flush_work(),
    // concurrent with CPU0's kworker
    const sel = steps.map((s) => s.thread).lastIndexOf('kworker/1:flush_rcu_sheaf');
    await page.click(`#step-${sel}`);
    const dimmed = await page.$$eval('.step.hb-concurrent', (l) => l.map((x) => Number(x.id.slice(5))));
    const expected = steps
      .map((s, i) => (i !== sel && order(steps[sel], s) === 'concurrent' ? i : -1))
      .filter((i) => i >= 0);
    assert.ok(expected.length > 0);
    assert.deepEqual(dimmed, expected);
    const before = await page.$$eval('.step.hb-before', (l) => l.length);
    const afterN = await page.$$eval('.step.hb-after', (l) => l.length);
    assert.ok(before > 0 && afterN > 0);
    const opacity = (i: number) => page.$eval(`#step-${i}`, (e) => Number(getComputedStyle(e).opacity));
    assert.ok((await opacity(expected[0])) < 1, 'concurrent steps are dimmed by the stylesheet');
    assert.equal(await opacity(sel), 1);
    await page.click('#hb-toggle');
    assert.equal(await opacity(expected[0]), 1);
  });

  it("the state panel shows the step's changes: o0 into the KASAN quarantine, what it was", async () => {
    const { page } = await open(f1);
    const i = f1.trace!.steps.findIndex((s) => s.function === 'slab_free_hook' && s.cpu === 0);
    await page.click(`#step-${i}`);
    assert.equal(await page.getAttribute('tr[data-key="o0"]', 'class'), 'changed modified');
    assert.match((await page.textContent('tr[data-key="o0"] .was')) ?? '', /was rcu_cb:0/);
    assert.equal(await page.textContent('tr[data-key="o0"] ins'), 'quarantine:0');
    assert.equal(await page.getAttribute('tr[data-key="kasan.quarantine.cpu0"]', 'class'), 'changed added');
    const titles = await page.$$eval('#state-body h3', (l) => l.map((x) => x.textContent));
    assert.ok(
      titles.includes('Per-CPU sheaves (pcs)') && titles.includes('KASAN quarantine') && titles.includes('Slabs'),
      titles.join(),
    );
    // state before step 0 vs after: the per-CPU rcu_free sheaf holds o0
    await page.click('#btn-first');
    assert.equal(await page.textContent('tr[data-key="cpu0.pcs.rcu_free"] td'), 'sheaf#0[o0]');
    await page.check('#changed-only');
    // step 0 takes flush_lock (locks are state)
    assert.deepEqual(await page.$$eval('#state-body tr', (l) => l.map((x) => x.getAttribute('data-key'))), [
      'lock.&flush_lock',
    ]);
    await page.uncheck('#changed-only');
    await page.fill('#state-filter', 'slab#1');
    assert.deepEqual(await page.$$eval('#state-body tr', (l) => l.map((x) => x.getAttribute('data-key'))), ['slab#1']);
  });

  it('watching a key follows it across the trace: o0 from the rcu_free sheaf to the quarantine', async () => {
    const o = await open(f1);
    const { page } = o;
    await page.click('#btn-first');
    await page.click('tr[data-key="o0"] th button');
    assert.equal(await page.getAttribute('tr[data-key="o0"] th button', 'aria-pressed'), 'true');
    const steps = f1.trace!.steps;
    const changing = steps.map((s, i) => (s.changes?.some((c) => c.key === 'o0') ? i : -1)).filter((i) => i >= 0);
    assert.equal(changing.length, 2);
    assert.deepEqual(await page.$$eval('.step.touches-watch', (l) => l.map((x) => Number(x.id.slice(5)))), changing);
    assert.equal(await page.textContent('#watch .watch-value'), 'rcu_free:0');
    const entries = await page.$$eval('#watch .watch-history li', (l) => l.map((x) => x.textContent));
    assert.equal(entries.length, 2);
    assert.match(entries[0] ?? '', /call_rcu: rcu_cb:0$/);
    assert.match(entries[1] ?? '', /slab_free_hook: quarantine:0$/);
    await page.click('#watch .watch-history li:nth-child(2) button');
    assert.equal(await selectedId(page), `step-${changing[1]}`);
    assert.deepEqual(await lastPost(o), { type: 'step', index: changing[1] });
    assert.equal(await page.textContent('#watch .watch-value'), 'quarantine:0');
    await page.screenshot({ path: path.join(SHOTS, 'webview-watch.png') });
    // the watch survives a reload; un-watching clears the marks
    await page.reload();
    await page.waitForSelector('#watch');
    await page.click('#watch .watch-item button');
    assert.equal(await page.locator('#watch').count(), 0);
    assert.equal(await page.locator('.step.touches-watch').count(), 0);
  });

  it('a trace without vector clocks shows no happens-before and says so', async () => {
    const v = clone(f1);
    for (const s of v.trace!.steps) delete s.clock;
    const { page } = await open(v);
    await page.click('#step-5');
    assert.equal(await page.locator('.step.hb-concurrent').count(), 0);
    assert.ok(await page.isDisabled('#hb-toggle'));
    assert.match((await page.textContent('.legend')) ?? '', /no vector clocks/);
  });

  it('a pass shows what was explored, and still its sample trace', async () => {
    const { page } = await open(f2);
    assert.equal(await page.textContent('#verdict .badge'), 'PASS');
    assert.match((await page.textContent('#property')) ?? '', /No property violated in any interleaving/);
    const stats = (await page.textContent('#stats')) ?? '';
    for (const k of ['strategy', 'dpor', 'states', 'interleavings', 'distinct outcomes', 'time'])
      assert.ok(stats.includes(k), `${k} in ${stats}`);
    const dd = await page.$$eval('#stats dt', (l) => l.map((x) => [x.textContent, x.nextElementSibling?.textContent]));
    assert.deepEqual(Object.fromEntries(dd).interleavings, String(f2.stats!.executions));
    assert.deepEqual(Object.fromEntries(dd)['distinct outcomes'], String(f2.stats!.outcomes));
    assert.match((await page.textContent('.sample-heading')) ?? '', /Sample execution/);
    assert.equal(await page.locator('#error-front').count(), 0);
    assert.ok(await page.isDisabled('#btn-failing'));
    assert.equal(await page.locator('#steps [role=option]').count(), f2.trace!.steps.length);
    assert.equal(await selectedId(page), 'step-0');
    await page.screenshot({ path: path.join(SHOTS, 'webview-pass.png'), fullPage: true });
  });

  it('a sampled pass says it is not a proof; an imported trace says it has no statistics', async () => {
    const r = check(makeScenario('f2-kasan-fix'), { strategy: 'random', runs: 3, seed: 1 });
    assert.equal(r.verdict, 'pass');
    const o = await open(toView(r, 'F2 sampled'));
    assert.match((await o.page.textContent('#property')) ?? '', /sampled runs \(random\).*does not prove/);
    await o.send({ type: 'show', view: traceView(f1.trace!, 'f1.json') });
    assert.equal(await o.page.textContent('#verdict .badge'), 'FAIL');
    assert.match((await o.page.textContent('#summary')) ?? '', /Loaded from a trace file/);
    assert.equal(await o.page.locator('#stats').count(), 0);
    assert.equal(await selectedId(o.page), `step-${failingIndex(f1.trace!)}`);
  });

  it('an incomplete run says it is not a pass, and why', async () => {
    const r = check(makeScenario('f1-kasan-nofix'), { strategy: 'naive', maxStates: 5 });
    const { page } = await open(toView(r, 'limited'));
    assert.equal(await page.textContent('#verdict .badge'), 'INCOMPLETE');
    assert.match((await page.textContent('#property')) ?? '', /Not a pass/);
    assert.match(
      (await page.textContent('.incomplete-reason')) ?? '',
      new RegExp(r.reason!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')),
    );
  });

  it('markup in a title, message, event or state value shows as text: no element, no script, no dialog', async () => {
    const evil = '<script>alert(1)</script><img src=x onerror=alert(2)>';
    const v = clone(f1);
    v.title = `title ${evil}`;
    v.message = `message ${evil}`;
    v.property = `property ${evil}`;
    v.trace!.steps[0].event = `event ${evil}`;
    v.trace!.steps[0].function = `fn${evil}`;
    v.trace!.steps[0].stack = [`frame${evil}`];
    v.trace!.steps[0].warnings = [`warning ${evil}`];
    v.trace!.initial[`key${evil}`] = `value ${evil}`;
    v.notModelled = { [`f${evil}`]: [`why ${evil}`] };
    const o = await open(v);
    const { page } = o;
    await page.click('#step-0');
    assert.equal(await page.textContent('#title'), `title ${evil}`);
    assert.equal(await page.textContent('#event'), `event ${evil}`);
    const text = await page.evaluate(() => document.body.textContent ?? '');
    for (const s of ['title', 'message', 'event', 'warning', 'value', 'frame', 'why'])
      assert.ok(text.includes(`${s} ${evil}`) || text.includes(`${s}${evil}`), s);
    assert.equal(await page.locator('script').count(), 1, "only the page's own script element");
    assert.equal(await page.locator('img').count(), 0);
    await page.waitForTimeout(100);
    assert.deepEqual(o.dialogs, []);
    // a stack frame that is not a C identifier is shown, but not offered for reveal
    assert.equal(await page.locator('#stack li').count(), 1);
    assert.equal(await page.locator('#stack button').count(), 0);
    assert.deepEqual(await cspViolations(page), []);
  });

  it('keeps the selected step across a reload (getState) and when the host re-sends the same view', async () => {
    const o = await open(f1);
    const { page } = o;
    await page.click('#step-3');
    await page.reload();
    await page.waitForSelector('#verdict');
    assert.equal(await selectedId(page), 'step-3', 'restored from state before the host answers');
    assert.deepEqual(await lastPost(o), { type: 'ready' });
    await o.send({ type: 'show', view: clone(f1) });
    assert.equal(await selectedId(page), 'step-3');
    // a different run opens at its own start
    await o.send({ type: 'show', view: f2 });
    assert.equal(await selectedId(page), 'step-0');
  });

  it('reports a malformed message instead of rendering it; error and busy messages show', async () => {
    const o = await open(f1);
    const { page } = o;
    await o.send({ type: 'show', view: { ...clone(f1), verdict: 'maybe' } });
    assert.match((await page.textContent('#banner')) ?? '', /malformed message/);
    assert.equal(await page.textContent('#verdict .badge'), 'FAIL', 'the previous view stays');
    await o.send({ type: 'error', message: 'simulation failed: <b>x</b>' });
    assert.equal(await page.textContent('#banner'), 'simulation failed: <b>x</b>');
    await o.send({ type: 'busy', text: 'exploring interleavings…' });
    assert.equal(await page.textContent('#busy'), 'exploring interleavings…');
    await o.send({ type: 'select', index: 2 });
    assert.equal(await selectedId(page), 'step-2');
    assert.notDeepEqual(await lastPost(o), { type: 'step', index: 2 }, 'a host-driven select is not echoed back');
  });

  it('takes its colours from the VS Code theme variables (a light theme here)', async () => {
    const { page } = await open(f1);
    const colours = () =>
      page.evaluate(() => {
        const body = getComputedStyle(document.body);
        const badge = getComputedStyle(document.querySelector('#verdict .badge')!);
        const sel = getComputedStyle(document.querySelector('.step.selected')!);
        return [body.backgroundColor, body.color, badge.color, sel.backgroundColor];
      });
    const dark = await colours();
    // VS Code sets these on <html> when the theme changes
    await page.evaluate(() => {
      const r = document.documentElement.style;
      r.setProperty('--vscode-editor-background', 'rgb(255, 255, 255)');
      r.setProperty('--vscode-foreground', 'rgb(51, 51, 51)');
      r.setProperty('--vscode-errorForeground', 'rgb(161, 38, 13)');
      r.setProperty('--vscode-list-activeSelectionBackground', 'rgb(0, 96, 192)');
    });
    assert.deepEqual(await colours(), ['rgb(255, 255, 255)', 'rgb(51, 51, 51)', 'rgb(161, 38, 13)', 'rgb(0, 96, 192)']);
    assert.notDeepEqual(dark, await colours());
    await page.screenshot({ path: path.join(SHOTS, 'webview-light.png') });
  });

  it('is usable by keyboard alone: Tab reaches the step list and the controls have focus outlines', async () => {
    const { page } = await open(f1);
    const reached: string[] = [];
    for (let i = 0; i < 30 && !reached.includes('steps'); i++) {
      await page.keyboard.press('Tab');
      reached.push(await page.evaluate(() => document.activeElement?.id ?? document.activeElement?.tagName ?? ''));
    }
    assert.ok(
      reached.includes('copy-token') && reached.includes('btn-back') && reached.includes('steps'),
      reached.join(),
    );
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    assert.notEqual(outline, 'none', 'focus is visible');
    // (the favicon request is Chromium's own, not the page's)
    assert.ok(
      requested.every((u) => ['/', '/trace.js', '/trace.css', '/favicon.ico'].includes(u)),
      `only the page and its two assets are loaded: ${requested.join()}`,
    );
  });
});
