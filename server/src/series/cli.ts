// `slablens series <mbox|folder|page> [--json] [--simulate --kernel <dir>] [--apply N --kernel <dir>] [--check --kernel <dir>]
//   [--reply-to N --comments <file.json> --from "Name <addr>" [--trailer "Reviewed-by: …"]… [--out <file>]]
//   [--import <reply.eml>] [--compare <earlier revision>]`

import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { Io, readInputFile, UsageError, writeOutput } from '../../../io/src';
import {
  applySeries,
  BaseCheck,
  checkSeries,
  compareBase,
  PatchCheck,
  exportReply,
  formatFailure,
  importComments,
  notAnEarlierRevision,
  openSeries,
  OpenOptions,
  parseMail,
  parseSubject,
  rangeDiff,
  ReviewComment,
  Series,
  SeriesInputError,
  seriesSummary,
  simulateSeries,
  treeFor,
} from '.';
import { IdentityError } from './headers';

function readComments(file: string): ReviewComment[] {
  let data: unknown;
  const text = readInputFile(file, '--comments', 16 << 20).toString('utf8');
  try {
    data = JSON.parse(text);
  } catch {
    throw new UsageError(`--comments ${file}: not valid JSON`);
  }
  const ok =
    Array.isArray(data) &&
    data.every(
      (c) =>
        c &&
        typeof c.file === 'string' &&
        Number.isInteger(c.line) &&
        c.line > 0 &&
        (c.side === 'new' || c.side === 'old') &&
        typeof c.text === 'string',
    );
  if (!ok)
    throw new UsageError(`--comments ${file}: expected a JSON list of {"file", "line", "side": "new"|"old", "text"}`);
  return data as ReviewComment[];
}

/** The reply mail's comments on the patch it answers (by In-Reply-To, else by its subject). */
async function cmdImport(s: Series, file: string, io: Io): Promise<number> {
  const bytes = readInputFile(file, '--import', 64 << 20);
  const m = await parseMail({ index: 0, offset: 0, bytes, source: file });
  const subj = parseSubject(m.subject);
  const p =
    s.patches.find((x) => !x.syntheticId && (x.messageId === m.inReplyTo || m.references.includes(x.messageId))) ??
    s.patches.find((x) => subj.number === x.number && subj.title === x.title);
  if (!p) throw new UsageError(`--import ${file}: "${m.subject}" answers no patch of this series`);
  const { comments, quotes } = importComments(m.body, p.files);
  io.out(
    JSON.stringify(
      {
        version: 1,
        patch: p.number,
        from: m.from,
        comments,
        quotedDiffLines: quotes.filter((q) => q.file),
        problems: m.problems,
      },
      null,
      1,
    ),
  );
  return 0;
}

/** A series with at least one patch, or a usage error that says why not. */
async function readSeries(input: string, o: OpenOptions): Promise<Series & { format: string }> {
  let s;
  try {
    s = await openSeries(input, o);
  } catch (e) {
    if (e instanceof SeriesInputError) throw new UsageError(e.message);
    throw e;
  }
  if (!s.patches.length)
    throw new UsageError(
      `${input}: no patches found (${s.messages} message(s); ${s.problems[0]?.text ?? 'no [PATCH …] subjects'})`,
    );
  return s;
}

/** `--compare`: this revision against an earlier one, patch by patch, as `git range-diff` pairs them. */
function cmdCompare(older: Series, newer: Series, json: boolean, io: Io): number {
  const why = notAnEarlierRevision(older, newer);
  if (why)
    throw new UsageError(
      `--compare: ${why.message}${why.kind === 'not earlier' ? ' (give the earlier revision to --compare)' : ''}`,
    );
  const r = rangeDiff(older, newer);
  if (json) {
    io.out(JSON.stringify({ version: 1, ...r }, null, 1));
    return 0;
  }
  const n = (k: number, total: number) => String(k).padStart(String(total).length, '0');
  io.out(`${newer.cover?.title ?? newer.patches[0].title}: v${older.version} → v${newer.version}`);
  for (const p of r.pairs)
    io.out(
      `  ${n(p.old, older.total)}/${older.total} → ${n(p.new, newer.total)}/${newer.total} ${p.changed ? `changed (+${p.added} -${p.removed})` : 'unchanged'}  ${p.title}`,
    );
  for (const p of r.dropped) io.out(`  ${n(p.number, older.total)}/${older.total} → dropped or renamed  ${p.title}`);
  // a patch the old input does not hold may be in the old revision all the same
  const fresh = r.olderMissing.length ? `new or not in the v${older.version} input` : 'new';
  for (const p of r.added) io.out(`  ${fresh} → ${n(p.number, newer.total)}/${newer.total}  ${p.title}`);
  if (r.olderMissing.length)
    io.out(`  (the v${older.version} input holds ${older.patches.length} of its ${older.total} patches)`);
  return 0;
}

/** `series --reply-to N`: the reply mail to patch N, with the comments and trailers given. */
async function cmdReply(
  s: Series,
  o: { replyTo: string; from?: string; comments?: string; trailer?: string[]; out?: string },
  inputs: (string | undefined)[],
  io: Io,
): Promise<number> {
  const p = s.patches.find((x) => String(x.number) === o.replyTo || x.number === Number(o.replyTo));
  if (!p)
    throw new UsageError(`--reply-to ${o.replyTo}: no such patch (have ${s.patches.map((x) => x.number).join(', ')})`);
  if (!o.from || !/<[^>]+@[^>]+>/.test(o.from)) throw new UsageError('--reply-to needs --from "Name <address>"');
  const comments = o.comments ? readComments(o.comments) : [];
  const r = await exportReply(p, comments, { from: o.from, trailers: o.trailer }).catch((e: unknown) => {
    throw e instanceof IdentityError ? new UsageError(`--from/--trailer: ${e.message}`) : e;
  });
  for (const pr of r.problems) io.err(`slablens: ${pr}`);
  if (o.out) writeOutput(o.out, r.text, '--out', [...inputs, o.comments]);
  else io.out(r.text.replace(/\n$/, ''));
  return 0;
}

export async function cmdSeries(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      json: { type: 'boolean' },
      simulate: { type: 'boolean' },
      kernel: { type: 'string' },
      apply: { type: 'string' },
      cpus: { type: 'string' },
      progress: { type: 'boolean' },
      'reply-to': { type: 'string' },
      comments: { type: 'string' },
      from: { type: 'string' },
      trailer: { type: 'string', multiple: true },
      out: { type: 'string' },
      import: { type: 'string' },
      compare: { type: 'string' },
      check: { type: 'boolean' },
    },
  });
  if (positionals.length !== 1)
    throw new UsageError('series takes one mbox file, folder of .eml files, or saved public-inbox thread page');
  if ((values.simulate || values.apply || values.check) && !values.kernel)
    throw new UsageError('--simulate, --apply and --check need --kernel <dir>');
  if (values.kernel && !fs.existsSync(values.kernel))
    throw new UsageError(`--kernel ${values.kernel}: no such directory`);
  const upTo = values.apply === undefined ? undefined : /^\d+$/.test(values.apply) ? Number(values.apply) : NaN;
  if (Number.isNaN(upTo)) throw new UsageError(`--apply ${values.apply}: expected a patch number`);
  const open = (input: string) =>
    readSeries(input, {
      kernelDir: values.kernel,
      onProgress: values.progress
        ? (d, t) => io.err(`read ${(d / 1e6).toFixed(1)} MB${t ? ` of ${(t / 1e6).toFixed(1)} MB` : ''}`)
        : undefined,
    });
  const s = await open(positionals[0]);
  if (values.import) return cmdImport(s, values.import, io);
  if (values.compare) return cmdCompare(await open(values.compare), s, !!values.json, io);
  if (values['reply-to'] !== undefined)
    return cmdReply(s, { ...values, replyTo: values['reply-to'] }, [positionals[0], values.import, values.compare], io);
  const summary = seriesSummary(s);
  let code = 0;
  const extra: Record<string, unknown> = {};
  const treeProblems: string[] = [];
  const tree = () => {
    const t = treeFor(values.kernel!, s, treeProblems);
    for (const p of treeProblems) io.err(`slablens: --kernel ${values.kernel}: ${p}`);
    return t;
  };
  if (values.simulate) {
    const sim = simulateSeries(s, tree(), { cpus: values.cpus ? Number(values.cpus) : 2, upTo });
    extra.simulate = sim;
    if (sim.some((x) => x.after && (x.after.kasan === 'fail' || x.after.nokasan === 'fail'))) code = 1;
    if (sim.some((x) => x.failure)) code = Math.max(code, 1);
  } else if (values.check) {
    // the series on any base: its base-commit: against the tree's HEAD, then one answer per patch
    extra.base = compareBase(values.kernel!, s);
    extra.check = checkSeries(treeFor(values.kernel!, s), s);
    if ((extra.check as PatchCheck[]).some((c) => c.state === 'does not apply')) code = 1;
  } else if (upTo !== undefined) {
    const r = applySeries(tree(), s, upTo);
    extra.apply = r.results;
    if (r.results.some((x) => !x.applied)) code = 1;
    // a file refused from the mail (a path out of the tree) is a patch that did not apply as written
    if (s.patches.some((p) => p.number <= upTo && p.problems.some((t) => /path refused/.test(t)))) code = 1;
  }
  if (values.json) {
    io.out(JSON.stringify({ ...summary, ...extra }, null, 1));
    return code;
  }
  printSeries(s, extra, io);
  return code;
}

/** The series as text, with what --simulate, --apply or --check found. */
function printSeries(s: Series & { format: string }, extra: Record<string, unknown>, io: Io): void {
  io.out(s.cover?.subject ?? s.title);
  io.out(
    `  v${s.version}${s.rfc ? ' RFC' : ''}, ${s.patches.length} of ${s.total} patches${s.cover ? ' + cover letter' : ''}, ${s.replies.length} replies, ${s.messages} messages (${s.format})${s.changeId ? `, change-id ${s.changeId}` : ''}`,
  );
  if (s.missing.length) io.out(`  not in the input: ${s.missing.map((n) => `${n}/${s.total}`).join(', ')}`);
  for (const p of s.patches) {
    const art = ['Acked-by', 'Reviewed-by', 'Tested-by'].map((k) => p.trailers.filter((t) => t.kind === k).length);
    io.out(`  ${String(p.number).padStart(2, '0')}/${s.total} ${p.title}`);
    io.out(
      `        ${p.files.map((f) => `${f.path} +${f.added} -${f.removed}`).join(', ')}; A:${art[0]} R:${art[1]} T:${art[2]}; ${p.replies.length} repl${p.replies.length === 1 ? 'y' : 'ies'}`,
    );
    if (p.functions.length) io.out(`        functions: ${p.functions.join(', ')}`);
  }
  for (const sim of (extra.simulate as ReturnType<typeof simulateSeries>) ?? []) {
    const v = (x?: { kasan: string; nokasan: string }) =>
      x ? `KASAN=y ${x.kasan.toUpperCase()}, KASAN=n ${x.nokasan.toUpperCase()}` : '';
    if (sim.before)
      io.out(`  patch ${sim.patch} (${sim.touches.join(', ')}): before ${v(sim.before)}; after ${v(sim.after)}`);
    else if (sim.failure) io.out(formatFailure(sim.patch, sim.failure));
  }
  for (const r of (extra.apply as ReturnType<typeof applySeries>['results']) ?? []) {
    if (r.failure) io.out(formatFailure(r.patch, r.failure));
    else
      io.out(
        `  patch ${r.patch}: ${r.files.map((f) => `${f.path} ${f.status}`).join(', ') || 'no file (see its problems)'}`,
      );
  }
  if (extra.base) io.out(`  base: ${(extra.base as BaseCheck).message}`);
  for (const c of (extra.check as PatchCheck[]) ?? []) io.out(`  ${c.message}`);
  for (const p of s.problems) io.out(`  problem: ${p.text}`);
}
