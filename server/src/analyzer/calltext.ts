// Size: 603 lines with comments, 481 of code (eslint counts code, at most 600): the lexer and the call reader share module-level token arrays, reused from body to body for speed.
// The calls of a function body read from its (masked) text, without the tree: what the cursor walk
// of calls.ts finds, at a fraction of its cost (each cursor step is a native call). Only for a
// definition free of syntax errors, and only where the text settles every call plainly; anything
// else (a call through an expression, a local function pointer declaration, a macro taking a
// block, a preprocessor line the grammar reads as code) gives up, and the tree is walked instead
// (in a skeleton, that of the definition parsed alone).
// A test holds the two to the same result on the fixtures, on generated bodies and on the real
// kernel files.

import type { Lines, Masked } from './parse';
import { firstReplacementAfter, literalEnd, maskedSlice } from './parse';
import type { CallSite, Range } from './types';
import { GRAMMAR_WORDS, isDefinitionMacro, isLoopMacro, loopMacroAt, NOT_CALLS } from './words';

const T_IDENT = 1;
const T_LITERAL = 2; // string, character or number
const T_PUNCT = 3;
const T_ARROW = 4;
const T_DIRECTIVE = 5; // a preprocessor line the grammar takes as a conditional: #ifdef, #else, #endif...

const OPEN_PAREN = 40;
const CLOSE_PAREN = 41;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const DOT = 46;
const SEMICOLON = 59;
const COLON = 58;
const COMMA = 44;

/** Tokens of one body, in buffers grown as needed and reused (a body at a time). */
let kind = new Uint8Array(1024);
let tokStart = new Int32Array(1024);
let tokEnd = new Int32Array(1024);
/** the punctuation character */
let code = new Uint16Array(1024);
/** for a bracket, its match's token index */
let match = new Int32Array(1024);
const openStack: number[] = [];
/** Per open bracket of the body being read (see callsFromText), reused. */
let argCount = new Int32Array(256);
let argFirst = new Int32Array(256);
const groupAt: (CallSite[] | null)[] = [];
const loopAt: (string | undefined)[] = [];

/** `a` with room for `n` (its contents kept), or `a` itself when it has the room. */
function room<T extends Uint8Array | Uint16Array | Int32Array>(a: T, n: number): T {
  if (n <= a.length) return a;
  const b = new (a.constructor as new (size: number) => T)(Math.max(n, a.length * 2));
  b.set(a);
  return b;
}

function grow(n: number): void {
  kind = room(kind, n);
  tokStart = room(tokStart, n);
  tokEnd = room(tokEnd, n);
  code = room(code, n);
  match = room(match, n);
}

const isIdentStart = (ch: number): boolean =>
  (ch >= 97 && ch <= 122) || (ch >= 65 && ch <= 90) || ch === 95 || ch === 36;
const isIdentPart = (ch: number): boolean => isIdentStart(ch) || (ch >= 48 && ch <= 57);
const isDigit = (ch: number): boolean => ch >= 48 && ch <= 57;

/** Directives the grammar reads inside a body as conditional blocks around statements. */
const CONDITIONALS = new Set(['ifdef', 'ifndef', 'else', 'endif', 'if', 'elif', 'elifdef', 'elifndef']);

/** The end of the preprocessor line at s[i] (`#`), or -1 if it is not a plain conditional. */
function directiveEnd(s: string, i: number, end: number): number {
  let eol = s.indexOf('\n', i);
  if (eol < 0 || eol > end) eol = end;
  const line = s.slice(i + 1, eol);
  const name = /^\s*(\w*)/.exec(line)![1];
  if (!CONDITIONALS.has(name) || line.includes('\\') || ((name === 'if' || name === 'elif') && line.includes('(')))
    return -1;
  const open = line.lastIndexOf('/*');
  if (open >= 0 && line.indexOf('*/', open) < 0) return -1;
  return eol;
}

/** After the comment starting at s[i] (`/`): i itself when there is none, -1 when it is cut short. */
function commentEnd(s: string, i: number, end: number): number {
  const next = s.charCodeAt(i + 1);
  if (next === 42) {
    const close = s.indexOf('*/', i + 2);
    return close < 0 || close + 2 > end ? -1 : close + 2;
  }
  if (next !== 47) return i;
  let eol = s.indexOf('\n', i);
  if (eol < 0 || eol > end) eol = end;
  if (s.charCodeAt(eol - 1) === 92 || s.charCodeAt(eol - 2) === 92) return -1; // continued onto the next line
  return eol;
}

/** After the number starting at s[i]. */
function numberEnd(s: string, i: number, end: number): number {
  let j = i + 1;
  for (; j < end; j++) {
    const d = s.charCodeAt(j);
    if (isIdentPart(d) || d === DOT) continue;
    const prev = s.charCodeAt(j - 1) | 32;
    if ((d === 43 || d === 45) && (prev === 101 || prev === 112)) continue; // 1e-5, 0x1p+3
    break;
  }
  return j;
}

/** Token n is the punctuation at s[i]; brackets are matched. After it, or -1 on a bracket that does not match. */
function punct(s: string, i: number, n: number): number {
  const ch = s.charCodeAt(i);
  kind[n] = T_PUNCT;
  code[n] = ch;
  if (ch === DOT && s.charCodeAt(i + 1) === DOT && s.charCodeAt(i + 2) === DOT) {
    code[n] = 0; // `...` (a case range): no member access
    i += 3;
  } else i++;
  if (ch === OPEN_PAREN || ch === OPEN_BRACKET || ch === OPEN_BRACE) openStack.push(n);
  else if (ch === CLOSE_PAREN || ch === CLOSE_BRACKET || ch === CLOSE_BRACE) {
    const o = openStack.pop();
    if (
      o === undefined ||
      code[o] !== (ch === CLOSE_PAREN ? OPEN_PAREN : ch === CLOSE_BRACKET ? OPEN_BRACKET : OPEN_BRACE)
    )
      return -1;
    match[o] = n;
    match[n] = o;
  }
  return i;
}

/**
 * Split s[from, end) into tokens (comments and white space dropped): how many; -1 where the text is not plain enough:
 * a backslash outside a literal, a non-ASCII character, an unterminated literal, a preprocessor
 * line other than a conditional (or one with a call in it: `#if IS_ENABLED(X)`), unbalanced brackets.
 */
function lex(s: string, from: number, end: number): number {
  grow(end - from + 1);
  openStack.length = 0;
  let n = 0;
  let lineStart = true;
  for (let i = from; i < end;) {
    const ch = s.charCodeAt(i);
    if (ch === 10) {
      lineStart = true;
      i++;
      continue;
    }
    if (ch === 32 || ch === 9 || ch === 13 || ch === 12 || ch === 11) {
      i++;
      continue;
    }
    if (ch === 35 && lineStart) {
      const eol = directiveEnd(s, i, end);
      if (eol < 0) return -1;
      kind[n] = T_DIRECTIVE;
      tokStart[n] = i;
      tokEnd[n++] = eol;
      i = eol;
      continue;
    }
    lineStart = false;
    if (ch === 47) {
      const after = commentEnd(s, i, end);
      if (after < 0) return -1;
      if (after > i) {
        i = after;
        continue;
      }
    }
    const start = i;
    if (ch === 34 || ch === 39) {
      const j = literalEnd(s, i);
      if (j < 0 || j >= end) return -1;
      kind[n] = T_LITERAL;
      i = j + 1;
    } else if (isIdentStart(ch)) {
      let j = i + 1;
      while (j < end && isIdentPart(s.charCodeAt(j))) j++;
      kind[n] = T_IDENT;
      i = j;
    } else if (isDigit(ch) || (ch === DOT && isDigit(s.charCodeAt(i + 1)))) {
      kind[n] = T_LITERAL;
      i = numberEnd(s, i, end);
    } else if (ch === 45 && s.charCodeAt(i + 1) === 62) {
      kind[n] = T_ARROW;
      i += 2;
    } else if (ch === 92 || ch >= 128) {
      return -1;
    } else {
      i = punct(s, i, n);
      if (i < 0) return -1;
    }
    tokStart[n] = start;
    tokEnd[n++] = i;
  }
  return openStack.length ? -1 : n;
}

const isPunct = (i: number, ch: number): boolean => kind[i] === T_PUNCT && code[i] === ch;

/**
 * Where the statement starting at token `k` ends (the token after it), as the grammar reads it;
 * -1 where the text does not settle it (a directive, a label, a statement cut short).
 */
function statementEnd(s: string, k: number, n: number): number {
  if (k >= n) return -1;
  if (kind[k] === T_PUNCT) {
    if (code[k] === OPEN_BRACE) return match[k] + 1;
    if (code[k] === SEMICOLON) return k + 1;
  }
  if (kind[k] === T_DIRECTIVE) return -1;
  if (kind[k] === T_IDENT) {
    const w = s.slice(tokStart[k], tokEnd[k]);
    if (w === 'if' || w === 'for' || w === 'while' || w === 'switch') {
      if (!isPunct(k + 1, OPEN_PAREN)) return -1;
      const e = statementEnd(s, match[k + 1] + 1, n);
      if (w !== 'if' || e < 0 || e >= n || kind[e] !== T_IDENT || s.slice(tokStart[e], tokEnd[e]) !== 'else') return e;
      return statementEnd(s, e + 1, n);
    }
    if (w === 'do') {
      const e = statementEnd(s, k + 1, n);
      if (
        e < 0 ||
        e + 2 >= n ||
        kind[e] !== T_IDENT ||
        s.slice(tokStart[e], tokEnd[e]) !== 'while' ||
        !isPunct(e + 1, OPEN_PAREN)
      )
        return -1;
      const close = match[e + 1];
      return isPunct(close + 1, SEMICOLON) ? close + 2 : -1;
    }
    if (w === 'else' || w === 'case' || w === 'default' || isPunct(k + 1, COLON)) return -1;
  }
  // an expression or declaration: to its `;`, over brackets
  for (let j = k; j < n; j++) {
    const t = kind[j];
    if (t === T_DIRECTIVE) return -1;
    if (t !== T_PUNCT) continue;
    const ch = code[j];
    if (ch === SEMICOLON) return j + 1;
    if (ch === OPEN_PAREN || ch === OPEN_BRACKET || ch === OPEN_BRACE) j = match[j];
    else if (ch === CLOSE_PAREN || ch === CLOSE_BRACKET || ch === CLOSE_BRACE) return -1;
  }
  return -1;
}

/** Words a cast's type can start with (a parenthesized expression cannot). */
const TYPE_WORDS = new Set([
  'void',
  'char',
  'short',
  'int',
  'long',
  'float',
  'double',
  'signed',
  'unsigned',
  'struct',
  'union',
  'enum',
  'const',
  'volatile',
  'bool',
  '_Bool',
  'size_t',
  'ssize_t',
  'ptrdiff_t',
  'intptr_t',
  'uintptr_t',
  'int8_t',
  'int16_t',
  'int32_t',
  'int64_t',
  'uint8_t',
  'uint16_t',
  'uint32_t',
  'uint64_t',
]);

/** Whether the `(` at token `open` is a statement's condition (`if (...)`) or a cast to a type the grammar knows (`(void *)`). */
function conditionOrCast(s: string, open: number): boolean {
  return (
    isCondition(s, open) ||
    (kind[open + 1] === T_IDENT && TYPE_WORDS.has(s.slice(tokStart[open + 1], tokEnd[open + 1])))
  );
}

/** Whether the `(` at token `open` is a statement's condition: `if (...)`, `while (...)` (a loop macro's too). */
function isCondition(s: string, open: number): boolean {
  const before = open - 1;
  if (before < 0 || kind[before] !== T_IDENT) return false;
  const w = s.slice(tokStart[before], tokEnd[before]);
  return w === 'if' || w === 'while' || w === 'for' || w === 'switch';
}

/** Tokens that can start the operand of a cast (`(t) -x`, `(t) *p`, `(t) f(y)`). */
const CAST_OPERAND = new Set([43, 45, 42, 38, 33, 126, OPEN_PAREN]); // + - * & ! ~ (

/**
 * Whether the `(` at token `open` holds a call alone and is followed by what could be a cast's
 * operand: `(f()) + c` is a cast to the function type `f()` to the grammar, not a call.
 */
function mayBeCastToCallType(s: string, open: number, n: number): boolean {
  const close = match[open];
  if (
    close + 1 >= n ||
    isCondition(s, open) ||
    kind[open + 1] !== T_IDENT ||
    !isPunct(open + 2, OPEN_PAREN) ||
    match[open + 2] + 1 !== close
  )
    return false;
  const t = kind[close + 1];
  return t === T_IDENT || t === T_LITERAL || (t === T_PUNCT && CAST_OPERAND.has(code[close + 1]));
}

/** Words before a `(` that open no call: statements and operators the grammar knows. */
const PAREN_KEYWORDS = new Set(['if', 'while', 'for', 'switch', 'return', 'case', 'else', 'do', 'defined']);
/**
 * Words whose parentheses hold a type, or may: a call in them is not surely one to the grammar
 * (`sizeof(f())` is the size of a function type to tree-sitter, `sizeof(g(z))` a call).
 */
const TYPE_PARENS = new Set([
  'sizeof',
  '__alignof__',
  '__alignof',
  '_Alignof',
  'alignof',
  '_alignof',
  'typeof',
  '__typeof__',
  '__typeof',
  'offsetof',
  '__builtin_offsetof',
  '__builtin_types_compatible_p',
  'va_arg',
  '__builtin_va_arg',
]);
/** Words that may come right before a call's name. */
const BEFORE_CALL = new Set(['return', 'case', 'else', 'do', 'sizeof']);
/** Words an argument can be that are no identifier to the grammar (and no function reference). */
const NOT_IDENTIFIERS = new Set(['NULL', 'nullptr', 'true', 'false', 'TRUE', 'FALSE']);

/**
 * The body callsFromText is reading, for the helpers below: module-level functions, not closures
 * made per body (V8 drops the optimized code of closures no live function holds at each GC).
 */
const body = { s: '', base: 0, lines: undefined as unknown as Lines, caller: '', uri: '' };

function pointAt(at: number): { line: number; character: number } {
  const p = body.lines.point(body.base + at);
  return { line: p.row, character: p.column };
}

/** The argument of the bracket at `depth` ends: an identifier alone is a reference. False: not settled. */
function closeArgumentAt(depth: number): boolean {
  const group = groupAt[depth];
  if (group && argCount[depth] === 1 && kind[argFirst[depth]] === T_IDENT) {
    const a = argFirst[depth];
    const word = body.s.slice(tokStart[a], tokEnd[a]);
    if (!NOT_IDENTIFIERS.has(word)) {
      if (GRAMMAR_WORDS.has(word)) return false;
      const p = pointAt(tokStart[a]);
      const r: CallSite = {
        callee: word,
        caller: body.caller,
        uri: body.uri,
        range: { start: p, end: { line: p.line, character: p.character + word.length } },
        viaPointer: true,
        reference: true,
      };
      const loop = loopAt[depth];
      if (loop) r.inLoopMacro = loop;
      group.push(r);
    }
  }
  argCount[depth] = 0;
  return true;
}

/**
 * The loop macros' bodies among the n tokens of s: [first token, token after) and the macro, in
 * source order; undefined where a body's end is not settled by the text.
 */
function loopMacroBodies(
  text: string,
  s: string,
  base: number,
  n: number,
): { loopFrom: number[]; loopTo: number[]; loopName: string[] } | undefined {
  const loopFrom: number[] = [];
  const loopTo: number[] = [];
  const loopName: string[] = [];
  for (let i = 0; i < n; i++) {
    if (
      kind[i] !== T_IDENT ||
      tokEnd[i] - tokStart[i] !== 5 ||
      s.slice(tokStart[i], tokEnd[i]) !== 'while' ||
      !isPunct(i + 1, OPEN_PAREN)
    )
      continue;
    const name = loopMacroAt(text, base + tokStart[i]);
    if (!name) continue;
    const bodyStart = match[i + 1] + 1;
    const bodyEnd = statementEnd(s, bodyStart, n);
    if (bodyEnd < 0) return undefined;
    loopFrom.push(bodyStart);
    loopTo.push(bodyEnd);
    loopName.push(name);
  }
  return { loopFrom, loopTo, loopName };
}

/**
 * The first token of the callee named by token i: i itself for a plain name, the base of the
 * chain for `s->ops->fn(...)`; -1 where the text does not settle that it is a call.
 */
function calleeStart(s: string, i: number): number {
  const before = i - 1;
  if (before >= 0 && (kind[before] === T_ARROW || isPunct(before, DOT))) {
    // s->ops->fn(...): the chain of plain names down to its base
    let from = before - 1;
    if (from < 0 || kind[from] !== T_IDENT) return -1;
    while (from >= 2 && (kind[from - 1] === T_ARROW || isPunct(from - 1, DOT)) && kind[from - 2] === T_IDENT) from -= 2;
    const b = from - 1;
    if (b >= 0 && (kind[b] === T_ARROW || isPunct(b, DOT) || isPunct(b, CLOSE_PAREN) || isPunct(b, CLOSE_BRACKET)))
      return -1;
    return from;
  }
  // `struct foo (*fn)...`, `int f(void);`: a declaration, not surely a call
  if (before >= 0 && kind[before] === T_IDENT && !BEFORE_CALL.has(s.slice(tokStart[before], tokEnd[before]))) return -1;
  return i;
}

/** The call of `word` (token i), its callee read from token `from` (the chain's base, for s->ops->fn). */
function callSiteAt(word: string, from: number, i: number, loop: string | undefined): CallSite {
  const viaPointer = from < i;
  const p = pointAt(tokStart[from]);
  const range: Range = viaPointer
    ? { start: p, end: pointAt(tokEnd[i]) }
    : { start: p, end: { line: p.line, character: p.character + word.length } };
  const cs: CallSite = { callee: word, caller: body.caller, uri: body.uri, range, viaPointer };
  if (loop) cs.inLoopMacro = loop;
  return cs;
}

/** A bracket opens at `depth`: a recorded call's argument list (its group) or any other (null). */
function openBracketAt(depth: number, group: CallSite[] | null, loop: string | undefined): void {
  groupAt[depth] = group;
  loopAt[depth] = loop;
  argCount[depth] = 0;
}

/**
 * The body's tokens, lexed from the text itself where the masking changed nothing in the body (token
 * offsets are the text's then), else from the body masked (offsets from its start); undefined when
 * the lexer gives up.
 */
function lexBody(
  text: string,
  m: Masked,
  start: number,
  end: number,
): { s: string; base: number; n: number } | undefined {
  const r = firstReplacementAfter(m, start);
  const plain = r === m.at.length || m.at[r] >= end;
  const s = plain ? text : maskedSlice(m, text, start, end);
  const n = plain ? lex(text, start, end) : lex(s, 0, s.length);
  return n < 0 ? undefined : { s, base: plain ? 0 : start, n };
}

/** The per-bracket argument counters hold n entries. */
function argumentRoom(n: number): void {
  if (argCount.length >= n) return;
  argCount = room(argCount, n);
  argFirst = room(argFirst, n);
}

/**
 * The `(` at token i calls through an expression: `(*fn)(x)`, `ops[i](x)`, `f(x)(y)` (not
 * `if (x) (y)`, `(void *)(p)`), or may be a cast to a function type.
 */
function callThroughExpression(s: string, i: number, n: number): boolean {
  if (i > 0 && (isPunct(i - 1, CLOSE_BRACKET) || (isPunct(i - 1, CLOSE_PAREN) && !conditionOrCast(s, match[i - 1]))))
    return true;
  return mayBeCastToCallType(s, i, n);
}

/**
 * The calls in the body [start, end) of `caller` (its `{` to its `}`), read from the text as the
 * parser saw it (masked by `m`), and the identifiers passed as their arguments: what collectCalls
 * gives for a definition free of syntax errors, or undefined where the text does not settle it.
 */
export function callsFromText(
  text: string,
  m: Masked,
  lines: Lines,
  start: number,
  end: number,
  caller: string,
  uri: string,
): { calls: CallSite[]; refs: CallSite[] } | undefined {
  const lexed = lexBody(text, m, start, end);
  if (!lexed) return undefined;
  const { s, base, n } = lexed;
  const loopBodies = loopMacroBodies(text, s, base, n);
  if (!loopBodies) return undefined;
  const { loopFrom, loopTo, loopName } = loopBodies;
  const calls: CallSite[] = [];
  const groups: CallSite[][] = [];
  // the loop macros around the token: a stack of indices into loop*
  const loops: number[] = [];
  let nextLoop = 0;
  // the open brackets, innermost at `depth`: each one's argument group if it is a recorded call's
  // argument list (else null), its current argument's token count and first token, its loop macro
  let depth = -1;
  argumentRoom(n + 1);
  // open parentheses that may hold a type (typeof(...)): no call may be read inside
  let typeParens = 0;
  const typeParenAt: number[] = [];
  Object.assign(body, { s, base, lines, caller, uri });
  for (let i = 0; i < n; i++) {
    while (loops.length && i >= loopTo[loops[loops.length - 1]]) loops.pop();
    while (nextLoop < loopFrom.length && loopFrom[nextLoop] <= i) loops.push(nextLoop++);
    const t = kind[i];
    if (t === T_DIRECTIVE) continue;
    if (t === T_PUNCT) {
      const ch = code[i];
      if (ch === CLOSE_PAREN || ch === CLOSE_BRACKET || ch === CLOSE_BRACE) {
        if (argCount[depth] > 0 && !closeArgumentAt(depth)) return undefined;
        depth--;
        if (typeParenAt.length && typeParenAt[typeParenAt.length - 1] === match[i]) {
          typeParenAt.pop();
          typeParens--;
        }
        continue;
      }
      if (ch === COMMA && depth >= 0 && groupAt[depth]) {
        if (!closeArgumentAt(depth)) return undefined;
        continue;
      }
    }
    if (depth >= 0 && argCount[depth]++ === 0) argFirst[depth] = i;
    if (t === T_PUNCT) {
      const ch = code[i];
      if (ch === OPEN_PAREN || ch === OPEN_BRACKET || ch === OPEN_BRACE) {
        if (ch === OPEN_PAREN && callThroughExpression(s, i, n)) return undefined;
        openBracketAt(++depth, null, undefined);
      }
      continue;
    }
    if (t !== T_IDENT || !isPunct(i + 1, OPEN_PAREN)) continue;
    // a name and a `(`
    const word = s.slice(tokStart[i], tokEnd[i]);
    if (PAREN_KEYWORDS.has(word)) continue;
    if (TYPE_PARENS.has(word)) {
      typeParens++;
      typeParenAt.push(i + 1);
      continue;
    }
    if (GRAMMAR_WORDS.has(word) || typeParens > 0) return undefined;
    const close = match[i + 1];
    // `scoped_guard(x) { }`: a macro taking a block; `guard(x)(y)`: a call of what a call gives
    if (close + 1 < n && (isPunct(close + 1, OPEN_BRACE) || isPunct(close + 1, OPEN_PAREN))) return undefined;
    const from = calleeStart(s, i);
    if (from < 0) return undefined;
    if (NOT_CALLS.has(word) || isLoopMacro(word) || isDefinitionMacro(word)) continue;
    const loop = loops.length ? loopName[loops[loops.length - 1]] : undefined;
    calls.push(callSiteAt(word, from, i, loop));
    const group: CallSite[] = [];
    groups.push(group);
    // its argument list, next (part of the argument the call is in, if one)
    if (depth >= 0) argCount[depth]++;
    i++;
    openBracketAt(++depth, group, loop);
  }
  return { calls, refs: groups.flat() };
}

/** The tokens of s[from, end) as lex reads them; the arrays are reused by the next call. */
export interface Tokens {
  n: number;
  kind: Uint8Array;
  start: Int32Array;
  end: Int32Array;
  /** the punctuation character */
  code: Uint16Array;
  /** for a bracket, its match's token index */
  match: Int32Array;
}

/** For other readers of a body's text (lockText.ts): its tokens, or undefined where lex gives up. */
export function tokensOf(s: string, from: number, end: number): Tokens | undefined {
  const n = lex(s, from, end);
  return n < 0 ? undefined : { n, kind, start: tokStart, end: tokEnd, code, match };
}

export { T_ARROW, T_DIRECTIVE, T_IDENT, T_PUNCT, TYPE_WORDS };
