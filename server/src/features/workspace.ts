// Document sync and workspace indexing: the files slablens.files matches (bounded in number and
// size, with a message for what is left out), the open documents, configuration changes, and the
// full trees parsed in idle turns after a cold index.

import * as fs from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DidChangeConfigurationParams } from 'vscode-languageserver/node';
import { readIndexSettings } from '../../../protocol/src';
import { ServerContext } from '../context';
import { isScenarioUri } from '../litmus';
import { findFiles, formatBytes, MAX_FILES } from '../workspaceFiles';
import { refreshDiagnostics } from './diagnostics';
import { refreshCodeLenses } from './lenses';

/** Tell about files left out for their size: in the log each time, in a message once per file. */
function tellTooLarge(ctx: ServerContext, files: { file: string; bytes: number }[]): void {
  const st = ctx.index;
  const fresh: string[] = [];
  for (const { file, bytes } of new Map(files.map((f) => [f.file, f])).values()) {
    const what = `${ctx.shown(file)} (${formatBytes(bytes)})`;
    ctx.connection.console.warn(
      `slablens: not indexing ${what}: larger than slablens.maxFileBytes (${formatBytes(ctx.settings.maxFileBytes)})`,
    );
    if (!st.toldTooLarge.has(file)) {
      st.toldTooLarge.add(file);
      fresh.push(what);
    }
  }
  if (!fresh.length) return;
  const list = fresh.length > 3 ? `${fresh.slice(0, 3).join(', ')} and ${fresh.length - 3} more` : fresh.join(', ');
  ctx.warn(
    `Slablens does not index ${list}: larger than slablens.maxFileBytes (${formatBytes(ctx.settings.maxFileBytes)}).`,
  );
}

/** Open documents are held to the size limit too; the ones over it are dropped from the index. */
function indexOpenDocuments(ctx: ServerContext, tooLarge: { file: string; bytes: number }[]): void {
  const { analyzer } = ctx;
  for (const doc of ctx.documents.all()) {
    if (isScenarioUri(doc.uri)) continue;
    const bytes = Buffer.byteLength(doc.getText());
    if (bytes > ctx.settings.maxFileBytes) {
      if (analyzer.text(doc.uri) !== undefined) analyzer.remove(doc.uri);
      tooLarge.push({ file: fileURLToPath(doc.uri), bytes });
    } else if (analyzer.text(doc.uri) === undefined) analyzer.update(doc.uri, doc.getText());
  }
}

/**
 * Index the files slablens.files matches in each workspace folder (never the whole tree unless
 * asked, never more than MAX_FILES, none over slablens.maxFileBytes); files no longer matched are
 * dropped. Open documents are the editor's: indexed from their text, not from disk.
 */
export async function indexWorkspace(ctx: ServerContext): Promise<void> {
  const { connection, analyzer, settings } = ctx;
  const st = ctx.index;
  const pass = ++st.pass;
  const started = Date.now();
  const folders = await connection.workspace.getWorkspaceFolders().then(
    (f) => f ?? [],
    () => null,
  );
  ctx.roots = folders?.length
    ? folders.map((f) => fileURLToPath(f.uri))
    : ctx.annotationRoot
      ? [ctx.annotationRoot]
      : [];
  const wanted = new Set<string>();
  const tooLarge: { file: string; bytes: number }[] = [];
  let capped = false;
  for (const root of ctx.roots) {
    ctx.annotationRoot ??= root;
    const found = await findFiles(root, settings.files, settings.maxFileBytes, MAX_FILES - wanted.size);
    if (pass !== st.pass) return;
    tooLarge.push(...found.tooLarge);
    capped ||= found.capped;
    for (const file of found.files) {
      const uri = pathToFileURL(file).toString();
      wanted.add(uri);
      if (ctx.documents.get(uri) || analyzer.text(uri) !== undefined) continue;
      try {
        analyzer.update(uri, await fs.promises.readFile(file, 'utf8'));
      } catch (e) {
        connection.console.error(`slablens: cannot index ${file}: ${(e as Error).message}`);
      }
      if (pass !== st.pass) return;
    }
  }
  for (const uri of st.wantedOnDisk) if (!wanted.has(uri) && !ctx.documents.get(uri)) analyzer.remove(uri);
  st.wantedOnDisk = wanted;
  indexOpenDocuments(ctx, tooLarge);
  tellTooLarge(ctx, tooLarge);
  if (capped) {
    connection.console.warn(
      `slablens: slablens.files matches more than ${MAX_FILES} files; only the first ${MAX_FILES} are indexed`,
    );
    if (!st.toldCapped)
      ctx.warn(`Slablens indexes the first ${MAX_FILES} files slablens.files matches, not all of them.`);
    st.toldCapped = true;
  }
  connection.console.info(
    `slablens: indexed ${wanted.size} file(s) of ${ctx.roots.length} folder(s), ${analyzer.functions().length} functions, in ${Date.now() - started} ms`,
  );
  refreshDiagnostics(ctx);
  refreshCodeLenses(ctx);
  completeTreesSoon(ctx);
}

/**
 * A cold index parses the files' skeletons (analyzer/skeleton.ts); their full trees, which edits
 * need, are parsed right after, one file per turn of the event loop so that requests are answered
 * in between. Where the full tree shows the skeleton's index was not the whole story (syntax
 * errors in a body), the index is replaced, and what depends on it is refreshed.
 */
function completeTreesSoon(ctx: ServerContext): void {
  const st = ctx.index;
  if (st.completing || ctx.analyzer.treesComplete) return;
  st.completing = setTimeout(() => {
    st.completing = undefined;
    const started = Date.now();
    const changed = ctx.analyzer.completeTrees(1);
    ctx.connection.console.log(
      `slablens: full tree parsed in ${Date.now() - started} ms${changed.length ? `; the index of ${changed.join(', ')} changed with it` : ''}`,
    );
    if (changed.length) {
      refreshDiagnostics(ctx);
      refreshCodeLenses(ctx);
    }
    completeTreesSoon(ctx);
  }, 0);
}

/** The client sends the `slablens` section (synchronize.configurationSection); others are asked for it. */
async function configurationChanged(ctx: ServerContext, p: DidChangeConfigurationParams): Promise<void> {
  let raw = (p.settings as { slablens?: unknown } | null)?.slablens;
  if (raw === undefined)
    raw = await ctx.connection.workspace.getConfiguration('slablens').then(
      (c) => c as unknown,
      () => undefined,
    );
  if (raw === undefined || raw === null) return;
  const next = readIndexSettings(raw);
  if (next.maxFileBytes === ctx.settings.maxFileBytes && next.files.join('\n') === ctx.settings.files.join('\n'))
    return;
  ctx.settings = next;
  await indexWorkspace(ctx);
}

/** A closed document is what is on disk again (if slablens.files wants it), or nothing. */
function documentClosed(ctx: ServerContext, uri: string): void {
  const { analyzer } = ctx;
  if (!ctx.index.wantedOnDisk.has(uri)) {
    analyzer.remove(uri);
    refreshDiagnostics(ctx);
    return;
  }
  fs.promises.readFile(fileURLToPath(uri), 'utf8').then(
    (text) => {
      if (ctx.documents.get(uri)) return;
      if (Buffer.byteLength(text) > ctx.settings.maxFileBytes) analyzer.remove(uri);
      else analyzer.update(uri, text);
      refreshDiagnostics(ctx);
      completeTreesSoon(ctx);
    },
    () => {
      analyzer.remove(uri);
      refreshDiagnostics(ctx);
    },
  );
}

export function registerWorkspace(ctx: ServerContext): void {
  const { documents } = ctx;
  ctx.connection.onDidChangeConfiguration((p) => configurationChanged(ctx, p));
  documents.onDidOpen((e) => {
    if (isScenarioUri(e.document.uri)) return; // features/litmus.ts
    const bytes = Buffer.byteLength(e.document.getText());
    if (bytes > ctx.settings.maxFileBytes) {
      tellTooLarge(ctx, [{ file: fileURLToPath(e.document.uri), bytes }]);
      return;
    }
    ctx.analyzer.update(e.document.uri, e.document.getText());
    refreshDiagnostics(ctx);
    refreshCodeLenses(ctx);
    completeTreesSoon(ctx);
  });
  /** The analyzer has had the edits (see ServerContext.documents); what it derives may have changed. */
  // typing: the lock rules' last findings now, a fresh run once typing pauses
  documents.onDidChangeContent((e) => {
    if (!isScenarioUri(e.document.uri)) refreshDiagnostics(ctx, 'later');
  });
  documents.onDidClose((e) => {
    if (!isScenarioUri(e.document.uri)) documentClosed(ctx, e.document.uri);
  });
}
