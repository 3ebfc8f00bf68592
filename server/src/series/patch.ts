// A patch mail's diff: files, hunks and their lines numbered on both sides (jsdiff parses it), and
// each hunk mapped to the C functions it changes: by tree-sitter on the pre-image when we have the
// file, else by the definitions visible in the hunk and the "@@ … @@ func(…)" section heading.

import { parsePatch, StructuredPatch } from 'diff';
import { Analyzer } from '../analyzer';
import { treePath } from './paths';

export interface DiffLine {
  /** ' ' context, '-' removed, '+' added, '\\' "No newline at end of file" */
  op: ' ' | '-' | '+' | '\\';
  text: string;
  /** 1-based line in the pre-image (context and removed lines) */
  oldLine?: number;
  /** 1-based line in the post-image (context and added lines) */
  newLine?: number;
}

export interface Hunk {
  index: number;
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  /** the text after the second "@@": git's function context */
  heading: string;
  lines: DiffLine[];
  /** the C functions whose lines the hunk changes (pre-image, or post-image for new ones) */
  functions: string[];
  functionsFrom: 'tree-sitter' | 'hunk';
}

export interface FileDiff {
  /** path without a/ b/ (the new name; the old one for a deletion) */
  path: string;
  oldPath?: string;
  status: 'modified' | 'added' | 'deleted' | 'renamed' | 'binary';
  added: number;
  removed: number;
  hunks: Hunk[];
}

export interface ParsedDiff {
  files: FileDiff[];
  problems: string[];
}

/** Where the diff starts in a patch mail body (after the commit message and diffstat). */
export function diffStart(body: string): number {
  const m = /^(diff --git |--- (a\/|\/dev\/null)|Index: )/m.exec(body);
  return m ? m.index : -1;
}

/** The diff text of a body: from the first "diff --git" to the signature ("-- ") or the end. */
export function diffText(body: string): string | undefined {
  const at = diffStart(body);
  if (at < 0) return undefined;
  const rest = body.slice(at);
  const sig = /^-- ?$/m.exec(rest);
  return sig ? rest.slice(0, sig.index) : rest;
}

const stripAB = (p: string | undefined): string =>
  (p ?? '')
    .replace(/^"|"$/g, '')
    .replace(/^[ab]\//, '')
    .replace(/\t.*$/, '');

function headingsByFile(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let cur: string[] = [];
  for (const line of text.split('\n')) {
    const d = /^diff --git a\/(\S+) b\/(\S+)/.exec(line);
    if (d) {
      cur = [];
      out.set(d[2], cur);
      continue;
    }
    const p = /^\+\+\+ (?:b\/)?(\S+)/.exec(line);
    if (p && p[1] !== '/dev/null' && !out.has(p[1])) out.set(p[1], cur);
    const h = /^@@ -\d+(?:,\d+)? \+\d+(?:,\d+)? @@ ?(.*)$/.exec(line);
    if (h) cur.push(h[1]);
  }
  return out;
}

/** Parse a diff. Never throws: what jsdiff rejects is reported and the files before it are kept. */
export function parseDiff(text: string): ParsedDiff {
  const problems: string[] = [];
  const headings = headingsByFile(text);
  const binary = new Set<string>();
  for (const m of text.matchAll(
    /^diff --git a\/(\S+) b\/(\S+)\n(?:(?!diff --git )[^\n]*\n)*?(?:Binary files|GIT binary patch)/gm,
  ))
    binary.add(m[2]);
  const files: FileDiff[] = [];
  for (const sp of structuredPatches(text, problems)) {
    if (!stripAB(sp.oldFileName) && !stripAB(sp.newFileName)) continue;
    // a path from mail is a file of the tree, or the file is left out of the patch with the reason
    const checked = [stripAB(sp.oldFileName), stripAB(sp.newFileName)].map((x) =>
      x === '/dev/null' ? { path: x } : treePath(x),
    );
    const bad = checked.findIndex((c) => 'refused' in c);
    if (bad >= 0) {
      const h = sp.hunks[0];
      const where = h ? `hunk 1 (@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@)` : 'its header';
      problems.push(
        `${where} of ${JSON.stringify(bad ? sp.newFileName : sp.oldFileName)}: path refused (${(checked[bad] as { refused: string }).refused}); the file is left out of this patch`,
      );
      continue;
    }
    const [oldP, newP] = checked.map((c) => (c as { path: string }).path);
    const path = newP && newP !== '/dev/null' ? newP : oldP;
    const status: FileDiff['status'] = binary.has(path)
      ? 'binary'
      : oldP === '/dev/null'
        ? 'added'
        : newP === '/dev/null'
          ? 'deleted'
          : oldP !== newP
            ? 'renamed'
            : 'modified';
    const counts = { added: 0, removed: 0 };
    const hs = headings.get(path) ?? [];
    const hunks = sp.hunks.map((h, index) => hunkOf(h, index, hs[index] ?? '', counts));
    files.push({ path, oldPath: status === 'renamed' ? oldP : undefined, status, ...counts, hunks });
  }
  return { files, problems };
}

/** jsdiff's reading of the diff; when it fails, the files before the broken one, and the problem. */
function structuredPatches(text: string, problems: string[]): StructuredPatch[] {
  try {
    return parsePatch(text.replace(/\r\n/g, '\n'));
  } catch (e) {
    problems.push(`the diff does not parse: ${(e as Error).message}`);
    const structured: StructuredPatch[] = [];
    for (const part of text.split(/^(?=diff --git )/m)) {
      try {
        structured.push(...parsePatch(part));
      } catch {
        break;
      }
    }
    return structured;
  }
}

/** One hunk with its lines numbered on both sides; counts the added and removed lines. */
function hunkOf(
  h: StructuredPatch['hunks'][number],
  index: number,
  heading: string,
  counts: { added: number; removed: number },
): Hunk {
  // (jsdiff already moved a 0-line side's start to the line after, as patch(1) reads it)
  let o = h.oldStart;
  let n = h.newStart;
  const lines: DiffLine[] = h.lines.map((l) => {
    const op = (l[0] ?? ' ') as DiffLine['op'];
    const t = l.slice(1);
    if (op === '+') {
      counts.added++;
      return { op, text: t, newLine: n++ };
    }
    if (op === '-') {
      counts.removed++;
      return { op, text: t, oldLine: o++ };
    }
    if (op === '\\') return { op, text: t };
    return { op: ' ', text: t, oldLine: o++, newLine: n++ };
  });
  const { oldStart, oldLines, newStart, newLines } = h;
  return { index, oldStart, oldLines, newStart, newLines, heading, lines, functions: [], functionsFrom: 'hunk' };
}

const KEYWORDS = new Set([
  'if',
  'for',
  'while',
  'switch',
  'return',
  'sizeof',
  'do',
  'else',
  'case',
  'typeof',
  '__attribute__',
]);
/** function-like annotations that come before the name: "static __printf(2, 3) void foo(…)" */
const ANNOTATIONS =
  /^(__printf|__scanf|__attribute__|__acquires|__releases|__must_hold|__cond_acquires|__cond_releases|__alloc_size|__section|__aligned|__diagnose_as|__counted_by|__realloc_size)$/;

/** The function a definition line starts ("static void foo(struct kmem_cache *s)"), if it is one. */
export function definedFunction(line: string): string | undefined {
  if (!line || /^[\s#}{/*]/.test(line) || /;\s*$/.test(line) || /^(struct|union|enum)\s+\w+\s*\{/.test(line))
    return undefined;
  const re = /\b([A-Za-z_]\w*)\s*\(/g;
  let m = re.exec(line);
  // skip annotations and their parenthesised arguments
  while (m && ANNOTATIONS.test(m[1])) {
    let depth = 0;
    let k = m.index + m[0].length - 1;
    for (; k < line.length; k++)
      if (line[k] === '(') depth++;
      else if (line[k] === ')' && --depth === 0) break;
    re.lastIndex = k + 1;
    m = re.exec(line);
  }
  if (!m || KEYWORDS.has(m[1]) || /^[A-Z_0-9]+$/.test(m[1])) return undefined;
  // "EXPORT_SYMBOL(x)" and macros invocations are upper case; an assignment is not a definition
  if (/=/.test(line.slice(0, m.index))) return undefined;
  return m[1];
}

/** Without the file: definitions seen in the hunk, else the heading's function. */
export function hunkFunctionsFromText(h: Pick<Hunk, 'heading' | 'lines'>): string[] {
  let cur = definedFunction(h.heading);
  const out = new Set<string>();
  for (const l of h.lines) {
    if (l.op === '\\') continue;
    const d = definedFunction(l.text);
    if (d) cur = d;
    // a line that closes a function at column 0 ends it
    if (l.op !== ' ' && cur) out.add(cur);
    // a context "}" at column 0 closes the function in both images: what follows is outside it
    // (a removed or added one may be a rewritten tail: the lines after it still belong to it)
    if (/^}\s*$/.test(l.text) && l.op === ' ') cur = undefined;
  }
  return [...out];
}

/**
 * Where a hunk sits in a file (0-based index of its first line): the place where most of its
 * lines on that side match (code lines weigh more than blanks and braces), nearest to the
 * header's line on a tie; the header's line when less than `minScore` matches. A hunk applied with an offset
 * or fuzz is found where it was applied.
 */
export function locateHunk(
  fileLines: string[],
  h: Pick<Hunk, 'lines' | 'oldStart' | 'newStart'>,
  side: 'old' | 'new',
  minScore = 0,
): number {
  const want = h.lines.filter((l) => l.op === ' ' || l.op === (side === 'old' ? '-' : '+')).map((l) => l.text);
  const hint = (side === 'old' ? h.oldStart : h.newStart) - 1;
  if (!want.length) return Math.max(0, Math.min(hint, fileLines.length));
  const firsts = new Set(want);
  let best = -1;
  let bestScore = 0;
  for (let s = 0; s + want.length <= fileLines.length; s++) {
    // cheap filter: at least one of the first three lines must match somewhere near
    if (!firsts.has(fileLines[s]) && !firsts.has(fileLines[s + 1]) && !firsts.has(fileLines[s + 2])) continue;
    // blank lines and lone braces match almost anywhere: they only break ties
    let score = 0;
    for (let k = 0; k < want.length; k++)
      if (fileLines[s + k] === want[k]) score += want[k].trim().length > 2 ? 1 : 0.1;
    if (score > bestScore || (score === bestScore && Math.abs(s - hint) < Math.abs(best - hint))) {
      best = s;
      bestScore = score;
    }
  }
  return best < 0 || bestScore < minScore ? Math.max(0, Math.min(hint, fileLines.length - 1)) : best;
}

/**
 * With the pre-image text: the tree-sitter functions that contain a removed line or the insertion
 * point of an added line (the hunk located in the file, so a patch against another base maps too).
 * An added line outside any pre-image function (a new function) is mapped on the post-image.
 */
export function hunkFunctionsFromSource(h: Hunk, analyzer: Analyzer, uri: string, postUri?: string): string[] {
  const out = new Set<string>();
  const pre = (analyzer.text(uri) ?? '').split('\n');
  const preShift = locateHunk(pre, h, 'old') - (h.oldStart - 1);
  const post = postUri ? (analyzer.text(postUri) ?? '').split('\n') : [];
  const postShift = postUri ? locateHunk(post, h, 'new') - (h.newStart - 1) : 0;
  let lastOld = h.oldStart - 1;
  for (const l of h.lines) {
    if (l.oldLine !== undefined) lastOld = l.oldLine;
    if (l.op === '-' && l.oldLine !== undefined) {
      const f = analyzer.functionAt(uri, l.oldLine - 1 + preShift, 0);
      if (f) out.add(f.name);
    } else if (l.op === '+') {
      // an insertion between old lines lastOld and lastOld+1: in a function if both are
      const a = analyzer.functionAt(uri, Math.max(0, lastOld - 1 + preShift), 0);
      const b = analyzer.functionAt(uri, lastOld + preShift, 0);
      if (a && b && a.name === b.name) out.add(a.name);
      else if (postUri && l.newLine !== undefined) {
        const p = analyzer.functionAt(postUri, l.newLine - 1 + postShift, 0);
        if (p) out.add(p.name);
      }
    }
  }
  return [...out];
}

/** Every function a diff touches, in order of first appearance. */
export function allFunctions(files: FileDiff[]): string[] {
  return [...new Set(files.flatMap((f) => f.hunks.flatMap((h) => h.functions)))];
}
