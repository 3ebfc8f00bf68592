// CodeLenses above the functions the simulator can run: ▶ Simulate, with and without KASAN, and
// the last verdict. Refreshed when the index changes under the editor.

import { CodeLens, CodeLensParams, CodeLensRefreshRequest } from 'vscode-languageserver/node';
import { ORCHESTRATION } from '../../../engine/src';
import { ENTRY_POINTS } from '../analyzer';
import { ServerContext } from '../context';

export function codeLenses(ctx: ServerContext, p: CodeLensParams): CodeLens[] {
  const lenses: CodeLens[] = [];
  for (const f of ctx.analyzer.functionsIn(p.textDocument.uri)) {
    if (!(ORCHESTRATION.includes(f.name) || ENTRY_POINTS.includes(f.name) || ctx.registry.leaf(f.name))) continue;
    const args = { uri: f.uri, function: f.name };
    lenses.push({ range: f.selectionRange, command: { title: '▶ Simulate', command: 'slablens.simulate', arguments: [{ ...args, kasan: false }] } });
    lenses.push({ range: f.selectionRange, command: { title: '▶ Simulate (KASAN)', command: 'slablens.simulate', arguments: [{ ...args, kasan: true }] } });
    const v = ctx.lastVerdict.get(f.name);
    if (v) lenses.push({ range: f.selectionRange, command: { title: `last: ${v}`, command: 'slablens.showLastTrace', arguments: [] } });
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
