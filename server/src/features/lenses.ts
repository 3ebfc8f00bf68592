// CodeLenses above the functions the simulator can run: ▶ Simulate, with and without KASAN, and
// the last verdict. Refreshed when the index changes under the editor.

import { CodeLens, CodeLensParams, CodeLensRefreshRequest } from 'vscode-languageserver/node';
import { ORCHESTRATION } from '../../../engine/src';
import { ENTRY_POINTS } from '../analyzer';
import { ServerContext } from '../context';
import { statementLines } from '../experiment';

export function codeLenses(ctx: ServerContext, p: CodeLensParams): CodeLens[] {
  const lenses: CodeLens[] = [];
  for (const f of ctx.analyzer.functionsIn(p.textDocument.uri)) {
    if (!(ORCHESTRATION.includes(f.name) || ENTRY_POINTS.includes(f.name) || ctx.registry.leaf(f.name))) continue;
    const args = { uri: f.uri, function: f.name };
    lenses.push({ range: f.selectionRange, command: { title: '▶ Simulate', command: 'slablens.simulate', arguments: [{ ...args, kasan: false }] } });
    lenses.push({ range: f.selectionRange, command: { title: '▶ Simulate (KASAN)', command: 'slablens.simulate', arguments: [{ ...args, kasan: true }] } });
    // a hotplug thread takes the last CPU down at any point (engine models/hotplug.ts)
    lenses.push({ range: f.selectionRange, command: { title: '▶ Simulate (KASAN, hotplug)', command: 'slablens.simulate', arguments: [{ ...args, kasan: true, hotplug: true }] } });
    // each configuration's last verdict: neither hides the other
    for (const [config, v] of ctx.verdicts.of(f.name)) lenses.push({ range: f.selectionRange, command: { title: `${config}: ${v}`, command: 'slablens.showLastTrace', arguments: [config] } });
  }
  // what-if on each modelled statement: the buffer minus that statement, the file untouched
  for (const st of statementLines(ctx.analyzer, p.textDocument.uri)) {
    const range = { start: { line: st.line, character: 0 }, end: { line: st.line, character: 0 } };
    lenses.push({ range, command: { title: '⚗ Simulate without this statement', command: 'slablens.simulateWithout', arguments: [{ uri: p.textDocument.uri, line: st.line, function: st.fn }] } });
  }
  return lenses;
}

/** The index changed under the editor: lenses asked for before it (a cold start) are stale. */
export function refreshCodeLenses(ctx: ServerContext): void {
  if (!ctx.codeLensRefresh) return;
  ctx.connection.sendRequest(CodeLensRefreshRequest.type).catch((e: Error) => ctx.connection.console.warn(`slablens: the client refused to refresh CodeLenses: ${e.message}`));
}

export function registerLenses(ctx: ServerContext): void {
  ctx.connection.onCodeLens((p) => codeLenses(ctx, p));
}
