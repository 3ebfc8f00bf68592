// "Show Coverage": the lines of the C the explored executions ran, marked, and the modelled
// statements no execution reached, greyed, in the editors that show them — for the last run.

import * as vscode from 'vscode';

export interface CoverageData {
  /** statements some execution reached: function, IR index, 0-based line */
  covered: { fn: string; index: number; line?: number }[];
  /** per function, the file its lines are in and the lines of its modelled statements */
  statements: Record<string, { uri: string; lines: number[] }>;
  title: string;
}

export class Coverage implements vscode.Disposable {
  private data: CoverageData | undefined;
  private shown = true;
  private readonly ran = vscode.window.createTextEditorDecorationType({
    isWholeLine: true,
    borderColor: new vscode.ThemeColor('testing.iconPassed'),
    borderStyle: 'solid',
    borderWidth: '0 0 0 3px',
    overviewRulerColor: new vscode.ThemeColor('testing.iconPassed'),
    overviewRulerLane: vscode.OverviewRulerLane.Left,
  });
  private readonly neverReached = vscode.window.createTextEditorDecorationType({
    isWholeLine: true,
    opacity: '0.4',
    after: {
      contentText: '  ⟂ never reached in this run',
      color: new vscode.ThemeColor('editorCodeLens.foreground'),
      fontStyle: 'italic',
    },
  });
  private readonly sub = vscode.window.onDidChangeVisibleTextEditors(() => this.apply());

  set(data: CoverageData): void {
    this.data = data;
    this.apply();
  }

  show(): void {
    if (!this.data) {
      void vscode.window.showInformationMessage('No coverage yet: run Simulate on a function first.');
      return;
    }
    this.shown = true;
    this.apply();
  }

  hide(): void {
    this.shown = false;
    this.apply();
  }

  /** lines ran / never reached per file uri */
  private lines(): Map<string, { ran: Set<number>; never: Set<number> }> {
    const out = new Map<string, { ran: Set<number>; never: Set<number> }>();
    if (!this.data) return out;
    const ran = new Set(this.data.covered.filter((a) => a.line !== undefined).map((a) => `${a.fn}:${a.line}`));
    for (const [fn, st] of Object.entries(this.data.statements)) {
      const e = out.get(st.uri) ?? { ran: new Set<number>(), never: new Set<number>() };
      for (const l of st.lines) (ran.has(`${fn}:${l}`) ? e.ran : e.never).add(l);
      out.set(st.uri, e);
    }
    // a line with a reached statement is not greyed for another one on it
    for (const e of out.values()) for (const l of e.ran) e.never.delete(l);
    return out;
  }

  private apply(): void {
    const byUri = this.shown ? this.lines() : new Map<string, { ran: Set<number>; never: Set<number> }>();
    for (const ed of vscode.window.visibleTextEditors) {
      const e = byUri.get(ed.document.uri.toString());
      const range = (l: number) => ed.document.lineAt(Math.min(l, ed.document.lineCount - 1)).range;
      ed.setDecorations(
        this.ran,
        e ? [...e.ran].map((l) => ({ range: range(l), hoverMessage: `Ran in ${this.data!.title}` })) : [],
      );
      ed.setDecorations(
        this.neverReached,
        e
          ? [...e.never].map((l) => ({
              range: range(l),
              hoverMessage: `No explored execution of ${this.data!.title} reached this statement`,
            }))
          : [],
      );
    }
  }

  dispose(): void {
    this.sub.dispose();
    this.ran.dispose();
    this.neverReached.dispose();
  }
}
