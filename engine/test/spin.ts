// Running Spin on an exported model: spin -a, gcc, pan, and reading pan's verdict. Used by the
// differential test and bench:engine; not part of the engine (which does no I/O).

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export function spinAvailable(): { spin: boolean; gcc: boolean; tcc: boolean } {
  const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
  return { spin: has('spin'), gcc: has('gcc'), tcc: has('tcc') };
}

export interface PanBuild {
  dir: string;
  /** spin -a and the C compiler, ms */
  spinMs: number;
  ccMs: number;
}

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

/** spin -a model.pml, then compile the verifier. Throws with Spin's or the compiler's message when either fails. */
export function buildPan(model: string, dir: string, opt = '-O1', defines: string[] = [], cc = 'gcc'): PanBuild {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'model.pml'), model);
  let t0 = process.hrtime.bigint();
  const a = spawnSync('spin', ['-a', 'model.pml'], { cwd: dir, encoding: 'utf8' });
  if (a.status !== 0 || /error/i.test(a.stdout)) throw new Error(`spin -a failed in ${dir}:\n${a.stdout}${a.stderr}`);
  const spinMs = ms(t0);
  t0 = process.hrtime.bigint();
  const c = spawnSync(cc, [opt, '-DSAFETY', '-DVECTORSZ=8192', ...defines, '-o', 'pan', 'pan.c'], {
    cwd: dir,
    encoding: 'utf8',
  });
  if (c.status !== 0) throw new Error(`${cc} pan.c failed in ${dir}:\n${c.stderr.slice(0, 2000)}`);
  return { dir, spinMs, ccMs: ms(t0) };
}

export interface PanResult {
  verdict: 'pass' | 'fail' | 'incomplete';
  property?: string;
  /** why incomplete */
  reason?: string;
  states: number;
  transitions: number;
  ms: number;
  memMB: number;
  output: string;
}

const PROPERTIES: Record<string, string> = {
  objects_remaining: 'objects remaining',
  double_free: 'double free',
  lost_free: 'lost free',
  leak: 'leak',
  bad_unlock_balance: 'bad unlock balance',
  lockdep_assert: 'lockdep assert',
};

/** Run pan (stopping at the first error unless `all`) and read its verdict. */
export function runPan(
  dir: string,
  o: { part?: number; all?: boolean; hashBits?: number; depth?: number; timeoutMs?: number } = {},
): PanResult {
  const args = [`-m${o.depth ?? 200000}`, `-w${o.hashBits ?? 20}`, ...(o.all ? ['-c0'] : [])];
  const env = { ...process.env, SLABLENS_PART: String(o.part ?? 0) };
  // pan writes to a file, not a pipe: spawnSync closes its pipes when the timeout fires, and pan answers
  // SIGINT by printing its statistics, so a stopped search still says how far it got
  const outFile = path.join(dir, 'pan.out');
  const fd = fs.openSync(outFile, 'w');
  const t0 = process.hrtime.bigint();
  let p;
  try {
    p = spawnSync('./pan', args, {
      cwd: dir,
      env,
      stdio: ['ignore', fd, fd],
      timeout: o.timeoutMs,
      killSignal: 'SIGINT',
    });
  } finally {
    fs.closeSync(fd);
  }
  const elapsed = ms(t0);
  const out = fs.readFileSync(outFile, 'utf8');
  const num = (re: RegExp) => Number(re.exec(out)?.[1] ?? NaN);
  const errors = num(/errors: (\d+)/);
  const base = {
    states: num(/(\d+) states, stored/),
    transitions: num(/(\d+) transitions \(= stored\+matched\)/),
    ms: elapsed,
    memMB: num(/([\d.]+)\s+total actual memory usage/),
    output: out,
  };
  const timedOut = (p.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT' || p.signal === 'SIGINT';
  if (timedOut) return { ...base, verdict: 'incomplete', reason: `stopped after ${o.timeoutMs} ms` };
  if (Number.isNaN(errors))
    return { ...base, verdict: 'incomplete', reason: `pan did not finish (exit ${p.status}): ${out.slice(-500)}` };
  if (errors > 0) {
    const a = /assertion violated\s+!?\(?(\w+)\)?/.exec(out);
    const property =
      /invalid end state/.test(out) && !a ? 'deadlock' : a ? (PROPERTIES[a[1]] ?? `export bound (${a[1]})`) : 'unknown';
    return { ...base, verdict: 'fail', property };
  }
  if (/max search depth too small/.test(out))
    return { ...base, verdict: 'incomplete', reason: 'max search depth too small' };
  return { ...base, verdict: 'pass' };
}

/** Spin's counterexample, step by step (spin -t -p on the trail pan wrote). */
export function spinTrail(dir: string): string {
  const p = spawnSync('spin', ['-t', '-p', '-g', 'model.pml'], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 26 });
  return p.stdout + p.stderr;
}
