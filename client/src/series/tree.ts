// The "Patch Series" tree: series → patches (trailers counted A·R·T, viewed as a checkbox) →
// files → hunks with the functions they touch. Clicking a file or hunk opens its diff. After
// "Compare with Earlier Revision…", the series also shows the range-diff against that revision:
// patch pairs (changed or not; click: the diff of the two patches) with the reviewer's earlier
// comments under them, open or addressed.

import { mdText } from '../untrustedText';
import * as vscode from 'vscode';
import { CarriedComment, Comparison, FileInfo, HunkInfo, pad, PatchInfo, SeriesCheckResult, SeriesInfo } from './model';

type Pair = Comparison['pairs'][number];

export type Node =
  | { kind: 'series'; series: SeriesInfo }
  | { kind: 'cover'; series: SeriesInfo }
  | { kind: 'patch'; series: SeriesInfo; patch: PatchInfo }
  | { kind: 'file'; series: SeriesInfo; patch: PatchInfo; file: FileInfo }
  | { kind: 'hunk'; series: SeriesInfo; patch: PatchInfo; file: FileInfo; hunk: HunkInfo }
  | { kind: 'compare'; series: SeriesInfo; comparison: Comparison }
  | { kind: 'pair'; series: SeriesInfo; comparison: Comparison; pair: Pair }
  | {
      kind: 'unpaired';
      series: SeriesInfo;
      comparison: Comparison;
      side: 'dropped' | 'added';
      number: number;
      title: string;
    }
  | { kind: 'carried'; series: SeriesInfo; comparison: Comparison; to?: number; comment: CarriedComment };

/** Opens the pre/post diff of a file of a patch, at a hunk when given (slablens.series.openDiff). */
export const diffCommand = (s: SeriesInfo, p: PatchInfo, f: FileInfo, hunk?: number): vscode.Command => ({
  command: 'slablens.series.openDiff',
  title: 'Open Diff',
  arguments: [s.key, p.number, f.path, hunk],
});

/** Opens the two patches of a range-diff pair side by side (slablens.series.openRangeDiff). */
const rangeDiffCommand = (c: Comparison, p: Pair): vscode.Command => ({
  command: 'slablens.series.openRangeDiff',
  title: 'Open Range-Diff',
  arguments: [c.older.key, p.old, c.newer.key, p.new],
});

export class SeriesTree implements vscode.TreeDataProvider<Node> {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  readonly series = new Map<string, SeriesInfo>();
  /** by the newer revision's key: its comparison with an earlier one */
  readonly comparisons = new Map<string, Comparison>();
  /** by series key: the last "Check Against Workspace" (base, and per patch applies / already applied / does not apply) */
  readonly checks = new Map<string, SeriesCheckResult>();

  set(s: SeriesInfo): void {
    this.series.set(s.key, s);
    this.changed.fire(undefined);
  }

  setCheck(key: string, r: SeriesCheckResult): void {
    this.checks.set(key, r);
    this.changed.fire(undefined);
  }

  setComparison(c: Comparison): void {
    this.comparisons.set(c.newer.key, c);
    this.changed.fire(undefined);
  }

  getParent(n: Node): Node | undefined {
    // enough for reveal() of a comparison, the only node revealed
    return n.kind === 'compare' ? { kind: 'series', series: n.series } : undefined;
  }

  getChildren(n?: Node): Node[] {
    if (!n) return [...this.series.values()].map((series) => ({ kind: 'series', series }));
    switch (n.kind) {
      case 'series': {
        const comparison = this.comparisons.get(n.series.key);
        return [
          ...(comparison ? [{ kind: 'compare' as const, series: n.series, comparison }] : []),
          ...(n.series.cover ? [{ kind: 'cover' as const, series: n.series }] : []),
          ...n.series.patches.map((patch) => ({ kind: 'patch' as const, series: n.series, patch })),
        ];
      }
      case 'compare': {
        const { series, comparison: c } = n;
        const lost = c.comments
          .filter((x) => x.to === undefined)
          .flatMap((x) => x.comments.map((comment) => ({ kind: 'carried' as const, series, comparison: c, comment })));
        return [
          ...c.pairs.map((pair) => ({ kind: 'pair' as const, series, comparison: c, pair })),
          ...c.dropped.map((p) => ({
            kind: 'unpaired' as const,
            series,
            comparison: c,
            side: 'dropped' as const,
            number: p.number,
            title: p.title,
          })),
          ...c.added.map((p) => ({
            kind: 'unpaired' as const,
            series,
            comparison: c,
            side: 'added' as const,
            number: p.number,
            title: p.title,
          })),
          ...lost,
        ];
      }
      case 'pair':
        return n.comparison.comments
          .filter((x) => x.to === n.pair.new)
          .flatMap((x) =>
            x.comments.map((comment) => ({
              kind: 'carried' as const,
              series: n.series,
              comparison: n.comparison,
              to: x.to,
              comment,
            })),
          );
      case 'patch':
        return n.patch.files.map((file) => ({ kind: 'file', series: n.series, patch: n.patch, file }));
      case 'file':
        return n.file.hunks.map((hunk) => ({ kind: 'hunk', series: n.series, patch: n.patch, file: n.file, hunk }));
      default:
        return [];
    }
  }

  getTreeItem(n: Node): vscode.TreeItem {
    switch (n.kind) {
      case 'series':
        return seriesItem(n, this.checks.get(n.series.key));
      case 'cover':
        return coverItem(n);
      case 'patch':
        return patchItem(
          n,
          this.checks.get(n.series.key)?.patches.find((x) => x.patch === n.patch.number),
        );
      case 'file':
        return fileItem(n);
      case 'compare':
        return compareItem(n);
      case 'pair':
        return pairItem(n, this.series);
      case 'unpaired':
        return unpairedItem(n, this.series);
      case 'carried':
        return carriedItem(n);
      case 'hunk':
        return hunkItem(n);
    }
  }
}

function seriesItem(n: Extract<Node, { kind: 'series' }>, check?: SeriesCheckResult): vscode.TreeItem {
  const C = vscode.TreeItemCollapsibleState;
  const s = n.series;
  const item = new vscode.TreeItem(s.title, C.Expanded);
  const state = s.reviewError ? 'review file unreadable' : (s.review?.state ?? 'new');
  const onTree = check ? ` · on this tree: ${checkCounts(check)}` : '';
  item.description = `${s.rfc ? 'RFC ' : ''}v${s.version} · ${s.patches.length}/${s.total} patches · ${state}${onTree}`;
  item.tooltip = new vscode.MarkdownString(
    [
      `**${mdText(s.title)}** (${s.format}: ${mdText(s.input)})`,
      `${s.messages} messages`,
      check ? `On this tree: ${mdText(check.base.message)}` : '',
      s.missing.length ? `not in the input: patches ${s.missing.join(', ')}` : '',
      ...s.problems.map((p) => `⚠ ${mdText(p)}`),
      s.reviewError ? `⚠ ${mdText(s.reviewError)}` : '',
    ]
      .filter(Boolean)
      .join('\n\n'),
  );
  item.iconPath = new vscode.ThemeIcon(s.problems.length || s.reviewError ? 'warning' : 'mail');
  item.contextValue = 'series';
  return item;
}

function coverItem(n: Extract<Node, { kind: 'cover' }>): vscode.TreeItem {
  const C = vscode.TreeItemCollapsibleState;
  const c = n.series.cover!;
  const item = new vscode.TreeItem(`${pad(0, n.series.total)}/${n.series.total} cover letter`, C.None);
  item.description = `${c.from.name} · ${c.replies} replies`;
  item.tooltip = c.subject;
  item.iconPath = new vscode.ThemeIcon('book');
  item.contextValue = 'cover';
  return item;
}

type PatchCheck = SeriesCheckResult['patches'][number];

/** The icon of a patch checked against the workspace: it applies, is in the tree already, or does not apply. */
const CHECK_ICON: Record<PatchCheck['state'], [string, string]> = {
  applies: ['pass', 'testing.iconPassed'],
  'already applied': ['check-all', 'charts.blue'],
  'does not apply': ['error', 'testing.iconFailed'],
  'not checked': ['circle-slash', 'disabledForeground'],
};

/** "3 apply · 1 already applied · 1 does not apply" */
function checkCounts(r: SeriesCheckResult): string {
  const n = (st: PatchCheck['state']) => r.patches.filter((p) => p.state === st).length;
  return [
    n('applies') ? `${n('applies')} apply` : '',
    n('already applied') ? `${n('already applied')} already applied` : '',
    n('does not apply') ? `${n('does not apply')} do not apply` : '',
    n('not checked') ? `${n('not checked')} not checked` : '',
  ]
    .filter(Boolean)
    .join(' · ');
}

function patchItem(n: Extract<Node, { kind: 'patch' }>, check?: PatchCheck): vscode.TreeItem {
  const C = vscode.TreeItemCollapsibleState;
  const { series: s, patch: p } = n;
  const mine = s.review?.patches[String(p.number)];
  const item = new vscode.TreeItem(`${pad(p.number, s.total)}/${s.total} ${p.title}`, C.Collapsed);
  const myTrailers = mine?.trailers.length ? ` · mine: ${mine.trailers.map((t) => t.split(':')[0]).join(', ')}` : '';
  const carried = p.carried ? ` · v${p.carried.version}: ${p.carried.open} open, ${p.carried.addressed} addressed` : '';
  // on this tree first: after "Check Against Workspace" it is what the reviewer looks for
  item.description = `${check ? `${check.state} · ` : ''}A${p.art.a}·R${p.art.r}·T${p.art.t} · ${p.replies} replies${mine?.comments.length ? ` · ${mine.comments.length} comments` : ''}${myTrailers}${carried}`;
  // subject, name, trailers and problems come from mail: escaped, so no link or image of it renders
  item.tooltip = new vscode.MarkdownString(
    [
      `**${mdText(p.subject)}**`,
      check ? `On this tree: **${check.state}**. ${mdText(check.message)}` : '',
      `${mdText(p.from.name)} ${mdText(p.date ?? '')}`,
      `functions: ${p.functions.map(mdText).join(', ') || 'none'}`,
      ...p.trailers.map(mdText),
      ...p.problems.map((x) => `⚠ ${mdText(x)}`),
    ]
      .filter(Boolean)
      .join('\n\n'),
  );
  item.checkboxState = mine?.viewed ? vscode.TreeItemCheckboxState.Checked : vscode.TreeItemCheckboxState.Unchecked;
  const [icon, color] = check ? CHECK_ICON[check.state] : [p.problems.length ? 'warning' : 'git-commit', ''];
  item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
  item.contextValue = 'patch';
  item.id = `${s.key}/${p.number}`;
  return item;
}

function fileItem(n: Extract<Node, { kind: 'file' }>): vscode.TreeItem {
  const C = vscode.TreeItemCollapsibleState;
  const { file: f } = n;
  const item = new vscode.TreeItem(f.path, C.Collapsed);
  item.description = `+${f.added} −${f.removed}${f.status !== 'modified' ? ` (${f.status})` : ''}`;
  item.resourceUri = vscode.Uri.file(f.path);
  item.command = diffCommand(n.series, n.patch, f);
  item.contextValue = 'file';
  return item;
}

function compareItem(n: Extract<Node, { kind: 'compare' }>): vscode.TreeItem {
  const C = vscode.TreeItemCollapsibleState;
  const c = n.comparison;
  const item = new vscode.TreeItem(`Changes since v${c.older.version}`, C.Expanded);
  const changed = c.pairs.filter((p) => p.changed).length;
  const all = c.comments.flatMap((x) => x.comments);
  const open = all.filter((k) => !k.addressed).length;
  item.description = [
    `${changed} changed · ${c.pairs.length - changed} unchanged`,
    c.dropped.length ? `${c.dropped.length} dropped` : '',
    c.added.length ? `${c.added.length} ${c.olderMissing.length ? 'unpaired' : 'new'}` : '',
    all.length ? `my v${c.older.version} comments: ${open} open, ${all.length - open} addressed` : '',
  ]
    .filter(Boolean)
    .join(' · ');
  item.tooltip = new vscode.MarkdownString(
    [
      `**v${c.older.version} → v${c.newer.version}**, patches paired by title as \`git range-diff\` does; a patch is unchanged when its message and diff are (line numbers aside).`,
      c.olderMissing.length
        ? `The v${c.older.version} input holds only some of its patches (missing: ${c.olderMissing.join(', ')}): a v${c.newer.version} patch with no pair may be in v${c.older.version} all the same.`
        : '',
      c.reviewError ? `⚠ ${mdText(c.reviewError)}` : '',
    ]
      .filter(Boolean)
      .join('\n\n'),
  );
  item.iconPath = new vscode.ThemeIcon('git-compare');
  item.contextValue = 'compare';
  item.id = `${n.series.key}/compare`;
  return item;
}

function pairItem(n: Extract<Node, { kind: 'pair' }>, series: ReadonlyMap<string, SeriesInfo>): vscode.TreeItem {
  const C = vscode.TreeItemCollapsibleState;
  const { comparison: c, pair: p } = n;
  const older = series.get(c.older.key);
  const item = new vscode.TreeItem(
    `${pad(p.old, older?.total ?? 0)} → ${pad(p.new, n.series.total)} ${p.title}`,
    c.comments.some((x) => x.to === p.new) ? C.Expanded : C.None,
  );
  item.description = p.changed ? `changed +${p.added} −${p.removed}` : 'unchanged';
  item.tooltip = `v${c.older.version} patch ${p.old} against v${c.newer.version} patch ${p.new}: click for the two patches side by side`;
  item.iconPath = new vscode.ThemeIcon(p.changed ? 'diff-modified' : 'pass');
  item.command = rangeDiffCommand(c, p);
  item.contextValue = 'pair';
  return item;
}

function unpairedItem(
  n: Extract<Node, { kind: 'unpaired' }>,
  series: ReadonlyMap<string, SeriesInfo>,
): vscode.TreeItem {
  const C = vscode.TreeItemCollapsibleState;
  const total = n.side === 'dropped' ? (series.get(n.comparison.older.key)?.total ?? 0) : n.series.total;
  const item = new vscode.TreeItem(`${pad(n.number, total)} ${n.title}`, C.None);
  const maybe = n.comparison.olderMissing.length ? ` or not in the v${n.comparison.older.version} input` : '';
  item.description =
    n.side === 'dropped'
      ? `v${n.comparison.older.version} only: dropped or renamed`
      : `new in v${n.comparison.newer.version}${maybe}`;
  item.iconPath = new vscode.ThemeIcon(n.side === 'dropped' ? 'diff-removed' : 'diff-added');
  item.contextValue = 'unpaired';
  return item;
}

function carriedItem(n: Extract<Node, { kind: 'carried' }>): vscode.TreeItem {
  const C = vscode.TreeItemCollapsibleState;
  const k = n.comment;
  const item = new vscode.TreeItem(k.text.split('\n')[0], C.None);
  item.description = k.addressed
    ? `addressed (${k.file}:${k.was.line} changed)`
    : n.to === undefined
      ? 'on a patch this revision does not have'
      : `open at ${k.file}:${k.line}`;
  item.tooltip = `${k.text}\n\n${k.why}`;
  item.iconPath = new vscode.ThemeIcon(k.addressed ? 'check' : 'comment-unresolved');
  const patch = n.to !== undefined ? n.series.patches.find((p) => p.number === n.to) : undefined;
  const file = patch?.files.find((f) => f.path === k.file);
  if (patch && file && !k.addressed)
    item.command = {
      ...diffCommand(n.series, patch, file),
      arguments: [n.series.key, patch.number, file.path, undefined, k.line],
    };
  item.contextValue = 'carried';
  return item;
}

function hunkItem(n: Extract<Node, { kind: 'hunk' }>): vscode.TreeItem {
  const C = vscode.TreeItemCollapsibleState;
  const item = new vscode.TreeItem(n.hunk.header, C.None);
  item.description = n.hunk.functions.join(', ');
  item.tooltip = n.hunk.functions.length ? `changes ${n.hunk.functions.join(', ')}` : 'changes no function body';
  item.command = diffCommand(n.series, n.patch, n.file, n.hunk.index);
  item.iconPath = new vscode.ThemeIcon('symbol-function');
  item.contextValue = 'hunk';
  return item;
}
