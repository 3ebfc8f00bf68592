// The language server: LSP wiring over the analyzer (index, call graph, C→IR) and the engine.
// `node dist/server.js --stdio`. Features degrade locally on half-typed C; nothing here throws
// out of a handler.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  CancellationToken, CancellationTokenSource, ErrorCodes, LSPErrorCodes, ResponseError, WorkDoneProgressParams, WorkDoneProgressReporter,
  CallHierarchyItem, CodeAction, CodeActionKind, CodeLens, createConnection, MessageType, ShowMessageNotification, InitializeParams, Diagnostic, DiagnosticSeverity, DocumentSymbol, Hover, InitializeResult, Location, MarkupKind,
  ProposedFeatures, SymbolInformation, SymbolKind, TextDocuments, TextDocumentSyncKind,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { defaultRegistry, listScenarios, ORCHESTRATION, Progress, replayTrace, scenariosReaching, TraceError, UnknownScenario } from '../../engine/src';
import { Analyzer, CallSite, ENTRY_POINTS, extractOrchestrationReport, FunctionInfo, notModelledByFunction, SLAB_FILES } from './analyzer';
import { AnnotationStore } from './annotations';
import { registerSeries } from './seriesService';
import { findFiles, formatBytes, IndexSettings, MAX_FILES, readSettings } from './workspaceFiles';
import { SimulateParams, simulateFromSource } from './simulate';

const connection = createConnection(ProposedFeatures.all);
const analyzer = new Analyzer();
/**
 * The open documents. Each content change also goes to the analyzer as the edit it is, while the
 * document still has the text it applies to: no diff of whole texts per keystroke.
 */
const documents = new TextDocuments<TextDocument>({
  create: (uri, languageId, version, content) => TextDocument.create(uri, languageId, version, content),
  update: (doc, changes, version) => {
    for (const c of changes) {
      if ('range' in c) {
        const start = doc.offsetAt(c.range.start);
        const end = doc.offsetAt(c.range.end);
        doc = TextDocument.update(doc, [c], version);
        if (analyzer.text(doc.uri) !== undefined) analyzer.applyEdit(doc.uri, start, end, c.text, doc.getText());
      } else {
        doc = TextDocument.update(doc, [c], version);
        if (analyzer.text(doc.uri) !== undefined) analyzer.update(doc.uri, c.text);
      }
    }
    return doc;
  },
});
const registry = defaultRegistry();
/** Calls that matter on a path: locks, RCU, work, irq state. */
const EFFECTS = /^(local_lock\w*|local_unlock\w*|local_irq_\w+|call_rcu|rcu_barrier|synchronize_rcu|queue_work_on|flush_work|kasan_\w+|mutex_lock|spin_lock\w*|cpus_read_lock)$/;

const lastVerdict = new Map<string, string>();

let annotationRoot: string | undefined;

/** The first workspace folder: where .slablens/ (annotations, reviews) lives. Known from initialize on. */
function firstFolder(p: InitializeParams): string | undefined {
  const u = p.workspaceFolders?.[0]?.uri ?? p.rootUri;
  return u ? fileURLToPath(u) : undefined;
}

/** whether the client lets us ask it to re-request CodeLenses (VS Code does) */
let codeLensRefresh = false;
/** `slablens.files` and `slablens.maxFileBytes`: from initializationOptions, then from configuration changes. */
let settings: IndexSettings = readSettings(undefined);

connection.onInitialize((p: InitializeParams): InitializeResult => {
  annotationRoot = firstFolder(p);
  codeLensRefresh = p.capabilities.workspace?.codeLens?.refreshSupport === true;
  settings = readSettings(p.initializationOptions);
  return initializeResult;
});

const initializeResult: InitializeResult = ({
  capabilities: {
    textDocumentSync: TextDocumentSyncKind.Incremental,
    hoverProvider: true,
    codeLensProvider: { resolveProvider: false },
    codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
    documentSymbolProvider: true,
    workspaceSymbolProvider: true,
    definitionProvider: true,
    referencesProvider: true,
    callHierarchyProvider: true,
  },
  serverInfo: { name: 'slablens', version: '0.1.0' },
});

/** What slablens.files matched at the last indexing (indexed from disk while not open in the editor), by uri. */
let wantedOnDisk = new Set<string>();
/** Files the user has been told are over slablens.maxFileBytes (told once each). */
const toldTooLarge = new Set<string>();
let toldCapped = false;
/** Each indexing pass has a number; a newer one (settings changed meanwhile) makes an older one stop. */
let indexPass = 0;

/** The workspace folders at the last indexing. */
let roots: string[] = [];

/** A path as the user knows it: relative to its workspace folder. */
function shown(file: string): string {
  const root = roots.find((r) => file.startsWith(r + path.sep));
  return root ? path.relative(root, file).split(path.sep).join('/') : file;
}

/** A warning the user sees (window/showMessage: a notification, nothing to answer). */
function warn(message: string): void {
  void connection.sendNotification(ShowMessageNotification.type, { type: MessageType.Warning, message });
}

/** Tell about files left out for their size: in the log each time, in a message once per file. */
function tellTooLarge(files: { file: string; bytes: number }[]): void {
  const fresh: string[] = [];
  for (const { file, bytes } of new Map(files.map((f) => [f.file, f])).values()) {
    const what = `${shown(file)} (${formatBytes(bytes)})`;
    connection.console.warn(`slablens: not indexing ${what}: larger than slablens.maxFileBytes (${formatBytes(settings.maxFileBytes)})`);
    if (!toldTooLarge.has(file)) {
      toldTooLarge.add(file);
      fresh.push(what);
    }
  }
  if (!fresh.length) return;
  const list = fresh.length > 3 ? `${fresh.slice(0, 3).join(', ')} and ${fresh.length - 3} more` : fresh.join(', ');
  warn(`Slablens does not index ${list}: larger than slablens.maxFileBytes (${formatBytes(settings.maxFileBytes)}).`);
}

/**
 * Index the files slablens.files matches in each workspace folder (never the whole tree unless
 * asked, never more than MAX_FILES, none over slablens.maxFileBytes); files no longer matched are
 * dropped. Open documents are the editor's: indexed from their text, not from disk.
 */
async function indexWorkspace(): Promise<void> {
  const pass = ++indexPass;
  const started = Date.now();
  const folders = await connection.workspace.getWorkspaceFolders().then((f) => f ?? [], () => null);
  roots = folders?.length ? folders.map((f) => fileURLToPath(f.uri)) : annotationRoot ? [annotationRoot] : [];
  const wanted = new Set<string>();
  const tooLarge: { file: string; bytes: number }[] = [];
  let capped = false;
  for (const root of roots) {
    annotationRoot ??= root;
    const found = await findFiles(root, settings.files, settings.maxFileBytes, MAX_FILES - wanted.size);
    if (pass !== indexPass) return;
    tooLarge.push(...found.tooLarge);
    capped ||= found.capped;
    for (const file of found.files) {
      const uri = pathToFileURL(file).toString();
      wanted.add(uri);
      if (documents.get(uri) || analyzer.text(uri) !== undefined) continue;
      try {
        analyzer.update(uri, await fs.promises.readFile(file, 'utf8'));
      } catch (e) {
        connection.console.error(`slablens: cannot index ${file}: ${(e as Error).message}`);
      }
      if (pass !== indexPass) return;
    }
  }
  for (const uri of wantedOnDisk) if (!wanted.has(uri) && !documents.get(uri)) analyzer.remove(uri);
  wantedOnDisk = wanted;
  // open documents are held to the size limit too
  for (const doc of documents.all()) {
    const bytes = Buffer.byteLength(doc.getText());
    if (bytes > settings.maxFileBytes) {
      if (analyzer.text(doc.uri) !== undefined) analyzer.remove(doc.uri);
      tooLarge.push({ file: fileURLToPath(doc.uri), bytes });
    } else if (analyzer.text(doc.uri) === undefined) analyzer.update(doc.uri, doc.getText());
  }
  tellTooLarge(tooLarge);
  if (capped) {
    connection.console.warn(`slablens: slablens.files matches more than ${MAX_FILES} files; only the first ${MAX_FILES} are indexed`);
    if (!toldCapped) warn(`Slablens indexes the first ${MAX_FILES} files slablens.files matches, not all of them.`);
    toldCapped = true;
  }
  connection.console.info(`slablens: indexed ${wanted.size} file(s) of ${roots.length} folder(s), ${analyzer.functions().length} functions, in ${Date.now() - started} ms`);
  refreshDiagnostics();
  refreshCodeLenses();
  completeTreesSoon();
}

/**
 * A cold index parses the files' skeletons (analyzer/skeleton.ts); their full trees, which edits
 * need, are parsed right after, one file per turn of the event loop so that requests are answered
 * in between. Where the full tree shows the skeleton's index was not the whole story (syntax
 * errors in a body), the index is replaced, and what depends on it is refreshed.
 */
let completing: NodeJS.Timeout | undefined;
function completeTreesSoon(): void {
  if (completing || analyzer.treesComplete) return;
  completing = setTimeout(() => {
    completing = undefined;
    const started = Date.now();
    const changed = analyzer.completeTrees(1);
    connection.console.log(`slablens: full tree parsed in ${Date.now() - started} ms${changed.length ? `; the index of ${changed.join(', ')} changed with it` : ''}`);
    if (changed.length) {
      refreshDiagnostics();
      refreshCodeLenses();
    }
    completeTreesSoon();
  }, 0);
}

/** Index after initialize has answered (bash-language-server's users saw the cost of indexing first). */
connection.onInitialized(() => void indexWorkspace().then(() => setTimeout(() => reaching(), 0)));

/**
 * Kernel function → the built-in scenarios that run through it (≈0.1 s, a few seeded executions
 * of each): worked out once, in idle time after the first index, not inside a hover.
 */
let reach: Map<string, string[]> | undefined;
const reaching = (): Map<string, string[]> => (reach ??= scenariosReaching());
/** The built-in scenarios by id (fixed: read once, not per hover). */
const SCENARIOS = new Map(listScenarios().map((x) => [x.id, x]));

/** The client sends the `slablens` section (synchronize.configurationSection); others are asked for it. */
connection.onDidChangeConfiguration(async (p) => {
  let raw = (p.settings as { slablens?: unknown } | null)?.slablens;
  if (raw === undefined) raw = await connection.workspace.getConfiguration('slablens').then((c) => c as unknown, () => undefined);
  if (raw === undefined || raw === null) return;
  const next = readSettings(raw);
  if (next.maxFileBytes === settings.maxFileBytes && next.files.join('\n') === settings.files.join('\n')) return;
  settings = next;
  await indexWorkspace();
});

documents.onDidOpen((e) => {
  const bytes = Buffer.byteLength(e.document.getText());
  if (bytes > settings.maxFileBytes) {
    tellTooLarge([{ file: fileURLToPath(e.document.uri), bytes }]);
    return;
  }
  analyzer.update(e.document.uri, e.document.getText());
  refreshDiagnostics();
  refreshCodeLenses();
  completeTreesSoon();
});

/** The index changed under the editor: lenses asked for before it (a cold start) are stale. */
function refreshCodeLenses(): void {
  if (!codeLensRefresh) return;
  connection.sendRequest('workspace/codeLens/refresh').catch((e: Error) => connection.console.warn(`slablens: the client refused to refresh CodeLenses: ${e.message}`));
}
/** The analyzer has had the edits (see `documents`); what it derives may have changed. */
documents.onDidChangeContent(() => refreshDiagnostics());
/** A closed document is what is on disk again (if slablens.files wants it), or nothing. */
documents.onDidClose((e) => {
  const uri = e.document.uri;
  if (!wantedOnDisk.has(uri)) {
    analyzer.remove(uri);
    refreshDiagnostics();
    return;
  }
  fs.promises.readFile(fileURLToPath(uri), 'utf8').then(
    (text) => {
      if (documents.get(uri)) return;
      if (Buffer.byteLength(text) > settings.maxFileBytes) analyzer.remove(uri);
      else analyzer.update(uri, text);
      refreshDiagnostics();
      completeTreesSoon();
    },
    () => {
      analyzer.remove(uri);
      refreshDiagnostics();
    },
  );
});

function isSlab(uri: string): boolean {
  return SLAB_FILES.some((rel) => uri.endsWith('/' + rel)) || analyzer.functionsIn(uri).length > 0;
}

function wordAt(uri: string, line: number, character: number): string | undefined {
  const l = analyzer.lineText(uri, line);
  if (l === undefined) return undefined;
  const m = [...l.matchAll(/[A-Za-z_]\w*/g)].find((x) => x.index! <= character && character <= x.index! + x[0].length);
  return m?.[0];
}

function modelledAs(name: string): string | undefined {
  if (ORCHESTRATION.includes(name)) return 'orchestration: its model is the IR extracted from this body (calls in order, guards, per-CPU loops, work queue/flush)';
  return registry.leaf(name)?.summary ?? registry.pred(name)?.summary;
}

function effectsOf(name: string): string[] {
  return [...new Set(analyzer.callees(name).map((c) => c.callee).filter((c) => EFFECTS.test(c)))];
}

/** `fn` (its effects), for hover lines. */
function withEffects(fn: string): string {
  const eff = effectsOf(fn);
  return eff.length ? `\`${fn}\` (${eff.join(', ')})` : `\`${fn}\``;
}

function hoverText(name: string): string {
  const def = analyzer.definition(name);
  const parts: string[] = [];
  if (def) parts.push('```c\n' + def.signature + '\n```');
  const paths = analyzer.pathsToRoot(name);
  if (paths.length) {
    parts.push('**Reached from**\n\n' + paths.map((p) => '- ' + p.map(withEffects).join(' → ')).join('\n'));
  } else if (ENTRY_POINTS.includes(name)) parts.push('**Entry point**');
  else parts.push('_Not reached from the entry points in the indexed files._');
  const own = effectsOf(name);
  if (own.length) parts.push(`**Effects**: ${own.join(', ')}`);
  // What it goes on to do: the indexed functions it calls, each with its own effects.
  const calls = [...new Set(analyzer.callees(name).map((c) => c.callee))].filter((c) => analyzer.definition(c));
  if (calls.length) parts.push('**Calls**: ' + calls.map(withEffects).join(', '));
  const m = modelledAs(name);
  parts.push(m ? `**Modelled as**: ${m}` : '_Not modelled by the simulator._');
  const scenarios = reaching().get(name);
  if (scenarios) {
    parts.push(`**Scenarios that reach it** (Slablens: Run Scenario…): ${scenarios.map((id) => `\`${id}\` (${SCENARIOS.get(id)?.fact}, expect ${SCENARIOS.get(id)?.expect})`).join(', ')}`);
  }
  const v = lastVerdict.get(name);
  if (v) parts.push(`**Last simulation**: ${v}`);
  return parts.join('\n\n');
}

connection.onHover((p): Hover | null => {
  try {
    const name = wordAt(p.textDocument.uri, p.position.line, p.position.character);
    if (!name || !analyzer.definition(name)) return null;
    return { contents: { kind: MarkupKind.Markdown, value: hoverText(name) } };
  } catch (e) {
    connection.console.error(`hover: ${(e as Error).message}`);
    return null;
  }
});

connection.onCodeLens((p): CodeLens[] => {
  const lenses: CodeLens[] = [];
  for (const f of analyzer.functionsIn(p.textDocument.uri)) {
    if (!(ORCHESTRATION.includes(f.name) || ENTRY_POINTS.includes(f.name) || registry.leaf(f.name))) continue;
    const args = { uri: f.uri, function: f.name };
    lenses.push({ range: f.selectionRange, command: { title: '▶ Simulate', command: 'slablens.simulate', arguments: [{ ...args, kasan: false }] } });
    lenses.push({ range: f.selectionRange, command: { title: '▶ Simulate (KASAN)', command: 'slablens.simulate', arguments: [{ ...args, kasan: true }] } });
    const v = lastVerdict.get(f.name);
    if (v) lenses.push({ range: f.selectionRange, command: { title: `last: ${v}`, command: 'slablens.showLastTrace', arguments: [] } });
  }
  return lenses;
});

connection.onDocumentSymbol((p): DocumentSymbol[] => [
  ...analyzer.functionsIn(p.textDocument.uri).map((f) => ({ name: f.name, detail: f.signature, kind: SymbolKind.Function, range: f.range, selectionRange: f.selectionRange })),
  ...analyzer.structs().filter((s) => s.uri === p.textDocument.uri).map((s) => ({
    name: s.name, kind: SymbolKind.Struct, range: s.range, selectionRange: s.selectionRange,
    children: s.fields.map((x) => ({ name: x.name, detail: x.type, kind: SymbolKind.Field, range: x.range, selectionRange: x.range })),
  })),
]);

connection.onWorkspaceSymbol((p): SymbolInformation[] =>
  analyzer.functions().filter((f) => f.name.includes(p.query)).slice(0, 500).map((f) => ({ name: f.name, kind: SymbolKind.Function, location: { uri: f.uri, range: f.selectionRange } })),
);

connection.onDefinition((p): Location | null => {
  const name = wordAt(p.textDocument.uri, p.position.line, p.position.character);
  const d = name ? analyzer.definition(name) : undefined;
  return d ? { uri: d.uri, range: d.selectionRange } : null;
});

connection.onReferences((p): Location[] => {
  const name = wordAt(p.textDocument.uri, p.position.line, p.position.character);
  if (!name) return [];
  const refs = analyzer.callers(name).map((c) => ({ uri: c.uri, range: c.range }));
  const d = analyzer.definition(name);
  return p.context.includeDeclaration && d ? [{ uri: d.uri, range: d.selectionRange }, ...refs] : refs;
});

const item = (f: FunctionInfo): CallHierarchyItem => ({ name: f.name, kind: SymbolKind.Function, uri: f.uri, range: f.range, selectionRange: f.selectionRange, detail: f.signature });

connection.languages.callHierarchy.onPrepare((p) => {
  const name = wordAt(p.textDocument.uri, p.position.line, p.position.character);
  const d = name ? analyzer.definition(name) : undefined;
  return d ? [item(d)] : null;
});
/** Call sites grouped by the function on their other end (caller for incoming, callee for outgoing). */
function groupCalls(sites: CallSite[], other: (c: CallSite) => string): { item: CallHierarchyItem; fromRanges: FunctionInfo['range'][] }[] {
  const by = new Map<string, { item: CallHierarchyItem; fromRanges: FunctionInfo['range'][] }>();
  for (const c of sites) {
    const f = analyzer.definition(other(c));
    if (!f) continue;
    const e = by.get(f.name) ?? { item: item(f), fromRanges: [] };
    e.fromRanges.push(c.range);
    by.set(f.name, e);
  }
  return [...by.values()];
}

connection.languages.callHierarchy.onIncomingCalls((p) =>
  groupCalls(analyzer.callers(p.item.name), (c) => c.caller).map((g) => ({ from: g.item, fromRanges: g.fromRanges })),
);
connection.languages.callHierarchy.onOutgoingCalls((p) =>
  groupCalls(analyzer.callees(p.item.name), (c) => c.callee).map((g) => ({ to: g.item, fromRanges: g.fromRanges })),
);

/** Not-modelled calls in the orchestration functions, as information on their lines. */
/** The files diagnostics were last published for. */
let published = new Set<string>();

function refreshDiagnostics(): void {
  let report: ReturnType<typeof extractOrchestrationReport>;
  try {
    report = extractOrchestrationReport(analyzer);
  } catch (e) {
    connection.console.error(`extract: ${(e as Error).message}`);
    return;
  }
  const byUri = new Map<string, Diagnostic[]>();
  for (const uri of new Set(analyzer.functions().map((f) => f.uri))) byUri.set(uri, []);
  for (const [fn, ex] of Object.entries(report.extractions)) {
    const d = analyzer.definition(fn);
    if (!d) continue;
    for (const nm of ex.notModelled) {
      byUri.get(d.uri)?.push({
        severity: DiagnosticSeverity.Information,
        range: { start: { line: nm.line, character: 0 }, end: { line: nm.line, character: 200 } },
        message: `not modelled: ${nm.call} (${nm.reason})`,
        source: 'slablens',
      });
    }
  }
  // Model drift: a leaf model assumes calls its C body no longer makes.
  for (const name of registry.leafNames()) {
    const d = analyzer.definition(name);
    const m = registry.leaf(name)!;
    if (!d || !m.assumes.calls.length) continue;
    const calls = new Set(analyzer.callees(name).map((c) => c.callee));
    const missing = m.assumes.calls.filter((c) => !calls.has(c));
    if (!missing.length) continue;
    byUri.get(d.uri)?.push({
      severity: DiagnosticSeverity.Warning,
      range: d.selectionRange,
      message: `model drift: the model of ${name} assumes it calls ${missing.join(', ')}, which this body does not (modelled as: ${m.summary})`,
      source: 'slablens',
    });
  }
  for (const [uri, diags] of byUri) if (isSlab(uri)) connection.sendDiagnostics({ uri, diagnostics: [...diags, ...(verdictDiags.get(uri) ?? [])] });
  // a file no longer indexed (slablens.files or maxFileBytes changed, closed) keeps no diagnostics
  for (const uri of published) if (!byUri.has(uri)) connection.sendDiagnostics({ uri, diagnostics: [] });
  published = new Set([...byUri.keys()].filter(isSlab));
}

/** The last simulation's failing verdict, on the lines involved (the simulated function, the step that failed). */
const verdictDiags = new Map<string, Diagnostic[]>();
/** Diagnostic code of a verdict: what the "Show trace" code action is offered on. */
const VERDICT = 'verdict';

const isVerdict = (d: Diagnostic): boolean => d.source === 'slablens' && d.code === VERDICT;
const overlaps = (a: Diagnostic['range'], b: Diagnostic['range']): boolean =>
  !(a.end.line < b.start.line || (a.end.line === b.start.line && a.end.character < b.start.character) || b.end.line < a.start.line || (b.end.line === a.start.line && b.end.character < a.start.character));

/** "Show trace" on a verdict's diagnostic: the client's slablens.showLastTrace shows the trace of the last simulation. */
connection.onCodeAction((p): CodeAction[] => {
  // the client passes the diagnostics at the range; ours are looked up too, for clients that do not
  const diags = [...p.context.diagnostics.filter(isVerdict), ...(verdictDiags.get(p.textDocument.uri) ?? []).filter((d) => overlaps(d.range, p.range))];
  if (!diags.length) return [];
  if (p.context.only && !p.context.only.some((k) => k === '' || k === CodeActionKind.QuickFix || CodeActionKind.QuickFix.startsWith(k + '.'))) return [];
  return [{ title: 'Show trace', kind: CodeActionKind.QuickFix, diagnostics: [diags[0]], isPreferred: true, command: { title: 'Show trace', command: 'slablens.showLastTrace', arguments: [] } }];
});

type SimulateResult = ReturnType<typeof simulateFromSource>;

/** Explore in a worker thread; progress goes to the client, a cancel terminates the worker at once. */
function runInWorker(programs: ReturnType<typeof extractOrchestrationReport>['programs'], p: SimulateParams, token: CancellationToken, progress: WorkDoneProgressReporter): Promise<SimulateResult | null> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(path.join(__dirname, 'simulateWorker.js'), { workerData: { programs, params: p } });
    const sub = token.onCancellationRequested(() => {
      void worker.terminate();
      resolve(null);
    });
    worker.on('message', (m: { kind: 'progress'; progress: Progress } | { kind: 'result'; result: SimulateResult }) => {
      if (m.kind === 'progress') progress.report(`${m.progress.states} states, ${m.progress.executions} interleavings`);
      else {
        sub.dispose();
        resolve(m.result);
        void worker.terminate();
      }
    });
    worker.on('error', (e) => {
      sub.dispose();
      reject(e);
    });
  });
}

connection.onRequest('slablens/simulate', async (p: SimulateParams & WorkDoneProgressParams, token) => {
  const { programs, extractions } = extractOrchestrationReport(analyzer);
  // A client that shows its own progress (with Cancel) passes a workDoneToken; otherwise the server asks for one.
  const attached = p.workDoneToken !== undefined ? connection.window.attachWorkDoneProgress(p.workDoneToken) : null;
  const created = attached ? null : await connection.window.createWorkDoneProgress().catch(() => null);
  const progress = attached ?? created;
  progress?.begin(`Simulating ${p.function ?? p.scenario ?? 'kmem_cache_destroy'}${p.kasan ? ' (KASAN)' : ''}`, undefined, undefined, true);
  const reporter = progress ?? { report: () => undefined, done: () => undefined } as unknown as WorkDoneProgressReporter;
  const combined = created ? mergeTokens(token, created.token) : token;
  let r: SimulateResult | null;
  try {
    r = await runInWorker(programs, p, combined, reporter);
  } finally {
    progress?.done();
  }
  if (!r) return new ResponseError(LSPErrorCodes.RequestCancelled, 'simulation cancelled');
  const verdict = `${r.verdict.toUpperCase()}${r.property ? ` (${r.property})` : ''}, ${r.states} states`;
  if (p.function) lastVerdict.set(p.function, verdict);
  verdictDiags.clear();
  if (r.verdict === 'fail' && r.trace) {
    const bad = r.trace.steps.find((s) => s.violation);
    const fn = p.function ? analyzer.definition(p.function) : undefined;
    const at = bad?.anchor?.line !== undefined ? analyzer.definition(bad.anchor.fn) : undefined;
    for (const [target, line] of [[fn, fn?.selectionRange.start.line], [at, bad?.anchor?.line]] as const) {
      if (!target || line === undefined) continue;
      const list = verdictDiags.get(target.uri) ?? [];
      list.push({
        severity: DiagnosticSeverity.Warning,
        range: { start: { line, character: 0 }, end: { line, character: 200 } },
        message: `slablens: ${r.message ?? r.property} (${p.kasan ? 'KASAN' : 'no KASAN'}; quick fix "Show trace" opens it)`,
        source: 'slablens',
        code: VERDICT,
        data: { function: p.function ?? p.scenario, kasan: !!p.kasan },
      });
      verdictDiags.set(target.uri, list);
    }
  }
  refreshDiagnostics();
  refreshCodeLenses();
  return { ...r, notModelled: notModelledByFunction(extractions) };
});

/** Cancelled when either the request or the progress notification's Cancel button is. */
function mergeTokens(a: CancellationToken, b: CancellationToken): CancellationToken {
  const src = new CancellationTokenSource();
  a.onCancellationRequested(() => src.cancel());
  b.onCancellationRequested(() => src.cancel());
  return src.token;
}


/** list / add / remove pinned call paths; each function resolved to where it is now. */
connection.onRequest('slablens/annotations', (p: { action: 'list' | 'add' | 'remove'; path?: string[]; note?: string; id?: number }) => {
  if (!annotationRoot) return { annotations: [], error: 'no workspace folder: annotations are stored in <folder>/.slablens/annotations.json' };
  const store = new AnnotationStore(annotationRoot);
  const r = p.action === 'add' ? store.add(p.path ?? [], p.note ?? '') : p.action === 'remove' ? store.remove(p.id ?? -1) : store.load();
  return {
    error: r.error,
    annotations: r.annotations.map((a) => ({
      ...a,
      locations: a.path.map((fn) => {
        const d = analyzer.definition(fn);
        return d ? { function: fn, uri: d.uri, line: d.selectionRange.start.line } : { function: fn, missing: true };
      }),
    })),
  };
});

connection.onRequest('slablens/pathsToRoot', (p: { function: string }) => analyzer.pathsToRoot(p.function));

/** The engine's built-in scenarios, for "Run Scenario…". */
connection.onRequest('slablens/scenarios', () => listScenarios().map((s) => ({ id: s.id, title: s.title, fact: s.fact, expect: s.expect, description: s.description })));

/** Re-run an imported trace file or a replay token: what the replay reaches is the verdict. */
connection.onRequest('slablens/replay', (p: { trace: unknown } | { token: string }) => {
  try {
    const t = replayTrace(p);
    return { scenario: t.scenario.id, title: t.scenario.title, ncpus: t.scenario.ncpus, config: t.scenario.config, verdict: t.verdict, property: t.property, message: t.message, strategy: 'replay', states: t.schedule.length + 1, transitions: t.schedule.length, pruned: 0, executions: 1, outcomes: 1, failing: t.verdict === 'fail' ? 1 : 0, elapsedMs: 0, schedule: t.schedule, violationStep: t.violationStep, trace: t };
  } catch (e) {
    if (e instanceof TraceError || e instanceof UnknownScenario) return new ResponseError(ErrorCodes.InvalidParams, e.message);
    throw e;
  }
});

registerSeries(connection, () => annotationRoot);

documents.listen(connection);
connection.listen();
