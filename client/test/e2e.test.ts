// End to end in a real VS Code: the packaged .vsix installed into code-server, driven with
// Debian's chromium through playwright-core. Nothing of VS Code is mocked: the hover, the
// CodeLens, the webview and the language server are the ones a reviewer gets.
//
// Needs code-server (installed on first use into ~/.cache/slablens by `npm start`, or here when
// SLABLENS_E2E_INSTALL=1) and chromium. Without them the suite is skipped with a loud message,
// unless SLABLENS_E2E_REQUIRED=1 (set by .ci/run), where it fails.
//
// The harness (code-server, the page and its helpers) and the steps are in client/e2e/; the steps
// run here in order, in one code-server session, each area's after the one before.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { editorSteps } from '../e2e/editorSteps';
import { experimentSteps } from '../e2e/experimentSteps';
import { Harness, prerequisites, required } from '../e2e/harness';
import { lockSteps } from '../e2e/lockSteps';
import { scenarioSteps } from '../e2e/scenarioSteps';
import { seriesSteps } from '../e2e/seriesSteps';
import { speedSteps } from '../e2e/speedSteps';
import { serverSteps } from '../e2e/serverSteps';

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
  const ui = new Harness();
  before(() => ui.start(pre));
  after(() => ui.stop());

  editorSteps(ui); // opens slab_common.c, Simulate (KASAN) → FAIL: the trace view the next steps use
  seriesSteps(ui);
  experimentSteps(ui); // the fix typed in the buffer stays for the experiment steps
  scenarioSteps(ui);
  lockSteps(ui); // the lock rules' warning in slub.c, Simulate (KASAN, hotplug)
  speedSteps(ui);
  serverSteps(ui); // kills the language server: last
});
