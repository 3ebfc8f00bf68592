// Reading mail: an mbox/mboxrd split into raw messages (ours, streamed, bytes kept as Buffers), and
// each raw message decoded by mailparser (RFC 822, MIME, transfer encodings, charsets).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { ParsedMail, simpleParser } from 'mailparser';
import addressparser from 'nodemailer/lib/addressparser';
import type { Address } from '../../../protocol/src/wire';
import { addressProblem, hasControl, msgIdProblem, shown } from './headers';

/** One message's bytes as found in the mbox, "From " separator line excluded, mboxrd-unescaped. */
export interface RawMessage {
  index: number;
  /** byte offset of its "From " line (or 0 for a lone .eml) in the source */
  offset: number;
  bytes: Buffer;
  /** where it came from (file, or file#index for an mbox) */
  source: string;
}

export interface Problem {
  /** the message it concerns (index in the input), when one */
  message?: number;
  where?: string;
  text: string;
}

export interface SplitOptions {
  /** called with bytes read so far and the total (when known) */
  onProgress?: (done: number, total: number | undefined) => void;
  signal?: AbortSignal;
  /** read size; small values exercise the chunk boundaries in tests */
  chunkSize?: number;
}

export class AbortError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'AbortError';
  }
}

const NL = 0x0a;
const FROM_ = Buffer.from('From ');
const FROM_LINE =
  /^From \S*\s+(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]?\d \d\d:\d\d(:\d\d)? (\d{4})/;

/** mboxrd: a body line ">From ", ">>From " ... had one '>' added when stored; take it away. */
function unescapeMboxrd(msg: Buffer): Buffer {
  if (msg.indexOf('>From ') < 0) return msg; // the common case: nothing escaped
  const parts: Buffer[] = [];
  let start = 0;
  while (start < msg.length) {
    let nl = msg.indexOf(NL, start);
    if (nl < 0) nl = msg.length - 1;
    let j = start;
    while (j <= nl && msg[j] === 0x3e) j++;
    parts.push(
      j > start && msg.compare(FROM_, 0, 5, j, Math.min(j + 5, msg.length)) === 0
        ? msg.subarray(start + 1, nl + 1)
        : msg.subarray(start, nl + 1),
    );
    start = nl + 1;
  }
  return Buffer.concat(parts);
}

const blank = (b: Buffer): boolean => {
  for (const c of b) if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return false;
  return true;
};

/**
 * Split an mbox stream into messages. A separator is a "From " line with an asctime date
 * ("From mboxrd@z Thu Jan  1 00:00:00 1970", git's "From <sha> Mon Sep 17 00:00:00 2001"), or any
 * "From " line first in the input. It need not follow a blank line: list footers (Google Groups)
 * often end without one. Input without a "From " line is one message (a single .eml). The bytes
 * are searched with indexOf, never decoded, so any charset passes through untouched; only the
 * current message is kept between chunks.
 */
export async function* splitMbox(
  chunks: AsyncIterable<Buffer> | Iterable<Buffer>,
  source = '<mbox>',
  o: SplitOptions = {},
  total?: number,
): AsyncGenerator<RawMessage> {
  let buf: Buffer = Buffer.alloc(0);
  let base = 0; // input offset of buf[0]
  let cur = 0; // start of the current message's bytes in buf
  let curOffset = 0; // input offset of the current message's "From " line
  let scan = 0; // where the next separator search starts in buf
  let started = false;
  let index = 0;
  let done = 0;
  const emit = (end: number): RawMessage | undefined => {
    const bytes = buf.subarray(cur, end);
    if (!started && blank(bytes)) return undefined;
    return {
      index: index++,
      offset: curOffset,
      bytes: unescapeMboxrd(Buffer.from(bytes)),
      source: `${source}#${index - 1}`,
    };
  };
  const separators = function* (final: boolean): Generator<RawMessage> {
    for (;;) {
      let sep: number;
      if (base === 0 && scan === 0 && buf.length >= 5 && buf.compare(FROM_, 0, 5, 0, 5) === 0) sep = 0;
      else {
        const k = buf.indexOf('\nFrom ', Math.max(0, scan - 1));
        if (k < 0) {
          scan = Math.max(scan, buf.length - 6);
          return;
        }
        sep = k + 1;
      }
      let eol = buf.indexOf(NL, sep);
      if (eol < 0) {
        if (!final) {
          scan = sep;
          return;
        }
        eol = buf.length - 1;
      }
      const isSep = base + sep === 0 || FROM_LINE.test(buf.toString('latin1', sep, Math.min(eol, sep + 200)));
      if (isSep) {
        const m = base + sep === 0 ? undefined : emit(sep);
        if (m) yield m;
        started = true;
        curOffset = base + sep;
        cur = eol + 1;
      }
      scan = eol + 1;
    }
  };
  for await (const chunk of chunks as AsyncIterable<Buffer>) {
    if (o.signal?.aborted) throw new AbortError();
    done += chunk.length;
    // keep only the current message: what is before it was handed out
    buf = Buffer.concat([buf.subarray(cur), chunk]);
    base += cur;
    scan -= cur;
    cur = 0;
    yield* separators(false);
    o.onProgress?.(done, total);
  }
  yield* separators(true);
  const last = emit(buf.length);
  if (last) yield last;
}

/** Split an mbox file, streamed (a 50 MB mbox is never one string). */
export function splitMboxFile(file: string, o: SplitOptions = {}): AsyncGenerator<RawMessage> {
  const total = fs.statSync(file).size;
  const stream = fs.createReadStream(file, { highWaterMark: o.chunkSize ?? 1 << 20 });
  return splitMbox(stream as AsyncIterable<Buffer>, file, o, total);
}

export type { Address } from '../../../protocol/src/wire';

/** A decoded message: what threading, trailers and diffs need, and what went wrong decoding it. */
export interface Mail {
  index: number;
  source: string;
  /** Message-Id without angle brackets; synthetic ("slablens-N@local") when the mail has none */
  messageId: string;
  syntheticId?: boolean;
  /** why the mail's own Message-Id was refused (the id is then synthetic) */
  idProblem?: string;
  inReplyTo?: string;
  references: string[];
  subject: string;
  from: Address;
  to: Address[];
  cc: Address[];
  /** ISO 8601, when the Date header parsed */
  date?: string;
  /** the text/plain body (inline text/x-patch and text/x-diff attachments appended) */
  body: string;
  /** header values worth keeping: X-Change-ID etc. */
  changeId?: string;
  attachments: { filename?: string; contentType: string; size: number; inlined: boolean }[];
  problems: Problem[];
}

export const stripAngles = (s: string): string =>
  s
    .trim()
    .replace(/^<+|>+$/g, '')
    .trim();

function addrList(v: unknown): Address[] {
  const out: Address[] = [];
  const visit = (x: unknown): void => {
    if (!x) return;
    if (Array.isArray(x)) return x.forEach(visit);
    const o = x as { value?: unknown; address?: string; name?: string; group?: unknown };
    if (o.group) return visit(o.group);
    if (o.value) return visit(o.value);
    if (typeof o.address === 'string' || typeof o.name === 'string')
      out.push({ name: o.name ?? '', address: o.address ?? '' });
  };
  visit(v);
  return out;
}

/**
 * A list that rewrites From for DMARC (Google Groups: "'Suren Baghdasaryan' via kasan-dev"
 * <kasan-dev@googlegroups.com>) keeps the sender in X-Original-From, or in Reply-To: the author is
 * taken from there, as b4 does. Undefined when From is not such a rewrite.
 */
export function undoListRewrite(
  from: Address,
  xOriginalFrom: unknown,
  replyTo: Address[],
): { from: Address; problem?: string } | undefined {
  const via = /^\s*(?:'(.+)'|"(.+)"|(.+?))\s+via\s+\S.*$/.exec(from.name);
  if (!via) return undefined;
  const name = (via[1] ?? via[2] ?? via[3]).trim();
  const xof =
    typeof xOriginalFrom === 'string' ? addressparser(xOriginalFrom, { flatten: true }) : addrList(xOriginalFrom);
  // the list's own address (a Reply-To back to the list) is not the author
  const usable = (a: Address | undefined) =>
    a && a.address && !addressProblem(a, 'author') && a.address.toLowerCase() !== from.address.toLowerCase();
  const orig = [xof.length === 1 ? xof[0] : undefined, replyTo.length === 1 ? replyTo[0] : undefined].find(usable);
  if (orig) return { from: { name: orig.name || name, address: orig.address } };
  return {
    from: { name, address: from.address },
    problem: `From ${JSON.stringify(from.name)} <${from.address}> is a list's rewrite and the mail has no X-Original-From or Reply-To with one address: the author's own address is unknown`,
  };
}

function knownCharset(cs: string): boolean {
  try {
    new TextDecoder(cs);
    return true;
  } catch {
    return false;
  }
}

/** multipart parts in one mail: more is not a patch mail (and deeper nesting loses the body in the parser) */
export const MAX_MIME_PARTS = 50;

const PATCH_TYPES = /^text\/(x-patch|x-diff|x-patch-file|plain|diff)$/i;

/** Decode one raw message. Never throws: what cannot be decoded is listed in `problems`. */
export async function parseMail(raw: RawMessage): Promise<Mail> {
  const problems: Problem[] = [];
  const problem = (text: string): void => void problems.push({ message: raw.index, where: raw.source, text });
  const mail: Mail = {
    index: raw.index,
    source: raw.source,
    messageId: '',
    references: [],
    subject: '',
    from: { name: '', address: '' },
    to: [],
    cc: [],
    body: '',
    attachments: [],
    problems,
  };
  const headEnd = raw.bytes.indexOf('\n\n') >= 0 || raw.bytes.indexOf('\r\n\r\n') >= 0;
  if (!headEnd) problem('no blank line after the headers: the message is truncated or not a mail');
  try {
    const p = await simpleParser(mimeInput(raw.bytes, problem), {
      skipHtmlToText: true,
      skipTextToHtml: true,
      skipImageLinks: true,
      skipTextLinks: true,
      keepCidLinks: true,
    });
    readIds(p, mail, problem);
    mail.subject = (p.subject ?? '').replace(/\s+/g, ' ').trim();
    mail.from = addrList(p.from)[0] ?? { name: '', address: '' };
    const unrewritten = undoListRewrite(mail.from, p.headers.get('x-original-from'), addrList(p.replyTo));
    if (unrewritten) {
      if (unrewritten.problem) problem(unrewritten.problem);
      mail.from = unrewritten.from;
    }
    mail.to = addrList(p.to);
    mail.cc = addrList(p.cc);
    if (p.date && !Number.isNaN(p.date.getTime())) mail.date = p.date.toISOString();
    const cid = p.headers.get('x-change-id');
    if (typeof cid === 'string') mail.changeId = cid.trim();
    mail.body = readBody(p, mail, problem).replace(/\r\n/g, '\n');
    const names = [mail.subject, mail.from.name, ...mail.to.map((a) => a.name), ...mail.cc.map((a) => a.name)];
    if (names.some((h) => h.includes('\uFFFD')))
      problem('a header has 8-bit bytes that are not UTF-8 (not RFC 2047 encoded): shown as U+FFFD');
    if (!p.headers.size) problem('no mail headers found');
  } catch (e) {
    problem(`cannot decode the message: ${(e as Error).message}`);
  }
  if (!mail.messageId) {
    mail.messageId = `slablens-${raw.index}@local`;
    mail.syntheticId = true;
  }
  return mail;
}

/**
 * What mailparser is given. It drops the body of a message nested too deep without a word: count
 * the multipart parts first, and say so (a patch mail has none, or two or three); then only the top
 * headers are read, without the multipart Content-Type whose parts are not read.
 */
function mimeInput(bytes: Buffer, problem: (text: string) => void): Buffer {
  const parts = bytes.toString('latin1').match(/^content-type:[ \t]*multipart\//gim)?.length ?? 0;
  if (parts <= MAX_MIME_PARTS) return bytes;
  problem(
    `${parts} multipart MIME parts (more than ${MAX_MIME_PARTS}, nested or not): only the headers are read, not the body`,
  );
  const end = bytes.indexOf('\n\n');
  const head = bytes.subarray(0, end < 0 ? bytes.length : end).toString('latin1');
  return Buffer.from(head.replace(/^content-type:.*(\n[ \t].*)*$/gim, '') + '\n\n', 'latin1');
}

/** Message-ID, In-Reply-To and References: they become headers of the reviewer's reply and keys of the model, so a bad one is refused here. */
function readIds(p: ParsedMail, mail: Mail, refuse: (text: string) => void): void {
  const id = p.messageId ? stripAngles(p.messageId) : '';
  const idWhy = id ? msgIdProblem(id) : undefined;
  if (idWhy) {
    mail.idProblem = idWhy;
    refuse(`${idWhy}: the message is threaded by a made-up id`);
  } else mail.messageId = id;
  const irt = p.inReplyTo ? (/<([^>]+)>/.exec(p.inReplyTo)?.[1] ?? stripAngles(p.inReplyTo)) : undefined;
  const irtWhy = irt ? msgIdProblem(irt, 'In-Reply-To') : undefined;
  if (irtWhy) refuse(`${irtWhy}: the header is ignored`);
  else if (irt) mail.inReplyTo = irt;
  const refs = (typeof p.references === 'string' ? [p.references] : (p.references ?? [])).join(' ');
  if (hasControl(refs))
    refuse(
      `References ${shown(refs)} holds CR, LF, NUL or another control character once decoded: the header is ignored`,
    );
  else
    mail.references = (refs.match(/<[^<>]*>/g) ?? refs.split(/\s+/)).map(stripAngles).filter((r) => {
      const why = r ? msgIdProblem(r, 'a References entry') : 'empty';
      if (why && r) refuse(`${why}: left out`);
      return !why;
    });
}

/** The text body, with a patch sent as a text attachment read into it; other attachments are noted and ignored. */
function readBody(p: ParsedMail, mail: Mail, problem: (text: string) => void): string {
  let body = typeof p.text === 'string' ? p.text : '';
  const ct = p.headers.get('content-type') as { value?: string; params?: Record<string, string> } | undefined;
  const cs = ct?.params?.charset;
  if (cs && !knownCharset(cs) && body.includes('\uFFFD'))
    problem(`unknown charset "${cs}": bytes that are not UTF-8 are shown as U+FFFD`);
  for (const a of p.attachments) {
    const textual = PATCH_TYPES.test(a.contentType) && !a.content.includes(0);
    // git format-patch --attach and some mailers put the patch in a text attachment: read it as body
    const inlined =
      textual &&
      (/^text\/(x-patch|x-diff|diff)$/i.test(a.contentType) ||
        /^(diff --git |--- a\/)/m.test(a.content.toString('latin1')));
    mail.attachments.push({ filename: a.filename, contentType: a.contentType, size: a.size, inlined });
    const name = a.filename ?? '(unnamed)';
    if (inlined) body += (body.endsWith('\n') || !body ? '' : '\n') + new TextDecoder('utf-8').decode(a.content);
    else if (!textual) problem(`attachment ${name} (${a.contentType}, ${a.size} bytes) is not text: ignored`);
    else problem(`text attachment ${name} (${a.size} bytes) has no diff: not read into the body`);
  }
  return body;
}

/** The .eml (and .patch/.mbx) files of a folder, sorted by name as git format-patch numbers them. */
export function mailFilesIn(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /\.(eml|patch|mbx|msg)$/i.test(f))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
    .map((f) => path.join(dir, f));
}
