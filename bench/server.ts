// npm run bench:server — the analyzer and the language server on our fixtures and, when
// SLABLENS_KERNEL points at a kernel tree, on its real mm/slub.c + mm/slab_common.c.
//
// In process: cold parse+index, incremental re-parse + re-index after one-character edits.
// Over real JSON-RPC (dist/server.js --stdio, as the editor runs it): hover and codeLens round
// trips, didChange → publishDiagnostics, the server's peak RSS. Baseline in the same run:
// `ctags --c-kinds=f` on the same files, when installed, run by turns with the cold index (one
// ctags run before each cold run: both medians see the same machine). Prints a table, the
// targets, and JSON.
// Figures only: nothing here asserts a time.

import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { Analyzer } from '../server/src/analyzer';
import { analyzeLocks } from '../server/src/analyzer/lockdep';

const ROOT = path.resolve(__dirname, '../..');
const FILES = ['mm/slab_common.c', 'mm/slub.c'];
// 11 runs, not 7: the median of 7 here moved by a third from one bench run to the next (a shared machine)
const COLD_RUNS = 11;
/**
 * Collect the previous runs' garbage outside the timings (npm run bench:server passes --expose-gc),
 * and give V8's background threads the time to finish sweeping, so that their CPU time is not
 * counted in the next run's.
 */
async function settle(): Promise<void> {
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((r) => setTimeout(r, 20));
}
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const ms = (x: number) => Number(x.toFixed(3));
const p5095 = (xs: number[]) => ({ p50: ms(pct(xs, 50)), p95: ms(pct(xs, 95)) });

/** CPU time (user + system) of this process, ms. */
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** CPU time of this process's waited-for children (Linux: /proc/self/stat cutime + cstime, in clock ticks of 10 ms), or null. */
function childrenCpuMs(): number | null {
  try {
    const f = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    return (Number(f[13]) + Number(f[14])) * 10;
  } catch {
    return null;
  }
}

const hasCtags = (): boolean => spawnSync('ctags', ['--version'], { encoding: 'utf8' }).status === 0;

/**
 * `ctags -x --c-kinds=f` on the files, once: wall ms, CPU ms, and how many functions it lists. The
 * CPU time is read right around the synchronous spawn: no event-loop turn in between, so no other
 * child (a language server of an earlier row, reaped late) is counted with it.
 */
function ctagsOnce(files: string[]): { ms: number; cpuMs: number | null; functions: number } {
  const c0 = childrenCpuMs();
  const t0 = performance.now();
  const out = spawnSync('ctags', ['-x', '--c-kinds=f', ...files], { encoding: 'utf8', maxBuffer: 1 << 26 }).stdout;
  const ms = performance.now() - t0;
  const c1 = childrenCpuMs();
  return { ms, cpuMs: c0 === null || c1 === null ? null : c1 - c0, functions: out.split('\n').filter(Boolean).length };
}

/** Offsets of one-character edits: a line start inside the body of every k-th function of the largest file. */
function editPoints(a: Analyzer, file: string, text: string, count: number): number[] {
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const fns = a.functions().filter((f) => f.uri === file && f.range.end.line - f.range.start.line >= 3);
  const step = Math.max(1, Math.floor(fns.length / count));
  const out: number[] = [];
  for (let k = 0; k < fns.length && out.length < count; k += step) {
    const f = fns[k];
    out.push(lineStarts[Math.floor((f.range.start.line + f.range.end.line) / 2)]);
  }
  return out;
}

/**
 * The cold index and ctags, run by turns (one ctags run before each cold run), so that both see
 * the same machine (it may be shared with other work), then the incremental edits.
 */
async function inProcess(files: string[], texts: string[], ctags: boolean) {
  const ctagsRuns: number[] = [];
  let ctagsCpu: number | null = 0;
  let ctagsFunctions = 0;
  const cold: number[] = [];
  const coldCpu: number[] = [];
  const full: number[] = [];
  const eager: number[] = [];
  const lint: number[] = [];
  const lintCpu: number[] = [];
  let lintFindings = 0;
  /** `slablens lint`'s work: a cold index of its own and the lock rules over it (analyzer/lockdep.ts): wall and CPU ms */
  const lintOnce = async (): Promise<{ ms: number; cpu: number }> => {
    await settle();
    const c0 = cpuMs();
    const t0 = performance.now();
    const b = new Analyzer();
    files.forEach((f, k) => b.update(f, texts[k]));
    lintFindings = analyzeLocks(b).findings.length;
    return { ms: performance.now() - t0, cpu: cpuMs() - c0 };
  };
  /** a cold index of the files by `a`: wall and CPU ms */
  const index = async (a: Analyzer): Promise<{ ms: number; cpu: number }> => {
    await settle();
    const c0 = cpuMs();
    const t0 = performance.now();
    files.forEach((f, k) => a.update(f, texts[k]));
    a.functions();
    return { ms: performance.now() - t0, cpu: cpuMs() - c0 };
  };
  // the very first one in this process: the JIT has seen none of the code (the fixtures row, run
  // before the kernel's, warms it for that one)
  let a = new Analyzer();
  const first = (await index(a)).ms;
  for (let i = 0; i < COLD_RUNS; i++) {
    // Each tool runs twice in a row and the second run counts: each measured run follows one of
    // its own, not one of the other tool's (a ctags run just before adds ~12 ms to our next run
    // here, with the caches it leaves behind; our runs do the same to ctags). By turns, so that
    // both see the same machine.
    if (ctags) {
      for (let k = 0; k < 2; k++) {
        await settle();
        const r = ctagsOnce(files);
        if (k === 0) continue;
        ctagsRuns.push(r.ms);
        ctagsCpu = ctagsCpu === null || r.cpuMs === null ? null : ctagsCpu + r.cpuMs;
        ctagsFunctions = r.functions;
      }
    }
    await index(new Analyzer());
    a = new Analyzer();
    const r = await index(a);
    cold.push(r.ms);
    coldCpu.push(r.cpu);
    // the full trees, which the language server parses right after the index is built (the
    // skeleton's left out the function interiors: see server/src/analyzer/skeleton.ts)
    const t1 = performance.now();
    a.completeTrees();
    full.push(performance.now() - t1);
    // and the cold index as it was before skeletons: every body parsed first
    await index(new Analyzer({ lazyBodies: false }));
    eager.push((await index(new Analyzer({ lazyBodies: false }))).ms);
    // lint, after a run of its own, in the same turn as the cold index it is held to
    await lintOnce();
    const l = await lintOnce();
    lint.push(l.ms);
    lintCpu.push(l.cpu);
  }
  // CPU time in clock ticks of 10 ms: the mean over the runs, not a median
  const ctagsResult = ctagsRuns.length
    ? {
        ms: pct(ctagsRuns, 50),
        cpuMs: ctagsCpu === null ? null : ctagsCpu / ctagsRuns.length,
        functions: ctagsFunctions,
      }
    : null;
  // one-character edits inside functions spread over the largest file, each typed and undone: a
  // first round right after the index is built (the JIT has not seen applyEdit yet), then three
  // more over the same places (a server that has been edited for a while)
  const big = texts.reduce((m, t, k) => (t.length > texts[m].length ? k : m), 0);
  const points = editPoints(a, files[big], texts[big], 25);
  const fresh: number[] = [];
  const inc: number[] = [];
  const incCpu: number[] = [];
  const reindexed: number[] = [];
  await settle();
  for (let round = 0; round < 4; round++) {
    for (const at of points) {
      for (const [s, e, t] of [
        [at, at, ' '],
        [at, at + 1, ''],
      ] as const) {
        const c0 = cpuMs();
        const t0 = performance.now();
        a.applyEdit(files[big], s, e, t);
        const dt = performance.now() - t0;
        if (round === 0) fresh.push(dt);
        else {
          inc.push(dt);
          incCpu.push(cpuMs() - c0);
          reindexed.push(a.lastEdit?.reindexed ?? -1);
        }
      }
    }
  }
  return {
    analyzer: a,
    ctags: ctagsResult,
    lint,
    lintCpu,
    lintFindings,
    first,
    cold,
    coldCpu,
    full,
    eager,
    fresh,
    inc,
    incCpu,
    reindexed,
    maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

/** Hover, codeLens and didChange round trips against dist/server.js over stdio, on a copy of the files. */
async function overRpc(files: string[], texts: string[], a: Analyzer) {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'slablens-bench-'));
  const uris = files.map((f, k) => {
    const dest = path.join(
      ws,
      FILES.find((rel) => f.endsWith(rel))!,
    );
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.writeFileSync(dest, texts[k]);
    return pathToFileURL(dest).toString();
  });
  const proc = spawn(process.execPath, [path.join(ROOT, 'dist/server.js'), '--stdio'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const conn = createMessageConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
  let onDiagnostics: ((uri: string) => void) | undefined;
  conn.onNotification('textDocument/publishDiagnostics', (p: { uri: string }) => onDiagnostics?.(p.uri));
  conn.onNotification('window/showMessage', () => undefined);
  conn.onNotification('window/logMessage', () => undefined);
  conn.onRequest('workspace/workspaceFolders', () => [{ uri: pathToFileURL(ws).toString(), name: 'kernel' }]);
  conn.onRequest('workspace/codeLens/refresh', () => null);
  conn.onRequest('window/workDoneProgress/create', () => null);
  conn.listen();
  const wsUri = pathToFileURL(ws).toString();
  await conn.sendRequest('initialize', {
    processId: process.pid,
    rootUri: wsUri,
    capabilities: { workspace: { workspaceFolders: true } },
    workspaceFolders: [{ uri: wsUri, name: 'kernel' }],
  });
  await conn.sendNotification('initialized', {});
  for (let k = 0; k < files.length; k++) {
    await conn.sendNotification('textDocument/didOpen', {
      textDocument: { uri: uris[k], languageId: 'c', version: 1, text: texts[k] },
    });
  }
  const rtt = async (method: string, params: unknown): Promise<number> => {
    const t0 = performance.now();
    await conn.sendRequest(method, params);
    return performance.now() - t0;
  };
  // hover on the name of every function (up to 400), twice: the first pass warms up, the second counts
  const targets = a
    .functions()
    .slice(0, 400)
    .map((f) => ({
      uri: uris[files.indexOf(f.uri)],
      position: { line: f.selectionRange.start.line, character: f.selectionRange.start.character + 1 },
    }));
  const hover: number[] = [];
  for (let pass = 0; pass < 2; pass++) {
    for (const t of targets) {
      const dt = await rtt('textDocument/hover', { textDocument: { uri: t.uri }, position: t.position });
      if (pass) hover.push(dt);
    }
  }
  const lens: number[] = [];
  for (let i = 0; i < 60; i++) {
    const dt = await rtt('textDocument/codeLens', { textDocument: { uri: uris[i % uris.length] } });
    if (i >= 10) lens.push(dt);
  }
  // didChange (one character, typed and undone) until the server has published the diagnostics again
  const big = texts.reduce((m, t, k) => (t.length > texts[m].length ? k : m), 0);
  const points = editPoints(a, files[big], texts[big], 25);
  const lineOf = (off: number) => texts[big].slice(0, off).split('\n').length - 1;
  const change: number[] = [];
  let version = 1;
  for (let i = 0; i < points.length; i++) {
    const line = lineOf(points[i]);
    for (const c of [
      { range: { start: { line, character: 0 }, end: { line, character: 0 } }, text: ' ' },
      { range: { start: { line, character: 0 }, end: { line, character: 1 } }, text: '' },
    ]) {
      const published = new Promise<void>((resolve) => (onDiagnostics = (u) => u === uris[big] && resolve()));
      const t0 = performance.now();
      await conn.sendNotification('textDocument/didChange', {
        textDocument: { uri: uris[big], version: ++version },
        contentChanges: [c],
      });
      await published;
      if (i >= 3) change.push(performance.now() - t0);
    }
  }
  onDiagnostics = undefined;
  const status = fs.readFileSync(`/proc/${proc.pid}/status`, 'utf8');
  const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
  await conn.sendRequest('shutdown');
  await conn.sendNotification('exit');
  conn.dispose();
  proc.kill();
  fs.rmSync(ws, { recursive: true, force: true });
  return { hover, lens, change, serverPeakRssMB: hwm ? Math.round(Number(hwm[1]) / 1024) : null };
}

async function bench(label: string, dir: string) {
  const files = FILES.map((f) => path.join(dir, f)).filter((f) => fs.existsSync(f));
  const texts = files.map((f) => fs.readFileSync(f, 'utf8'));
  const local = await inProcess(files, texts, hasCtags());
  const ctags = local.ctags;
  const rpc = await overRpc(files, texts, local.analyzer);
  const cold = pct(local.cold, 50);
  const coldCpu = pct(local.coldCpu, 50);
  const ctagsCpu = ctags?.cpuMs ?? null;
  const row = {
    label,
    files: files.length,
    chars: texts.reduce((s, t) => s + t.length, 0),
    functions: local.analyzer.functions().length,
    ctagsFunctions: ctags?.functions ?? null,
    coldIndexMs: ms(cold),
    ctagsMs: ctags === null ? null : ms(ctags.ms),
    coldVsCtags: ctags === null ? null : Number((cold / ctags.ms).toFixed(2)),
    // the same in CPU time (user + system): steadier than wall time on a machine shared with other work
    coldIndexCpuMs: ms(coldCpu),
    ctagsCpuMs: ctagsCpu === null ? null : ms(ctagsCpu),
    coldVsCtagsCpu: ctagsCpu ? Number((coldCpu / ctagsCpu).toFixed(2)) : null,
    lintMs: ms(pct(local.lint, 50)),
    lintVsColdIndex: Number((pct(local.lint, 50) / cold).toFixed(2)),
    lintCpuMs: ms(pct(local.lintCpu, 50)),
    lintVsColdIndexCpu: Number((pct(local.lintCpu, 50) / coldCpu).toFixed(2)),
    // the machine's load (1-minute average) when the row was done: wall times stretch with it
    loadAverage: Number(os.loadavg()[0].toFixed(2)),
    lintFindings: local.lintFindings,
    firstColdIndexMs: ms(local.first),
    fullTreesMs: ms(pct(local.full, 50)),
    coldIndexEveryBodyParsedMs: ms(pct(local.eager, 50)),
    everyBodyParsedVsCtags: ctags === null ? null : Number((pct(local.eager, 50) / ctags.ms).toFixed(2)),
    incrementalMs: p5095(local.inc),
    incrementalFirstRoundMs: p5095(local.fresh),
    incrementalCpuMs: p5095(local.incCpu),
    reindexedPerEdit: { p50: pct(local.reindexed, 50), max: Math.max(...local.reindexed) },
    hoverRpcMs: p5095(rpc.hover),
    codeLensRpcMs: p5095(rpc.lens),
    didChangeToDiagnosticsMs: p5095(rpc.change),
    serverPeakRssMB: rpc.serverPeakRssMB,
    benchPeakRssMB: local.maxRssMB,
  };
  console.log(
    `${label}: ${row.functions} functions (ctags ${row.ctagsFunctions ?? '-'}), ${row.chars} chars\n` +
      `  cold parse+index ${row.coldIndexMs} ms  ` +
      (ctags === null
        ? '(ctags not installed: apt-get install universal-ctags for the baseline)'
        : `ctags ${row.ctagsMs} ms → ${row.coldVsCtags}× ctags` +
          (row.coldVsCtagsCpu === null
            ? ''
            : `  (CPU time: ${row.coldIndexCpuMs} vs ${row.ctagsCpuMs} ms → ${row.coldVsCtagsCpu}×)`)) +
      `\n  lint (cold index + lock rules) ${row.lintMs} ms → ${row.lintVsColdIndex}× the cold index (target ≤ 2×), ${row.lintFindings} findings` +
      `  (CPU time: ${row.lintCpuMs} vs ${row.coldIndexCpuMs} ms → ${row.lintVsColdIndexCpu}×; load average ${row.loadAverage})` +
      `\n    (the first one in this process, JIT cold: ${row.firstColdIndexMs} ms)` +
      `\n    then the full trees (function interiors parsed, the index checked against them) ${row.fullTreesMs} ms, after the index is in use` +
      `\n    (a cold index parsing every body first, as before skeletons: ${row.coldIndexEveryBodyParsedMs} ms` +
      (row.everyBodyParsedVsCtags === null ? ')' : ` → ${row.everyBodyParsedVsCtags}× ctags)`) +
      `\n  incremental (one character) p50 ${row.incrementalMs.p50} / p95 ${row.incrementalMs.p95} ms (CPU p50 ${row.incrementalCpuMs.p50} / p95 ${row.incrementalCpuMs.p95}), functions re-derived p50 ${row.reindexedPerEdit.p50} max ${row.reindexedPerEdit.max}` +
      `\n    (the first ${local.fresh.length} edits after the index is built, JIT not warm yet: p50 ${row.incrementalFirstRoundMs.p50} / p95 ${row.incrementalFirstRoundMs.p95} ms)` +
      `\n  over JSON-RPC: hover p50 ${row.hoverRpcMs.p50} / p95 ${row.hoverRpcMs.p95} ms, codeLens p50 ${row.codeLensRpcMs.p50} / p95 ${row.codeLensRpcMs.p95} ms, didChange→diagnostics p50 ${row.didChangeToDiagnosticsMs.p50} / p95 ${row.didChangeToDiagnosticsMs.p95} ms` +
      `\n  peak RSS: server ${row.serverPeakRssMB} MB, bench process ${row.benchPeakRssMB} MB`,
  );
  return row;
}

async function main() {
  const rows = [await bench('fixtures', path.join(ROOT, 'server/fixtures/kernel'))];
  const real = process.env.SLABLENS_KERNEL;
  if (real && FILES.some((f) => fs.existsSync(path.join(real, f)))) rows.push(await bench('kernel', real));
  else console.log('real kernel files: skipped (set SLABLENS_KERNEL to a tree with mm/slub.c and mm/slab_common.c)');
  console.log('targets: hover p95 ≤ 5 ms, incremental ≤ 10 ms, cold index ≤ 3× ctags, lint ≤ 2× cold index');
  for (const r of rows) console.log(JSON.stringify(r));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
