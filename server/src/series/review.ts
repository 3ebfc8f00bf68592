// A reviewer's own state for one revision of a series, in
// <workspace>/.slablens/reviews/<change-id>-v<N>.json: keyed by change-id like b4's review
// tracking, one file per revision, so the comments written on v2 are found again when v3 is opened
// (and carried to it, see compare.ts); written atomically; a corrupt file is reported and left as
// it is, never overwritten.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeDirs, withLock, writeAtomic } from '../../../io/src';
import type { PatchReview, ReviewFile, ReviewState } from '../../../protocol/src';
import type { ReviewComment } from './reply';
import { revisionKey, slug } from './thread';

export type { PatchReview, ReviewFile, ReviewState };

/** new → reviewing → replied; a new revision (or more comments) sends a replied series back to reviewing. */
const NEXT: Record<ReviewState, ReviewState[]> = { new: ['reviewing'], reviewing: ['replied'], replied: ['reviewing'] };

/** Why a value cannot be a patch number (0: the cover letter), or undefined. Patch numbers key maps. */
export function patchNumberProblem(n: unknown): string | undefined {
  return Number.isSafeInteger(n) && (n as number) >= 0
    ? undefined
    : `patch ${JSON.stringify(n)} is not a patch number (0 for the cover letter, 1, 2, …)`;
}

/** Why a value from the client cannot be a review comment, or undefined. */
export function commentProblem(c: unknown): string | undefined {
  const x = c as Partial<ReviewComment> | null | undefined;
  const ok =
    typeof x === 'object' &&
    x !== null &&
    typeof x.file === 'string' &&
    Number.isSafeInteger(x.line) &&
    (x.side === 'new' || x.side === 'old') &&
    typeof x.text === 'string';
  return ok ? undefined : 'a comment is {file: string, line: integer, side: "new"|"old", text: string}';
}

/**
 * The patches of a review file as a map without a prototype, or undefined when it is not one:
 * each key a patch number ("__proto__" or "constructor" never reach a plain object), each value
 * of the right shape.
 */
function patchMap(v: unknown): Record<string, PatchReview> | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const out: Record<string, PatchReview> = Object.create(null);
  for (const [k, p] of Object.entries(v)) {
    if (!/^\d{1,6}$/.test(k)) return undefined;
    const ok =
      typeof p === 'object' &&
      p !== null &&
      typeof p.viewed === 'boolean' &&
      Array.isArray(p.trailers) &&
      p.trailers.every((t: unknown) => typeof t === 'string') &&
      Array.isArray(p.comments);
    if (!ok) return undefined;
    out[k] = p as PatchReview;
  }
  return out;
}

const reviewsDir = (root: string) => path.join(root, '.slablens', 'reviews');
const fileName = (base: string, version: number) => `${slug(base)}-v${version}.json`;

export class ReviewStore {
  readonly file: string;
  readonly key: string;
  constructor(
    private readonly root: string,
    readonly base: string,
    readonly seriesVersion: number,
  ) {
    this.key = revisionKey(base, seriesVersion);
    this.file = path.join(reviewsDir(root), fileName(base, seriesVersion));
  }

  /** The stores of the earlier revisions of this series that have a review file here, newest first. */
  earlier(): ReviewStore[] {
    const re = new RegExp(`^${slug(this.base)}-v(\\d+)\\.json$`); // a slug is [a-z0-9-]: nothing to escape
    let names: string[];
    try {
      names = fs.readdirSync(reviewsDir(this.root));
    } catch {
      return [];
    }
    return names
      .map((n) => Number(re.exec(n)?.[1] ?? NaN))
      .filter((v) => Number.isInteger(v) && v < this.seriesVersion)
      .sort((a, b) => b - a)
      .map((v) => new ReviewStore(this.root, this.base, v));
  }

  /** The review, or why it cannot be read (the file is then left untouched). */
  load(): { review: ReviewFile; error?: string } {
    const empty: ReviewFile = {
      version: 1,
      key: this.key,
      seriesVersion: this.seriesVersion,
      state: 'new',
      patches: {},
    };
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
      return {
        review: empty,
        error: `${this.file} is corrupt (not valid JSON); it was kept as it is and will not be overwritten`,
      };
    }
    const patches =
      data &&
      data.version === 1 &&
      typeof data.key === 'string' &&
      ['new', 'reviewing', 'replied'].includes(data.state as string)
        ? patchMap(data.patches)
        : undefined;
    if (!patches)
      return {
        review: empty,
        error: `${this.file} is not a slablens review file (version 1); it was kept as it is and will not be overwritten`,
      };
    return { review: { ...(data as ReviewFile), patches } };
  }

  /** Change the review with `f` and save it; refused (nothing written) when the file is corrupt. */
  update(f: (r: ReviewFile) => string | void): { review: ReviewFile; error?: string } {
    // read, change and write under the lock: two windows on one review lose neither's change
    makeDirs(path.dirname(this.file));
    return withLock(this.file, () => this.updateLocked(f));
  }

  private updateLocked(f: (r: ReviewFile) => string | void): { review: ReviewFile; error?: string } {
    const cur = this.load();
    if (cur.error) return cur;
    const copy = JSON.parse(JSON.stringify(cur.review)) as ReviewFile;
    copy.patches = patchMap(copy.patches)!;
    const err = f(copy);
    if (err) return { review: cur.review, error: err };
    // what is written is what load() accepts: a change that broke the shape is not saved
    if (!patchMap(copy.patches))
      return { review: cur.review, error: 'the change would not leave a valid review file: not saved' };
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

  /** The review of patch n, made when missing; n is checked first (it keys the map). */
  private patch(r: ReviewFile, n: number): PatchReview | string {
    const why = patchNumberProblem(n);
    if (why) return why;
    return (r.patches[String(n)] ??= { viewed: false, trailers: [], comments: [] });
  }

  setViewed(n: number, viewed: boolean): { review: ReviewFile; error?: string } {
    return this.update((r) => {
      const p = this.patch(r, n);
      if (typeof p === 'string') return p;
      p.viewed = viewed;
    });
  }

  /** The quick trailers for one patch (replaces; e.g. ["Reviewed-by: Name <addr>"]). */
  setTrailers(n: number, trailers: string[]): { review: ReviewFile; error?: string } {
    return this.update((r) => {
      const p = this.patch(r, n);
      if (typeof p === 'string') return p;
      p.trailers = [...trailers];
    });
  }

  /** Add a comment: a series still "new" becomes "reviewing", a "replied" one too. */
  addComment(n: number, c: ReviewComment, title?: string): { review: ReviewFile; error?: string } {
    return this.update((r) => {
      const p = this.patch(r, n);
      if (typeof p === 'string') return p;
      if (title) p.title = title;
      p.comments.push({ ...c });
      if (r.state !== 'reviewing') r.state = 'reviewing';
    });
  }
}
