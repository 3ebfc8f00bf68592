// Pinned call paths ("kmem_cache_destroy → kvfree_rcu_barrier_on_cache → …" with a note), kept by
// the server in .slablens/annotations.json and shown here as inlay hints at each function on the
// path, so the note travels with the code the reviewer reads.

import { mdText, plainText } from './untrustedText';
import * as vscode from 'vscode';
import { LanguageClient } from 'vscode-languageclient/node';
import { Annotations, AnnotationsResult, PathsToRoot } from '../../protocol/src';

export class AnnotationHints implements vscode.InlayHintsProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeInlayHints = this.changed.event;
  private reported: string | undefined;

  constructor(private readonly client: () => LanguageClient) {}

  refresh(): void {
    this.changed.fire();
  }

  async list(): Promise<AnnotationsResult> {
    const r = await this.client().sendRequest(Annotations, { action: 'list' });
    // A corrupt annotations file is kept by the server; say so once, not on every repaint.
    if (r.error && r.error !== this.reported) {
      this.reported = r.error;
      void vscode.window.showWarningMessage(plainText(`Slablens annotations: ${r.error}`));
    }
    return r;
  }

  async provideInlayHints(doc: vscode.TextDocument, range: vscode.Range): Promise<vscode.InlayHint[]> {
    if (this.client().state !== 2 /* Running */) return [];
    const { annotations } = await this.list();
    const hints: vscode.InlayHint[] = [];
    for (const a of annotations) {
      a.locations.forEach((loc, i) => {
        if (
          loc.uri !== doc.uri.toString() ||
          loc.line === undefined ||
          !range.contains(new vscode.Position(loc.line, 0))
        )
          return;
        const end = doc.lineAt(loc.line).range.end;
        const hint = new vscode.InlayHint(end, ` 📌 ${a.note}`, vscode.InlayHintKind.Type);
        hint.paddingLeft = true;
        hint.tooltip = new vscode.MarkdownString(
          `**Pinned call path** (${i + 1} of ${a.path.length}):\n\n${mdText(a.path.join(' → '))}\n\n${mdText(a.note)}`,
        );
        hints.push(hint);
      });
    }
    return hints;
  }
}

/** "Slablens: Annotate Call Path…": the paths from the entry points to the function at the cursor. */
export async function annotateCallPath(
  client: LanguageClient,
  hints: AnnotationHints,
  fn: string | undefined,
): Promise<void> {
  const name =
    fn ??
    (await vscode.window.showInputBox({
      prompt: 'Function to annotate (its call paths from the entry points are offered)',
      placeHolder: 'kvfree_rcu_barrier_on_cache',
    }));
  if (!name) return;
  const paths = await client.sendRequest(PathsToRoot, { function: name });
  const choices = paths.length ? paths : [[name]];
  const picked = await vscode.window.showQuickPick(
    choices.map((p) => ({ label: p.join(' → '), path: p })),
    {
      title: `Call paths to ${name}`,
      placeHolder: paths.length ? 'Pick the path to pin' : `${name} is not reached from an entry point; pin it alone`,
    },
  );
  if (!picked) return;
  const note = await vscode.window.showInputBox({
    title: picked.label,
    prompt: 'Note for this call path',
    placeHolder: 'e.g. no rcu_barrier() between flush_rcu_sheaves_on_cache and kasan_cache_shutdown',
  });
  if (note === undefined) return;
  const r = await client.sendRequest(Annotations, { action: 'add', path: picked.path, note });
  if (r.error) {
    void vscode.window.showErrorMessage(plainText(`Slablens could not save the annotation: ${r.error}`));
    return;
  }
  hints.refresh();
}
