// The "Patch Series" tree: series → patches (trailers counted A·R·T, viewed as a checkbox) →
// files → hunks with the functions they touch. Clicking a file or hunk opens its diff.

import * as vscode from 'vscode';
import { FileInfo, HunkInfo, pad, PatchInfo, SeriesInfo } from './model';

export type Node =
  | { kind: 'series'; series: SeriesInfo }
  | { kind: 'cover'; series: SeriesInfo }
  | { kind: 'patch'; series: SeriesInfo; patch: PatchInfo }
  | { kind: 'file'; series: SeriesInfo; patch: PatchInfo; file: FileInfo }
  | { kind: 'hunk'; series: SeriesInfo; patch: PatchInfo; file: FileInfo; hunk: HunkInfo };

/** Opens the pre/post diff of a file of a patch, at a hunk when given (slablens.series.openDiff). */
export const diffCommand = (s: SeriesInfo, p: PatchInfo, f: FileInfo, hunk?: number): vscode.Command => ({
  command: 'slablens.series.openDiff',
  title: 'Open Diff',
  arguments: [s.key, p.number, f.path, hunk],
});

export class SeriesTree implements vscode.TreeDataProvider<Node> {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  readonly series = new Map<string, SeriesInfo>();

  set(s: SeriesInfo): void {
    this.series.set(s.key, s);
    this.changed.fire(undefined);
  }

  getChildren(n?: Node): Node[] {
    if (!n) return [...this.series.values()].map((series) => ({ kind: 'series', series }));
    switch (n.kind) {
      case 'series':
        return [...(n.series.cover ? [{ kind: 'cover' as const, series: n.series }] : []), ...n.series.patches.map((patch) => ({ kind: 'patch' as const, series: n.series, patch }))];
      case 'patch':
        return n.patch.files.map((file) => ({ kind: 'file', series: n.series, patch: n.patch, file }));
      case 'file':
        return n.file.hunks.map((hunk) => ({ kind: 'hunk', series: n.series, patch: n.patch, file: n.file, hunk }));
      default:
        return [];
    }
  }

  getTreeItem(n: Node): vscode.TreeItem {
    const C = vscode.TreeItemCollapsibleState;
    switch (n.kind) {
      case 'series': {
        const s = n.series;
        const item = new vscode.TreeItem(s.title, C.Expanded);
        const state = s.reviewError ? 'review file unreadable' : (s.review?.state ?? 'new');
        item.description = `${s.rfc ? 'RFC ' : ''}v${s.version} · ${s.patches.length}/${s.total} patches · ${state}`;
        item.tooltip = new vscode.MarkdownString(
          [`**${s.title}** (${s.format}: ${s.input})`, `${s.messages} messages`, s.missing.length ? `not in the input: patches ${s.missing.join(', ')}` : '', ...s.problems.map((p) => `⚠ ${p}`), s.reviewError ? `⚠ ${s.reviewError}` : '']
            .filter(Boolean)
            .join('\n\n'),
        );
        item.iconPath = new vscode.ThemeIcon(s.problems.length || s.reviewError ? 'warning' : 'mail');
        item.contextValue = 'series';
        return item;
      }
      case 'cover': {
        const c = n.series.cover!;
        const item = new vscode.TreeItem(`${pad(0, n.series.total)}/${n.series.total} cover letter`, C.None);
        item.description = `${c.from.name} · ${c.replies} replies`;
        item.tooltip = c.subject;
        item.iconPath = new vscode.ThemeIcon('book');
        item.contextValue = 'cover';
        return item;
      }
      case 'patch': {
        const { series: s, patch: p } = n;
        const mine = s.review?.patches[String(p.number)];
        const item = new vscode.TreeItem(`${pad(p.number, s.total)}/${s.total} ${p.title}`, C.Collapsed);
        const myTrailers = mine?.trailers.length ? ` · mine: ${mine.trailers.map((t) => t.split(':')[0]).join(', ')}` : '';
        item.description = `A${p.art.a}·R${p.art.r}·T${p.art.t} · ${p.replies} replies${mine?.comments.length ? ` · ${mine.comments.length} comments` : ''}${myTrailers}`;
        item.tooltip = new vscode.MarkdownString([`**${p.subject}**`, `${p.from.name} ${p.date ?? ''}`, `functions: ${p.functions.map((f) => `\`${f}\``).join(', ') || 'none'}`, ...p.trailers, ...p.problems.map((x) => `⚠ ${x}`)].join('\n\n'));
        item.checkboxState = mine?.viewed ? vscode.TreeItemCheckboxState.Checked : vscode.TreeItemCheckboxState.Unchecked;
        item.iconPath = new vscode.ThemeIcon(p.problems.length ? 'warning' : 'git-commit');
        item.contextValue = 'patch';
        item.id = `${s.key}/${p.number}`;
        return item;
      }
      case 'file': {
        const { file: f } = n;
        const item = new vscode.TreeItem(f.path, C.Collapsed);
        item.description = `+${f.added} −${f.removed}${f.status !== 'modified' ? ` (${f.status})` : ''}`;
        item.resourceUri = vscode.Uri.file(f.path);
        item.command = diffCommand(n.series, n.patch, f);
        item.contextValue = 'file';
        return item;
      }
      case 'hunk': {
        const item = new vscode.TreeItem(n.hunk.header, C.None);
        item.description = n.hunk.functions.join(', ');
        item.tooltip = n.hunk.functions.length ? `changes ${n.hunk.functions.join(', ')}` : 'changes no function body';
        item.command = diffCommand(n.series, n.patch, n.file, n.hunk.index);
        item.iconPath = new vscode.ThemeIcon('symbol-function');
        item.contextValue = 'hunk';
        return item;
      }
    }
  }
}
