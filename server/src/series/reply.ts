// Review replies in the list's own format (the one b4's review mode writes and mutt users type):
// the diff quoted with "> ", only the commented hunks, at most 5 lines of context before each
// commented line, the comment under the line it answers, trailers at the end. Export writes such
// a mail; import reads any such reply back into comments on patch lines (a comment belongs to the
// nearest quoted line above it, as b4 maps them).

import MailComposer from 'nodemailer/lib/mail-composer';
import type { ReviewComment, Side } from '../../../protocol/src';
import { addressProblem, hasControl, IdentityError, msgIdProblem, parseIdentity, shown } from './headers';
import type { Address } from './mbox';
import type { DiffLine, FileDiff, Hunk } from './patch';
import { parseTrailerLine } from './trailers';

/** A comment on a patch line; its wire and file format is the protocol's. */
export type { ReviewComment, Side };

/** A quoted line of a reply, mapped to the patch line it quotes when it is one. */
export interface QuotedLine {
  /** 0-based line in the reply body */
  bodyLine: number;
  /** quote depth ("> > +x" is 2) */
  depth: number;
  /** the diff line as quoted ("+\trcu_barrier();") */
  text: string;
  file?: string;
  hunk?: number;
  op?: DiffLine['op'];
  oldLine?: number;
  newLine?: number;
}

export interface ImportedComment {
  /** absent for a comment on the commit message or on the patch as a whole */
  file?: string;
  line?: number;
  side?: Side;
  text: string;
  /** the quoted line it is under (the diff line for a line comment) */
  under?: string;
}

interface Flat {
  file: string;
  hunk: number;
  line: DiffLine;
  s: string;
}

function flatten(files: FileDiff[]): Flat[] {
  const out: Flat[] = [];
  for (const f of files)
    for (const h of f.hunks)
      for (const l of h.lines) if (l.op !== '\\') out.push({ file: f.path, hunk: h.index, line: l, s: l.op + l.text });
  return out;
}

/** Strip quote markers ('>' each followed by an optional space) and count them. */
export function unquote(line: string): { depth: number; text: string } {
  let depth = 0;
  let s = line;
  while (s.startsWith('>')) {
    s = s.slice(s.startsWith('> ') ? 2 : 1);
    depth++;
  }
  return { depth, text: s };
}

const rstrip = (s: string): string => s.replace(/\s+$/, '');

/** Map the quoted lines of a reply body onto the patch's diff lines. Never throws. */
export function mapQuotes(body: string, files: FileDiff[]): QuotedLine[] {
  const flat = flatten(files);
  const out: QuotedLine[] = [];
  let cursor = 0;
  let fileHint: string | undefined;
  // inside a quoted hunk (after its @@ line or a mapped line): where a blank quoted line is context
  let inDiff = false;
  const lines = body.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const { depth, text } = unquote(lines[i]);
    if (!depth) continue;
    const q: QuotedLine = { bodyLine: i, depth, text };
    out.push(q);
    const dg = /^diff --git a\/(\S+) b\/(\S+)/.exec(text) ?? /^\+\+\+ b\/(\S+)()/.exec(text);
    if (dg) {
      inDiff = false;
      fileHint = dg[2] || dg[1];
      const at = flat.findIndex((f) => f.file === fileHint);
      if (at >= 0) cursor = Math.max(cursor, at);
      continue;
    }
    if (/^(--- (a\/|\/dev\/null)|index [0-9a-f]+\.\.|new file mode|deleted file mode)/.test(text)) continue;
    const hh = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(text);
    if (hh) {
      const at = flat.findIndex(
        (f) =>
          (!fileHint || f.file === fileHint) &&
          files.find((x) => x.path === f.file)!.hunks[f.hunk].oldStart === Number(hh[1]),
      );
      if (at >= 0) cursor = at;
      inDiff = at >= 0;
      continue;
    }
    // an empty quoted line is a blank context line only right where one is expected
    if (text.trim() === '') {
      const f = flat[cursor];
      if (f && inDiff && f.line.op === ' ' && f.line.text.trim() === '') {
        Object.assign(q, {
          file: f.file,
          hunk: f.hunk,
          op: f.line.op,
          oldLine: f.line.oldLine,
          newLine: f.line.newLine,
        });
        cursor++;
      }
      continue;
    }
    if (!/^[ +-]/.test(text)) {
      inDiff = false;
      continue;
    }
    const want = rstrip(text);
    let at = -1;
    for (let k = cursor; k < flat.length && at < 0; k++) if (rstrip(flat[k].s) === want) at = k;
    for (let k = 0; k < cursor && at < 0; k++) if (rstrip(flat[k].s) === want) at = k;
    inDiff = at >= 0;
    if (at < 0) continue;
    const f = flat[at];
    Object.assign(q, { file: f.file, hunk: f.hunk, op: f.line.op, oldLine: f.line.oldLine, newLine: f.line.newLine });
    cursor = at + 1;
  }
  return out;
}

const ATTRIBUTION = /^(On .*wrote:|.*\bwrote:)\s*$/;

/** Read a reply's own text into comments under the quoted lines they follow. Never throws. */
export function importComments(body: string, files: FileDiff[]): { comments: ImportedComment[]; quotes: QuotedLine[] } {
  const quotes = mapQuotes(body, files);
  const byLine = new Map(quotes.map((q) => [q.bodyLine, q]));
  const lines = body.split('\n');
  const comments: ImportedComment[] = [];
  let block: string[] = [];
  let anchor: QuotedLine | undefined;
  const flush = (): void => {
    while (block.length && block[0].trim() === '') block.shift();
    while (block.length && block[block.length - 1].trim() === '') block.pop();
    if (block.length) {
      const c: ImportedComment = { text: block.join('\n') };
      if (anchor) c.under = anchor.text;
      if (anchor?.file !== undefined) {
        c.file = anchor.file;
        c.side = anchor.op === '-' ? 'old' : 'new';
        c.line = c.side === 'old' ? anchor.oldLine : anchor.newLine;
      }
      comments.push(c);
    }
    block = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (l === '-- ' || l === '--') break; // the signature
    const q = byLine.get(i);
    if (q) {
      flush();
      anchor = q;
      continue;
    }
    // the attribution line belongs to the quote below it, and trailers are not comments
    if (ATTRIBUTION.test(l) && (byLine.has(i + 1) || (lines[i + 1]?.trim() === '' && byLine.has(i + 2)))) continue;
    if (parseTrailerLine(l)) continue;
    block.push(l);
  }
  flush();
  return { comments, quotes };
}

// ---- export ----

export interface ReplyTarget {
  messageId: string;
  /** the id was made up (a public-inbox page has none): In-Reply-To/References are left out */
  syntheticId?: boolean;
  /** why its own Message-Id was refused when the mail was read (it is then synthetic) */
  idProblem?: string;
  subject: string;
  from: Address;
  date?: string;
  to?: Address[];
  cc?: Address[];
  references?: string[];
  files: FileDiff[];
}

export interface ExportOptions {
  /** "Name <address>": who sends the reply */
  from: string;
  /** full trailer lines to end with ("Reviewed-by: Name <addr>") */
  trailers?: string[];
  date?: Date;
  messageId?: string;
}

export interface ExportedReply {
  /** the RFC 822 message (LF line ends; a mailer converts) */
  text: string;
  /** the comments that matched no line of the patch, and recipients without an address */
  problems: string[];
  /** the diff lines quoted, in order */
  quoted: { file: string; op: DiffLine['op']; oldLine?: number; newLine?: number }[];
}

function rfc2822Date(d: Date): string {
  return d.toUTCString().replace(/GMT$/, '+0000');
}

function lineIndex(h: Hunk, c: ReviewComment): number {
  return h.lines.findIndex(
    (l) =>
      l.op !== '\\' && (c.side === 'old' ? l.op !== '+' && l.oldLine === c.line : l.op !== '-' && l.newLine === c.line),
  );
}

/** To: the author; Cc: everyone else on the original, without duplicates or ourselves; no address that fails its check. */
function recipients(target: ReplyTarget, myAddress: string, problems: string[]): { to: Address[]; cc: Address[] } {
  const seen = new Set<string>([myAddress.toLowerCase()]);
  const keep = (a: Address): boolean => {
    if (!a.address) {
      problems.push(`recipient "${a.name}" has no address (a public-inbox page shows names only): add it by hand`);
      return false;
    }
    const why = addressProblem(a, 'recipient');
    if (why) {
      problems.push(why);
      return false;
    }
    const k = a.address.toLowerCase();
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  };
  return { to: [target.from].filter(keep), cc: [...(target.to ?? []), ...(target.cc ?? [])].filter(keep) };
}

/** The id we answer and the thread's earlier ids: each a valid msg-id, or left out with a problem. */
function threadIds(target: ReplyTarget, problems: string[]): { threaded: boolean; refs: string[] } {
  const idProblem = target.syntheticId ? undefined : msgIdProblem(target.messageId, "the patch mail's Message-Id");
  const threaded = !target.syntheticId && !idProblem;
  if (idProblem) problems.push(`${idProblem}; In-Reply-To and References are left out`);
  const refs = threaded
    ? [...(target.references ?? []), target.messageId]
        .filter((x, k, a) => a.indexOf(x) === k)
        .filter((r) => {
          const why = msgIdProblem(r, 'a References entry');
          if (why) problems.push(why);
          return !why;
        })
    : [];
  if (target.syntheticId && target.idProblem)
    problems.push(`the patch mail's ${target.idProblem}; In-Reply-To and References are left out`);
  else if (target.syntheticId)
    problems.push(
      'the message has no Message-Id (a public-inbox page): In-Reply-To and References are left out; export from the raw mbox (lore: …/t.mbox.gz) to thread the reply',
    );
  return { threaded, refs };
}

/** The hunks of one file that carry comments, quoted up to 5 lines before each commented line, each followed by its comments. */
function quoteFile(
  f: ReplyTarget['files'][number],
  comments: ReviewComment[],
  body: string[],
  quoted: ExportedReply['quoted'],
  problems: string[],
): void {
  const mine = comments.filter((c) => c.file === f.path);
  const wantHunks = f.hunks
    .map((h) => ({ h, cs: mine.filter((c) => lineIndex(h, c) >= 0) }))
    .filter((x) => x.cs.length);
  for (const c of mine)
    if (!f.hunks.some((h) => lineIndex(h, c) >= 0))
      problems.push(`comment on ${c.file}:${c.line} (${c.side}) matches no line of the patch: not exported`);
  if (!wantHunks.length) return;
  const oldP = f.status === 'added' ? '/dev/null' : `a/${f.oldPath ?? f.path}`;
  const newP = f.status === 'deleted' ? '/dev/null' : `b/${f.path}`;
  body.push(`> diff --git a/${f.oldPath ?? f.path} b/${f.path}`, `> --- ${oldP}`, `> +++ ${newP}`);
  for (const { h, cs } of wantHunks) {
    body.push(
      `> @@ -${h.oldStart}${h.oldLines === 1 ? '' : `,${h.oldLines}`} +${h.newStart}${h.newLines === 1 ? '' : `,${h.newLines}`} @@${h.heading ? ' ' + h.heading : ''}`,
    );
    const at = [...new Set(cs.map((c) => lineIndex(h, c)))].sort((a, b) => a - b);
    let next = 0; // first hunk line not yet quoted
    for (const idx of at) {
      for (let k = Math.max(next, idx - 5); k <= idx; k++) {
        const l = h.lines[k];
        if (l.op === '\\') continue;
        body.push(`> ${l.op}${l.text}`.replace(/\s+$/, (m) => (l.text.trim() === '' ? '' : m)));
        quoted.push({ file: f.path, op: l.op, oldLine: l.oldLine, newLine: l.newLine });
      }
      next = idx + 1;
      const text = cs
        .filter((c) => lineIndex(h, c) === idx)
        .map((c) => c.text.replace(/\s+$/, ''))
        .join('\n\n');
      body.push('', text, '');
    }
  }
}

/**
 * Write a b4-style review reply to a patch mail. The headers are built by nodemailer's MailComposer
 * from parsed, checked parts: the identity must be one "Name <address>" (IdentityError otherwise),
 * a recipient, Message-Id or reference that holds CR/LF/NUL or is not an address / msg-id is left
 * out with a problem saying so.
 */
export async function exportReply(
  target: ReplyTarget,
  comments: ReviewComment[],
  o: ExportOptions,
): Promise<ExportedReply> {
  const problems: string[] = [];
  const me = parseIdentity(o.from);
  for (const t of o.trailers ?? [])
    if (hasControl(t))
      throw new IdentityError(`trailer ${shown(t)} holds CR, LF, NUL or another control character: refused`);
  const date = o.date ?? new Date();
  // the sender's domain on the right, as mailers do
  const msgId =
    o.messageId ??
    `${date.getTime().toString(36)}.${Math.random().toString(36).slice(2, 10)}@${/@([^>\s]+)$/.exec(me.address)?.[1] ?? 'slablens'}`;
  const ownIdProblem = msgIdProblem(msgId, "the reply's Message-Id");
  if (ownIdProblem) throw new IdentityError(ownIdProblem);
  const { to, cc } = recipients(target, me.address, problems);
  let subject = /^\s*re\s*:/i.test(target.subject) ? target.subject : `Re: ${target.subject}`;
  if (hasControl(subject)) {
    problems.push(`the subject ${shown(subject)} holds control characters: they are written as spaces`);
    subject = subject.replace(/[\x00-\x1f\x7f]/g, ' ');
  }
  const { threaded, refs } = threadIds(target, problems);

  const body: string[] = [];
  const who = target.from.name
    ? `${target.from.name}${target.from.address ? ` <${target.from.address}>` : ''}`
    : target.from.address;
  body.push(`On ${target.date ? rfc2822Date(new Date(target.date)) : 'an unknown date'}, ${who} wrote:`);
  const quoted: ExportedReply['quoted'] = [];
  for (const f of target.files) quoteFile(f, comments, body, quoted, problems);
  for (const c of comments)
    if (!target.files.some((f) => f.path === c.file))
      problems.push(`comment on ${c.file}:${c.line}: the patch does not touch ${c.file}: not exported`);
  if (o.trailers?.length) {
    if (body[body.length - 1] !== '') body.push('');
    body.push(...o.trailers);
  }
  while (body.length && body[body.length - 1] === '') body.pop();

  // newline is MimeNode's option (LF: a mailer converts), missing from the typings
  const options = {
    from: me,
    to,
    cc,
    subject,
    date,
    messageId: `<${msgId}>`,
    inReplyTo: threaded ? `<${target.messageId}>` : undefined,
    references: threaded ? refs.map((r) => `<${r}>`) : undefined,
    text: body.join('\n') + '\n',
    newline: 'unix',
  };
  const text = (await new MailComposer(options).compile().build()).toString('utf8');
  return { text, problems, quoted };
}
