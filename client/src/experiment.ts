// What-if runs that never touch the tree. "Simulate without this statement" sends the buffer's
// uri and a line: the server leaves the statement out of a scratch copy of the text. "Experiment on
// This Function…" opens the function in an untitled document where edits are free; simulating
// there runs the copy's functions in place of the file's, and "Show Experiment Diff" shows what
// was changed. The kernel file and its buffer are only read.

import { plainText } from './untrustedText';
import * as vscode from 'vscode';
import { setting } from './settings';
import type { Simulator } from './simulate';

interface ExperimentDoc {
  fn: string;
  source: vscode.Uri;
  /** the function's text when the experiment began: the left side of the diff */
  original: string;
}

const BASE_SCHEME = 'slablens-experiment-base';

export class Experiments implements vscode.CodeLensProvider, vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly docs = new Map<string, ExperimentDoc>();
  private readonly subs: vscode.Disposable[] = [];

  constructor(private readonly simulator: Simulator) {
    this.subs.push(
      vscode.workspace.registerTextDocumentContentProvider(BASE_SCHEME, this),
      vscode.languages.registerCodeLensProvider({ scheme: 'untitled' }, this),
      vscode.workspace.onDidCloseTextDocument((d) => this.docs.delete(d.uri.toString())),
    );
  }

  dispose(): void {
    for (const s of this.subs) s.dispose();
  }

  private kasan(): boolean {
    return setting('slablens.simulation.kasan');
  }

  /** The lens and code action: the scenario on the buffer minus the statement on `line`. */
  async simulateWithout(args: { uri: string; line: number; function?: string; kasan?: boolean }): Promise<unknown> {
    return this.simulator.simulate({
      function: args.function,
      kasan: args.kasan ?? this.kasan(),
      experiment: { without: { uri: args.uri, line: args.line } },
    });
  }

  /** Open the function around the cursor (or `fn`) as an untitled copy. */
  async open(fn: string | undefined, editor = vscode.window.activeTextEditor): Promise<vscode.TextEditor | undefined> {
    if (!editor || editor.document.uri.scheme !== 'file') {
      void vscode.window.showInformationMessage('Put the cursor in a function of mm/slab_common.c or mm/slub.c first.');
      return undefined;
    }
    const syms =
      (await vscode.commands.executeCommand<vscode.DocumentSymbol[]>(
        'vscode.executeDocumentSymbolProvider',
        editor.document.uri,
      )) ?? [];
    const at = editor.selection.active;
    const sym = syms.find((s) => s.kind === vscode.SymbolKind.Function && (fn ? s.name === fn : s.range.contains(at)));
    if (!sym) {
      void vscode.window.showInformationMessage(
        plainText(
          fn ? `${fn} is not defined in this file.` : 'The cursor is not in a function the language server knows.',
        ),
      );
      return undefined;
    }
    const original = editor.document.getText(sym.range);
    const doc = await vscode.workspace.openTextDocument({ language: 'c', content: original });
    this.docs.set(doc.uri.toString(), { fn: sym.name, source: editor.document.uri, original });
    const shown = await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: false });
    void vscode.window.showInformationMessage(
      plainText(
        `Experiment on ${sym.name}: edit the copy freely; "Simulate experiment" runs it in place of ${vscode.workspace.asRelativePath(editor.document.uri)}'s, which is not changed.`,
      ),
    );
    return shown;
  }

  private active(uri?: vscode.Uri): [vscode.TextDocument, ExperimentDoc] | undefined {
    const doc = uri
      ? vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString())
      : vscode.window.activeTextEditor?.document;
    const e = doc && this.docs.get(doc.uri.toString());
    if (!doc || !e) {
      void vscode.window.showInformationMessage(
        'This is not an experiment copy: run "Slablens: Experiment on This Function…" in a kernel file first.',
      );
      return undefined;
    }
    return [doc, e];
  }

  async simulate(uri?: vscode.Uri, kasan?: boolean): Promise<unknown> {
    const a = this.active(uri);
    if (!a) return undefined;
    const [doc, e] = a;
    return this.simulator.simulate({
      uri: e.source.toString(),
      function: e.fn,
      kasan: kasan ?? this.kasan(),
      experiment: { copy: { uri: doc.uri.toString(), text: doc.getText() } },
    });
  }

  async diff(uri?: vscode.Uri): Promise<void> {
    const a = this.active(uri);
    if (!a) return;
    const [doc, e] = a;
    const base = vscode.Uri.from({ scheme: BASE_SCHEME, path: `/${e.fn}.c`, query: doc.uri.toString() });
    await vscode.commands.executeCommand('vscode.diff', base, doc.uri, `${e.fn}: file ↔ experiment`);
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.docs.get(uri.query)?.original ?? '/* the experiment this diff belonged to is closed */\n';
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    const e = this.docs.get(doc.uri.toString());
    if (!e) return [];
    const top = new vscode.Range(0, 0, 0, 0);
    return [
      new vscode.CodeLens(top, {
        title: '⚗ Simulate experiment (KASAN)',
        command: 'slablens.simulateExperiment',
        arguments: [doc.uri, true],
      }),
      new vscode.CodeLens(top, {
        title: '⚗ Simulate experiment',
        command: 'slablens.simulateExperiment',
        arguments: [doc.uri, false],
      }),
      new vscode.CodeLens(top, {
        title: 'Show Experiment Diff',
        command: 'slablens.showExperimentDiff',
        arguments: [doc.uri],
      }),
    ];
  }
}
