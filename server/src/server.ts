// The language server: LSP wiring over the analyzer (index, call graph, C→IR) and the engine.
// `node dist/server.js --stdio`. The state is one ServerContext (context.ts); each feature lives in
// features/ and registers its handlers on it. Features degrade locally on half-typed C; nothing
// here throws out of a handler.

import { fileURLToPath } from 'node:url';
import {
  CodeActionKind,
  createConnection,
  InitializeParams,
  InitializeResult,
  ProposedFeatures,
  TextDocumentSyncKind,
} from 'vscode-languageserver/node';
import { readIndexSettings } from '../../protocol/src';
import { ServerContext } from './context';
import { registerAnnotations } from './features/annotations';
import { EXPERIMENT_KIND, registerDiagnostics } from './features/diagnostics';
import { registerHover, warmScenarioReach } from './features/hover';
import { registerLenses } from './features/lenses';
import { readTrust, registerLitmus } from './features/litmus';
import { registerNavigation } from './features/navigation';
import { registerSeries } from './features/series';
import { registerSimulate, warmWorker } from './features/simulate';
import { indexWorkspace, registerWorkspace } from './features/workspace';

const initializeResult: InitializeResult = {
  capabilities: {
    textDocumentSync: TextDocumentSyncKind.Incremental,
    hoverProvider: true,
    codeLensProvider: { resolveProvider: false },
    // scenario files (.litmus) only: thread API, settings, predicates
    completionProvider: { resolveProvider: false },
    codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, EXPERIMENT_KIND] },
    documentSymbolProvider: true,
    workspaceSymbolProvider: true,
    definitionProvider: true,
    referencesProvider: true,
    callHierarchyProvider: true,
  },
  serverInfo: { name: 'slablens', version: '0.1.0' },
};

/** The first workspace folder: where .slablens/ (annotations, reviews) lives. */
function firstFolder(p: InitializeParams): string | undefined {
  const u = p.workspaceFolders?.[0]?.uri ?? p.rootUri;
  return u ? fileURLToPath(u) : undefined;
}

/** Every feature's handlers on one context (bash-language-server's BashServer.register is the model). */
export function register(ctx: ServerContext): void {
  const { connection } = ctx;
  connection.onInitialize((p: InitializeParams): InitializeResult => {
    ctx.annotationRoot = firstFolder(p);
    ctx.codeLensRefresh = p.capabilities.workspace?.codeLens?.refreshSupport === true;
    ctx.settings = readIndexSettings(p.initializationOptions);
    ctx.trusted = readTrust(p.initializationOptions);
    return initializeResult;
  });
  // Index after initialize has answered (bash-language-server's users saw the cost of indexing
  // first); then, in idle time, which built-in scenarios reach which function (for hovers).
  connection.onInitialized(
    () =>
      void indexWorkspace(ctx).then(() =>
        setTimeout(() => {
          warmScenarioReach();
          warmWorker(); // the first Simulate then finds the engine loaded in a worker
        }, 0),
      ),
  );
  registerWorkspace(ctx);
  registerHover(ctx);
  registerLenses(ctx);
  registerNavigation(ctx);
  registerDiagnostics(ctx);
  registerSimulate(ctx);
  registerAnnotations(ctx);
  registerLitmus(ctx);
  registerSeries(connection, () => ctx.annotationRoot);
}

if (require.main === module) {
  const ctx = new ServerContext(createConnection(ProposedFeatures.all));
  register(ctx);
  ctx.documents.listen(ctx.connection);
  ctx.connection.listen();
}
