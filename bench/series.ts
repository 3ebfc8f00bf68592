// npm run bench:series — the series reader.
// 1. parse + thread + map of a 20-patch series with 2 replies per patch (built in /tmp from the
//    v3 sheaves mbox when ../shared/data has it, else from our fixture series), ms (median of 5).
// 2. MB/s on a ~50 MB mbox built in /tmp: our streamed splitter, splitter + mailparser, and the
//    whole openSeries; the baseline in the same run is a plain read of the same bytes split on
//    "\nFrom " with Buffer.indexOf (no line handling, no unescaping, no decoding).
// 3. the request thread's event-loop delay while an N-patch series opens (SERIES_N, 5,000): on the
//    thread itself (the baseline: how the server ran it before) and in the series worker.
// Prints a table, then one JSON line per row.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { SeriesOpen } from '../protocol/src';
import { SeriesWorker } from '../server/src/features/series';
import { open as openRequest, SeriesSession } from '../server/src/features/seriesSession';
import {
  buildSeries,
  mapFunctions,
  openSeries,
  parseAll,
  readMails,
  readTree,
  seriesPaths,
  splitMboxFile,
} from '../server/src/series';

const ROOT = path.resolve(__dirname, '../..');
const V3 = path.resolve(ROOT, '../shared/data/sheaves-v3.mbox');
const FX = path.join(ROOT, 'server/fixtures/series');
const KERNEL = process.env.SLABLENS_KERNEL ?? path.join(ROOT, 'server/fixtures/kernel');
const BIG_MB = Number(process.env.BIG_MB ?? 50);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const r2 = (x: number) => Number(x.toFixed(2));

/** Patch mails (raw text, without the "From " line) to build the synthetic series from. */
function sourcePatches(): { text: string; from: string } {
  if (fs.existsSync(V3)) return { text: fs.readFileSync(V3, 'utf8'), from: V3 };
  process.stderr.write(`*** ${V3} missing: the 20-patch series is built from our fixture series ***\n`);
  const v1 = fs
    .readdirSync(path.join(FX, 'v1'))
    .filter((f) => /^000[12]/.test(f))
    .map((f) => fs.readFileSync(path.join(FX, 'v1', f), 'latin1'));
  return { text: v1.map((m) => `From mboxrd@z Thu Jan  1 00:00:00 1970\n${m}\n`).join(''), from: FX };
}

function build20(): string {
  const { text } = sourcePatches();
  const msgs = text
    .split(/^From mboxrd@z Thu Jan {2}1 00:00:00 1970\n/m)
    .filter((m) => /^Subject: \[PATCH v\d+ 0*[1-9]\d*\/\d+\]/m.test(m) && !/^Subject: Re:/m.test(m));
  const out: string[] = [];
  const id = (n: number) => `bench-${n}@slablens`;
  const hdr = (n: number, subj: string, irt?: string) =>
    `From: Bench Author <author@example.org>\nTo: linux-mm@kvack.org\nSubject: ${subj}\nDate: Mon, 02 Mar 2026 10:${String(n % 60).padStart(2, '0')}:00 +0000\nMessage-Id: <${irt ? `r${n}-${irt}` : id(n)}>\n${irt ? `In-Reply-To: <${irt}>\nReferences: <${id(0)}> <${irt}>\n` : n ? `In-Reply-To: <${id(0)}>\nReferences: <${id(0)}>\n` : ''}MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n`;
  out.push(
    hdr(0, '[PATCH v4 00/20] slab: a bench series') + 'Cover letter.\n\nchange-id: 20260302-bench-000000000000\n',
  );
  for (let n = 1; n <= 20; n++) {
    const src = msgs[(n - 1) % msgs.length];
    const body = src.slice(src.search(/\n\n/) + 2);
    const title = /^Subject: \[PATCH[^\]]*\] (.*(?:\n .*)*)/m.exec(src)![1].replace(/\n /g, ' ');
    out.push(hdr(n, `[PATCH v4 ${String(n).padStart(2, '0')}/20] ${title}`) + body);
    // two replies: one quoting the first hunk with a comment, one with a trailer
    const hunk = /^@@[^\n]*\n(?:[ +-][^\n]*\n){1,8}/m.exec(body)?.[0] ?? '';
    out.push(
      hdr(n, `Re: [PATCH v4 ${String(n).padStart(2, '0')}/20] ${title}`, id(n)) +
        `On Mon, Bench Author wrote:\n${hunk
          .split('\n')
          .filter(Boolean)
          .map((l) => `> ${l}`)
          .join('\n')}\n\nWhy here?\n`,
    );
    out.push(
      hdr(n + 100, `Re: [PATCH v4 ${String(n).padStart(2, '0')}/20] ${title}`, id(n)) +
        `Reviewed-by: Rev Iewer <rev@example.org>\n`,
    );
  }
  return out.map((m) => `From mboxrd@z Thu Jan  1 00:00:00 1970\n${m.replace(/^(>*From )/gm, '>$1')}\n`).join('');
}

/** An mbox of a cover letter and n one-line patches, each to a file of its own. */
function buildMany(n: number): string {
  const hdr = (k: number) =>
    `From mboxrd@z Thu Jan  1 00:00:00 1970\nFrom: Bench Author <author@example.org>\nTo: linux-mm@kvack.org\nSubject: [PATCH v1 ${k}/${n}] mm: file ${k}\nDate: Mon, 02 Mar 2026 10:00:00 +0000\nMessage-Id: <many-${k}@slablens>\n${k ? 'In-Reply-To: <many-0@slablens>\n' : ''}\n`;
  const out = [hdr(0) + 'Cover.\n'];
  for (let k = 1; k <= n; k++)
    out.push(
      hdr(k) +
        `File ${k}.\n---\ndiff --git a/mm/gen/f${k}.c b/mm/gen/f${k}.c\nnew file mode 100644\n--- /dev/null\n+++ b/mm/gen/f${k}.c\n@@ -0,0 +1 @@\n+int f${k};\n`,
    );
  return out.join('\n');
}

/** The event-loop delay of this thread (p95 and max, ms) while `work` runs, and how long it ran. */
async function loopDelay(work: () => Promise<unknown>): Promise<{ ms: number; p95: number; max: number }> {
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  const t0 = performance.now();
  await work();
  const ms = performance.now() - t0;
  h.disable();
  return { ms, p95: h.percentile(95) / 1e6, max: h.max / 1e6 };
}

/** 3. series/open of an N-patch series: on the request thread (baseline) and in the series worker. */
async function openOffThread(tmp: string, rows: Record<string, unknown>[]): Promise<void> {
  const n = Number(process.env.SERIES_N ?? 5000);
  const f = path.join(tmp, 'many.mbox');
  fs.writeFileSync(f, buildMany(n));
  const inThread = await loopDelay(() =>
    openRequest(new SeriesSession(() => undefined), { path: f }, new AbortController().signal),
  );
  // dist/seriesWorker.js: npm run build bundles it beside the server
  const w = new SeriesWorker(() => undefined, path.join(ROOT, 'dist/seriesWorker.js'));
  const inWorker = await loopDelay(() => w.request(SeriesOpen, { path: f }));
  for (const [step, r] of [
    ['on the request thread (baseline)', inThread],
    ['in the series worker', inWorker],
  ] as const) {
    rows.push({
      bench: 'openOffThread',
      step,
      patches: n,
      openMs: r2(r.ms),
      loopDelayP95Ms: r2(r.p95),
      loopDelayMaxMs: r2(r.max),
      p95VsBaseline: r2(r.p95 / inThread.p95),
    });
  }
}

async function main(): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'slablens-bench-series-'));
  const rows: Record<string, unknown>[] = [];

  // 1. a 20-patch series with replies
  const f20 = path.join(tmp, 'series20.mbox');
  fs.writeFileSync(f20, build20());
  const parseMs: number[] = [];
  const threadMs: number[] = [];
  const mapMs: number[] = [];
  let patches = 0;
  let replies = 0;
  let fns = 0;
  let hunks = 0;
  let treeSitterHunks = 0;
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const { mails } = await readMails(f20);
    const t1 = performance.now();
    const s = buildSeries(mails);
    const t2 = performance.now();
    mapFunctions(s, readTree(KERNEL, seriesPaths(s)));
    const t3 = performance.now();
    parseMs.push(t1 - t0);
    threadMs.push(t2 - t1);
    mapMs.push(t3 - t2);
    patches = s.patches.length;
    replies = s.replies.length;
    fns = s.patches.reduce((n, p) => n + p.functions.length, 0);
    const all = s.patches.flatMap((p) => p.files.flatMap((f) => f.hunks));
    hunks = all.length;
    treeSitterHunks = all.filter((h) => h.functionsFrom === 'tree-sitter').length;
  }
  // parseMs: read + split + mailparser; buildMs: thread, trailers, diffs, hunk functions from the
  // hunk text, quotes; mapMs: apply attempts and tree-sitter on the pre-images (only hunks whose
  // file is in the tree and applies are mapped by tree-sitter: see treeSitterHunks)
  rows.push({
    bench: 'series20',
    patches,
    replies,
    hunks,
    functions: fns,
    treeSitterHunks,
    parseMs: r2(median(parseMs)),
    buildMs: r2(median(threadMs)),
    mapMs: r2(median(mapMs)),
    totalMs: r2(median(parseMs) + median(threadMs) + median(mapMs)),
    kernel: KERNEL,
  });

  // 2. a large mbox: the 20-patch series repeated to BIG_MB
  const big = path.join(tmp, 'big.mbox');
  const unit = fs.readFileSync(f20);
  const fd = fs.openSync(big, 'w');
  let size = 0;
  for (let k = 0; size < BIG_MB * 1e6; k++) {
    // distinct Message-Ids per copy, so threading does real work
    const copy = Buffer.from(unit.toString('utf8').replace(/bench-/g, `b${k}-`));
    fs.writeSync(fd, copy);
    size += copy.length;
  }
  fs.closeSync(fd);
  const mb = size / 1e6;
  const time = async (f: () => Promise<number>) => {
    const t0 = performance.now();
    const n = await f();
    return { ms: performance.now() - t0, n };
  };
  const baseline = await time(async () => {
    // plain read, split on "\nFrom " with indexOf: the floor any splitter pays
    const buf = fs.readFileSync(big);
    let n = 0;
    for (let at = buf.indexOf('From '); at >= 0; at = buf.indexOf('\nFrom ', at + 1)) n++;
    return n;
  });
  const split = await time(async () => {
    let n = 0;
    for await (const r of splitMboxFile(big)) n += r.bytes.length > 0 ? 1 : 0;
    return n;
  });
  const decode = await time(async () => (await parseAll(splitMboxFile(big))).length);
  let progressCalls = 0;
  const whole = await time(async () => (await openSeries(big, { onProgress: () => progressCalls++ })).messages);
  const rss = process.memoryUsage().rss / 1e6;
  for (const [name, r] of [
    ['baseline read+indexOf split', baseline],
    ['splitMbox (streamed)', split],
    ['split + mailparser', decode],
    ['openSeries (split+decode+thread)', whole],
  ] as const) {
    rows.push({ bench: 'bigMbox', step: name, MB: r2(mb), messages: r.n, ms: r2(r.ms), MBps: r2(mb / (r.ms / 1000)) });
  }
  rows.push({ bench: 'bigMbox', step: 'memory', rssMB: r2(rss), progressCalls });
  await openOffThread(tmp, rows);
  fs.rmSync(tmp, { recursive: true, force: true });

  console.log('slablens bench:series');
  for (const r of rows)
    console.log(
      '  ' +
        Object.entries(r)
          .filter(([k]) => k !== 'bench')
          .map(([k, v]) => `${k}=${v}`)
          .join('  '),
    );
  for (const r of rows) console.log(JSON.stringify(r));
}

void main();
