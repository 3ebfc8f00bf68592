// What the command lines share (the engine's `slablens list|check|replay|demo` and the server's
// `index`, `check --kernel`, `series`): their output, their usage errors, files written whole.
// It lives apart from the engine, whose core does no I/O, and from the server, which the engine's
// command line must not import.

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

/** Write a file whole or not at all: a temporary file renamed over the target. */
export function writeAtomic(file: string, text: string): void {
  const dir = path.dirname(path.resolve(file));
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}
