// CodeLenses above the functions the simulator can run: ▶ Simulate, with and without KASAN, and
// the last verdict. Refreshed when the index changes under the editor.

import { CodeLens, CodeLensParams, CodeLensRefreshRequest } from 'vscode-languageserver/node';
import { ORCHESTRATION } from '../../../engine/src';
import { ENTRY_POINTS } from '../analyzer';
import { ServerContext } from '../context';
import { statementLines } from '../experiment';
import { isScenarioUri } from '../litmus';

/** A scenario file's lenses: Run, Run all in its folder, and the last run's observation against the Result. */
function scenarioLenses(ctx: ServerContext, uri: string): CodeLens[] {
  const range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  const lenses: CodeLens[] = [
    { range, command: { title: '▶ Run', command: 'slablens.runScenarioFile', arguments: [uri] } },
    {
      range,
      command: {
        title: '▶ Run all scenarios in this folder',
        command: 'slablens.runAllScenarios',
        arguments: [uri.slice(0, uri.lastIndexOf('/'))],
      },
    },
  ];
  const r = ctx.scenarioRuns.get(uri);
  if (r) {
    const seen = r.observation ? `${r.observation} (${r.holds} of ${r.total})` : `undecided (${r.reason ?? 'stopped'})`;
    const vs = r.expected
      ? r.matches === undefined
        ? `, expected ${r.expected}`
        : r.matches
          ? ', as expected'
          : `, expected ${r.expected}: MISMATCH`
      : ', no Result comment';
    const title = `${r.matches === false ? '✗' : r.matches ? '✓' : '?'} ${seen}${vs}${r.shown ? '' : ' — background check'}`;
    lenses.push({
      range,
      command: r.shown
        ? { title, command: 'slablens.showLastTrace', arguments: ['scenario'] }
        : { title, command: 'slablens.runScenarioFile', arguments: [uri] },
    });
  }
  return lenses;
}

export function codeLenses(ctx: ServerContext, p: CodeLensParams): CodeLens[] {
  if (isScenarioUri(p.textDocument.uri)) return scenarioLenses(ctx, p.textDocument.uri);
  const lenses: CodeLens[] = [];
  for (const f of ctx.analyzer.functionsIn(p.textDocument.uri)) {
    if (!(ORCHESTRATION.includes(f.name) || ENTRY_POINTS.includes(f.name) || ctx.registry.leaf(f.name))) continue;
    const args = { uri: f.uri, function: f.name };
    lenses.push({
      range: f.selectionRange,
      command: { title: '▶ Simulate', command: 'slablens.simulate', arguments: [{ ...args, kasan: false }] },
    });
    lenses.push({
      range: f.selectionRange,
      command: { title: '▶ Simulate (KASAN)', command: 'slablens.simulate', arguments: [{ ...args, kasan: true }] },
    });
    // a hotplug thread takes the last CPU down at any point (engine models/hotplug.ts)
    lenses.push({
      range: f.selectionRange,
      command: {
        title: '▶ Simulate (KASAN, hotplug)',
        command: 'slablens.simulate',
        arguments: [{ ...args, kasan: true, hotplug: true }],
      },
    });
    // each configuration's last verdict: neither hides the other
    for (const [config, v] of ctx.verdicts.of(f.name))
      lenses.push({
        range: f.selectionRange,
        command: { title: `${config}: ${v}`, command: 'slablens.showLastTrace', arguments: [config] },
      });
  }
  // what-if on each modelled statement: the buffer minus that statement, the file untouched
  for (const st of statementLines(ctx.analyzer, p.textDocument.uri)) {
    const range = { start: { line: st.line, character: 0 }, end: { line: st.line, character: 0 } };
    lenses.push({
      range,
      command: {
        title: '⚗ Simulate without this statement',
        command: 'slablens.simulateWithout',
        arguments: [{ uri: p.textDocument.uri, line: st.line, function: st.fn }],
      },
    });
  }
  return lenses;
}

/** The index changed under the editor: lenses asked for before it (a cold start) are stale. */
export function refreshCodeLenses(ctx: ServerContext): void {
  if (!ctx.codeLensRefresh) return;
  ctx.connection
    .sendRequest(CodeLensRefreshRequest.type)
    .catch((e: Error) =>
      ctx.connection.console.warn(`slablens: the client refused to refresh CodeLenses: ${e.message}`),
    );
}

export function registerLenses(ctx: ServerContext): void {
  ctx.connection.onCodeLens((p) => codeLenses(ctx, p));
}
