// Hosts the trace webview (media/): one panel, reused for every result. The page is built by
// media's traceHtml (strict CSP, nonce); file I/O and editor navigation happen here, on request
// of the page, because the page itself can touch neither.

import { plainText } from './untrustedText';
import * as vscode from 'vscode';
import { makeNonce, traceHtml } from '../../media/src/html';
import { FromWebview, isFromWebview, SimulationView, ToWebview } from '../../media/src/protocol';
import { shellCommand } from '../../engine/src/shell';

export interface TraceActions {
  /** re-run a trace file the user picked: the server replays it */
  importTrace(data: unknown): Promise<void>;
}

export class TracePanel {
  static readonly viewType = 'slablens.trace';
  private panel: vscode.WebviewPanel | undefined;
  private ready = false;
  private pending: ToWebview | undefined;
  private current: SimulationView | undefined;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly output: vscode.LogOutputChannel,
    private readonly actions: TraceActions,
  ) {}

  get view(): SimulationView | undefined {
    return this.current;
  }

  show(view: SimulationView): void {
    this.current = view;
    this.posted = Date.now();
    this.post({ type: 'show', view });
  }

  /** when the last result was posted to the page, for the log line of its rendering */
  private posted = 0;

  /** Tell an open trace view that an exploration runs (null: it ended); never opens one. */
  busy(text: string | null): void {
    if (this.panel && this.ready) void this.panel.webview.postMessage({ type: 'busy', text } satisfies ToWebview);
  }

  private post(msg: ToWebview): void {
    const panel = this.ensurePanel();
    // the message first: the workbench handles what it is sent in order, and the page waits behind it
    if (this.ready) void panel.webview.postMessage(msg);
    else this.pending = msg;
    const title = `Slablens: ${this.current?.title ?? 'trace'}`;
    if (panel.title !== title) panel.title = title;
    if (!panel.visible) panel.reveal(vscode.ViewColumn.Beside, true);
  }

  private ensurePanel(): vscode.WebviewPanel {
    if (this.panel) return this.panel;
    const roots = [
      vscode.Uri.joinPath(this.extensionUri, 'dist', 'media'),
      vscode.Uri.joinPath(this.extensionUri, 'media'),
    ];
    const panel = vscode.window.createWebviewPanel(
      TracePanel.viewType,
      'Slablens: trace',
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      {
        enableScripts: true,
        retainContextWhenHidden: true,
        localResourceRoots: roots,
      },
    );
    const w = panel.webview;
    w.html = traceHtml({
      cspSource: w.cspSource,
      nonce: makeNonce(),
      scriptUri: w.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'media', 'trace.js')).toString(),
      styleUri: w.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'trace.css')).toString(),
      title: 'Slablens trace',
    });
    w.onDidReceiveMessage((m: unknown) => void this.receive(m));
    panel.onDidDispose(() => {
      this.panel = undefined;
      this.ready = false;
      void vscode.commands.executeCommand('setContext', 'slablens.traceOpen', false);
    });
    void vscode.commands.executeCommand('setContext', 'slablens.traceOpen', true);
    this.panel = panel;
    return panel;
  }

  private async receive(m: unknown): Promise<void> {
    if (!isFromWebview(m)) {
      this.output.warn(`trace view sent an unknown message: ${JSON.stringify(m)?.slice(0, 200)}`);
      return;
    }
    const msg: FromWebview = m;
    switch (msg.type) {
      case 'ready':
        // also after a reload of the page: it starts empty and asks again
        this.ready = true;
        if (this.pending) void this.panel?.webview.postMessage(this.pending);
        else if (this.current)
          void this.panel?.webview.postMessage({ type: 'show', view: this.current } satisfies ToWebview);
        this.pending = undefined;
        return;
      case 'reveal':
        return revealFunction(msg.function, msg.line, msg.focus === true);
      case 'step':
        return this.markStep(msg.index);
      case 'revealScenario':
        await this.revealScenario(msg.line, true);
        return;
      case 'rendered':
        if (this.posted)
          this.output.info(
            `trace view: ${this.current?.title ?? 'result'} on screen ${Date.now() - this.posted} ms after it was posted (it reached the page after ${msg.arrived ? msg.arrived - this.posted : '?'} ms; the verdict was in ${msg.headline ?? '?'} ms after that, the lanes ${msg.lanes ?? '?'} ms)`,
          );
        this.posted = 0;
        return;
      case 'copyToken':
        await vscode.env.clipboard.writeText(msg.token);
        void vscode.window.showInformationMessage(
          plainText(
            `Replay token copied. Replay it with: ${shellCommand(['node', 'dist/cli.js', 'replay', '--token', msg.token])}`,
          ),
        );
        return;
      case 'exportTrace':
        return this.exportTrace();
      case 'importTrace':
        return this.importTrace();
      default:
        return;
    }
  }

  /** A line of the shown result's scenario file (the page names only the line). */
  private async revealScenario(line: number, focus: boolean): Promise<vscode.TextEditor | undefined> {
    const uri = this.current?.litmus?.uri;
    if (!uri) return undefined;
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(uri));
    const at = new vscode.Position(Math.min(line, doc.lineCount - 1), 0);
    const editor = await vscode.window.showTextDocument(doc, {
      viewColumn: vscode.ViewColumn.One,
      preserveFocus: !focus,
      preview: true,
    });
    editor.selection = new vscode.Selection(at, at);
    editor.revealRange(new vscode.Range(at, at), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    return editor;
  }

  /** The selected step's call statement, marked in an editor that shows its file. */
  private readonly stepMark = vscode.window.createTextEditorDecorationType({
    isWholeLine: true,
    backgroundColor: new vscode.ThemeColor('editor.rangeHighlightBackground'),
    after: { color: new vscode.ThemeColor('editorCodeLens.foreground'), margin: '0 0 0 2em' },
  });

  /** The keyboard back in the step list (after Enter took it to the editor). */
  focus(): void {
    if (!this.panel) {
      void vscode.window.showInformationMessage('No trace view is open: run a simulation first.');
      return;
    }
    this.panel.reveal(undefined, false);
    if (this.ready) void this.panel.webview.postMessage({ type: 'focus' } satisfies ToWebview);
  }

  /** The selected step: its source shown beside the trace (the trace keeps the keyboard), its line marked. */
  private async markStep(index: number): Promise<void> {
    for (const e of vscode.window.visibleTextEditors) e.setDecorations(this.stepMark, []);
    const step = this.current?.trace?.steps[index];
    // a scenario's P step: its line in the scenario file too
    const origin = step?.origin?.line;
    if (step && origin !== undefined && this.current?.litmus) {
      // shown when the step has no kernel line to show; marked wherever the file is visible
      if (step.anchor?.line === undefined) await this.revealScenario(origin, false);
      const label = `step ${step.sub ? `${step.step}.${step.sub}` : step.step} · ${step.thread} · ${step.event}`;
      for (const e of vscode.window.visibleTextEditors) {
        if (
          e.document.uri.toString() !== vscode.Uri.parse(this.current.litmus.uri).toString() ||
          origin >= e.document.lineCount
        )
          continue;
        e.setDecorations(this.stepMark, [
          {
            range: e.document.lineAt(origin).range,
            renderOptions: { after: { contentText: label.length > 90 ? `${label.slice(0, 89)}…` : label } },
          },
        ]);
      }
    }
    const line = step?.anchor?.line;
    if (!step?.anchor || line === undefined) return;
    const symbols =
      (await vscode.commands.executeCommand<vscode.SymbolInformation[]>(
        'vscode.executeWorkspaceSymbolProvider',
        step.anchor.fn,
      )) ?? [];
    const def = symbols.find((x) => x.name === step.anchor!.fn && x.kind === vscode.SymbolKind.Function);
    if (!def) return;
    await revealFunction(step.anchor.fn, line, false, def);
    const label = `step ${step.sub ? `${step.step}.${step.sub}` : step.step} · CPU${step.cpu} ${step.context} · ${step.event}`;
    for (const e of vscode.window.visibleTextEditors) {
      if (e.document.uri.toString() !== def.location.uri.toString() || line >= e.document.lineCount) continue;
      e.setDecorations(this.stepMark, [
        {
          range: e.document.lineAt(line).range,
          renderOptions: { after: { contentText: label.length > 90 ? `${label.slice(0, 89)}…` : label } },
        },
      ]);
    }
  }

  private async exportTrace(): Promise<void> {
    const trace = this.current?.trace;
    if (!trace) {
      void vscode.window.showInformationMessage('There is no trace to export: this run recorded no schedule.');
      return;
    }
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const name = `${trace.scenario.id.replace(/[^\w.-]+/g, '_')}.trace.json`;
    const target = await vscode.window.showSaveDialog({
      defaultUri: folder ? vscode.Uri.joinPath(folder, name) : undefined,
      filters: { 'slablens trace': ['json'] },
    });
    if (!target) return;
    await vscode.workspace.fs.writeFile(target, Buffer.from(JSON.stringify(trace, null, 1)));
    void vscode.window.showInformationMessage(
      plainText(
        `Trace written to ${target.fsPath}. Replay it with: ${shellCommand(['node', 'dist/cli.js', 'replay', target.fsPath])}`,
      ),
    );
  }

  async importTrace(): Promise<void> {
    const picked = await vscode.window.showOpenDialog({
      canSelectMany: false,
      filters: { 'slablens trace': ['json'] },
    });
    if (!picked?.[0]) return;
    let data: unknown;
    try {
      data = JSON.parse(Buffer.from(await vscode.workspace.fs.readFile(picked[0])).toString('utf8'));
    } catch (e) {
      void vscode.window.showErrorMessage(
        plainText(`${picked[0].fsPath} is not a readable JSON trace (${(e as Error).message}); nothing was changed.`),
      );
      return;
    }
    await this.actions.importTrace(data);
  }
}

/**
 * Show the definition of a kernel function (found through the language server) at a line, in the
 * first column. `focus` false keeps the keyboard where it is (the trace): an Enter meant for the
 * trace must never land in the kernel source.
 */
export async function revealFunction(
  fn: string,
  line?: number,
  focus = false,
  found?: vscode.SymbolInformation,
): Promise<void> {
  let def = found;
  if (!def) {
    const symbols =
      (await vscode.commands.executeCommand<vscode.SymbolInformation[]>('vscode.executeWorkspaceSymbolProvider', fn)) ??
      [];
    def = symbols.find((s) => s.name === fn && s.kind === vscode.SymbolKind.Function);
  }
  if (!def) {
    void vscode.window.showInformationMessage(
      plainText(`${fn} is not defined in the indexed files (it is a model of the simulator, or its file is not open).`),
    );
    return;
  }
  const at = line !== undefined ? new vscode.Position(line, 0) : def.location.range.start;
  const editor = await vscode.window.showTextDocument(def.location.uri, {
    viewColumn: vscode.ViewColumn.One,
    preserveFocus: !focus,
    preview: true,
  });
  editor.selection = new vscode.Selection(at, at);
  editor.revealRange(new vscode.Range(at, at), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
}
