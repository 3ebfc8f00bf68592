// Comment threads on a patch's diff (Comments API): the list's replies read-only at the lines
// they quote, the reviewer's own comments editable and saved through the server into
// .slablens/reviews/<series>.json. Lines are the lines of the virtual pre/post documents.

import { plainText } from '../untrustedText';
import * as vscode from 'vscode';
import { LanguageClient } from 'vscode-languageclient/node';
import { hunkSpan, ReviewResult, SeriesReview, SeriesThreads } from '../../../protocol/src';
import { Images, parseImageUri, SCHEME } from './model';

class ReplyComment implements vscode.Comment {
  mode = vscode.CommentMode.Preview;
  constructor(
    public body: string | vscode.MarkdownString,
    public author: vscode.CommentAuthorInformation,
    public contextValue: 'list' | 'own' | 'carried',
    public label?: string,
    public timestamp?: Date,
    /** index in the review file's comment list (own comments) */
    readonly index?: number,
  ) {}
}

export class ReviewComments {
  readonly controller: vscode.CommentController;
  private readonly threads = new Map<string, vscode.CommentThread[]>();

  constructor(
    private readonly client: () => LanguageClient,
    private readonly images: (u: vscode.Uri) => Promise<Images>,
    private readonly identity: () => string,
    private readonly onChanged: (key: string, r: ReviewResult) => void,
  ) {
    this.controller = vscode.comments.createCommentController('slablens-review', 'Slablens patch review');
    this.controller.options = {
      prompt: 'Comment on this line (it goes under the quoted line in your reply)',
      placeHolder: 'Your review comment',
    };
    // Only the lines of the hunks can be quoted in a reply, so only they take comments.
    this.controller.commentingRangeProvider = {
      provideCommentingRanges: async (doc) => {
        const at = parseImageUri(doc.uri);
        if (doc.uri.scheme !== SCHEME || !at) return [];
        const img = await this.images(doc.uri);
        return img.hunks.map((h) => {
          const { first, last } = hunkSpan(h, at.side === 'post' ? 'new' : 'old');
          return new vscode.Range(first - 1, 0, last - 1, 0);
        });
      },
    };
  }

  dispose(): void {
    this.controller.dispose();
  }

  /** (Re)create the threads of one virtual document. */
  async show(uri: vscode.Uri): Promise<void> {
    const at = parseImageUri(uri);
    if (!at) return;
    for (const t of this.threads.get(uri.toString()) ?? []) t.dispose();
    const t = await this.client().sendRequest(SeriesThreads, { key: at.key, patch: at.patch, file: at.file });
    if (t.reviewError) void vscode.window.showWarningMessage(plainText(`Slablens review: ${t.reviewError}`));
    const side = at.side === 'post' ? 'new' : 'old';
    const made: vscode.CommentThread[] = [];
    for (const r of t.list.filter((x) => x.side === side)) {
      // the reply's words first (they are what the comments list shows), the lines it quotes after
      const body = new vscode.MarkdownString();
      body.appendText(r.text);
      if (r.quoted.length) body.appendCodeblock(r.quoted.map((q) => `> ${q}`).join('\n'), 'diff');
      const c = new ReplyComment(
        body,
        { name: r.from.name || r.from.address },
        'list',
        r.date ? new Date(r.date).toUTCString().replace(' GMT', ' UTC') : undefined,
      );
      const th = this.controller.createCommentThread(uri, new vscode.Range(r.line - 1, 0, r.endLine - 1, 0), [c]);
      th.label = `${r.from.name} (from the list)`;
      th.canReply = false;
      th.contextValue = 'list';
      th.collapsibleState = vscode.CommentThreadCollapsibleState.Expanded;
      made.push(th);
    }
    for (const c of t.own.filter((x) => x.side === side)) {
      const th = this.controller.createCommentThread(uri, new vscode.Range(c.line - 1, 0, c.line - 1, 0), [
        new ReplyComment(c.text, { name: this.identity() || 'you' }, 'own', 'your review', undefined, c.index),
      ]);
      th.label = 'Your review comment';
      th.canReply = false;
      th.contextValue = 'own';
      made.push(th);
    }
    // my comments on the earlier revision whose lines are still here: a reminder, not part of this reply
    for (const c of (t.carried ?? []).filter((x) => x.side === side)) {
      const th = this.controller.createCommentThread(uri, new vscode.Range(c.line - 1, 0, c.line - 1, 0), [
        new ReplyComment(c.text, { name: this.identity() || 'you' }, 'carried', `v${c.version}, patch ${c.patch}`),
      ]);
      th.label = `Your v${c.version} comment: the line is unchanged in this revision`;
      th.canReply = false;
      th.contextValue = 'carried';
      th.collapsibleState = vscode.CommentThreadCollapsibleState.Collapsed;
      made.push(th);
    }
    this.threads.set(uri.toString(), made);
  }

  /** "Add Comment" in a new thread: saved by the server in patch lines, then shown again. */
  async create(reply: vscode.CommentReply): Promise<void> {
    const at = parseImageUri(reply.thread.uri);
    if (!at || !reply.text.trim()) return;
    const r = await this.client().sendRequest(SeriesReview, {
      key: at.key,
      action: 'addComment',
      patch: at.patch,
      comment: {
        file: at.file,
        line: reply.thread.range.end.line + 1,
        side: at.side === 'post' ? 'new' : 'old',
        text: reply.text.trim(),
      },
    });
    if (r.error) {
      void vscode.window.showErrorMessage(plainText(`Slablens: the comment was not saved: ${r.error}`));
      return;
    }
    reply.thread.dispose();
    await this.show(reply.thread.uri);
    this.onChanged(at.key, r);
  }

  async remove(c: vscode.Comment | undefined, thread?: vscode.CommentThread): Promise<void> {
    const th = thread ?? [...this.threads.values()].flat().find((t) => t.comments.includes(c!));
    const at = th && parseImageUri(th.uri);
    const index = (c as ReplyComment | undefined)?.index;
    if (!th || !at || index === undefined) return;
    const r = await this.client().sendRequest(SeriesReview, {
      key: at.key,
      action: 'removeComment',
      patch: at.patch,
      index,
    });
    if (r.error) void vscode.window.showErrorMessage(plainText(`Slablens: ${r.error}`));
    await this.show(th.uri);
    this.onChanged(at.key, r);
  }
}
