// Size: 646 lines with comments, 509 of code (eslint counts code, at most 600): the cursor walk's visitors call one another, and the argument reader is the walk's fast path.
// The calls in a function body, walked with a cursor: callee, range, the loop macro around it,
// and the functions passed as arguments (callbacks); argument lists read from the text where the
// masking changed nothing.

import type Parser from 'tree-sitter';
import {
  KIND_LEAF,
  KIND_MAYBE,
  KIND_NO_CALLS,
  KIND_TOKEN,
  pointOf,
  rangeAt,
  skipSpaces,
  types,
  wordEnd,
  wordRange,
} from './cursor';
import { firstReplacementAfter, type Lines, literalEnd, type Masked, type SyntaxNode } from './parse';
import type { CNode } from './liteTree';
import type { CallSite, Range } from './types';
import { GRAMMAR_WORDS, isDefinitionMacro, isLoopMacro, loopMacroAt, NOT_CALLS } from './words';

/** Identifiers and expressions separated by commas, left to right. */
function commaList<N extends CNode>(n: N): N[] {
  const out: N[] = [];
  while (n.type === 'comma_expression') {
    const l = n.childForFieldName('left');
    const r = n.childForFieldName('right');
    if (l) out.push(l);
    if (!r) return out;
    n = r;
  }
  out.push(n);
  return out;
}

/**
 * The loop macro a statement node opens, if it is one: `for_each_x(a) { }` as the while_statement
 * the masking makes of it (its name read from `text`, the real text), or, where it was not masked,
 * in either parse the grammar gives it.
 */
export function loopMacroOf<N extends CNode>(n: N, text: string): { name: string; args: N[]; body: N | null } | null {
  if (n.type === 'while_statement') {
    const name = loopMacroAt(text, n.startIndex);
    if (!name) return null;
    const cond = n.childForFieldName('condition');
    const inner =
      cond?.type === 'parenthesized_expression' ? cond.namedChildren.find((c) => c.type !== 'comment') : undefined;
    return { name, args: inner ? commaList(inner) : [], body: n.childForFieldName('body') };
  }
  if (n.type === 'function_definition') {
    const t = n.childForFieldName('type');
    if (t && isLoopMacro(t.text)) {
      const d = n.childForFieldName('declarator');
      const args = d ? (d.type === 'parenthesized_declarator' ? d.namedChildren : [d]) : [];
      return { name: t.text, args, body: n.childForFieldName('body') };
    }
    return null;
  }
  if (n.type === 'expression_statement') {
    const call = n.namedChild(0);
    if (call?.type === 'call_expression') {
      const f = call.childForFieldName('function');
      if (f && isLoopMacro(f.text)) {
        const next = n.nextNamedSibling;
        const body = next && (next.type === 'compound_statement' || next.type.endsWith('_statement')) ? next : null;
        return { name: f.text, args: call.childForFieldName('arguments')?.namedChildren ?? [], body };
      }
    }
  }
  return null;
}

interface CallWalk {
  text: string;
  lines: Lines;
  caller: string;
  uri: string;
  calls: CallSite[];
  groups: CallSite[][] | null;
  /**
   * Where the next node visited starts at the earliest: every node before it has been passed.
   * Moves forward only. The walk asks the text between `pos` and a node's end whether a `(` is
   * there (every call has one): a span that may be wider than the node's, which only means
   * looking into a node that holds no call.
   */
  pos: number;
  /** the first `(` at or after `pos` when last searched (Infinity: none): searched again only once `pos` has passed it */
  paren: number;
  /**
   * The definition holds a syntax error: a MISSING (zero-width) identifier may be anywhere, so an
   * identifier's end is read from the tree. Otherwise it is where the word starting there ends
   * in the text (one native call less per identifier).
   */
  exact: boolean;
  /** how the text was masked for the parser (argument lists are read from the text where it was not changed) */
  masked: Masked | undefined;
}

/** The first `(` at or after w.pos (Infinity: none). */
function nextParen(w: CallWalk): number {
  if (w.paren < w.pos) {
    const i = w.text.indexOf('(', w.pos);
    w.paren = i < 0 ? Infinity : i;
  }
  return w.paren;
}

/**
 * Every call in a function body, with loop-macro context, in source (pre)order; `refs` gets the
 * identifiers passed as arguments, grouped call by call in the same order. One cursor walk.
 */
export function collectCalls(
  body: SyntaxNode,
  caller: string,
  uri: string,
  text: string,
  lines: Lines,
  refs?: CallSite[],
): CallSite[] {
  return callsAt(
    body.walk(),
    body.type,
    caller,
    uri,
    text,
    lines,
    body.startIndex,
    body.endIndex,
    body.hasError,
    undefined,
    refs,
  );
}

/**
 * The same from the node at the cursor (of `type`; where the cursor ends too), [start, end);
 * `hasError`: whether it holds a syntax error; `masked`: how the parser's text was masked, if known.
 */
export function callsAt(
  c: Parser.TreeCursor,
  type: string,
  caller: string,
  uri: string,
  text: string,
  lines: Lines,
  start: number,
  end: number,
  hasError: boolean,
  masked: Masked | undefined,
  refs?: CallSite[],
): CallSite[] {
  const w: CallWalk = {
    text,
    lines,
    caller,
    uri,
    calls: [],
    groups: refs ? [] : null,
    pos: start,
    paren: -1,
    exact: hasError,
    masked,
  };
  if (type === 'call_expression') visitCall(c, w, undefined);
  else walkChildren(c, w, type, end, undefined, undefined, null);
  if (refs && w.groups) for (const g of w.groups) refs.push(...g);
  return w.calls;
}

/**
 * Visit the children of the cursor's node (`parentType`, ending at `end`; -1: not known), inside
 * the loop macro `loop`: see walkSiblings. Children before the first `(` and after the last one
 * hold no call: with the end known and no arguments to collect, the walk starts at the child
 * holding the first `(` and stops after the last (each child passed costs native calls). Returns
 * the loop macro a call_expression first child opens (what an expression_statement parent needs
 * to know).
 */
function walkChildren(
  c: Parser.TreeCursor,
  w: CallWalk,
  parentType: string,
  end: number,
  loop: string | undefined,
  bodyLoop: string | undefined,
  group: CallSite[] | null,
): string | undefined {
  const skip = end >= 0 && group === null;
  let skipped = false;
  if (skip) {
    const p = nextParen(w);
    if (p >= end) return undefined;
    if (parentType === 'expression_statement') {
      // which child comes first matters there (a loop macro opens only as the first)
      if (!c.gotoFirstChild()) return undefined;
    } else {
      // the binding returns the child's index, or null when there is none (its typings say boolean)
      const i = c.gotoFirstChildForIndex(p) as unknown as number | null;
      if (i === null) return undefined;
      skipped = i > 0;
    }
  } else if (!c.gotoFirstChild()) return undefined;
  const opens = walkSiblings(c, w, c.nodeTypeId, parentType, skip ? end : -1, loop, bodyLoop, group, skipped);
  c.gotoParent();
  return opens;
}

/** An identifier among a call's arguments, as a reference; true when the `)` after it closes the list. */
function argumentIdentifier(c: Parser.TreeCursor, w: CallWalk, loop: string | undefined, group: CallSite[]): boolean {
  const s = c.startIndex;
  const e = w.exact ? c.endIndex : wordEnd(w.text, s);
  const r: CallSite = {
    callee: w.text.slice(s, e),
    caller: w.caller,
    uri: w.uri,
    range: wordRange(w.lines, s, e),
    viaPointer: true,
    reference: true,
  };
  if (loop) r.inLoopMacro = loop;
  group.push(r);
  w.pos = e;
  return !w.exact && closesNext(w.text, e);
}

/** The loop macro whose body a block is: see walkSiblings. */
function blockLoop(
  type: string,
  parentType: string,
  bodyLoop: string | undefined,
  prevLoop: string | undefined,
): string | undefined {
  if (parentType === 'function_definition') return type === 'compound_statement' ? bodyLoop : undefined;
  return parentType === 'while_statement' ? bodyLoop : prevLoop;
}

/** Visit one named node that may hold calls; returns the loop macro an expression statement opens. */
function visitNamed(
  c: Parser.TreeCursor,
  w: CallWalk,
  type: string,
  parentType: string,
  end: number,
  loop: string | undefined,
  inner: string | undefined,
  group: CallSite[] | null,
): string | undefined {
  let opens: string | undefined;
  if (type === 'call_expression') opens = visitCall(c, w, loop);
  else if (type === 'while_statement')
    walkChildren(c, w, type, c.endIndex, inner, loopMacroAt(w.text, c.startIndex), null);
  else if (type === 'function_definition') {
    // a loop macro with a block parses as a nested definition: `for_each_x(cpu) { ... }`
    const t = c.currentNode.childForFieldName('type');
    const tt = t ? t.text : '';
    walkChildren(c, w, type, -1, inner, isLoopMacro(tt) ? tt : undefined, null);
  } else {
    const args = type === 'argument_list' && parentType === 'call_expression' ? group : null;
    const list = args && !w.exact ? readArguments(w, c.startIndex) : undefined;
    if (list) walkArguments(c, w, loop, args!, list, false);
    else {
      // (the end of an argument list is not needed when its identifiers are collected)
      if (end < 0 && !(type === 'argument_list' && args)) end = c.endIndex;
      const r = walkChildren(c, w, type, end, inner, undefined, args);
      if (type === 'expression_statement') opens = r;
    }
  }
  if (end > w.pos) w.pos = end;
  return opens;
}

/**
 * Visit the cursor's node (its type id `id`, read by the caller) and its siblings after it, the
 * children of a `parentType` node, inside the loop macro `loop`; `exitAt`: where the parent ends,
 * to stop after the last `(` (-1: visit every child). `skipped`: named children before the
 * cursor's node were passed over. A statement is a loop body when it is the body of a loop macro:
 * `bodyLoop` of a while_statement the masking made of `for_each_x(...)` or of a nested definition
 * the grammar took one for, or the macro of the `for_each_x(...)` expression statement right
 * before it (when a loop macro was not masked). `group`: for a call, where the identifiers among
 * its arguments go. `one`: the cursor's node only. Returns the loop macro a call_expression
 * first child opens, for an expression_statement parent.
 */
function walkSiblings(
  c: Parser.TreeCursor,
  w: CallWalk,
  id: number,
  parentType: string,
  exitAt: number,
  loop: string | undefined,
  bodyLoop: string | undefined,
  group: CallSite[] | null,
  skipped: boolean,
  one = false,
): string | undefined {
  let prevLoop: string | undefined;
  let first: string | undefined;
  let sawNamed = skipped;
  for (; ; id = c.nodeTypeId) {
    const type = types.of(c, id);
    const kind = types.kind[id];
    let end = -1;
    // anonymous tokens and named leaves have no children, and literals hold no calls: not entered
    if (kind === KIND_TOKEN) {
      // the next sibling starts after this `(`, so after the first `(` from pos on
      if (types.openParen[id] && nextParen(w) !== Infinity) w.pos = w.paren + 1;
    } else if (kind === KIND_NO_CALLS) {
      sawNamed = true;
      prevLoop = undefined;
    } else if (kind === KIND_LEAF) {
      // `, s)`: the closing parenthesis is the only child left (with no syntax error around)
      if (group && parentType === 'argument_list' && type === 'identifier' && argumentIdentifier(c, w, loop, group))
        break;
      sawNamed = true;
      prevLoop = undefined;
    } else if (kind === KIND_MAYBE && nextParen(w) >= (end = c.endIndex)) {
      // no `(` in its text: no call below
      w.pos = end;
      sawNamed = true;
      prevLoop = undefined;
    } else {
      const inner = types.block[id] ? blockLoop(type, parentType, bodyLoop, prevLoop) || loop : loop;
      const opens = visitNamed(c, w, type, parentType, end, loop, inner, group);
      if (!sawNamed) {
        sawNamed = true;
        if (type === 'call_expression') first = opens;
      }
      prevLoop = type === 'expression_statement' ? opens : undefined;
    }
    if (one) break;
    // no `(` left before the parent's end: no call in the siblings left
    if (exitAt >= 0 && nextParen(w) >= exitAt) break;
    // the arguments are a call's last child
    if (type === 'argument_list' && parentType === 'call_expression') break;
    if (!c.gotoNextSibling()) break;
  }
  return parentType === 'expression_statement' ? first : undefined;
}

/** An argument read from the text: an identifier (a function reference, perhaps), one that holds no call and no identifier, or one the tree must be asked about. */
const ARG_WORD = 0;
const ARG_SKIP = 1;
const ARG_VISIT = 2;
const ASCII_IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const WORDS_SIDE_BY_SIDE = /[\w$]\s+[A-Za-z_$]/;

/** The kind (ARG_*) of an argument whose text is `word` and holds no call, bracket or comment. */
function argumentKind(word: string): number {
  if (ASCII_IDENTIFIER.test(word)) return GRAMMAR_WORDS.has(word) ? ARG_VISIT : ARG_WORD;
  // two words side by side (`sizeof x`, a macro's argument): not settled by the text
  return WORDS_SIDE_BY_SIDE.test(word) ? ARG_VISIT : ARG_SKIP;
}

/** Whether only blanks stand before text[i] on its line. */
function firstOnLine(text: string, i: number): boolean {
  let j = i - 1;
  while (j >= 0 && (text.charCodeAt(j) === 32 || text.charCodeAt(j) === 9)) j--;
  return j < 0 || text.charCodeAt(j) === 10;
}

/** Where the white space, line continuation or comment at i ends: i when there is none, -1 for a comment never closed. */
function blankEnd(text: string, i: number): number {
  const ch = text.charCodeAt(i);
  const next = text.charCodeAt(i + 1);
  if (ch === 32 || (ch >= 9 && ch <= 13)) return i + 1;
  if (ch === 92) {
    if (next === 10) return i + 2;
    if (next === 13 && text.charCodeAt(i + 2) === 10) return i + 3;
    return i;
  }
  if (ch === 47 && (next === 42 || next === 47)) {
    const close = next === 42 ? text.indexOf('*/', i + 2) : text.indexOf('\n', i + 2);
    if (close < 0) return -1;
    return next === 42 ? close + 2 : close;
  }
  return i;
}

/**
 * The arguments of the argument list whose `(` is at `open`, read from the text: each one's start
 * and kind (ARG_*), flat, and where the list ends (after its `)`). Undefined when the text is not
 * plainly an argument list (a preprocessor line in it, an unterminated literal or comment, no
 * closing parenthesis). Within a definition free of syntax errors, and where the masking changed
 * nothing, the argument list's children are these arguments, separated by commas.
 */
export function argumentsAt(text: string, open: number): { args: number[]; close: number } | undefined {
  const args: number[] = [];
  const n = text.length;
  let depth = 0;
  let start = -1;
  let end = -1;
  let visit = false;
  const push = (): void => {
    if (start < 0) return;
    args.push(start, visit ? ARG_VISIT : argumentKind(text.slice(start, end)));
    start = -1;
    visit = false;
  };
  for (let i = open + 1; i < n; i++) {
    const at = i;
    const ch = text.charCodeAt(i);
    // where the character (or literal) read ends
    let to = i + 1;
    const blank = blankEnd(text, i);
    if (blank < 0) return undefined;
    if (blank > i) {
      // a comment inside an argument: the tree is asked
      if (ch === 47 && start >= 0) visit = true;
      i = blank - 1;
      continue;
    }
    switch (ch) {
      case 92: // a backslash that does not continue the line is not read here
        visit = true;
        break;
      case 34:
      case 39: {
        // a string or character literal
        const j = literalEnd(text, i);
        if (j < 0) return undefined;
        to = j + 1;
        i = j;
        break;
      }
      case 35: // a # first on its line is a preprocessor line
        if (firstOnLine(text, i)) return undefined;
        break;
      case 40:
      case 91:
      case 123: // ( [ {
        depth++;
        if (ch === 40) visit = true;
        break;
      case 41:
      case 93:
      case 125: // ) ] }
        if (depth === 0) {
          if (ch !== 41) return undefined;
          if (start < 0 && args.length) return undefined;
          push();
          return { args, close: i + 1 };
        }
        depth--;
        break;
      case 44: // ,
        if (depth === 0) {
          if (start < 0) return undefined;
          push();
          continue;
        }
        break;
      default:
        if (ch >= 128) visit = true;
    }
    if (start < 0) start = at;
    end = to;
  }
  return undefined;
}

/** Whether the masking changed anything in [from, to) of the text. */
export function maskChanged(m: Masked, from: number, to: number): boolean {
  const i = firstReplacementAfter(m, from);
  return i < m.at.length && m.at[i] < to;
}

/** The argument list of a call, read from the text: see argumentsAt. */
type ArgumentList = NonNullable<ReturnType<typeof argumentsAt>>;

/** The argument list whose `(` is at `open`, if the text can be read so and the masking changed nothing in it. */
function readArguments(w: CallWalk, open: number): ArgumentList | undefined {
  if (!w.masked || w.text.charCodeAt(open) !== 40) return undefined;
  const list = argumentsAt(w.text, open);
  return list && !maskChanged(w.masked, open, list.close) ? list : undefined;
}

/**
 * The arguments `list` of a recorded call: an identifier is a reference in `group` without a
 * native call; only the arguments that may hold a call (or that the text alone does not settle)
 * are visited in the tree. The cursor is at the argument_list, or (`beforeList`) at the sibling
 * before it, the function; it ends at one of the two (the caller goes up from either).
 */
function walkArguments(
  c: Parser.TreeCursor,
  w: CallWalk,
  loop: string | undefined,
  group: CallSite[],
  list: ArgumentList,
  beforeList: boolean,
): void {
  const a = list.args;
  let moved = false;
  for (let k = 0; k < a.length; k += 2) {
    const start = a[k];
    if (a[k + 1] === ARG_WORD) {
      const end = wordEnd(w.text, start);
      const r: CallSite = {
        callee: w.text.slice(start, end),
        caller: w.caller,
        uri: w.uri,
        range: wordRange(w.lines, start, end),
        viaPointer: true,
        reference: true,
      };
      if (loop) r.inLoopMacro = loop;
      group.push(r);
    } else if (a[k + 1] === ARG_VISIT) {
      if (beforeList && !moved) {
        // (with no syntax error around, the arguments are the function's next sibling)
        if (!c.gotoNextSibling()) break;
        moved = true;
      }
      // the argument's node starts at its first character
      if ((c.gotoFirstChildForIndex(start) as unknown as number | null) === null) continue;
      w.pos = start;
      walkSiblings(c, w, c.nodeTypeId, 'argument_list', -1, loop, undefined, group, true, true);
      c.gotoParent();
    }
  }
  w.pos = list.close;
}

/** Whether the first character from `i` on that is not a space is `)`. */
export function closesNext(text: string, i: number): boolean {
  for (; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 41) return true; // )
    if (ch !== 32 && ch !== 9 && ch !== 10 && ch !== 13) return false;
  }
  return false;
}

/**
 * A call at the cursor: record it (unless it is a loop macro or a keyword-like macro), walk into
 * it. Returns the loop macro it is, if one.
 */
function visitCall(c: Parser.TreeCursor, w: CallWalk, loop: string | undefined): string | undefined {
  if (!c.gotoFirstChild()) return undefined;
  // the function: a name, a field (s->ops->fn(...)) or a pointer ((*fn)(...))
  const fid = c.nodeTypeId;
  const ft = types.of(c, fid);
  let callee: string | undefined;
  let viaPointer = false;
  let range: Range | undefined;
  let loopName: string | undefined;
  if (ft === 'identifier') {
    const s = c.startIndex;
    const e = w.exact ? c.endIndex : wordEnd(w.text, s);
    callee = w.text.slice(s, e);
    range = wordRange(w.lines, s, e);
    w.pos = e;
    if (isLoopMacro(callee)) loopName = callee;
  } else if (ft === 'field_expression') {
    viaPointer = true;
    const s = c.startIndex;
    // the field is the last child (a node never ends with an extra such as a comment)
    if (c.gotoLastChild()) {
      if (types.name(c) === 'field_identifier') {
        const fs = c.startIndex;
        const fe = w.exact ? c.endIndex : wordEnd(w.text, fs);
        callee = w.text.slice(fs, fe);
        const e = w.exact ? undefined : fe;
        c.gotoParent();
        range =
          e === undefined ? rangeAt(c, w.lines) : { start: pointOf(w.lines.point(s)), end: pointOf(w.lines.point(e)) };
      } else {
        // not the usual shape (error recovery): the last field name among the children
        c.gotoParent();
        c.gotoFirstChild();
        do if (types.name(c) === 'field_identifier') callee = w.text.slice(c.startIndex, c.endIndex);
        while (c.gotoNextSibling());
        c.gotoParent();
        range = rangeAt(c, w.lines);
      }
    }
  } else if (ft === 'parenthesized_expression' || ft === 'pointer_expression') {
    const f = c.currentNode;
    const id = f.descendantsOfType('identifier').pop() ?? f.descendantsOfType('field_identifier').pop();
    callee = id?.text;
    viaPointer = true;
    if (callee !== undefined) range = rangeAt(c, w.lines);
  }
  let group: CallSite[] | null = null;
  if (callee && range && !NOT_CALLS.has(callee) && !isLoopMacro(callee) && !isDefinitionMacro(callee)) {
    const cs: CallSite = { callee, caller: w.caller, uri: w.uri, range, viaPointer };
    if (loop) cs.inLoopMacro = loop;
    w.calls.push(cs);
    if (w.groups) {
      group = [];
      w.groups.push(group);
    }
  }
  // A name, then the arguments: read from the text right after it where the definition holds no
  // syntax error (the argument list is the name's next sibling then).
  const list = group && ft === 'identifier' && !w.exact ? readArguments(w, skipSpaces(w.text, w.pos)) : undefined;
  if (list) walkArguments(c, w, loop, group!, list, true);
  // on from the function (a call may be inside it: f(x)->g(y)) to the arguments
  else walkSiblings(c, w, fid, 'call_expression', -1, loop, undefined, group, false);
  c.gotoParent();
  return loopName;
}

/** A parameter of plain words and stars (`const struct kmem_cache *s`, `unsigned long flags`, `void`). */
const PLAIN_PARAMETER = /^[A-Za-z_\s*][\w\s*]*$/;
const TAG_KEYWORD = new Set(['struct', 'union', 'enum']);

/**
 * The parameter names of the parameter list that starts at the first `(` from `from` on (after a
 * definition's name), read from the text where the parse settles them plainly: each parameter
 * plain words and stars, its name the last word unless that is a grammar word, a tag
 * (`struct foo`), or the only word (`foo_t`); `...` has none. Undefined where the text does not
 * settle it (arrays, function pointers, comments, attributes the masking changed, anything else):
 * the tree is read then. Within a definition free of syntax errors only.
 */
export function paramNamesFrom(text: string, m: Masked, from: number): string[] | undefined {
  const open = skipSpaces(text, from);
  if (text.charCodeAt(open) !== 40) return undefined;
  const close = text.indexOf(')', open);
  if (close < 0 || maskChanged(m, open, close + 1)) return undefined;
  const inner = text.slice(open + 1, close);
  if (/[()[\]{}/#"'\\]/.test(inner)) return undefined;
  const names: string[] = [];
  if (!inner.trim()) return names;
  for (const raw of inner.split(',')) {
    const param = raw.trim();
    if (param === '...') continue;
    if (!PLAIN_PARAMETER.test(param)) return undefined;
    const tokens = param.match(/\*|[A-Za-z_]\w*/g) ?? [];
    if (tokens.length === 0) return undefined;
    const last = tokens[tokens.length - 1];
    if (tokens.length === 1) {
      // a type alone (`void`, `foo_t`, `unsigned`)
      if (last === '*') return undefined;
      continue;
    }
    const before = tokens[tokens.length - 2];
    if (last === '*' || GRAMMAR_WORDS.has(last)) {
      // `char *`, `unsigned long`: no name, or not surely none
      if (last === '*' || tokens.every((t) => t === '*' || GRAMMAR_WORDS.has(t))) continue;
      return undefined;
    }
    if (TAG_KEYWORD.has(before)) continue;
    names.push(last);
  }
  return names;
}
