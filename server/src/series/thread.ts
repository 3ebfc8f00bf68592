// The series model: "[PATCH RFC vN M/T]" subjects, the cover letter, the patches in order, and
// the replies threaded by Message-Id / In-Reply-To / References (subject as a fallback), each
// reply attached to the patch it answers with its trailers and the diff lines it quotes.

import type { Address, Mail, Problem } from './mbox';
import { diffStart, diffText, FileDiff, hunkFunctionsFromText, parseDiff, allFunctions } from './patch';
import { isChangeId } from './paths';
import { bareSubject } from './publicInbox';
import { mapQuotes, QuotedLine, importComments, ImportedComment } from './reply';
import { parseTrailers, Trailer } from './trailers';

export interface SubjectInfo {
  /** the words inside the brackets: ["PATCH", "RFC", "v3", "01/21"] */
  prefixes: string[];
  isPatch: boolean;
  rfc: boolean;
  /** 1 when no "vN" is given */
  version: number;
  number?: number;
  total?: number;
  reply: boolean;
  /** the subject without "Re:" and the [PATCH …] prefix */
  title: string;
}

export function parseSubject(subject: string): SubjectInfo {
  const reply = /^\s*(re|aw|fwd?)\s*:/i.test(subject);
  let s = subject.replace(/^\s*((re|aw|fwd?)\s*:\s*)+/i, '');
  const prefixes: string[] = [];
  for (let m = /^\s*\[([^\]]*)\]\s*/.exec(s); m; m = /^\s*\[([^\]]*)\]\s*/.exec(s)) {
    prefixes.push(...m[1].split(/[\s,]+/).filter(Boolean));
    s = s.slice(m[0].length);
  }
  const info: SubjectInfo = { prefixes, isPatch: false, rfc: false, version: 1, reply, title: bareSubject(s) };
  for (const p of prefixes) {
    if (/^(PATCH|RFC)$/i.test(p)) info.isPatch = true;
    if (/^RFC$/i.test(p)) info.rfc = true;
    const v = /^v(\d+)$/i.exec(p);
    if (v) info.version = Number(v[1]);
    const n = /^(\d+)\/(\d+)$/.exec(p);
    if (n) {
      info.number = Number(n[1]);
      info.total = Number(n[2]);
    }
  }
  // "[PATCH v3 01/21]" and "[RFC PATCH 1/3]"; a bare "[PATCH]" is patch 1 of 1
  if (info.isPatch && info.number === undefined) {
    info.number = 1;
    info.total = 1;
  }
  return info;
}

export interface Reply {
  messageId: string;
  inReplyTo?: string;
  from: Address;
  date?: string;
  subject: string;
  /** 0 for the cover letter, N for patch N; undefined when its thread reaches neither */
  answers?: number;
  /** replies between it and the patch (1: a direct reply) */
  depth: number;
  /** its chain of parents leaves the input before it reaches a patch: credited to nothing */
  unattached?: boolean;
  body: string;
  trailers: Trailer[];
  /** the diff lines it quotes, mapped back to the patch (file + old/new line) */
  quotes: QuotedLine[];
  /** its own text, each part under the quoted line it answers */
  comments: ImportedComment[];
}

export interface PatchEntry {
  number: number;
  subject: string;
  title: string;
  messageId: string;
  /** no Message-Id in the input (a public-inbox page): a reply cannot be threaded to it */
  syntheticId?: boolean;
  /** why the mail's Message-Id was refused */
  idProblem?: string;
  references: string[];
  from: Address;
  to: Address[];
  cc: Address[];
  date?: string;
  /** the commit message (above the first "---") */
  commitMessage: string;
  /** trailers in the patch itself */
  ownTrailers: Trailer[];
  /** own + given in replies to it (and to the cover letter, which b4 applies to every patch) */
  trailers: Trailer[];
  files: FileDiff[];
  functions: string[];
  /** message ids of the replies in its subtree, in date order */
  replies: string[];
  problems: string[];
  /** the whole mail body, for export and apply */
  body: string;
}

export interface CoverLetter {
  subject: string;
  title: string;
  messageId: string;
  from: Address;
  date?: string;
  body: string;
  baseCommit?: string;
  replies: string[];
  trailers: Trailer[];
}

export interface Series {
  /** one revision of the series: `<base>-v<version>`, so that v2 and v3 can be open side by side */
  key: string;
  /** what to call it: the cover letter's title, else the patches' common prefix, version and count */
  title: string;
  /** the series across its revisions: change-id if there is one, else the slug of the cover letter's (or first patch's) title */
  base: string;
  changeId?: string;
  version: number;
  rfc: boolean;
  /** the T of M/T */
  total: number;
  cover?: CoverLetter;
  patches: PatchEntry[];
  /** patch numbers 1..T not in the input */
  missing: number[];
  replies: Reply[];
  messages: number;
  problems: Problem[];
}

/** The key of one revision of a series (file names, virtual documents, the open series). */
export const revisionKey = (base: string, version: number): string => `${base}-v${version}`;

/**
 * The series' name: its cover letter's title; without one, not the first patch's title (that names
 * one patch) but what the patches' titles share, with the version and the count:
 * "mm/slab: (v2, 5 patches)".
 */
export function seriesTitle(
  cover: Pick<CoverLetter, 'title'> | undefined,
  patches: Pick<PatchEntry, 'title'>[],
  version: number,
  total: number,
): string {
  if (cover) return cover.title;
  const count = `v${version}, ${patches.length === total ? '' : `${patches.length} of `}${total} patch${total === 1 ? '' : 'es'}`;
  if (patches.length <= 1) return `${patches[0]?.title ?? 'series'} (${count})`;
  const words = patches.map((p) => p.title.split(/\s+/));
  let n = 0;
  while (words.every((w) => n < w.length - 1 && w[n] === words[0][n])) n++;
  // a subsystem prefix shared word for word ("mm, slab:"), else the common start of the first word ("mm/slab: " of "mm/slab: x" and "mm/slab: y")
  let prefix = words[0].slice(0, n).join(' ');
  if (!prefix) {
    const firsts = words.map((w) => w[0]);
    let k = 0;
    while (firsts.every((f) => k < f.length && f[k] === firsts[0][k])) k++;
    prefix = firsts[0].slice(0, k);
  }
  prefix = prefix.replace(/[\s,;-]+$/, '');
  return prefix.length >= 2
    ? `${prefix} … (${count})`
    : `${patches[0].title} and ${patches.length - 1} more (${count})`;
}

/** A filesystem-safe series key. */
export function slug(s: string): string {
  return (
    s
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 80) || 'series'
  );
}

function dedupe(ts: Trailer[]): Trailer[] {
  const seen = new Set<string>();
  return ts.filter((t) => {
    const k = `${t.kind}\0${(t.address ?? t.value).toLowerCase()}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** The mails of one series with what buildSeries works out about them along the way. */
class SeriesMails {
  readonly problems: Problem[];
  readonly byId = new Map<string, Mail>();
  readonly info: Map<Mail, SubjectInfo>;
  /** the patch mails of the chosen version by number (0: the cover letter) */
  readonly byNumber = new Map<number, Mail>();
  readonly patchOf = new Map<Mail, number>();
  readonly inSeries: Mail[];
  readonly version: number;
  readonly total: number;
  private readonly titleToPatch = new Map<string, Mail>();

  constructor(
    readonly mails: Mail[],
    inputProblems: Problem[],
  ) {
    const problems: Problem[] = [...inputProblems, ...mails.flatMap((m) => m.problems)];
    this.problems = problems;
    for (const m of mails) {
      if (this.byId.has(m.messageId))
        problems.push({ message: m.index, text: `duplicate Message-Id <${m.messageId}>: the later copy is ignored` });
      else this.byId.set(m.messageId, m);
    }
    const info = new Map(mails.map((m) => [m, parseSubject(m.subject)]));
    this.info = info;
    const patchMails = mails.filter(
      (m) => this.byId.get(m.messageId) === m && info.get(m)!.isPatch && !info.get(m)!.reply,
    );
    // several versions in one mbox: the one with the most patch mails (the newest on a tie)
    const versions = new Map<number, number>();
    for (const m of patchMails) versions.set(info.get(m)!.version, (versions.get(info.get(m)!.version) ?? 0) + 1);
    const version = [...versions.entries()].sort((x, y) => y[1] - x[1] || y[0] - x[0])[0]?.[0] ?? 1;
    this.version = version;
    for (const [v, n] of versions)
      if (v !== version) problems.push({ text: `${n} patch mail(s) of v${v} ignored: this model shows v${version}` });
    this.inSeries = patchMails.filter((m) => info.get(m)!.version === version);
    for (const m of this.inSeries) {
      const n = info.get(m)!.number!;
      if (this.byNumber.has(n))
        problems.push({ message: m.index, text: `patch ${n} appears twice ("${m.subject}"): the first is used` });
      else this.byNumber.set(n, m);
    }
    this.total = Math.max(0, ...this.inSeries.map((m) => info.get(m)!.total ?? 0));
    for (const m of this.byNumber.values()) this.titleToPatch.set(info.get(m)!.title, m);
    for (const [n, m] of this.byNumber) this.patchOf.set(m, n);
  }

  /** Threading: In-Reply-To, else the nearest known References entry, else "Re:" + same subject. */
  parentOf(m: Mail): Mail | undefined {
    if (m.inReplyTo && this.byId.has(m.inReplyTo) && m.inReplyTo !== m.messageId) return this.byId.get(m.inReplyTo);
    for (let i = m.references.length - 1; i >= 0; i--) {
      const r = this.byId.get(m.references[i]);
      if (r && r !== m) return r;
    }
    if (this.info.get(m)!.reply) return this.titleToPatch.get(this.info.get(m)!.title);
    return undefined;
  }

  /**
   * The id of m's own parent when that mail is not in the input: In-Reply-To, else the last
   * References entry (RFC 5322: the parent). Going up from there to an ancestor named in
   * References would credit the reply to the wrong message (a reply to a reply to a patch that is
   * missing would land on the cover letter).
   */
  parentOutside(m: Mail): string | undefined {
    const direct = m.inReplyTo ?? m.references[m.references.length - 1];
    return direct !== undefined && direct !== m.messageId && !this.byId.has(direct) ? direct : undefined;
  }

  /** Whether m's subject names a patch of this version that is not in the input. */
  private namesMissingPatch(m: Mail): boolean {
    const si = this.info.get(m)!;
    return si.isPatch && si.number !== undefined && si.version === this.version && !this.byNumber.has(si.number);
  }

  /**
   * Which patch a reply answers and how deep it sits, up the chain of parents in the input; where
   * the chain leaves the input the reply is unattached, unless the mail there names a missing
   * patch of this version in its subject.
   */
  answerOf(m: Mail): { answers?: number; depth: number; unattached: boolean } {
    const si = this.info.get(m)!;
    // a reply to a patch that is not in the input: it still answers that patch number
    if (m.inReplyTo && !this.byId.has(m.inReplyTo) && this.namesMissingPatch(m)) {
      this.problems.push({
        message: m.index,
        text: `reply from ${m.from.name || m.from.address} answers patch ${si.number}/${si.total ?? this.total}, which is not in the input`,
      });
      return { answers: si.number, depth: 1, unattached: false };
    }
    let depth = 0;
    let leaves = this.parentOutside(m);
    const seen = new Set<Mail>();
    for (let p = !leaves ? this.parentOf(m) : undefined; p && !seen.has(p); p = this.parentOf(p)) {
      seen.add(p);
      depth++;
      if (this.patchOf.has(p)) return { answers: this.patchOf.get(p), depth, unattached: false };
      leaves = this.parentOutside(p);
      if (leaves) {
        if (this.namesMissingPatch(p))
          return { answers: this.info.get(p)!.number, depth: depth + 1, unattached: false };
        break;
      }
    }
    return { depth, unattached: !!leaves };
  }

  patchEntry(n: number, m: Mail): PatchEntry {
    const cut = /^---\s*$/m.exec(m.body);
    const ds = diffStart(m.body);
    const commitEnd = cut && (ds < 0 || cut.index < ds) ? cut.index : ds >= 0 ? ds : m.body.length;
    const pd = diffText(m.body);
    const parsed = pd ? parseDiff(pd) : { files: [], problems: ['no diff in this patch mail'] };
    for (const t of parsed.problems)
      if (/path refused/.test(t)) this.problems.push({ message: m.index, text: `patch ${n}, ${t}` });
    for (const f of parsed.files) for (const h of f.hunks) h.functions = hunkFunctionsFromText(h);
    const own = parseTrailers(m.body.slice(0, commitEnd)).map((t) => ({
      ...t,
      givenBy: m.from.name || m.from.address,
      messageId: m.messageId,
    }));
    return {
      number: n,
      subject: m.subject,
      title: this.info.get(m)!.title,
      messageId: m.messageId,
      syntheticId: m.syntheticId,
      idProblem: m.idProblem,
      references: m.references,
      from: m.from,
      to: m.to,
      cc: m.cc,
      date: m.date,
      commitMessage: m.body.slice(0, commitEnd).replace(/\s+$/, '\n'),
      ownTrailers: own,
      trailers: own,
      files: parsed.files,
      functions: allFunctions(parsed.files),
      replies: [],
      problems: parsed.problems,
      body: m.body,
    };
  }

  coverLetter(): CoverLetter | undefined {
    const coverMail = this.byNumber.get(0);
    return (
      coverMail && {
        subject: coverMail.subject,
        title: this.info.get(coverMail)!.title,
        messageId: coverMail.messageId,
        from: coverMail.from,
        date: coverMail.date,
        body: coverMail.body,
        baseCommit: /^base-commit: ([0-9a-f]{7,40})\s*$/m.exec(coverMail.body)?.[1],
        replies: [],
        trailers: [],
      }
    );
  }

  /** The change-id keys the series and names its files under .slablens/: one that is no b4 change-id is refused. */
  changeId(): string | undefined {
    const coverMail = this.byNumber.get(0);
    const given =
      coverMail?.changeId ??
      /^change-id: (\S+)\s*$/m.exec(coverMail?.body ?? '')?.[1] ??
      this.inSeries.find((m) => m.changeId)?.changeId;
    const changeId = given !== undefined && isChangeId(given) ? given : undefined;
    if (given !== undefined && !changeId)
      this.problems.push({
        text: `change-id ${JSON.stringify(given.slice(0, 120))} refused (letters, digits, ".", "_", "+", "-" only, no ".."): the series is keyed by its title`,
      });
    return changeId;
  }

  reply(m: Mail, entryOf: Map<number, PatchEntry>): Reply {
    const { answers, depth, unattached } = this.answerOf(m);
    const entry = answers ? entryOf.get(answers) : undefined;
    const trailers = parseTrailers(m.body).map((t) => ({
      ...t,
      givenBy: m.from.name || m.from.address,
      messageId: m.messageId,
    }));
    const quotes = entry ? mapQuotes(m.body, entry.files) : [];
    const comments = entry ? importComments(m.body, entry.files).comments : [];
    const r: Reply = {
      messageId: m.messageId,
      inReplyTo: this.parentOf(m)?.messageId,
      from: m.from,
      date: m.date,
      subject: m.subject,
      answers,
      depth,
      body: m.body,
      trailers,
      quotes,
      comments,
    };
    if (answers === undefined && unattached) {
      r.unattached = true;
      this.problems.push({
        message: m.index,
        text: `reply "${m.subject}" from ${m.from.name || m.from.address} is unattached: its thread leaves the input (a message it answers is not here); its trailers count for no patch`,
      });
    } else if (answers === undefined)
      this.problems.push({
        message: m.index,
        text: `reply "${m.subject}" from ${m.from.name || m.from.address} answers no patch of this series`,
      });
    return r;
  }
}

/** Hand each reply's trailers to the patch it answers; the cover letter's acks count for every patch. */
function creditTrailers(
  replies: Reply[],
  cover: CoverLetter | undefined,
  patches: PatchEntry[],
  entryOf: Map<number, PatchEntry>,
): void {
  const coverTrailers: Trailer[] = [];
  for (const r of replies) {
    if (r.answers === 0 && cover) {
      cover.replies.push(r.messageId);
      coverTrailers.push(...r.trailers);
    } else if (r.answers !== undefined && entryOf.has(r.answers)) {
      const e = entryOf.get(r.answers)!;
      e.replies.push(r.messageId);
      e.trailers = [...e.trailers, ...r.trailers];
    }
  }
  if (cover)
    cover.trailers = dedupe(
      coverTrailers.filter((t) => t.kind === 'Reviewed-by' || t.kind === 'Acked-by' || t.kind === 'Tested-by'),
    );
  for (const e of patches) e.trailers = dedupe([...e.trailers, ...(cover?.trailers ?? [])]);
}

/** Build the series model of a set of decoded mails (one series; other versions are reported). */
export function buildSeries(mails: Mail[], inputProblems: Problem[] = []): Series {
  const sm = new SeriesMails(mails, inputProblems);
  const { problems, version, total, info } = sm;
  const rfc = sm.inSeries.some((m) => info.get(m)!.rfc);
  const patches: PatchEntry[] = [...sm.byNumber.entries()]
    .filter(([n]) => n > 0)
    .sort((x, y) => x[0] - y[0])
    .map(([n, m]) => sm.patchEntry(n, m));
  const entryOf = new Map(patches.map((p) => [p.number, p]));
  const cover = sm.coverLetter();
  const changeId = sm.changeId();
  const others = mails.filter(
    (m) => sm.byId.get(m.messageId) === m && !sm.patchOf.has(m) && !(info.get(m)!.isPatch && !info.get(m)!.reply),
  );
  const replies = others.map((m) => sm.reply(m, entryOf));
  replies.sort((x, y) => (x.date ?? '').localeCompare(y.date ?? ''));
  creditTrailers(replies, cover, patches, entryOf);

  const missing: number[] = [];
  for (let n = 1; n <= total; n++) if (!entryOf.has(n)) missing.push(n);
  if (!patches.length)
    problems.push({ text: 'no patch mails ("[PATCH …]" subjects that are not replies) in the input' });
  const base = changeId ?? slug(cover?.title ?? patches[0]?.title ?? 'series');
  return {
    key: revisionKey(base, version),
    title: seriesTitle(cover, patches, version, total),
    base,
    changeId,
    version,
    rfc,
    total,
    cover,
    patches,
    missing,
    replies,
    messages: mails.length,
    problems,
  };
}
