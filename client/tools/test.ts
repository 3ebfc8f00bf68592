// `npm test`'s runner: node --test over the given folders with the spec reporter, then one last
// line naming the tests that were skipped and why (a green run with the VS Code or real-kernel
// suites skipped must say so where it is read: at the end). The exit code is node --test's.
//
// The skipped tests come from the reporter in skipReporter.ts, as JSON lines in a temporary file.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface Skipped {
  name: string;
  reason: string;
  file?: string;
}

/** "2 skipped: <reason> (e2e.test.js); <reason> (realKernel.test.js)" or "none skipped". */
export function skipLine(skipped: Skipped[]): string {
  if (!skipped.length) return 'npm test: no test was skipped.';
  const byReason = new Map<string, Set<string>>();
  for (const s of skipped) {
    const why = s.reason
      .replace(/^SKIPPED:\s*/, '')
      .replace(/!+/g, '')
      .trim();
    const where = s.file ? path.basename(s.file) : s.name;
    byReason.set(why, (byReason.get(why) ?? new Set()).add(where));
  }
  const parts = [...byReason].map(([why, files]) => `${[...files].join(', ')}: ${why}`);
  return `npm test: ${skipped.length} skipped — ${parts.join('; ')}`;
}

function main(): number {
  const dirs = process.argv.slice(2);
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'slablens-test-')), 'skipped.jsonl');
  const r = spawnSync(
    process.execPath,
    [
      '--test',
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      `--test-reporter=${path.join(__dirname, 'skipReporter.js')}`,
      `--test-reporter-destination=${out}`,
      ...dirs,
    ],
    { stdio: 'inherit' },
  );
  const lines = fs.existsSync(out) ? fs.readFileSync(out, 'utf8').split('\n').filter(Boolean) : [];
  fs.rmSync(path.dirname(out), { recursive: true, force: true });
  console.log(`\n${skipLine(lines.map((l) => JSON.parse(l) as Skipped))}`);
  return r.status ?? 1;
}

if (require.main === module) process.exitCode = main();
