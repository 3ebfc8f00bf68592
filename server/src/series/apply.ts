// Applying a series in memory: patches 1..N in order onto the files of a kernel tree (never written
// back). A patch applies whole or not at all: when one hunk does not fit, the patch is reported
// with that hunk and the text where it was expected, and nothing of it is kept.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { applyPatch, StructuredPatch } from 'diff';
import { ORCHESTRATION } from '../../../engine/src';
import type { SimulatedPatch as WireSimulatedPatch, Verdicts } from '../../../protocol/src';
import { Analyzer, extractOrchestrationReport } from '../analyzer';
import { simulateFromSource, unsupportedIn } from '../simulate';
import { FileDiff, Hunk, hunkFunctionsFromSource, locateHunk } from './patch';
import { containedFile } from './paths';
import type { PatchEntry, Series } from './thread';

/** Path (relative to the tree root, "mm/slab_common.c") → text. */
export type Tree = Map<string, string>;

/**
 * Read the files a series touches (and the slab files) from a kernel tree. Missing ones are
 * absent (applyOne reports them when a patch needs one); a path that is not a regular file inside
 * the tree once symlinks are followed is not read, and `problems` says why.
 */
export function readTree(dir: string, paths: string[], problems: string[] = []): Tree {
  const t: Tree = new Map();
  let rootReal: string;
  try {
    rootReal = fs.realpathSync(dir);
  } catch {
    return t;
  }
  // one listing per folder: a series of 10,000 new files costs 10,000 lookups in memory, not syscalls
  const listings = new Map<string, Set<string> | undefined>();
  const listed = (rel: string): boolean => {
    const d = path.posix.dirname(rel);
    if (!listings.has(d)) {
      let names: Set<string> | undefined;
      try {
        names = new Set(fs.readdirSync(path.join(dir, d)));
      } catch {
        names = undefined;
      }
      listings.set(d, names);
    }
    return listings.get(d)?.has(path.posix.basename(rel)) ?? false;
  };
  for (const rel of new Set(paths)) {
    if (!listed(rel)) continue; // not in this tree (or no tree path: containedFile says why)
    const c = containedFile(dir, rootReal, rel);
    if (!c) continue;
    if ('refused' in c) {
      problems.push(`${rel}: not read (${c.refused})`);
      continue;
    }
    try {
      t.set(rel, fs.readFileSync(c.file, 'utf8'));
    } catch (e) {
      problems.push(`${rel}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  }
  return t;
}

export interface HunkFailure {
  file: string;
  hunk: number;
  header: string;
  /** the pre-image lines the hunk expects (context and removed), numbered as in the patch */
  expected: { line: number; text: string }[];
  /** what the file has at those lines */
  found: { line: number; text: string }[];
  reason: string;
}

export interface ApplyResult {
  patch: number;
  applied: boolean;
  /** per file: "applied", "applied with fuzz 2", "created", "deleted", "not in the tree" … */
  files: { path: string; status: string }[];
  failure?: HunkFailure;
}

const hunkHeader = (h: Hunk): string =>
  `@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@${h.heading ? ' ' + h.heading : ''}`;

function structured(f: FileDiff, hunks: Hunk[] = f.hunks): StructuredPatch {
  return {
    oldFileName: `a/${f.oldPath ?? f.path}`,
    newFileName: `b/${f.path}`,
    oldHeader: undefined,
    newHeader: undefined,
    hunks: hunks.map((h) => ({
      oldStart: h.oldStart,
      oldLines: h.oldLines,
      newStart: h.newStart,
      newLines: h.newLines,
      lines: h.lines.map((l) => l.op + l.text),
    })),
  };
}

const MAX_FUZZ = 3;

function tryApply(text: string, f: FileDiff, hunks?: Hunk[]): { out: string; fuzz: number } | undefined {
  for (let fuzz = 0; fuzz <= MAX_FUZZ; fuzz++) {
    let out: string | false = false;
    try {
      out = applyPatch(text, structured(f, hunks), { fuzzFactor: fuzz });
    } catch {
      out = false;
    }
    if (out !== false) return { out, fuzz };
  }
  return undefined;
}

/** The first hunk that does not fit (hunks applied one by one, as patch(1) reports it). */
function failingHunk(text: string, f: FileDiff): HunkFailure {
  let cur = text;
  for (const h of f.hunks) {
    const r = tryApply(cur, f, [h]);
    if (r) {
      cur = r.out;
      continue;
    }
    const lines = cur.split('\n');
    const expected = h.lines
      .filter((l) => l.op === ' ' || l.op === '-')
      .map((l) => ({ line: l.oldLine!, text: l.text }));
    // where it was expected: where its code lines are, else at the header's line number
    const at = locateHunk(lines, h, 'old', 1);
    const found = lines.slice(at, at + Math.max(expected.length, 1)).map((t, k) => ({ line: at + k + 1, text: t }));
    const missing = h.lines
      .filter((l) => l.op === '-' && !lines.includes(l.text))
      .map((l) => JSON.stringify(l.text.trim()));
    return {
      file: f.path,
      hunk: h.index,
      header: hunkHeader(h),
      expected,
      found,
      reason: missing.length
        ? `lines to remove not in the file: ${missing.join(', ')}`
        : `context does not match (even with fuzz ${MAX_FUZZ})`,
    };
  }
  return {
    file: f.path,
    hunk: -1,
    header: '',
    expected: [],
    found: [],
    reason: 'the hunks apply one by one but not together',
  };
}

/** A patch's effect on a tree: path → new text, or null for a file it deletes. */
type Changes = Map<string, string | null>;

/**
 * What one patch changes in a tree (the tree itself untouched), or why it does not apply. A
 * series applies its patches into one working copy of the tree: copying the tree for each patch
 * made a series of n patches that each add a file O(n²) (10,000 patches: minutes).
 */
function patchChanges(tree: Tree, p: Pick<PatchEntry, 'number' | 'files'>): { changes: Changes; result: ApplyResult } {
  const changes: Changes = new Map();
  // the tree as this patch has changed it so far (a later file of the patch sees an earlier one)
  const get = (k: string): string | undefined => (changes.has(k) ? (changes.get(k) ?? undefined) : tree.get(k));
  const files: ApplyResult['files'] = [];
  const fail = (failure: HunkFailure) => ({
    changes: new Map() as Changes,
    result: { patch: p.number, applied: false, files, failure },
  });
  for (const f of p.files) {
    if (f.status === 'binary') {
      files.push({ path: f.path, status: 'binary: skipped' });
      continue;
    }
    const src = get(f.oldPath ?? f.path);
    if (f.status === 'added') {
      if (src !== undefined)
        return fail({
          file: f.path,
          hunk: 0,
          header: '',
          expected: [],
          found: [],
          reason: 'creates a file that already exists',
        });
      const r = tryApply('', f);
      changes.set(
        f.path,
        r ? r.out : f.hunks.flatMap((h) => h.lines.filter((l) => l.op === '+').map((l) => l.text)).join('\n') + '\n',
      );
      files.push({ path: f.path, status: 'created' });
      continue;
    }
    if (src === undefined) {
      files.push({ path: f.path, status: 'not in the tree: skipped' });
      continue;
    }
    if (f.status === 'deleted') {
      changes.set(f.path, null);
      files.push({ path: f.path, status: 'deleted' });
      continue;
    }
    const r = tryApply(src, f);
    if (!r) return fail(failingHunk(src, f));
    if (f.oldPath) changes.set(f.oldPath, null);
    changes.set(f.path, r.out);
    files.push({ path: f.path, status: r.fuzz ? `applied with fuzz ${r.fuzz}` : 'applied' });
  }
  return { changes, result: { patch: p.number, applied: true, files } };
}

function commit(tree: Tree, changes: Changes): void {
  for (const [k, v] of changes) {
    if (v === null) tree.delete(k);
    else tree.set(k, v);
  }
}

/** Apply one patch to a tree: a new tree when every file applies, else the tree unchanged and why. */
export function applyOne(tree: Tree, p: Pick<PatchEntry, 'number' | 'files'>): { tree: Tree; result: ApplyResult } {
  const { changes, result } = patchChanges(tree, p);
  if (!result.applied) return { tree, result };
  const next: Tree = new Map(tree);
  commit(next, changes);
  return { tree: next, result };
}

/** Apply patches 1..upTo cumulatively; stops at the first that does not apply (later ones build on it). */
export function applySeries(
  tree: Tree,
  series: Pick<Series, 'patches'>,
  upTo = Infinity,
): { tree: Tree; results: ApplyResult[] } {
  const results: ApplyResult[] = [];
  const cur: Tree = new Map(tree);
  for (const p of series.patches) {
    if (p.number > upTo) break;
    const r = patchChanges(cur, p);
    results.push(r.result);
    if (!r.result.applied) break;
    commit(cur, r.changes);
  }
  return { tree: cur, results };
}

/** Text of a failing hunk for a terminal: header, expected lines, what the file has. */
export function formatFailure(p: number, f: HunkFailure): string {
  const out = [`patch ${p} does not apply: ${f.file} hunk #${f.hunk + 1} ${f.header}`, `  ${f.reason}`, '  expected:'];
  for (const l of f.expected) out.push(`  ${String(l.line).padStart(6)} | ${l.text}`);
  out.push('  the file has:');
  for (const l of f.found) out.push(`  ${String(l.line).padStart(6)} | ${l.text}`);
  return out.join('\n');
}

/**
 * Map each hunk to the tree-sitter functions of its pre-image: the tree after patches 1..N-1.
 * Hunks of files not in the tree (or of patches after one that does not apply) keep the
 * functions read from the hunk text.
 */
export function mapFunctions(series: Pick<Series, 'patches'>, tree: Tree): void {
  const cur: Tree = new Map(tree);
  let ok = true;
  for (const p of series.patches) {
    let a: Analyzer | undefined; // made only for a patch with a file to map
    for (const f of p.files) {
      const pre = cur.get(f.oldPath ?? f.path);
      if (!ok || pre === undefined || !/\.[ch]$/.test(f.path)) continue;
      // a hunk that does not fit this tree would be mapped onto whatever code it lands near
      const r = tryApply(pre, f);
      if (!r) continue;
      a ??= new Analyzer();
      a.update(`pre:${f.path}`, pre);
      a.update(`post:${f.path}`, r.out);
      for (const h of f.hunks) {
        h.functions = hunkFunctionsFromSource(h, a, `pre:${f.path}`, `post:${f.path}`);
        h.functionsFrom = 'tree-sitter';
      }
    }
    p.functions = [...new Set(p.files.flatMap((f) => f.hunks.flatMap((h) => h.functions)))];
    if (ok) {
      const r = patchChanges(cur, p);
      ok = r.result.applied;
      if (ok) commit(cur, r.changes);
    }
  }
}

export type { Verdicts };

/** A row of slablens/series/simulate (protocol/src/wire.ts), with how each file applied. */
export interface SimulatedPatch extends WireSimulatedPatch {
  /** per file, how it applied ("applied with fuzz 2") */
  files?: ApplyResult['files'];
  failure?: HunkFailure;
}

function destroyVerdicts(tree: Tree, o: { cpus?: number; maxStates?: number }): Verdicts {
  const a = new Analyzer();
  for (const [p, text] of tree) if (/^mm\/.*\.[ch]$/.test(p)) a.update(p, text);
  const { programs, extractions } = extractOrchestrationReport(a);
  if (unsupportedIn(extractions)) return { kasan: 'unsupported', nokasan: 'unsupported' };
  const run = (kasan: boolean) =>
    simulateFromSource(programs, { function: 'kmem_cache_destroy', kasan, cpus: o.cpus ?? 2, maxStates: o.maxStates })
      .verdict;
  return { kasan: run(true), nokasan: run(false) };
}

/**
 * Before/after verdicts of the destroy scenario per patch: patches applied cumulatively; for each
 * one that touches a modelled (orchestration) function, kmem_cache_destroy is simulated with
 * CONFIG_KASAN=y and =n on the tree before and after it.
 */
export function simulateSeries(
  series: Pick<Series, 'patches'>,
  tree: Tree,
  o: { cpus?: number; maxStates?: number; upTo?: number } = {},
): SimulatedPatch[] {
  const out: SimulatedPatch[] = [];
  const cur: Tree = new Map(tree);
  let blocked: number | undefined;
  const modelled = new Set<string>(ORCHESTRATION);
  for (const p of series.patches) {
    if (p.number > (o.upTo ?? Infinity)) break;
    const touches = p.functions.filter((f) => modelled.has(f));
    if (blocked !== undefined) {
      out.push({
        patch: p.number,
        title: p.title,
        touches,
        applied: false,
        skipped: `patch ${blocked} before it does not apply`,
      });
      continue;
    }
    const r = patchChanges(cur, p);
    if (!r.result.applied) {
      blocked = p.number;
      out.push({
        patch: p.number,
        title: p.title,
        touches,
        applied: false,
        skipped: 'does not apply',
        failure: r.result.failure,
      });
      continue;
    }
    const files = r.result.files;
    if (!touches.length) {
      out.push({
        patch: p.number,
        title: p.title,
        touches,
        applied: true,
        files,
        skipped: 'touches no modelled function',
      });
      commit(cur, r.changes);
      continue;
    }
    const before = destroyVerdicts(cur, o);
    commit(cur, r.changes);
    out.push({
      patch: p.number,
      title: p.title,
      touches,
      applied: true,
      files,
      before,
      after: destroyVerdicts(cur, o),
    });
  }
  return out;
}
