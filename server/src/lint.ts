// `slablens lint --kernel <dir> [--json]`: the static lock rules (analyzer/lockdep.ts) over the
// slab files of a kernel tree. Exit 0: no findings, 1: findings, 2: bad input.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { Io, readInputFile, UsageError } from '../../io/src';
import { DEFAULT_INDEX_SETTINGS } from '../../protocol/src/settings';
import { Analyzer, SLAB_FILES } from './analyzer';
import { analyzeLocks, LockFinding, LockReport } from './analyzer/lockdep';

/** The --json shape of one finding (the issue's: rule, message, function, file, line (1-based), paths, locks). */
export function findingJson(f: LockFinding) {
  return {
    rule: f.rule,
    message: f.message,
    function: f.function,
    file: f.uri,
    line: f.line + 1,
    paths: f.paths,
    locks: f.locks,
  };
}

/** Index the slab files of `dir` the way the editor's cold index does, and run the lock rules. */
export function lintKernel(dir: string): { files: string[]; report: LockReport } {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UsageError(`--kernel ${dir}: not a directory`);
  const analyzer = new Analyzer();
  const files: string[] = [];
  for (const rel of SLAB_FILES) {
    const f = path.join(dir, rel);
    if (!fs.existsSync(f)) continue;
    // the server's cap (slablens.maxFileBytes) and its refusal of FIFOs and devices
    analyzer.update(
      f,
      new TextDecoder('utf-8', { fatal: false }).decode(
        readInputFile(f, 'kernel file', DEFAULT_INDEX_SETTINGS.maxFileBytes),
      ),
    );
    files.push(f);
  }
  if (!files.length) throw new UsageError(`${dir}: no mm/slab_common.c, mm/slub.c or mm/slab.h found`);
  return { files, report: analyzeLocks(analyzer) };
}

export function cmdLint(args: string[], io: Io): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { kernel: { type: 'string' }, json: { type: 'boolean' } },
  });
  const dir = values.kernel ?? positionals[0];
  if (!dir || positionals.length > (values.kernel ? 0 : 1)) throw new UsageError('lint takes --kernel <dir> [--json]');
  const { files, report } = lintKernel(dir);
  if (values.json) io.out(JSON.stringify({ findings: report.findings.map(findingJson) }, null, 1));
  else {
    for (const f of report.findings) {
      io.out(`${f.uri}:${f.line + 1}: warning: [${f.rule}] ${f.message}`);
      for (const r of f.related) io.out(`    ${r.uri}:${r.line + 1}: ${r.message}`);
    }
    for (const n of report.notModelled)
      io.out(`${n.uri}:${n.line + 1}: note: lock call not modelled: ${n.call}() in ${n.fn}()`);
    io.out(
      `${files.length} files, ${report.roots.length} roots, ${report.contexts} contexts, ${report.dependencies.length} lock dependencies: ${report.findings.length} finding${report.findings.length === 1 ? '' : 's'}`,
    );
  }
  return report.findings.length ? 1 : 0;
}
