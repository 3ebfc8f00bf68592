// Navigation over the index: document and workspace symbols, go to definition, references (the
// call sites), and the call hierarchy both ways.

import {
  CallHierarchyIncomingCall,
  CallHierarchyItem,
  CallHierarchyOutgoingCall,
  DocumentSymbol,
  DocumentSymbolParams,
  Location,
  ReferenceParams,
  SymbolInformation,
  SymbolKind,
  TextDocumentPositionParams,
  WorkspaceSymbolParams,
} from 'vscode-languageserver/node';
import { CallSite, FunctionInfo } from '../analyzer';
import { ServerContext } from '../context';

const item = (f: FunctionInfo): CallHierarchyItem => ({
  name: f.name,
  kind: SymbolKind.Function,
  uri: f.uri,
  range: f.range,
  selectionRange: f.selectionRange,
  detail: f.signature,
});

export function documentSymbols(ctx: ServerContext, p: DocumentSymbolParams): DocumentSymbol[] {
  return [
    ...ctx.analyzer.functionsIn(p.textDocument.uri).map((f) => ({
      name: f.name,
      detail: f.signature,
      kind: SymbolKind.Function,
      range: f.range,
      selectionRange: f.selectionRange,
    })),
    ...ctx.analyzer
      .structs()
      .filter((s) => s.uri === p.textDocument.uri)
      .map((s) => ({
        name: s.name,
        kind: SymbolKind.Struct,
        range: s.range,
        selectionRange: s.selectionRange,
        children: s.fields.map((x) => ({
          name: x.name,
          detail: x.type,
          kind: SymbolKind.Field,
          range: x.range,
          selectionRange: x.range,
        })),
      })),
  ];
}

export function workspaceSymbols(ctx: ServerContext, p: WorkspaceSymbolParams): SymbolInformation[] {
  return ctx.analyzer
    .functions()
    .filter((f) => f.name.includes(p.query))
    .slice(0, 500)
    .map((f) => ({ name: f.name, kind: SymbolKind.Function, location: { uri: f.uri, range: f.selectionRange } }));
}

function definitionAt(ctx: ServerContext, p: TextDocumentPositionParams): FunctionInfo | undefined {
  const name = ctx.wordAt(p.textDocument.uri, p.position.line, p.position.character);
  return name ? ctx.analyzer.definition(name) : undefined;
}

export function definition(ctx: ServerContext, p: TextDocumentPositionParams): Location | null {
  const d = definitionAt(ctx, p);
  return d ? { uri: d.uri, range: d.selectionRange } : null;
}

export function references(ctx: ServerContext, p: ReferenceParams): Location[] {
  const name = ctx.wordAt(p.textDocument.uri, p.position.line, p.position.character);
  if (!name) return [];
  const refs = ctx.analyzer.callers(name).map((c) => ({ uri: c.uri, range: c.range }));
  const d = ctx.analyzer.definition(name);
  return p.context.includeDeclaration && d ? [{ uri: d.uri, range: d.selectionRange }, ...refs] : refs;
}

/** Call sites grouped by the function on their other end (caller for incoming, callee for outgoing). */
function groupCalls(
  ctx: ServerContext,
  sites: CallSite[],
  other: (c: CallSite) => string,
): { item: CallHierarchyItem; fromRanges: FunctionInfo['range'][] }[] {
  const by = new Map<string, { item: CallHierarchyItem; fromRanges: FunctionInfo['range'][] }>();
  for (const c of sites) {
    const f = ctx.analyzer.definition(other(c));
    if (!f) continue;
    const e = by.get(f.name) ?? { item: item(f), fromRanges: [] };
    e.fromRanges.push(c.range);
    by.set(f.name, e);
  }
  return [...by.values()];
}

export function incomingCalls(ctx: ServerContext, of: CallHierarchyItem): CallHierarchyIncomingCall[] {
  return groupCalls(ctx, ctx.analyzer.callers(of.name), (c) => c.caller).map((g) => ({
    from: g.item,
    fromRanges: g.fromRanges,
  }));
}

export function outgoingCalls(ctx: ServerContext, of: CallHierarchyItem): CallHierarchyOutgoingCall[] {
  return groupCalls(ctx, ctx.analyzer.callees(of.name), (c) => c.callee).map((g) => ({
    to: g.item,
    fromRanges: g.fromRanges,
  }));
}

export function registerNavigation(ctx: ServerContext): void {
  const { connection } = ctx;
  connection.onDocumentSymbol((p) => documentSymbols(ctx, p));
  connection.onWorkspaceSymbol((p) => workspaceSymbols(ctx, p));
  connection.onDefinition((p) => definition(ctx, p));
  connection.onReferences((p) => references(ctx, p));
  connection.languages.callHierarchy.onPrepare((p) => {
    const d = definitionAt(ctx, p);
    return d ? [item(d)] : null;
  });
  connection.languages.callHierarchy.onIncomingCalls((p) => incomingCalls(ctx, p.item));
  connection.languages.callHierarchy.onOutgoingCalls((p) => outgoingCalls(ctx, p.item));
}
