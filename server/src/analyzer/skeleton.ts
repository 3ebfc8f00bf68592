// The cold index of a file without parsing its function bodies. Parsing is most of a cold index
// (tree-sitter takes ~2.5× what ctags takes for the whole job on mm/slub.c), and most of what is
// parsed is function bodies, of which the index needs only the calls: those are read from the text
// (calltext.ts). So the first parse leaves the bodies' insides out (tree-sitter's included
// ranges: the offsets stay the file's), and the full tree is parsed when something needs it (an
// edit, Analyzer.completeTrees). Where the text does not settle a body plainly, that one
// definition is parsed alone.

import type { Lines, Masked, Tree } from './parse';
import { literalEnd, parseMasked } from './parse';

/** A half-open span of the text. */
export interface Interior {
  start: number;
  end: number;
}

const isSpace = (ch: number): boolean => ch === 32 || ch === 9 || ch === 10 || ch === 13 || ch === 12 || ch === 11;

/**
 * The directive at s[i] (`#` at a line's start): its name, and j, the end of its line with
 * continuation lines and comments in it included; undefined on an unterminated comment.
 */
function directiveAt(s: string, i: number): { name: string; j: number } | undefined {
  const n = s.length;
  let j = i + 1;
  while (j < n && (s.charCodeAt(j) === 32 || s.charCodeAt(j) === 9)) j++;
  const w = j;
  while (j < n && (s.charCodeAt(j) | 32) >= 97 && (s.charCodeAt(j) | 32) <= 122) j++;
  const name = s.slice(w, j);
  for (; j < n; j++) {
    const d = s.charCodeAt(j);
    if (d === 10) break;
    if (d === 92 && s.charCodeAt(j + 1) === 10) j++;
    else if (d === 92 && s.charCodeAt(j + 1) === 13 && s.charCodeAt(j + 2) === 10) j += 2;
    else if (d === 47 && s.charCodeAt(j + 1) === 42) {
      const close = s.indexOf('*/', j + 2);
      if (close < 0) return undefined;
      j = close + 1;
    }
  }
  return { name, j };
}

/**
 * The insides (between the braces) of every top-level `{ }` that follows a `)`: the function
 * bodies. Undefined where the braces are not plainly nested: unbalanced, or a conditional (#if ...
 * #else ... #endif) whose branches do not each balance their braces, or an unterminated literal or
 * comment. Braces in #define lines are the macro's, not the file's. A `{ }` that follows a `)` and
 * is no function body (a compound literal in an initializer) is found too: the caller checks each
 * one against the parse. The text as it is, not as masked for the parser: the masking changes no
 * brace, quote or comment, and only blanks out `)`s of attributes that come after one.
 */
export function functionInteriors(s: string): Interior[] | undefined {
  const n = s.length;
  const out: Interior[] = [];
  // brace depth at each open conditional, which each of its branches must end at
  const conditionals: number[] = [];
  let depth = 0;
  let lineStart = true;
  // the last character at depth 0 that was not white space or a comment
  let last = 0;
  let open = -1;
  let body = false;
  for (let i = 0; i < n; i++) {
    const ch = s.charCodeAt(i);
    if (ch === 10) {
      lineStart = true;
      continue;
    }
    if (isSpace(ch)) continue;
    if (ch === 47) {
      const next = s.charCodeAt(i + 1);
      if (next === 42) {
        const close = s.indexOf('*/', i + 2);
        if (close < 0) return undefined;
        i = close + 1;
        continue;
      }
      if (next === 47) {
        // a line comment, continued by a backslash at its end
        for (i += 2; i < n; i++) {
          const d = s.charCodeAt(i);
          if (d === 10 && s.charCodeAt(i - 1) !== 92 && !(s.charCodeAt(i - 1) === 13 && s.charCodeAt(i - 2) === 92))
            break;
        }
        lineStart = true;
        continue;
      }
    }
    if (ch === 35 && lineStart) {
      const d = directiveAt(s, i);
      if (!d) return undefined;
      const { name, j } = d;
      if (name === 'if' || name === 'ifdef' || name === 'ifndef') conditionals.push(depth);
      else if (name === 'else' || name === 'elif' || name === 'elifdef' || name === 'elifndef') {
        if (!conditionals.length || conditionals[conditionals.length - 1] !== depth) return undefined;
      } else if (name === 'endif') {
        if (conditionals.pop() !== depth) return undefined;
      }
      i = j - 1;
      continue;
    }
    lineStart = false;
    if (ch === 34 || ch === 39) {
      const j = literalEnd(s, i);
      if (j < 0) return undefined;
      i = j;
      if (depth === 0) last = ch;
      continue;
    }
    if (ch === 123) {
      if (depth === 0) {
        open = i;
        body = last === 41;
      }
      depth++;
    } else if (ch === 125) {
      depth--;
      if (depth < 0) return undefined;
      if (depth === 0 && body && i > open + 1) out.push({ start: open + 1, end: i });
    }
    if (depth === 0) last = ch;
  }
  return depth === 0 && conditionals.length === 0 ? out : undefined;
}

/** Parse `text` (masked by `m`) leaving out the given interiors (sorted, disjoint). */
export function parseSkeleton(text: string, m: Masked, lines: Lines, interiors: Interior[]): Tree {
  return parseMasked(text, m, undefined, rangesAround(text.length, lines, interiors));
}

/** Parse one span of `text` (a definition) alone: a tree of that span, at the file's offsets. */
export function parseSpan(text: string, m: Masked, lines: Lines, start: number, end: number): Tree {
  return parseMasked(text, m, undefined, [range(lines, start, end)]);
}

function range(lines: Lines, start: number, end: number) {
  return { startIndex: start, endIndex: end, startPosition: lines.point(start), endPosition: lines.point(end) };
}

/** The included ranges of a skeleton parse: everything but the interiors. */
function rangesAround(length: number, lines: Lines, interiors: Interior[]) {
  const out = [];
  let pos = 0;
  for (const b of interiors) {
    if (b.start > pos) out.push(range(lines, pos, b.start));
    pos = b.end;
  }
  out.push(range(lines, pos, length));
  return out;
}
