// Parsing C with tree-sitter: one parser for the process, incremental re-parse on edits.

import Parser from 'tree-sitter';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const C: unknown = require('tree-sitter-c');

export type SyntaxNode = Parser.SyntaxNode;
export type Tree = Parser.Tree;

let parser: Parser | undefined;

function getParser(): Parser {
  if (!parser) {
    parser = new Parser();
    parser.setLanguage(C as Parser.Language);
  }
  return parser;
}

/** Parse `text`, reusing `oldTree` (already `edit()`ed) when given. Never throws on bad C. */
export function parseC(text: string, oldTree?: Tree): Tree {
  // tree-sitter's node binding reads a string input in chunks; very large inputs need a bigger buffer.
  const bufferSize = Math.max(32 * 1024, text.length * 2 + 1024);
  return getParser().parse(text, oldTree, { bufferSize });
}

/** Row/column (columns in UTF-16 code units, like the text) of an offset in `text`. */
export function pointAt(text: string, index: number): Parser.Point {
  let row = 0;
  let last = -1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) {
    row++;
    last = i;
  }
  return { row, column: index - last - 1 };
}

// Attribute-like kernel macros that the C grammar cannot know. They are blanked out (replaced by
// spaces, newlines kept) before parsing, so every offset, row and column stays the same as in the
// real text; names and signatures are always read from the real text.
const ATTR_WORDS = [
  '__always_inline', '__fastpath_inline', '__must_check', 'noinline', '__noinline', 'noinline_for_stack', '__init', '__exit', '__ref',
  '__cold', '__hot', '__maybe_unused', '__always_unused', 'notrace', '__weak', '__bpf_kfunc', '__flatten', '__latent_entropy',
  '__meminit', '__ro_after_init', '__read_mostly', '__initdata', '__initconst', '__refdata', '__visible', '__noreturn', '__pure',
  '__malloc', '__no_kmsan_checks', '__no_sanitize_address', 'noinstr', '__sched', '__noclone', '__used',
];
const ATTR_CALLS = ['__printf', '__scanf', '__acquires', '__releases', '__must_hold', '__cond_acquires', '__cond_releases', '__attribute__', '__attribute', '__section', '__aligned', '__alloc_size', '__assume_aligned', '__counted_by', '__diagnose_as', '__realloc_size'];
const MASK_RE = new RegExp(
  [
    '"(?:\\\\.|[^"\\\\\\n])*"', // string literal (kept)
    "'(?:\\\\.|[^'\\\\\\n])*'", // char literal (kept)
    '/\\*[\\s\\S]*?\\*/', // block comment (kept)
    '//[^\\n]*', // line comment (kept)
    `(\\b(?:${ATTR_CALLS.join('|')})\\s*\\((?:[^()]|\\((?:[^()]|\\([^()]*\\))*\\))*\\))`, // attribute with arguments
    `(\\b(?:${ATTR_WORDS.join('|')})\\b)`, // bare attribute
  ].join('|'),
  'g',
);

/** The text with attribute macros blanked out (same length, same line breaks). */
export function maskAttributes(text: string): string {
  return mask(text).text;
}

/**
 * A masked text and where the mask scanner matched (strings, comments, attributes: flat
 * [start0, end0, start1, end1, ...], sorted). Outside those spans the scanner was between tokens,
 * which is what lets an edit be re-masked around itself only.
 */
export interface Masked {
  text: string;
  spans: number[];
  /** after remask(): old and new masked texts agree outside [start, oldEnd) / [start, newEnd) */
  window?: { start: number; oldEnd: number; newEnd: number };
}

const blank = (m: string): string => m.replace(/[^\n]/g, ' ');

function scan(text: string, spans: number[], pieces: string[]): number {
  MASK_RE.lastIndex = 0;
  let pos = 0;
  for (let m = MASK_RE.exec(text); m; m = MASK_RE.exec(text)) {
    const end = m.index + m[0].length;
    pieces.push(text.slice(pos, m.index), m[1] || m[2] ? blank(m[0]) : m[0]);
    spans.push(m.index, end);
    pos = end;
  }
  return pos;
}

export function mask(text: string): Masked {
  const spans: number[] = [];
  const pieces: string[] = [];
  const pos = scan(text, spans, pieces);
  pieces.push(text.slice(pos));
  return { text: pieces.join(''), spans };
}

/** Index of the span (by pair) strictly containing `q`, or -1. */
function spanAround(spans: number[], q: number): number {
  let lo = 0;
  let hi = spans.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (spans[2 * mid + 1] <= q) lo = mid + 1;
    else if (spans[2 * mid] >= q) hi = mid - 1;
    else return mid;
  }
  return -1;
}

/**
 * Re-mask after `old`'s text had [start, oldEnd) replaced, giving `text` (new end `newEnd`). Scans
 * from a few lines before the edit (backed off to the start of any token that crossed there) until
 * the scanner is between tokens, past the edit, at a place where it was also between tokens in the
 * old text: from there on the old result holds, shifted. The result equals mask(text) for every
 * edit except one that completes a token started more than a few lines earlier that did not match
 * before (an unterminated comment or attribute argument list); the tests compare both.
 */
export function remask(old: Masked, text: string, start: number, oldEnd: number, newEnd: number): Masked {
  const delta = newEnd - oldEnd;
  // back to the start of the line three lines above the edit
  let s = start;
  for (let k = 0; k < 4 && s > 0; k++) s = text.lastIndexOf('\n', s - 1);
  s = s <= 0 ? 0 : s + 1;
  const around = spanAround(old.spans, s);
  if (around >= 0) s = old.spans[2 * around];
  // old spans entirely before s are unchanged
  let keep = 0;
  while (keep < old.spans.length && old.spans[keep + 1] <= s) keep += 2;
  const spans = old.spans.slice(0, keep);
  const pieces: string[] = [old.text.slice(0, s)];
  const want = newEnd + 1;
  MASK_RE.lastIndex = s;
  let pos = s;
  for (;;) {
    const m = MASK_RE.exec(text);
    const ms = m ? m.index : text.length;
    // the gap [pos, ms] is between tokens in the new text: look for a point also between tokens in the old one
    let p = Math.max(pos, want);
    while (p <= ms && p - delta <= old.text.length) {
      const inOld = spanAround(old.spans, p - delta);
      if (inOld < 0) {
        pieces.push(text.slice(pos, p), old.text.slice(p - delta));
        let i = 0;
        while (i < old.spans.length && old.spans[i] < p - delta) i += 2;
        for (; i < old.spans.length; i++) spans.push(old.spans[i] + delta);
        return { text: pieces.join(''), spans, window: { start: s, oldEnd: p - delta, newEnd: p } };
      }
      p = old.spans[2 * inOld + 1] + delta;
    }
    if (!m) break;
    const end = ms + m[0].length;
    pieces.push(text.slice(pos, ms), m[1] || m[2] ? blank(m[0]) : m[0]);
    spans.push(ms, end);
    pos = end;
  }
  pieces.push(text.slice(pos));
  return { text: pieces.join(''), spans, window: { start: s, oldEnd: old.text.length, newEnd: text.length } };
}
