// The words of C and of kernel idioms that the index treats specially: grammar keywords, loop
// macros, definition macros, function-like keywords that are no calls. Shared by the tree walk
// (calls.ts) and the text scanner of calls (calltext.ts).

/** Iteration macros: look like calls followed by a block; never functions. */
export function isLoopMacro(name: string): boolean {
  return /^(for_each_|list_for_each|hlist_for_each|hlist_nulls_for_each|llist_for_each|rbtree_postorder_for_each|xa_for_each|radix_tree_for_each)/.test(
    name,
  );
}

/** `DEFINE_RATELIMIT_STATE(rs, ...)`, `DEFINE_WAIT(w)`: a variable defined, not a call. */
export const isDefinitionMacro = (name: string): boolean => name.startsWith('DEFINE_');

/** Function-like macros/keywords that are not calls worth recording. */
export const NOT_CALLS = new Set([
  'sizeof',
  '__alignof__',
  'typeof',
  '__typeof__',
  'offsetof',
  'defined',
  'if',
  'while',
  'for',
  'switch',
  'return',
]);

/** The loop macro whose name starts at `index` of the real text (a while_statement the masking made), if one. */
export function loopMacroAt(text: string, index: number): string | undefined {
  WORD.lastIndex = index;
  const m = WORD.exec(text);
  return m && isLoopMacro(m[0]) ? m[0] : undefined;
}
const WORD = /[A-Za-z_]\w*/y;

/**
 * The identifier-shaped words of the C grammar (tree-sitter-c 0.23: its keywords and primitive
 * types; a test checks this against the grammar). An argument that is one of these is no
 * identifier node, or not surely one.
 */
export const GRAMMAR_WORDS = new Set([
  'FALSE',
  'NULL',
  'TRUE',
  '_Alignas',
  '_Alignof',
  '_Atomic',
  '_Generic',
  '_Nonnull',
  '_Noreturn',
  '__alignof',
  '__alignof__',
  '__asm',
  '__asm__',
  '__attribute',
  '__attribute__',
  '__based',
  '__cdecl',
  '__clrcall',
  '__declspec',
  '__except',
  '__extension__',
  '__fastcall',
  '__finally',
  '__forceinline',
  '__inline',
  '__inline__',
  '__leave',
  '__restrict',
  '__restrict__',
  '__sptr',
  '__stdcall',
  '__thiscall',
  '__thread',
  '__try',
  '__unaligned',
  '__uptr',
  '__vectorcall',
  '__volatile__',
  '_alignof',
  '_unaligned',
  'alignas',
  'alignof',
  'asm',
  'auto',
  'bool',
  'break',
  'case',
  'char',
  'char16_t',
  'char32_t',
  'char64_t',
  'char8_t',
  'charptr_t',
  'const',
  'constexpr',
  'continue',
  'default',
  'defined',
  'do',
  'double',
  'else',
  'enum',
  'extern',
  'false',
  'float',
  'for',
  'goto',
  'if',
  'inline',
  'int',
  'int16_t',
  'int32_t',
  'int64_t',
  'int8_t',
  'intptr_t',
  'long',
  'max_align_t',
  'noreturn',
  'nullptr',
  'nullptr_t',
  'offsetof',
  'ptrdiff_t',
  'register',
  'restrict',
  'return',
  'short',
  'signed',
  'size_t',
  'sizeof',
  'ssize_t',
  'static',
  'struct',
  'switch',
  'thread_local',
  'true',
  'typedef',
  'uint16_t',
  'uint32_t',
  'uint64_t',
  'uint8_t',
  'uintptr_t',
  'union',
  'unsigned',
  'void',
  'volatile',
  'while',
]);
export const grammarWords = (): ReadonlySet<string> => GRAMMAR_WORDS;
