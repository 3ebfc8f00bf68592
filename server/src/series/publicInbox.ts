// A public-inbox thread page saved as text (lore.kernel.org "nested" view, copied from a browser):
// no MIME and no Message-Ids, so messages are cut at the "From: Name @ date (permalink / raw)"
// lines and threaded by the thread overview at the end of the page, else by the tree lines above
// each message, else by "Re:" subject and the "On <date>, <name> wrote:" attribution.

import type { Mail, Problem } from './mbox';

const FROM_LINE = /^From: (.*?) @ (\d{4}-\d\d-\d\d +\d{1,2}:\d\d) UTC \(permalink \/ raw\)\s*$/;
const FOOTER = /^\^ permalink raw reply/;
/** "2026-01-13  2:08   ` Harry Yoo" or "2026-01-12 15:16 [PATCH ...] subject Vlastimil Babka" */
const TREE_LINE = /^(?:[ @] )?\s*(\d{4}-\d\d-\d\d +\d{1,2}:\d\d)( +)(` )?(.*)$/;

/** Does this text look like a saved public-inbox thread page? */
export function isPublicInboxText(text: string): boolean {
  return (
    /^From: .* @ \d{4}-\d\d-\d\d +\d{1,2}:\d\d UTC \(permalink \/ raw\)\s*$/m.test(text) &&
    /^\^ permalink raw reply/m.test(text)
  );
}

interface TreeEntry {
  date: string;
  depth: number;
  /** "subject author" when the subject is shown, else "author" */
  rest: string;
}

function isoDate(d: string): string | undefined {
  const m = /^(\d{4})-(\d\d)-(\d\d) +(\d{1,2}):(\d\d)$/.exec(d.trim());
  if (!m) return undefined;
  const t = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}
const normDate = (d: string): string => d.trim().replace(/ +/g, ' ');

function parseTreeLine(line: string, col0: number): TreeEntry | undefined {
  const m = TREE_LINE.exec(line);
  if (!m) return undefined;
  // depth: the backtick's column, two per level after the date column
  const tick = line.indexOf('` ', col0);
  const depth = m[3] ? Math.max(1, Math.round((tick - col0 - 17) / 2) + 1) : 0;
  return { date: normDate(m[1]), depth, rest: m[4].trim() };
}

interface PiMessage {
  name: string;
  date: string;
  subject: string;
  to: string[];
  cc: string[];
  body: string;
  /** from the tree lines between "* subject" and "From:" (its own marked "@ "): its parent's */
  parentLine?: TreeEntry;
  line: number;
}

/** Split "Name A, Name B,\n\tName C" address lists as the page prints them (names only). */
function names(s: string): string[] {
  return s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
}

/** The messages on a thread page, above its overview, in page order. */
function readMessages(lines: string[], overviewAt: number, source: string, problems: Problem[]): PiMessage[] {
  const msgs: PiMessage[] = [];
  for (let i = 0; i < overviewAt; i++) {
    const m = FROM_LINE.exec(lines[i]);
    if (!m) continue;
    // the header block above: "* subject" then tree lines, the own one marked "@ "
    let j = i - 1;
    while (j >= 0 && !lines[j].startsWith('* ') && !FOOTER.test(lines[j]) && !FROM_LINE.test(lines[j])) j--;
    let subject = '';
    let parentLine: TreeEntry | undefined;
    if (j >= 0 && lines[j].startsWith('* ')) {
      subject = lines[j].slice(2).trim();
      const block = lines.slice(j + 1, i);
      const self = block.findIndex((l) => l.startsWith('@ '));
      // the block shows siblings too: the parent is the nearest line one level up
      const me = self >= 0 ? parseTreeLine(block[self], 2) : undefined;
      for (let k = self - 1; me && k >= 0 && !parentLine; k--) {
        const e = parseTreeLine(block[k], 2);
        if (e && e.depth === me.depth - 1) parentLine = e;
      }
    }
    // To:/Cc: continue on indented lines up to the blank line before the body
    let k = i + 1;
    const hdr: Record<string, string> = {};
    let cur = '';
    while (k < lines.length && lines[k].trim() !== '') {
      const h = /^\s+(To|Cc): (.*)$/.exec(lines[k]);
      if (h) {
        cur = h[1].toLowerCase();
        hdr[cur] = h[2];
      } else if (cur) hdr[cur] += ' ' + lines[k].trim();
      else break;
      k++;
    }
    let end = k;
    while (end < overviewAt && !FOOTER.test(lines[end]) && !FROM_LINE.test(lines[end])) end++;
    if (end >= overviewAt || !FOOTER.test(lines[end]))
      problems.push({
        where: `${source}:${i + 1}`,
        text: `message from ${m[1]} at ${m[2]} has no "^ permalink raw reply" footer: the page may be truncated`,
      });
    const body =
      lines
        .slice(k + 1, end)
        .join('\n')
        .replace(/\s+$/, '') + '\n';
    msgs.push({
      name: m[1].trim(),
      date: normDate(m[2]),
      subject,
      to: names(hdr.to ?? ''),
      cc: names(hdr.cc ?? ''),
      body,
      parentLine,
      line: i + 1,
    });
  }
  return msgs;
}

/** Each message's parent (an index into msgs): by the overview, else the tree lines above it, else its subject and quote. */
function threadParents(
  lines: string[],
  overviewAt: number,
  msgs: PiMessage[],
  source: string,
  problems: Problem[],
): (number | undefined)[] {
  const parent: (number | undefined)[] = msgs.map(() => undefined);
  const threaded = msgs.map(() => false);
  // 1. the thread overview: tree order with depth; match entries to messages by date + author (+ subject)
  const ov: TreeEntry[] = [];
  for (let i = overviewAt + 1; i < lines.length; i++) {
    if (/^This is a public inbox/.test(lines[i])) break;
    const e = parseTreeLine(lines[i], 0);
    if (e) ov.push(e);
  }
  if (ov.length) {
    const used = new Set<number>();
    const stack: number[] = [];
    for (const e of ov) {
      const idx = matchEntry(e, msgs, used);
      stack.length = e.depth;
      if (idx === undefined) {
        problems.push({ where: source, text: `overview entry "${e.date} ${e.rest}" matches no message on the page` });
        stack[e.depth] = -1;
        continue;
      }
      used.add(idx);
      const p = e.depth > 0 ? stack[e.depth - 1] : undefined;
      if (p !== undefined && p >= 0) parent[idx] = p;
      threaded[idx] = true;
      stack[e.depth] = idx;
    }
  }
  // 2. the tree lines above each message; 3. "Re:" subject and the attribution line
  for (let i = 0; i < msgs.length; i++) {
    if (threaded[i]) continue;
    const pl = msgs[i].parentLine;
    let p = pl ? matchEntry(pl, msgs.slice(0, i), new Set()) : undefined;
    if (p === undefined) p = bySubjectAndQuote(msgs, i);
    parent[i] = p;
  }
  return parent;
}

/** One message as a Mail with a synthetic id, its references the chain of its parents. */
function toMail(m: PiMessage, i: number, parent: (number | undefined)[], source: string): Mail {
  const chain: string[] = [];
  for (let p = parent[i], guard = 0; p !== undefined && guard < parent.length; p = parent[p], guard++)
    chain.unshift(piId(p));
  const mail: Mail = {
    index: i,
    source: `${source}:${m.line}`,
    messageId: piId(i),
    syntheticId: true,
    references: chain,
    subject: m.subject,
    from: { name: m.name, address: '' },
    to: m.to.map((n) => ({ name: n, address: '' })),
    cc: m.cc.map((n) => ({ name: n, address: '' })),
    date: isoDate(m.date),
    body: m.body,
    attachments: [],
    problems: [],
  };
  if (parent[i] !== undefined) mail.inReplyTo = piId(parent[i]!);
  const cid = /^change-id: (\S+)$/m.exec(m.body);
  if (cid) mail.changeId = cid[1];
  return mail;
}

/** Read a thread page into mails threaded by synthetic ids ("pi-N@public-inbox"). Never throws. */
export function readPublicInbox(text: string, source = '<public-inbox>'): { mails: Mail[]; problems: Problem[] } {
  const problems: Problem[] = [];
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  let overviewAt = lines.findIndex((l) => /^Thread overview: /.test(l));
  if (overviewAt < 0) overviewAt = lines.length;
  const msgs = readMessages(lines, overviewAt, source, problems);
  if (!msgs.length)
    problems.push({
      where: source,
      text: 'no "From: … @ date UTC (permalink / raw)" lines: not a public-inbox thread page',
    });
  const parent = threadParents(lines, overviewAt, msgs, source, problems);
  return { mails: msgs.map((m, i) => toMail(m, i, parent, source)), problems };
}

const piId = (i: number): string => `pi-${i}@public-inbox`;

/** Normalised subject: no "Re:"/"Fwd:" and no [PATCH …] prefix, spaces collapsed. */
export function bareSubject(s: string): string {
  let t = s.trim();
  for (;;) {
    const n = t.replace(/^(re|fwd?|aw)\s*:\s*/i, '').replace(/^\[[^\]]*\]\s*/, '');
    if (n === t) break;
    t = n;
  }
  return t.replace(/\s+/g, ' ').trim();
}

function matchEntry(e: TreeEntry, msgs: PiMessage[], used: Set<number>): number | undefined {
  let best: number | undefined;
  for (let i = 0; i < msgs.length; i++) {
    const m = msgs[i];
    if (used.has(i) || m.date !== e.date || !e.rest.endsWith(m.name)) continue;
    const shown = e.rest.slice(0, e.rest.length - m.name.length).trim();
    // when the overview shows a subject it must be this message's (two mails in one minute)
    // (a trailing '"' is lore's ditto mark: "same subject as above")
    if (shown && !/"$/.test(shown) && bareSubject(shown) !== bareSubject(m.subject)) continue;
    if (best === undefined) best = i;
  }
  return best;
}

/** Fallback: the latest earlier message the attribution names (or, failing that, with the bare subject). */
function bySubjectAndQuote(msgs: PiMessage[], i: number): number | undefined {
  const m = msgs[i];
  if (!/^re:/i.test(m.subject)) return undefined;
  const subj = bareSubject(m.subject);
  const attr = /^On .*?,\s*([^,<]+?)\s*(?:<[^>]*>)?\s+wrote:\s*$/m.exec(m.body);
  const cands = msgs
    .map((x, k) => ({ x, k }))
    .filter(
      ({ x, k }) => k !== i && (isoDate(x.date) ?? '') <= (isoDate(m.date) ?? '') && bareSubject(x.subject) === subj,
    );
  if (attr) {
    const who = attr[1].trim();
    const named = cands.filter(({ x }) => x.name === who);
    if (named.length) return named[named.length - 1].k;
  }
  const root = cands.find(({ x }) => !/^re:/i.test(x.subject));
  return root?.k ?? cands[cands.length - 1]?.k;
}
