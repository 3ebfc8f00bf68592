// What the command lines share (the engine's `slablens list|check|replay|demo` and the server's
// `index`, `check --kernel`, `series`): their output, their usage errors, files written whole.
// It lives apart from the engine, whose core does no I/O, and from the server, which the engine's
// command line must not import.

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** A mistake in the command line or its input: one line on stderr and exit 2, never a stack. */
export class UsageError extends Error {}

/** Where a command writes: stdout and stderr, or a test's buffers. */
export interface Io {
  out(s: string): void;
  err(s: string): void;
}

export const stdio: Io = { out: (s) => process.stdout.write(s + '\n'), err: (s) => process.stderr.write(s + '\n') };

/** A reader that goes away (`slablens series … | head`) ends the command quietly, as it does any Unix filter. */
export function quietOnClosedPipe(): void {
  for (const s of [process.stdout, process.stderr]) {
    s.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') throw e;
      process.exit(process.exitCode ?? 0);
    });
  }
}

/**
 * Run a command line's main() as this process: its result is the exit code, and whatever escapes
 * (a throw in a callback, a rejected promise) is one line and `crashed`'s code, never node's 1.
 */
export function runAsProcess(
  main: (argv: string[]) => number | Promise<number>,
  crashed: (e: unknown, io: Io) => number,
): void {
  quietOnClosedPipe();
  const die = (e: unknown) => process.exit(crashed(e, stdio));
  process.on('uncaughtException', die);
  process.on('unhandledRejection', die);
  void Promise.resolve(main(process.argv.slice(2))).then((code) => (process.exitCode = code), die);
}

/**
 * Make `dir` and its missing parents, one level at a time. fs.mkdirSync's recursive mode loops for
 * good on a parent that says ENOENT to mkdir while it exists (/proc/nope): here any error ends it.
 */
export function makeDirs(dir: string): void {
  const missing: string[] = [];
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if (fs.existsSync(d)) break;
    missing.push(d);
    if (path.dirname(d) === d) break;
  }
  for (const d of missing.reverse()) fs.mkdirSync(d);
}

/**
 * Write a file whole or not at all: a temporary file with a random name, created with O_EXCL in
 * the target's folder (a planted file or symlink there makes the open fail, it is never written
 * through), synced, then renamed over the target. The folder must exist (`makeDirs` for stores).
 */
export function writeAtomic(file: string, text: string): void {
  const dir = path.dirname(path.resolve(file));
  const tmp = path.join(dir, `.${path.basename(file)}.${crypto.randomBytes(8).toString('hex')}.tmp`);
  const fd = fs.openSync(tmp, 'wx', 0o644);
  try {
    try {
      fs.writeFileSync(fd, text);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/** How long a lock file may stand before it is taken for a crashed writer's. */
const STALE_LOCK_MS = 10_000;

/**
 * Run `f` holding `<file>.lock` (created with O_EXCL; other writers wait for it, up to
 * `waitMs`): a read-change-write under it loses no other writer's change.
 */
export function withLock<T>(file: string, f: () => T, waitMs = 5_000): T {
  const lock = `${file}.lock`;
  const start = Date.now();
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      fs.closeSync(fs.openSync(lock, 'wx'));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      try {
        if (Date.now() - fs.statSync(lock).mtimeMs > STALE_LOCK_MS) fs.rmSync(lock, { force: true });
      } catch {
        // gone meanwhile: try again
      }
      if (Date.now() - start > waitMs) throw new Error(`${lock}: another writer holds it (for more than ${waitMs} ms)`);
      Atomics.wait(pause, 0, 0, 5 + Math.floor(Math.random() * 10));
    }
  }
  try {
    return f();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

/**
 * Why `file` cannot be read as an input, or undefined: it must be a regular file (a FIFO blocks the
 * reader until someone writes, a device never ends) no larger than `maxBytes`. stat() itself
 * never blocks.
 */
export function inputFileProblem(file: string, maxBytes = Infinity): string | undefined {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    return `cannot read it (${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : ((e as NodeJS.ErrnoException).code ?? (e as Error).message)})`;
  }
  if (!st.isFile())
    return st.isDirectory() ? 'a directory, not a file' : 'not a regular file (a FIFO, socket or device): refused';
  if (st.size > maxBytes) return `${st.size} bytes, over the limit of ${maxBytes}`;
  return undefined;
}

/** Read an input file whole, or a UsageError naming `what` and why not (see inputFileProblem). */
export function readInputFile(file: string, what: string, maxBytes = Infinity): Buffer {
  const why = inputFileProblem(file, maxBytes);
  if (why) throw new UsageError(`${what} ${file}: ${why}`);
  // O_NONBLOCK: a FIFO put in its place since the stat opens without waiting for a writer
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  try {
    if (!fs.fstatSync(fd).isFile())
      throw new UsageError(`${what} ${file}: not a regular file (a FIFO, socket or device): refused`);
    return fs.readFileSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Whether two paths name one file (the same inode once links are followed; else the same path). */
export function sameFile(a: string, b: string): boolean {
  try {
    const x = fs.statSync(a);
    const y = fs.statSync(b);
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return path.resolve(a) === path.resolve(b);
  }
}

/**
 * Write an output file a command line was given (`--out`, `--trace-out`): refused when it is one of
 * `inputs` or a folder; a write that fails is a UsageError naming the option, never a crash.
 */
export function writeOutput(file: string, text: string, what: string, inputs: (string | undefined)[] = []): void {
  const same = inputs.find((i) => i !== undefined && sameFile(i, file));
  if (same !== undefined)
    throw new UsageError(`${what} ${file} is an input (${same}): refused, it would be overwritten`);
  if (fs.existsSync(file) && fs.statSync(file).isDirectory())
    throw new UsageError(`${what} ${file} is a folder: give a file name`);
  try {
    writeAtomic(file, text);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(
      `${what} ${file}: cannot write it (${code === 'ENOENT' ? 'no such folder' : (code ?? (e as Error).message)})`,
    );
  }
}
