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
  return text.replace(MASK_RE, (m, withArgs?: string, bare?: string) => (withArgs || bare ? m.replace(/[^\n]/g, ' ') : m));
}
