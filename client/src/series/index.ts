// Patch-series review in VS Code: "Open Patch Series…" → tree view, pre/post virtual documents
// and diffs, the list's replies and the reviewer's comments as threads, quick trailers, viewed
// marks, apply up to a patch, simulate before/after, and the reply e-mail export.

import { mdText, plainText } from '../untrustedText';
import * as vscode from 'vscode';
import { LanguageClient } from 'vscode-languageclient/node';
import { ReviewComments } from './comments';
import {
  ExportResult,
  ReviewResult,
  SeriesCheck,
  SeriesCheckResult,
  SeriesCompare,
  SeriesDescribe,
  SeriesExport,
  SeriesImages,
  SeriesOpen,
  SeriesRangeText,
  SeriesReview,
  SeriesSimulate,
  toDoc,
} from '../../../protocol/src';
import { setting } from '../settings';
import {
  Comparison,
  Images,
  imageUri,
  pad,
  parseImageUri,
  parseRangeUri,
  PatchInfo,
  rangeUri,
  SCHEME,
  SeriesInfo,
} from './model';
import { Node, SeriesTree } from './tree';

const MAIL_FILE = /\.(mbox|mbx|eml|txt|patch)$/i;
const QUICK_TRAILERS = ['Reviewed-by', 'Acked-by', 'Tested-by'];

export function registerSeries(
  context: vscode.ExtensionContext,
  client: () => LanguageClient,
  output: vscode.LogOutputChannel,
): void {
  new SeriesView(client, output).register(context);
}

/** The patch series open in this window, as the tree view, documents and commands show them. */
class SeriesView {
  readonly tree = new SeriesTree();
  readonly view = vscode.window.createTreeView('slablens.series', {
    treeDataProvider: this.tree,
    showCollapseAll: true,
    manageCheckboxStateManually: true,
  });
  /** slablens/series/images answers, by series, patch and file */
  private readonly cache = new Map<string, Promise<Images>>();
  /** the text of the report documents (failing hunks, simulation tables), by uri */
  private readonly reports = new Map<string, string>();
  readonly comments: ReviewComments;

  constructor(
    private readonly client: () => LanguageClient,
    private readonly output: vscode.LogOutputChannel,
  ) {
    this.comments = new ReviewComments(
      client,
      (u) => this.images(u),
      () => this.identity(),
      (key, r) => void this.applyReview(key, r),
    );
  }

  identity(): string {
    return setting('slablens.review.identity').trim();
  }

  images(u: vscode.Uri): Promise<Images> {
    const at = parseImageUri(u)!;
    const k = `${at.key}/${at.patch}/${at.file}`;
    if (!this.cache.has(k))
      this.cache.set(k, this.client().sendRequest(SeriesImages, { key: at.key, patch: at.patch, file: at.file }));
    return this.cache.get(k)!;
  }

  async refresh(key: string): Promise<void> {
    const s = await this.client().sendRequest(SeriesDescribe, { key });
    this.tree.set(s);
  }

  /** After a review action: its answer holds the whole review file, so the tree takes the review from
   * there. A describe would send every patch again (4.3 MB for 10,000 patches), ahead of hovers on
   * the server's main thread; an action's answer grows with the comments only. */
  async applyReview(key: string, r: ReviewResult): Promise<void> {
    const s = this.tree.series.get(key);
    if (!s || r.error || !r.review) return this.refresh(key);
    this.tree.set({ ...s, review: r.review, reviewError: undefined });
  }

  async provideTextDocumentContent(u: vscode.Uri): Promise<string | undefined> {
    if (this.reports.has(u.toString())) return this.reports.get(u.toString());
    const range = parseRangeUri(u);
    if (range) return (await this.client().sendRequest(SeriesRangeText, range)).text;
    const at = parseImageUri(u);
    if (!at) return `slablens: ${u.toString()} is not a patch document`;
    const img = await this.images(u);
    const text = at.side === 'pre' ? img.pre : img.post;
    if (img.error)
      void vscode.window
        .showErrorMessage(
          plainText(`Slablens: patch ${at.patch} (${at.file}): ${img.error.split('\n')[0]}`),
          'Show Failing Hunk',
        )
        .then((b) => b && this.showReport(`/${encodeURIComponent(at.key)}/failure-${at.patch}.txt`, img.error!));
    // never an error as the file's contents: the message says it, the failure report shows it
    return text ?? '';
  }

  async showReport(path: string, text: string, markdown = false): Promise<void> {
    const u = vscode.Uri.from({ scheme: SCHEME, path });
    this.reports.set(u.toString(), text);
    if (markdown) await vscode.commands.executeCommand('markdown.showPreview', u);
    else await vscode.window.showTextDocument(u, { preview: false });
  }

  async open(target?: vscode.Uri): Promise<void> {
    let file = target;
    const active = vscode.window.activeTextEditor?.document.uri;
    if (!file && active?.scheme === 'file' && MAIL_FILE.test(active.fsPath)) file = active;
    if (!file) {
      const picked = await vscode.window.showOpenDialog({
        canSelectFiles: true,
        canSelectFolders: true,
        canSelectMany: false,
        title: 'Open a patch series: an mbox, a folder of .eml files, or a saved public-inbox thread',
        filters: { 'Patch e-mails': ['mbox', 'mbx', 'eml', 'txt', 'patch'], 'All files': ['*'] },
      });
      file = picked?.[0];
    }
    if (!file) return;
    const s = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `Slablens: reading ${vscode.workspace.asRelativePath(file)}`,
        cancellable: true,
      },
      (_p, token) =>
        this.client()
          .sendRequest(SeriesOpen, { path: file!.fsPath }, token)
          .then(
            (x) => x,
            (e: Error) => {
              if (!token.isCancellationRequested)
                void vscode.window.showErrorMessage(plainText(`Slablens could not open the series: ${e.message}`));
              return undefined;
            },
          ),
    );
    if (!s) return;
    for (const k of [...this.cache.keys()]) if (k.startsWith(`${s.key}/`)) this.cache.delete(k);
    this.tree.set(s);
    await vscode.commands.executeCommand('slablens.series.focus');
    const warn = [...s.problems, ...(s.reviewError ? [s.reviewError] : [])];
    if (!s.hasWorkspaceFiles)
      warn.push(
        'none of the files it touches is in this workspace: diffs show the hunks only against empty files; open the kernel tree the series applies to',
      );
    if (warn.length) void vscode.window.showWarningMessage(plainText(`Slablens: ${s.title}: ${warn.join('; ')}`));
    this.output.info(
      `opened ${s.format} ${file.fsPath}: ${s.patches.length}/${s.total} patches, ${s.messages} messages`,
    );
  }

  /** The diff of a file of a patch, at a hunk, or at a line of the patch's post-image (`newLine`, as in the mail). */
  async openDiff(key: string, patch: number, file: string, hunk?: number, newLine?: number): Promise<void> {
    const s = this.tree.series.get(key);
    const p = s?.patches.find((x) => x.number === patch);
    if (!s || !p) return;
    const post = imageUri(key, patch, 'post', file);
    const img = await this.images(post);
    if (img.error && (img.pre === null || img.post === null)) {
      // no diff to show: the failure, as a report of its own (plain text, not this file's contents)
      void vscode.window.showErrorMessage(
        plainText(`Slablens: ${file} of patch ${patch} cannot be shown: ${img.error.split('\n')[0]}`),
      );
      await this.showReport(`/${encodeURIComponent(key)}/failure-${patch}.txt`, img.error);
      return;
    }
    const h = hunk !== undefined ? img.hunks.find((x) => x.index === hunk) : img.hunks[0];
    const at = newLine === undefined ? undefined : toDoc(img.hunks, 'new', newLine);
    const line = at !== undefined ? at - 1 : h ? h.newAt - 1 : 0;
    await vscode.commands.executeCommand(
      'vscode.diff',
      imageUri(key, patch, 'pre', file),
      post,
      `${file} (${pad(patch, s.total)}/${s.total} ${p.title})`,
      {
        preview: false,
        selection: new vscode.Range(line, 0, line, 0),
      } satisfies vscode.TextDocumentShowOptions,
    );
  }

  patchOf(n?: Node): { s: SeriesInfo; p?: PatchInfo } | undefined {
    if (n && 'patch' in n) return { s: n.series, p: n.patch };
    if (n) return { s: n.series };
    const first = [...this.tree.series.values()][0];
    return first ? { s: first } : undefined;
  }

  async pickPatch(n?: Node, prompt = 'Which patch?'): Promise<{ s: SeriesInfo; number: number } | undefined> {
    const at = this.patchOf(n);
    if (!at) {
      void vscode.window.showInformationMessage('Open a patch series first ("Slablens: Open Patch Series…").');
      return undefined;
    }
    if (at.p) return { s: at.s, number: at.p.number };
    if (n?.kind === 'cover') return { s: at.s, number: 0 };
    const items = [
      ...(at.s.cover ? [{ label: `${pad(0, at.s.total)}/${at.s.total} cover letter`, number: 0 }] : []),
      ...at.s.patches.map((p) => {
        const mine = at.s.review?.patches[String(p.number)];
        return {
          label: `${pad(p.number, at.s.total)}/${at.s.total} ${p.title}`,
          description: mine
            ? `${mine.comments.length} comments${mine.trailers.length ? `, ${mine.trailers.join(', ')}` : ''}`
            : '',
          number: p.number,
        };
      }),
    ];
    const picked = await vscode.window.showQuickPick(items, { title: prompt });
    return picked ? { s: at.s, number: picked.number } : undefined;
  }

  async askIdentity(): Promise<string | undefined> {
    const id = this.identity();
    if (id) return id;
    const typed = await vscode.window.showInputBox({
      title: "Your identity for trailers and the reply's From",
      prompt: 'Name <address>, as in your Signed-off-by',
      validateInput: (v) => (/^[^<>]+<[^<>\s]+@[^<>\s]+>$/.test(v.trim()) ? undefined : 'expected: Name <address>'),
    });
    if (!typed) return undefined;
    await vscode.workspace
      .getConfiguration('slablens.review')
      .update('identity', typed.trim(), vscode.ConfigurationTarget.Global);
    return typed.trim();
  }

  async toggleTrailer(n: Node | undefined, kind: string): Promise<void> {
    const at = await this.pickPatch(n, `${kind}: for which patch?`);
    const me = at && (await this.askIdentity());
    if (!at || !me) return;
    const cur = at.s.review?.patches[String(at.number)]?.trailers ?? [];
    const line = `${kind}: ${me}`;
    const next = cur.includes(line) ? cur.filter((t) => t !== line) : [...cur, line];
    const r = await this.client().sendRequest(SeriesReview, {
      key: at.s.key,
      action: 'setTrailers',
      patch: at.number,
      trailers: next,
    });
    if (r.error) void vscode.window.showErrorMessage(plainText(`Slablens: ${r.error}`));
    await this.applyReview(at.s.key, r);
  }

  async exportReply(n?: Node): Promise<void> {
    const at = await this.pickPatch(n, 'Reply to which message?');
    const me = at && (await this.askIdentity());
    if (!at || !me) return;
    let r: ExportResult;
    try {
      r = await this.client().sendRequest(SeriesExport, { key: at.s.key, patch: at.number, from: me });
    } catch (e) {
      void vscode.window.showErrorMessage(plainText(`Slablens could not export the reply: ${(e as Error).message}`));
      return;
    }
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    if (!folder) {
      const doc = await vscode.workspace.openTextDocument({ content: r.text, language: 'kernel-patch-mail' });
      await vscode.window.showTextDocument(doc);
      return;
    }
    const target = vscode.Uri.joinPath(folder, '.slablens', 'replies', `${at.s.key}-${pad(at.number, at.s.total)}.eml`);
    await vscode.workspace.fs.writeFile(target, Buffer.from(r.text) /* LF, as git send-email and b4 expect on disk */);
    await vscode.window.showTextDocument(target, { preview: false });
    if (at.s.review?.state === 'reviewing')
      await this.applyReview(
        at.s.key,
        await this.client().sendRequest(SeriesReview, { key: at.s.key, action: 'setState', state: 'replied' }),
      );
    for (const pr of r.problems) this.output.warn(`export ${vscode.workspace.asRelativePath(target)}: ${pr}`);
    const extra = r.problems.length ? ` Check: ${summariseProblems(r.problems)}` : '';
    void vscode.window.showInformationMessage(
      plainText(
        `Reply written to ${vscode.workspace.asRelativePath(target)} (${r.comments} comments, ${r.trailers.length} trailers); send it with git send-email or your mailer.${extra}`,
      ),
    );
  }

  async simulate(n?: Node): Promise<void> {
    const at = this.patchOf(n);
    if (!at) return;
    const rows = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `Slablens: simulating ${at.s.title} before/after each patch`,
      },
      () =>
        this.client()
          .sendRequest(SeriesSimulate, { key: at.s.key, upTo: at.p?.number })
          .then(
            (x) => x,
            (e: Error) => {
              void vscode.window.showErrorMessage(plainText(`Slablens: ${e.message}`));
              return undefined;
            },
          ),
    );
    if (!rows) return;
    const cell = (v?: { kasan: string; nokasan: string }) => (v ? `KASAN ${v.kasan}, no KASAN ${v.nokasan}` : '');
    const md = [
      // the preview renders raw HTML: the title and subjects from mail are escaped
      `# ${mdText(at.s.title)}: kmem_cache_destroy before/after each patch`,
      '',
      'Patches applied in order to the workspace files; the destroy scenario simulated on the tree before and after each patch that touches a modelled function.',
      '',
      '| patch | touches | before | after | |',
      '|---|---|---|---|---|',
      ...rows.map(
        (r) =>
          `| ${pad(r.patch, at.s.total)} ${mdText(r.title)} | ${r.touches.join(', ')} | ${cell(r.before)} | ${cell(r.after)} | ${r.skipped ?? (r.before && r.after && r.before.kasan !== r.after.kasan ? `**${r.before.kasan} → ${r.after.kasan}**` : '')} |`,
      ),
    ].join('\n');
    await this.showReport(`/${encodeURIComponent(at.s.key)}/simulation.md`, md, true);
  }

  /** Compare a revision with an earlier one (open already, or opened now): the range-diff in the tree. */
  async compare(n?: Node): Promise<void> {
    const all = [...this.tree.series.values()];
    let s = n?.series;
    if (!s && all.length > 1)
      s = (
        await vscode.window.showQuickPick(
          all.map((x) => ({ label: `v${x.version} ${x.title}`, description: x.input, x })),
          { title: 'Compare which revision with an earlier one?' },
        )
      )?.x;
    s ??= all[0];
    if (!s) {
      void vscode.window.showInformationMessage('Open a patch series first ("Slablens: Open Patch Series…").');
      return;
    }
    const newer = s;
    const earlier = all
      .filter((x) => x.base === newer.base && x.version < newer.version)
      .sort((a, b) => b.version - a.version);
    const other = {
      label: '$(folder-opened) Open an earlier revision…',
      detail: 'an mbox, a folder of .eml files, or a saved thread page',
      x: undefined as SeriesInfo | undefined,
    };
    const picked = await vscode.window.showQuickPick(
      [...earlier.map((x) => ({ label: `v${x.version}`, description: x.title, detail: x.input, x })), other],
      { title: `Compare v${newer.version} with…` },
    );
    if (!picked) return;
    let older = picked.x;
    if (!older) {
      const file = (
        await vscode.window.showOpenDialog({
          canSelectFiles: true,
          canSelectFolders: true,
          title: `An earlier revision of ${newer.title}`,
        })
      )?.[0];
      if (!file) return;
      try {
        older = await this.client().sendRequest(SeriesOpen, { path: file.fsPath });
      } catch (e) {
        void vscode.window.showErrorMessage(plainText(`Slablens could not open the series: ${(e as Error).message}`));
        return;
      }
      this.tree.set(older);
    }
    let c: Comparison;
    try {
      c = await this.client().sendRequest(SeriesCompare, { key: newer.key, olderKey: older.key });
    } catch (e) {
      void vscode.window.showErrorMessage(plainText(`Slablens: ${(e as Error).message}`));
      return;
    }
    this.tree.setComparison(c);
    if (c.reviewError)
      void vscode.window.showWarningMessage(plainText(`Slablens: the v${c.older.version} review: ${c.reviewError}`));
    await this.view.reveal({ kind: 'compare', series: newer, comparison: c }, { expand: true, focus: true });
  }

  async openRangeDiff(olderKey: string, oldPatch: number, key: string, patch: number): Promise<void> {
    const [o, s] = [this.tree.series.get(olderKey), this.tree.series.get(key)];
    if (!o || !s) return;
    const title = s.patches.find((p) => p.number === patch)?.title ?? '';
    await vscode.commands.executeCommand(
      'vscode.diff',
      rangeUri(olderKey, oldPatch),
      rangeUri(key, patch),
      `range-diff v${o.version} ${pad(oldPatch, o.total)} ↔ v${s.version} ${pad(patch, s.total)} ${title}`,
      { preview: true } satisfies vscode.TextDocumentShowOptions,
    );
  }

  async applyUpTo(n?: Node): Promise<void> {
    const at = await this.pickPatch(n, 'Apply the series up to which patch?');
    if (!at) return;
    const last = new Map<string, number>();
    for (const p of at.s.patches) if (p.number <= at.number) for (const f of p.files) last.set(f.path, p.number);
    for (const [file, k] of last) {
      const u = imageUri(at.s.key, k, 'post', file);
      const img = await this.images(u);
      if (img.error) {
        void vscode.window.showErrorMessage(
          plainText(`Slablens: the series does not apply up to patch ${at.number}: ${img.error.split('\n')[0]}`),
        );
        await this.showReport(`/${encodeURIComponent(at.s.key)}/failure-${k}.txt`, img.error);
        return;
      }
      await vscode.window.showTextDocument(u, { preview: false });
    }
  }

  /**
   * The series against the workspace as it is: its base, and one answer per patch, in the tree's
   * rows (applies / already applied / does not apply; the why in each row's tooltip). The whole
   * report, with the hunks and their nearest context, opens on request.
   */
  async check(n?: Node): Promise<void> {
    const at = this.patchOf(n);
    if (!at) {
      void vscode.window.showInformationMessage('Open a patch series first.');
      return;
    }
    let r: SeriesCheckResult;
    try {
      r = await this.client().sendRequest(SeriesCheck, { key: at.s.key });
    } catch (e) {
      void vscode.window.showErrorMessage(plainText(`Slablens could not check the series: ${(e as Error).message}`));
      return;
    }
    this.tree.setCheck(at.s.key, r);
    const count = (st: string) => r.patches.filter((p) => p.state === st).length;
    const text = [
      `${at.s.title} (v${at.s.version}) on this tree`,
      '',
      r.base.message,
      '',
      ...r.patches.map((p) => p.message),
      '',
    ].join('\n');
    const report = 'Show Report';
    // not awaited: the rows are the answer, the message only offers the whole report
    void vscode.window
      .showInformationMessage(
        plainText(
          `Slablens: ${count('applies')} apply, ${count('already applied')} already applied, ${count('does not apply')} do not apply (each patch's row says which). ${r.base.message.split('. ')[0].replace(/\.$/, '')}.`,
        ),
        report,
      )
      .then((picked) =>
        picked === report ? this.showReport(`/${encodeURIComponent(at.s.key)}/check.txt`, text) : undefined,
      );
  }

  /** The tree view, the documents, the comment threads and every series command. */
  register(context: vscode.ExtensionContext): void {
    context.subscriptions.push(
      this.view,
      this.comments,
      vscode.commands.registerCommand('slablens.series.check', (...a: Parameters<SeriesView['check']>) =>
        this.check(...a),
      ),
      vscode.workspace.registerTextDocumentContentProvider(SCHEME, {
        provideTextDocumentContent: (u) => this.provideTextDocumentContent(u),
      }),
      vscode.workspace.onDidOpenTextDocument((d) => {
        if (d.uri.scheme === SCHEME && parseImageUri(d.uri)) void this.comments.show(d.uri);
      }),
      this.view.onDidChangeCheckboxState(async (e) => {
        for (const [n, state] of e.items) {
          if (n.kind !== 'patch') continue;
          const r = await this.client().sendRequest(SeriesReview, {
            key: n.series.key,
            action: 'setViewed',
            patch: n.patch.number,
            viewed: state === vscode.TreeItemCheckboxState.Checked,
          });
          await this.applyReview(n.series.key, r);
        }
      }),
      vscode.commands.registerCommand('slablens.openSeries', (u?: vscode.Uri) => this.open(u)),
      vscode.commands.registerCommand('slablens.series.openDiff', (...a: Parameters<SeriesView['openDiff']>) =>
        this.openDiff(...a),
      ),
      vscode.commands.registerCommand('slablens.series.reviewedBy', (n?: Node) =>
        this.toggleTrailer(n, QUICK_TRAILERS[0]),
      ),
      vscode.commands.registerCommand('slablens.series.ackedBy', (n?: Node) =>
        this.toggleTrailer(n, QUICK_TRAILERS[1]),
      ),
      vscode.commands.registerCommand('slablens.series.testedBy', (n?: Node) =>
        this.toggleTrailer(n, QUICK_TRAILERS[2]),
      ),
      vscode.commands.registerCommand('slablens.series.simulate', (...a: Parameters<SeriesView['simulate']>) =>
        this.simulate(...a),
      ),
      vscode.commands.registerCommand('slablens.series.applyUpTo', (...a: Parameters<SeriesView['applyUpTo']>) =>
        this.applyUpTo(...a),
      ),
      vscode.commands.registerCommand('slablens.series.compare', (...a: Parameters<SeriesView['compare']>) =>
        this.compare(...a),
      ),
      vscode.commands.registerCommand(
        'slablens.series.openRangeDiff',
        (...a: Parameters<SeriesView['openRangeDiff']>) => this.openRangeDiff(...a),
      ),
      vscode.commands.registerCommand('slablens.exportReviewReply', (...a: Parameters<SeriesView['exportReply']>) =>
        this.exportReply(...a),
      ),
      vscode.commands.registerCommand('slablens.review.createComment', (r: vscode.CommentReply) =>
        this.comments.create(r),
      ),
      vscode.commands.registerCommand('slablens.review.deleteComment', (c: vscode.Comment) => this.comments.remove(c)),
    );
  }
}

/** One line for a notification: a saved page yields one "no address" per recipient; say it once. */
export function summariseProblems(problems: string[]): string {
  const names: string[] = [];
  const rest: string[] = [];
  for (const p of problems) {
    const m = /^recipient "(.+)" has no address/.exec(p);
    if (m) names.push(m[1]);
    else rest.push(p);
  }
  if (names.length) {
    const who = names.length > 3 ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more` : names.join(', ');
    rest.push(`no address for ${who} (a web page shows names only): add them by hand`);
  }
  return `${rest.join('; ')} (all in the Slablens output).`;
}
