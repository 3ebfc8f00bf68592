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

/** Parse `text` as it is (no masking), reusing `oldTree` (already `edit()`ed) when given. Never throws on bad C. */
export function parseC(text: string, oldTree?: Tree): Tree {
  return parseMasked(text, { spans: [], at: [], repl: [], extra: [] }, oldTree);
}

/** How much text the parser is handed per read. */
const CHUNK = 16 * 1024;

/**
 * Parse `text` as masked by `m`, reusing `oldTree` (already `edit()`ed) when given, only the
 * `includedRanges` when given (see skeleton.ts). Never throws on bad C. The parser reads the
 * masked text chunk by chunk, and node.text reads it span by span: the masked text of a whole
 * file is never built (a 300 KB string costs a millisecond per edit).
 */
export function parseMasked(text: string, m: Masked, oldTree?: Tree, includedRanges?: Parser.Range[]): Tree {
  const tree = getParser().parse((i: number) => maskedSlice(m, text, i, i + CHUNK), oldTree, {
    bufferSize: CHUNK,
    includedRanges,
  });
  // With a function input the binding reads node.text through that function a chunk at a time
  // (tree.getText, set by Parser.parse); read the node's own span instead.
  (tree as unknown as { getText: (n: SyntaxNode) => string }).getText = (n: SyntaxNode) =>
    maskedSlice(m, text, n.startIndex, n.endIndex);
  return tree;
}

/**
 * Where the string or character literal whose quote is at `i` ends (the index of its closing
 * quote), or -1 when a line ends first (or the text does). Escapes are skipped.
 */
export function literalEnd(text: string, i: number): number {
  const q = text.charCodeAt(i);
  for (let j = i + 1; j < text.length; j++) {
    const d = text.charCodeAt(j);
    if (d === q) return j;
    if (d === 92) j++;
    else if (d === 10) return -1;
  }
  return -1;
}

/** Row/column (columns in UTF-16 code units, like the text) of an offset in `text`. Linear: see Lines for the indexed version. */
export function pointAt(text: string, index: number): Parser.Point {
  let row = 0;
  let last = -1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) {
    row++;
    last = i;
  }
  return { row, column: index - last - 1 };
}

/** Where each line of a text starts: rows and columns of offsets in O(log lines), kept up to date by edit(). */
export class Lines {
  private constructor(private readonly starts: Int32Array) {}

  static of(text: string): Lines {
    const a: number[] = [0];
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) a.push(i + 1);
    return new Lines(Int32Array.from(a));
  }

  /** Row of an offset: the last line starting at or before it. */
  row(index: number): number {
    const s = this.starts;
    let lo = 0;
    let hi = s.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (s[mid] <= index) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  get count(): number {
    return this.starts.length;
  }

  /** Offset where line `row` starts. */
  start(row: number): number {
    return this.starts[row];
  }

  point(index: number): Parser.Point {
    const row = this.row(index);
    return { row, column: index - this.starts[row] };
  }

  /** The lines after `text` (the new text) had [start, oldEnd) of the old text replaced by [start, newEnd). */
  edit(text: string, start: number, oldEnd: number, newEnd: number): Lines {
    const s = this.starts;
    const delta = newEnd - oldEnd;
    // line starts up to `start` stay; those in (start, oldEnd] went with the replaced text
    const keep = this.row(start) + 1;
    let after = keep;
    while (after < s.length && s[after] <= oldEnd) after++;
    const added: number[] = [];
    for (let i = text.indexOf('\n', start); i !== -1 && i < newEnd; i = text.indexOf('\n', i + 1)) added.push(i + 1);
    const out = new Int32Array(keep + added.length + (s.length - after));
    out.set(s.subarray(0, keep), 0);
    out.set(added, keep);
    for (let i = after, j = keep + added.length; i < s.length; i++, j++) out[j] = s[i] + delta;
    return new Lines(out);
  }
}

// Attribute-like kernel macros that the C grammar cannot know. They are blanked out (replaced by
// spaces, newlines kept) before parsing, so every offset, row and column stays the same as in the
// real text; names and signatures are always read from the real text.
const ATTR_WORDS = [
  '__always_inline',
  '__fastpath_inline',
  '__must_check',
  'noinline',
  '__noinline',
  'noinline_for_stack',
  '__init',
  '__exit',
  '__ref',
  '__cold',
  '__hot',
  '__maybe_unused',
  '__always_unused',
  'notrace',
  '__weak',
  '__bpf_kfunc',
  '__flatten',
  '__latent_entropy',
  '__meminit',
  '__ro_after_init',
  '__read_mostly',
  '__initdata',
  '__initconst',
  '__refdata',
  '__visible',
  '__noreturn',
  '__pure',
  '__malloc',
  '__no_kmsan_checks',
  '__no_sanitize_address',
  'noinstr',
  '__sched',
  '__noclone',
  '__used',
];
const ATTR_CALLS = [
  '__printf',
  '__scanf',
  '__acquires',
  '__releases',
  '__must_hold',
  '__cond_acquires',
  '__cond_releases',
  '__attribute__',
  '__attribute',
  '__section',
  '__aligned',
  '__alloc_size',
  '__assume_aligned',
  '__counted_by',
  '__diagnose_as',
  '__realloc_size',
];
// Loop macros (for_each_online_cpu(cpu) { ... }, list_for_each_entry(s, &slab_caches, list) stmt;)
// are not C: the grammar recovers from each with an error (a missing `;`), and a subtree holding
// an error is never reused by an incremental parse. Their name is written as `while` (padded with
// spaces), which makes each one a while_statement; the name is read back from the real text.
// Same prefixes as isLoopMacro() in words.ts.
const LOOP_MACRO =
  '\\b(?:for_each_|list_for_each|hlist_for_each|hlist_nulls_for_each|llist_for_each|rbtree_postorder_for_each|xa_for_each|radix_tree_for_each)\\w*\\s*\\(';
// Macros that take a type as an argument (container_of(w, struct slub_flush_work, work),
// min_t(unsigned int, a, b)): a type is no expression, and the grammar recovers with an error. The
// type argument is written as `0` (padded with spaces); the other arguments stay as they are.
const TYPE_ARG_CALLS = [
  'container_of',
  'container_of_const',
  'list_entry',
  'list_first_entry',
  'list_last_entry',
  'list_first_entry_or_null',
  'list_last_entry_or_null',
  'hlist_entry',
  'hlist_entry_safe',
  'llist_entry',
  'rb_entry',
  'rb_entry_safe',
  'min_t',
  'max_t',
  'clamp_t',
  'alloc_percpu',
  'alloc_percpu_gfp',
  'struct_size_t',
  'sizeof_field',
  'typeof_member',
  'DEFINE_PER_CPU',
  'DECLARE_PER_CPU',
];
const TYPE_ARG =
  /^\s*(?:(?:struct|union|enum)\s+\w+|(?:(?:unsigned|signed|short|long|int|char|void|float|double|bool|_Bool|size_t|ssize_t)\b\s*)+)(?:\s*\*)*\s*$/;
/** Arguments in parentheses, three levels deep. */
const ARGS = '\\((?:[^()]|\\((?:[^()]|\\([^()]*\\))*\\))*\\)';

/**
 * The scanner for a file whose own #defines make `extra` names attribute macros too
 * (`#define pad_check_attributes noinline __no_kmsan_checks`). One per set of names.
 */
function scanner(extra: string[]): RegExp {
  const key = extra.join(' ');
  let re = SCANNERS.get(key);
  if (!re) {
    re = new RegExp(
      [
        '"(?:\\\\.|[^"\\\\\\n])*"', // string literal (kept)
        "'(?:\\\\.|[^'\\\\\\n])*'", // char literal (kept)
        '/\\*[\\s\\S]*?\\*/', // block comment (kept)
        '//[^\\n]*', // line comment (kept)
        '#[ \\t]*define\\b(?:[^\\\\\\n]|\\\\[\\s\\S])*', // #define with its continuation lines (kept: `#define __fastpath_inline __always_inline` stays a definition)
        `(\\b(?:${ATTR_CALLS.join('|')})\\s*${ARGS})`, // 1: attribute with arguments
        `(\\b(?:${[...ATTR_WORDS, ...extra].join('|')})\\b)`, // 2: bare attribute
        `(${LOOP_MACRO})`, // 3: loop macro name and its `(`
        `(\\b(?:${TYPE_ARG_CALLS.join('|')})\\s*${ARGS})`, // 4: a call with type arguments
        // 5: `static DEFINE_RATELIMIT_STATE(rs, interval, burst);` in a body is no declaration the
        // grammar knows; without `static` it is a call, like `DEFINE_MUTEX(slab_mutex);`
        `(\\bstatic\\s+DEFINE_\\w+\\s*${ARGS})`,
      ].join('|'),
      'g',
    );
    SCANNERS.set(key, re);
  }
  return re;
}
const SCANNERS = new Map<string, RegExp>();

/** `#define NAME attr attr...` lines: NAME is an attribute macro of this file. */
const LOCAL_ATTR = new RegExp(
  `^[ \\t]*#[ \\t]*define[ \\t]+(\\w+)[ \\t]+(?:(?:${ATTR_WORDS.join('|')})\\b[ \\t]*)+$`,
  'gm',
);

function localAttributes(text: string): string[] {
  if (!text.includes('define')) return [];
  const out = new Set<string>();
  LOCAL_ATTR.lastIndex = 0;
  for (let m = LOCAL_ATTR.exec(text); m; m = LOCAL_ATTR.exec(text)) if (!ATTR_WORDS.includes(m[1])) out.add(m[1]);
  return [...out].sort();
}

/** What the scanner puts in place of a match: attributes blanked, a loop macro's name made `while`, type arguments made `0`, the rest kept. */
function replacement(m: RegExpExecArray): string {
  if (m[1] || m[2]) return blank(m[0]);
  if (m[3]) {
    const name = /^\w+/.exec(m[0])![0].length;
    return 'while' + ' '.repeat(name - 5) + m[0].slice(name);
  }
  if (m[4]) return typeArgsAsZero(m[0]);
  if (m[5]) return '      ' + typeArgsAsZero(m[0].slice(6));
  return m[0];
}

/** `name(args)` with each argument that is a type written as `0` and spaces (line breaks kept). */
function typeArgsAsZero(call: string): string {
  const open = call.indexOf('(');
  let out = call.slice(0, open + 1);
  let depth = 0;
  let from = open + 1;
  for (let i = open + 1; i < call.length; i++) {
    const ch = call[i];
    if (ch === '(') depth++;
    else if (ch === ')' && depth > 0) depth--;
    else if ((ch === ',' && depth === 0) || i === call.length - 1) {
      const arg = call.slice(from, i);
      const first = arg.search(/\S/);
      out += (TYPE_ARG.test(arg) ? arg.slice(0, first) + '0' + arg.slice(first + 1).replace(/\S/g, ' ') : arg) + ch;
      from = i + 1;
    }
  }
  return out;
}

/** The text as the grammar can take it: attribute macros blanked out, loop macros made `while`, type arguments made `0` (same length, same line breaks). */
export function maskAttributes(text: string): string {
  return maskedSlice(mask(text), text, 0, text.length);
}

/**
 * How a text is masked, without the masked text itself: every place the mask scanner matched
 * (strings, comments, #define lines, attributes, loop macros, calls with type arguments: flat
 * [start0, end0, start1, end1, ...], sorted; outside those the scanner was between tokens, which
 * lets an edit be re-masked around itself only), and where the masked text differs from the real
 * one (`at`, sorted, and the same-length replacement `repl` there).
 */
export interface Masked {
  spans: number[];
  at: number[];
  repl: string[];
  /** this file's own attribute macros (see scanner()) */
  extra: string[];
  /** after remask(): old and new masked texts agree outside [start, oldEnd) / [start, newEnd) */
  window?: { start: number; oldEnd: number; newEnd: number };
}

const blank = (m: string): string => m.replace(/[^\n]/g, ' ');

/** The index of the first replacement that ends after `from` (m.at.length if none does). */
export function firstReplacementAfter(m: Masked, from: number): number {
  let lo = 0;
  let hi = m.at.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (m.at[mid] + m.repl[mid].length <= from) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The masked text of [from, to). */
export function maskedSlice(m: Masked, text: string, from: number, to: number): string {
  to = Math.min(to, text.length);
  if (from >= to) return '';
  const lo = firstReplacementAfter(m, from);
  if (lo === m.at.length || m.at[lo] >= to) return text.slice(from, to);
  let out = '';
  let pos = from;
  for (let i = lo; i < m.at.length && m.at[i] < to; i++) {
    const a = m.at[i];
    const r = m.repl[i];
    const s = Math.max(a, from);
    if (s > pos) out += text.slice(pos, s);
    const e = Math.min(a + r.length, to);
    out += r.slice(s - a, e - a);
    pos = e;
  }
  if (pos < to) out += text.slice(pos, to);
  return out;
}

/** Keep one match: its span, and its replacement where that differs. */
function record(m: RegExpExecArray, spans: number[], at: number[], repl: string[]): void {
  const r = replacement(m);
  spans.push(m.index, m.index + m[0].length);
  if (r !== m[0]) {
    at.push(m.index);
    repl.push(r);
  }
}

export function mask(text: string): Masked {
  const spans: number[] = [];
  const at: number[] = [];
  const repl: string[] = [];
  const extra = localAttributes(text);
  const re = scanner(extra);
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) record(m, spans, at, repl);
  return { spans, at, repl, extra };
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

/** Number of pairs of `spans` that end at or before `q`. */
function pairsEndingBy(spans: number[], q: number): number {
  return lowerBound(spans.length / 2, (i) => spans[2 * i + 1] <= q);
}

/** Number of entries of the sorted `a` below `q`. */
function below(a: number[], q: number): number {
  return lowerBound(a.length, (i) => a[i] < q);
}

/** The first i in [0, n) for which `before(i)` is false, where `before` holds on a prefix (binary search). */
export function lowerBound(n: number, before: (i: number) => boolean): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (before(mid)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Re-mask after `oldText` had [start, oldEnd) replaced, giving `text` (new end `newEnd`). Scans
 * from a few lines before the edit (backed off to the start of any token that crossed there) until
 * the scanner is between tokens, past the edit, at a place where it was also between tokens in the
 * old text: from there on the old result holds, shifted. The result equals mask(text) for every
 * edit except one that completes a token started more than a few lines earlier that did not match
 * before (an unterminated comment or attribute argument list); the parse is the same either way,
 * as the grammar reads comments itself.
 */
export function remask(
  old: Masked,
  oldText: string,
  text: string,
  start: number,
  oldEnd: number,
  newEnd: number,
): Masked {
  const delta = newEnd - oldEnd;
  // back to the start of the line three lines above the edit (the texts agree before `start`)
  let s = start;
  for (let k = 0; k < 4 && s > 0; k++) s = oldText.lastIndexOf('\n', s - 1);
  s = s <= 0 ? 0 : s + 1;
  const around = spanAround(old.spans, s);
  if (around >= 0) s = old.spans[2 * around];
  // old matches entirely before s are unchanged
  const spans = old.spans.slice(0, 2 * pairsEndingBy(old.spans, s));
  const keepAt = below(old.at, s);
  const at = old.at.slice(0, keepAt);
  const repl = old.repl.slice(0, keepAt);
  const want = newEnd + 1;
  const re = scanner(old.extra);
  re.lastIndex = s;
  let pos = s;
  // an edit to a #define may change which names are this file's attribute macros: then start over
  let defines = false;
  const rescan = (): Masked => ({ ...mask(text), window: { start: 0, oldEnd: oldText.length, newEnd: text.length } });
  for (;;) {
    const m = re.exec(text);
    const ms = m ? m.index : text.length;
    // the gap [pos, ms] is between tokens in the new text: look for a point also between tokens in the old one
    let p = Math.max(pos, want);
    while (p <= ms && p - delta <= oldText.length) {
      const inOld = spanAround(old.spans, p - delta);
      if (inOld < 0) {
        const tail = 2 * pairsEndingBy(old.spans, p - delta);
        for (let i = 2 * pairsEndingBy(old.spans, s); i < tail && !defines; i += 2)
          defines = oldText.charCodeAt(old.spans[i]) === 35; // '#'
        if (defines && localAttributes(text).join(' ') !== old.extra.join(' ')) return rescan();
        for (let i = tail; i < old.spans.length; i++) spans.push(old.spans[i] + delta);
        for (let i = below(old.at, p - delta); i < old.at.length; i++) {
          at.push(old.at[i] + delta);
          repl.push(old.repl[i]);
        }
        return { spans, at, repl, extra: old.extra, window: { start: s, oldEnd: p - delta, newEnd: p } };
      }
      p = old.spans[2 * inOld + 1] + delta;
    }
    if (!m) break;
    record(m, spans, at, repl);
    if (m[0].charCodeAt(0) === 35) defines = true;
    pos = ms + m[0].length;
  }
  for (let i = 2 * pairsEndingBy(old.spans, s); i < old.spans.length && !defines; i += 2)
    defines = oldText.charCodeAt(old.spans[i]) === 35;
  if (defines && localAttributes(text).join(' ') !== old.extra.join(' ')) return rescan();
  return { spans, at, repl, extra: old.extra, window: { start: s, oldEnd: oldText.length, newEnd: text.length } };
}
