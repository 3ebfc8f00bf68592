// A reviewer's own state for one series, in <workspace>/.slablens/reviews/<series-key>.json: keyed
// by change-id like b4's review tracking so it survives revisions; written atomically; a corrupt
// file is reported and left as it is, never overwritten.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeAtomic } from '../../../engine/src/cli';
import type { ReviewComment } from './reply';
import { slug } from './thread';

export type ReviewState = 'new' | 'reviewing' | 'replied';

/** new → reviewing → replied; a new revision (or more comments) sends a replied series back to reviewing. */
const NEXT: Record<ReviewState, ReviewState[]> = { new: ['reviewing'], reviewing: ['replied'], replied: ['reviewing'] };

export interface PatchReview {
  viewed: boolean;
  /** trailers to send for this patch ("Reviewed-by: …") */
  trailers: string[];
  comments: ReviewComment[];
}

export interface ReviewFile {
  version: 1;
  key: string;
  state: ReviewState;
  /** the series version the comments were written on */
  seriesVersion?: number;
  patches: Record<string, PatchReview>;
}

export class ReviewStore {
  readonly file: string;
  constructor(root: string, readonly key: string) {
    this.file = path.join(root, '.slablens', 'reviews', `${slug(key)}.json`);
  }

  /** The review, or why it cannot be read (the file is then left untouched). */
  load(): { review: ReviewFile; error?: string } {
    const empty: ReviewFile = { version: 1, key: this.key, state: 'new', patches: {} };
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { review: empty };
      return { review: empty, error: `cannot read ${this.file}: ${(e as Error).message}` };
    }
    let data: Partial<ReviewFile>;
    try {
      data = JSON.parse(text) as Partial<ReviewFile>;
    } catch {
      return { review: empty, error: `${this.file} is corrupt (not valid JSON); it was kept as it is and will not be overwritten` };
    }
    const ok =
      data && data.version === 1 && typeof data.key === 'string' && ['new', 'reviewing', 'replied'].includes(data.state as string) &&
      typeof data.patches === 'object' && data.patches !== null &&
      Object.values(data.patches).every((p) => typeof p?.viewed === 'boolean' && Array.isArray(p.trailers) && Array.isArray(p.comments));
    if (!ok) return { review: empty, error: `${this.file} is not a slablens review file (version 1); it was kept as it is and will not be overwritten` };
    return { review: data as ReviewFile };
  }

  /** Change the review with `f` and save it; refused (nothing written) when the file is corrupt. */
  update(f: (r: ReviewFile) => string | void): { review: ReviewFile; error?: string } {
    const cur = this.load();
    if (cur.error) return cur;
    const copy = JSON.parse(JSON.stringify(cur.review)) as ReviewFile;
    const err = f(copy);
    if (err) return { review: cur.review, error: err };
    writeAtomic(this.file, JSON.stringify(copy, null, 1) + '\n');
    return { review: copy };
  }

  setState(to: ReviewState): { review: ReviewFile; error?: string } {
    return this.update((r) => {
      if (r.state === to) return;
      if (!NEXT[r.state].includes(to)) return `a review goes ${r.state} → ${NEXT[r.state].join(' or ')}, not → ${to}`;
      r.state = to;
    });
  }

  private patch(r: ReviewFile, n: number): PatchReview {
    return (r.patches[String(n)] ??= { viewed: false, trailers: [], comments: [] });
  }

  setViewed(n: number, viewed: boolean): { review: ReviewFile; error?: string } {
    return this.update((r) => {
      this.patch(r, n).viewed = viewed;
    });
  }

  /** The quick trailers for one patch (replaces; e.g. ["Reviewed-by: Name <addr>"]). */
  setTrailers(n: number, trailers: string[]): { review: ReviewFile; error?: string } {
    return this.update((r) => {
      this.patch(r, n).trailers = [...trailers];
    });
  }

  /** Add a comment: a series still "new" becomes "reviewing", a "replied" one too. */
  addComment(n: number, c: ReviewComment): { review: ReviewFile; error?: string } {
    return this.update((r) => {
      this.patch(r, n).comments.push({ ...c });
      if (r.state !== 'reviewing') r.state = 'reviewing';
    });
  }
}
