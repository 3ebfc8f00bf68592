// Trailers ("Reviewed-by: Name <addr>") as git interpret-trailers and b4 read them: only in the
// unquoted text, in a patch only above the "---" that ends the commit message.

export type TrailerKind =
  | 'Reviewed-by'
  | 'Acked-by'
  | 'Tested-by'
  | 'Signed-off-by'
  | 'Reported-by'
  | 'Suggested-by'
  | 'Co-developed-by'
  | 'Fixes'
  | 'Cc'
  | 'Closes'
  | 'Link';

export const TRAILER_KINDS: readonly TrailerKind[] = [
  'Reviewed-by',
  'Acked-by',
  'Tested-by',
  'Signed-off-by',
  'Reported-by',
  'Suggested-by',
  'Co-developed-by',
  'Fixes',
  'Cc',
  'Closes',
  'Link',
];
/** The ones a reviewer gives on the list (b4's "A·R·T"). */
export const REVIEW_TRAILERS: readonly TrailerKind[] = ['Reviewed-by', 'Acked-by', 'Tested-by'];

export interface Trailer {
  kind: TrailerKind;
  /** the value as written: "Harry Yoo <harry.yoo@oracle.com>", "0f35040de593 (\"…\")" */
  value: string;
  name?: string;
  address?: string;
  /** Fixes: the abbreviated sha and the quoted subject */
  fixes?: { sha: string; subject?: string };
  /** Cc: stable@vger.kernel.org (with or without a "# 6.x" note) */
  stable?: boolean;
  /** who gave it: the author of the message it was found in */
  givenBy?: string;
  /** the message it was found in */
  messageId?: string;
}

const CANON = new Map(TRAILER_KINDS.map((k) => [k.toLowerCase(), k]));
const LINE = /^([A-Za-z][A-Za-z-]*):[ \t]+(\S.*?)\s*$/;

/** One line as a trailer, or undefined. */
export function parseTrailerLine(line: string): Trailer | undefined {
  const m = LINE.exec(line);
  if (!m) return undefined;
  const kind = CANON.get(m[1].toLowerCase());
  if (!kind) return undefined;
  const value = m[2];
  const t: Trailer = { kind, value };
  const who = /^(.*?)\s*<([^<>\s]+@[^<>\s]+)>/.exec(value);
  if (who) {
    t.name = who[1].replace(/^"|"$/g, '').trim();
    t.address = who[2];
  } else if (/^[^\s@]+@[^\s@]+$/.test(value.split(/\s/)[0])) t.address = value.split(/\s/)[0];
  if (kind === 'Fixes') {
    const f = /^([0-9a-f]{7,40})\b(?:\s*\("(.*)"\))?/i.exec(value);
    if (!f) return undefined; // "Fixes: the thing" in prose is not a trailer
    t.fixes = { sha: f[1], subject: f[2] };
  }
  if (kind === 'Cc' && /^stable@(vger\.)?kernel\.org\b/i.test(t.address ?? value)) t.stable = true;
  if ((kind === 'Reviewed-by' || kind === 'Acked-by' || kind === 'Tested-by' || kind === 'Signed-off-by') && !t.address)
    return undefined;
  return t;
}

/**
 * The trailers of a body. A patch's are those of its commit message (above the first "---" line);
 * a reply's are anywhere in its own (unquoted) text, before the signature ("-- ").
 */
export function parseTrailers(body: string, o: { patch?: boolean } = {}): Trailer[] {
  const out: Trailer[] = [];
  for (const line of body.split('\n')) {
    if (o.patch && /^---\s*$/.test(line)) break;
    if (line === '-- ' || line === '--') break;
    if (/^\s*>/.test(line)) continue;
    const t = parseTrailerLine(line);
    if (t) out.push(t);
  }
  return out;
}

/** "Reviewed-by: Name <addr>" */
export const formatTrailer = (t: Pick<Trailer, 'kind' | 'value'>): string => `${t.kind}: ${t.value}`;
