// Size: 702 lines with comments, 590 of code (eslint counts code, at most 600): the expression and statement readers share one token stream; they could be split in two.
// The lock operations of a body read from its tokens (calltext.ts's lexer), without a tree: what
// lockOps.ts reads from the tree, for the bodies the text settles plainly. Parsing a body alone and
// copying its tree cost the lock rules as much as the whole cold index; the tokens cost a tenth.
// Anything the text does not settle gives up (Unsettled) and the tree is read instead: a
// preprocessor line other than #if/#ifdef/#endif around whole statements, a statement expression,
// a call through an expression, a declarator holding a call, a case label inside a nested block.
// A test holds the two to the same operations on the fixtures and on the real kernel files.

import type { BodySource } from './analyzer';
import type { Tokens } from './calltext';
import { T_ARROW, T_DIRECTIVE, T_IDENT, T_PUNCT, tokensOf, TYPE_WORDS } from './calltext';
import { LOCK_PRIMITIVES } from './lockPrimitives';
import type { BodyCtx, LOp } from './lockOps';
import { guardAcquire, guardLock, loopMacroOp, namedCallOps, returnValue, tagOf } from './lockOps';
import { firstReplacementAfter, maskedSlice } from './parse';
import { GRAMMAR_WORDS, loopMacroAt } from './words';

/** The text does not settle what the tree would read: read the tree. */
class Unsettled extends Error {}
const unsettled = (): never => {
  throw new Unsettled();
};

const OPEN_PAREN = 40;
const CLOSE_PAREN = 41;
const OPEN_BRACE = 123;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const SEMICOLON = 59;
const COLON = 58;
const COMMA = 44;
const EQUALS = 61;
const QUESTION = 63;
const DOT = 46;
const BANG = 33;
const STAR = 42;

/** Words whose parentheses hold a type, or may: no call is read inside them. */
const TYPE_PARENS = new Set([
  'sizeof',
  '__alignof__',
  '_Alignof',
  'alignof',
  'typeof',
  '__typeof__',
  '__typeof',
  'offsetof',
  '__builtin_offsetof',
]);
/** Words a declaration starts with (besides TYPE_WORDS), and the qualifiers of a pointer declarator. */
const DECLARATION_WORDS = new Set(['static', 'extern', 'register', 'auto', 'inline']);
/** Words that start a statement other than a declaration or an expression. */
const STATEMENT_WORDS = new Set([
  'return',
  'goto',
  'break',
  'continue',
  'if',
  'else',
  'while',
  'for',
  'do',
  'switch',
  'case',
  'default',
]);
/** Characters that, right before `=`, make a compound assignment (`+=`, `|=`...). */
const COMPOUND_ASSIGN = new Set([43, 45, STAR, 47, 37, 38, 124, 94]); // + - * / % & | ^

type Range = [from: number, to: number];

/** The lock operations of the body `src.body` as lockOps.blockOps reads them from its tree, or undefined where the text does not settle them. */
export function opsFromText(src: BodySource, ctx: BodyCtx): LOp[] | undefined {
  const { text, masked, body } = src;
  // the text itself where the masking changed nothing in the body, else the body masked
  const r = firstReplacementAfter(masked, body.start);
  const plain = r === masked.at.length || masked.at[r] >= body.end;
  const s = plain ? text : maskedSlice(masked, text, body.start, body.end);
  const base = plain ? 0 : body.start;
  const t = plain ? tokensOf(text, body.start, body.end) : tokensOf(s, 0, s.length);
  if (!t || t.n === 0 || !(t.kind[0] === T_PUNCT && t.code[0] === OPEN_BRACE && t.match[0] === t.n - 1))
    return undefined;
  try {
    const out: LOp[] = [];
    // what is not modelled is reported once the whole body is read (else the tree reports it)
    const notModelled: BodyCtx['notModelled'] = [];
    const own: BodyCtx = {
      fn: ctx.fn,
      text: ctx.text,
      typeOf: ctx.typeOf,
      guards: [],
      notModelled,
      uri: ctx.uri,
    };
    new BodyReader(t, s, base, src, own).block(0, out);
    ctx.notModelled.push(...notModelled);
    return out;
  } catch (e) {
    if (e instanceof Unsettled) return undefined;
    throw e;
  }
}

/** A body's tokens read as statements and expressions, the way lockOps reads the tree's nodes. */
class BodyReader {
  private readonly kind: Uint8Array;
  private readonly start: Int32Array;
  private readonly end: Int32Array;
  private readonly code: Uint16Array;
  private readonly match: Int32Array;

  constructor(
    t: Tokens,
    private readonly s: string,
    private readonly base: number,
    private readonly src: BodySource,
    private readonly ctx: BodyCtx,
  ) {
    ({ kind: this.kind, start: this.start, end: this.end, code: this.code, match: this.match } = t);
  }

  // --- tokens ---

  private p(i: number, ch: number): boolean {
    return this.kind[i] === T_PUNCT && this.code[i] === ch;
  }
  private ident(i: number): boolean {
    return this.kind[i] === T_IDENT;
  }
  private word(i: number): string {
    return this.kind[i] === T_IDENT ? this.s.slice(this.start[i], this.end[i]) : '';
  }
  /** the 0-based line of token i */
  private row(i: number): number {
    return this.src.lines.row(this.base + this.start[i]);
  }
  /** the (masked) text of tokens [a, b), as a node spanning them reads it */
  private textOf(a: number, b: number): string {
    return this.s.slice(this.start[a], this.end[b - 1]);
  }
  /** `->` or `.` */
  private member(i: number): boolean {
    return this.kind[i] === T_ARROW || this.p(i, DOT);
  }
  /** tokens i and i + 1 touch (`==`, `+=`) */
  private touch(i: number): boolean {
    return this.end[i] === this.start[i + 1];
  }
  /** the ranges of [a, b) between the tokens `ch` outside brackets */
  private split(a: number, b: number, ch: number): Range[] {
    const out: Range[] = [];
    let from = a;
    for (let i = a; i < b; i++) {
      if (this.p(i, OPEN_PAREN) || this.p(i, OPEN_BRACKET) || this.p(i, OPEN_BRACE)) i = this.match[i];
      else if (this.p(i, ch)) {
        out.push([from, i]);
        from = i + 1;
      }
    }
    if (from < b || out.length) out.push([from, b]);
    return out;
  }
  /** the `;` ending the statement from token k (outside brackets) */
  private semicolon(k: number, limit: number): number {
    for (let i = k; i < limit; i++) {
      if (this.kind[i] === T_DIRECTIVE) unsettled();
      if (this.p(i, OPEN_PAREN) || this.p(i, OPEN_BRACKET) || this.p(i, OPEN_BRACE)) i = this.match[i];
      else if (this.p(i, SEMICOLON)) return i;
    }
    return unsettled();
  }
  /** a call of a plain name spanning [a, b): `f(...)` */
  private plainCall(a: number, b: number): boolean {
    return (
      b - a >= 3 &&
      this.ident(a) &&
      this.p(a + 1, OPEN_PAREN) &&
      this.match[a + 1] === b - 1 &&
      !TYPE_PARENS.has(this.word(a)) &&
      !GRAMMAR_WORDS.has(this.word(a))
    );
  }
  /** any call spanning [a, b): `f(...)`, `s->ops->f(...)`, `f(x)(y)` */
  private anyCall(a: number, b: number): boolean {
    if (b - a < 3 || !this.p(b - 1, CLOSE_PAREN)) return false;
    const open = this.match[b - 1];
    if (open <= a) return false;
    if (this.p(open - 1, CLOSE_PAREN)) return this.anyCall(a, open);
    let i = open - 1;
    if (!this.ident(i) || TYPE_PARENS.has(this.word(i)) || GRAMMAR_WORDS.has(this.word(i))) return false;
    while (i - 2 >= a && this.ident(i - 2) && (this.kind[i - 1] === T_ARROW || this.p(i - 1, DOT))) i -= 2;
    return i === a;
  }

  // --- statements ---

  /** A compound statement from its `{` at `open`: its guards released at its `}`. */
  block(open: number, out: LOp[]): void {
    const close = this.match[open];
    this.ctx.guards.push([]);
    this.statements(open + 1, close, out);
    const row = this.row(close);
    for (const g of this.ctx.guards.pop()!.reverse()) out.push({ k: 'release', lock: g, line: row });
  }

  /** A preprocessor line's name: `if`, `ifdef`, `else`, `endif`... */
  private directive(k: number): string {
    return /^#\s*(\w*)/.exec(this.s.slice(this.start[k], this.end[k]))![1];
  }

  /**
   * The statements in [k, end). #if/#ifdef ... #endif around whole statements: read as the tree
   * reads a preproc_if's statements; its #else part's are flattened, as the tree's preproc_else is.
   */
  private statements(k: number, end: number, out: LOp[]): void {
    let open = false;
    while (k < end) {
      if (this.kind[k] !== T_DIRECTIVE) {
        k = this.stmt(k, end, out);
        continue;
      }
      const d = this.directive(k);
      if (!open && (d === 'if' || d === 'ifdef' || d === 'ifndef')) open = true;
      else if (open && d === 'endif') open = false;
      else if (open && d === 'else') {
        for (k++; k < end && this.kind[k] !== T_DIRECTIVE;) k = this.flatStmt(k, end, out);
        if (k >= end || this.directive(k) !== 'endif') unsettled();
        open = false;
      } else unsettled();
      k++;
    }
    if (open) unsettled();
  }

  /**
   * A statement of an #else part, as the tree's exprOps reads it: its expressions in source order,
   * no branch, loop or return of its own. The token after it.
   */
  private flatStmt(k: number, limit: number, out: LOp[]): number {
    if (k >= limit || this.kind[k] === T_DIRECTIVE) return unsettled();
    if (this.p(k, OPEN_BRACE)) {
      const close = this.match[k];
      for (let i = k + 1; i < close;) i = this.flatStmt(i, close, out);
      return close + 1;
    }
    if (this.p(k, SEMICOLON)) return k + 1;
    const w = this.word(k);
    const paren = (): number => (this.p(k + 1, OPEN_PAREN) ? this.match[k + 1] : unsettled());
    switch (w) {
      case 'if': {
        this.expr(k + 1, paren() + 1, out);
        const next = this.flatStmt(paren() + 1, limit, out);
        return this.word(next) === 'else' ? this.flatStmt(next + 1, limit, out) : next;
      }
      case 'for':
        for (const [a, b] of this.split(k + 2, paren(), SEMICOLON))
          if (a < b && this.isDeclaration(a)) this.declaration(a, b, out);
          else this.expr(a, b, out);
        return this.flatStmt(paren() + 1, limit, out);
      case 'while':
        this.expr(k + 1, paren() + 1, out);
        return this.flatStmt(paren() + 1, limit, out);
      case 'return':
      case 'goto':
      case 'break':
      case 'continue': {
        const end = this.semicolon(k + 1, limit);
        if (w === 'return') this.expr(k + 1, end, out);
        return end + 1;
      }
      case 'do':
      case 'switch':
      case 'else':
      case 'case':
      case 'default':
      case 'scoped_guard':
      case 'scoped_cond_guard':
        return unsettled();
    }
    if (w && this.p(k + 1, COLON)) return this.flatStmt(k + 2, limit, out);
    return this.simple(k, limit, out);
  }

  /** A declaration or an expression statement from k: the token after its `;`. */
  private simple(k: number, limit: number, out: LOp[]): number {
    const end = this.semicolon(k, limit);
    if (this.isDeclaration(k)) this.declaration(k, end, out);
    else this.expr(k, end, out);
    return end + 1;
  }

  /** The statement at k as an arm of if/for/while/do (lockOps' blockOps of it): its ops and the token after it. */
  private arm(k: number, limit: number): [LOp[], number] {
    const ops: LOp[] = [];
    if (this.p(k, OPEN_BRACE)) {
      this.block(k, ops);
      return [ops, this.match[k] + 1];
    }
    return [ops, this.stmt(k, limit, ops)];
  }

  /** The statement starting at token k (before `limit`): its ops into out; the token after it. */
  private stmt(k: number, limit: number, out: LOp[]): number {
    if (k >= limit || this.kind[k] === T_DIRECTIVE) return unsettled();
    if (this.p(k, OPEN_BRACE)) {
      this.block(k, out);
      return this.match[k] + 1;
    }
    if (this.p(k, SEMICOLON)) return k + 1;
    const w = this.word(k);
    switch (w) {
      case 'if':
        return this.ifStmt(k, limit, out);
      case 'for':
        return this.forStmt(k, limit, out);
      case 'while':
        return this.whileStmt(k, limit, out);
      case 'do':
        return this.doStmt(k, limit, out);
      case 'switch':
        return this.switchStmt(k, out);
      case 'return':
        return this.returnStmt(k, limit, out);
      case 'goto':
        if (!this.ident(k + 1) || !this.p(k + 2, SEMICOLON)) unsettled();
        out.push({ k: 'goto', label: this.word(k + 1) });
        return k + 3;
      case 'break':
      case 'continue':
        if (!this.p(k + 1, SEMICOLON)) unsettled();
        return k + 2;
      case 'else':
      case 'case':
      case 'default':
        return unsettled();
      case 'scoped_guard':
      case 'scoped_cond_guard':
        return this.scopedGuard(k, out);
    }
    if (w && this.p(k + 1, COLON)) {
      out.push({ k: 'label', label: w });
      if (k + 2 >= limit || this.isDeclaration(k + 2)) unsettled();
      return this.stmt(k + 2, limit, out);
    }
    return this.simple(k, limit, out);
  }

  private ifStmt(k: number, limit: number, out: LOp[]): number {
    if (!this.p(k + 1, OPEN_PAREN)) unsettled();
    const close = this.match[k + 1];
    const cond: Range = [k + 1, close + 1];
    const arms: LOp[][] = [[], []];
    const t = this.trylockIn(cond);
    if (t) {
      const open = t[0] + 1;
      for (const [a, b] of this.split(open + 1, this.match[open], COMMA)) this.expr(a, b, out);
      const tryOps: LOp[] = [];
      this.call(t[0], tryOps);
      arms[t[1] ? 0 : 1].push(...tryOps.filter((o) => o.k === 'acquire'));
    } else this.expr(cond[0], cond[1], out);
    const [then, next] = this.arm(close + 1, limit);
    arms[0].push(...then);
    let after = next;
    if (this.word(next) === 'else') {
      const [alt, end] = this.arm(next + 1, limit);
      arms[1].push(...alt);
      after = end;
    }
    out.push({ k: 'branch', arms, test: t ? undefined : this.valueTest(cond) });
    return after;
  }

  private forStmt(k: number, limit: number, out: LOp[]): number {
    if (!this.p(k + 1, OPEN_PAREN)) unsettled();
    const close = this.match[k + 1];
    const parts = this.split(k + 2, close, SEMICOLON);
    if (parts.length !== 3) unsettled();
    const [init, cond, update] = parts;
    if (init[0] < init[1] && this.isDeclaration(init[0])) this.declaration(init[0], init[1], out);
    else this.expr(init[0], init[1], out);
    this.expr(cond[0], cond[1], out);
    const [body, next] = this.arm(close + 1, limit);
    this.expr(update[0], update[1], body);
    out.push({ k: 'loop', body, line: this.row(k) });
    return next;
  }

  /** `while (c) s`, or a loop macro the masking wrote as one (its name read from the real text). */
  private whileStmt(k: number, limit: number, out: LOp[]): number {
    if (!this.p(k + 1, OPEN_PAREN)) unsettled();
    const close = this.match[k + 1];
    const macro = loopMacroAt(this.src.text, this.base + this.start[k]);
    if (macro) for (const [a, b] of this.split(k + 2, close, COMMA)) this.expr(a, b, out);
    else this.expr(k + 1, close + 1, out);
    const [body, next] = this.arm(close + 1, limit);
    out.push(macro ? loopMacroOp(macro, body, this.row(k)) : { k: 'loop', body, line: this.row(k) });
    return next;
  }

  private doStmt(k: number, limit: number, out: LOp[]): number {
    const [body, w] = this.arm(k + 1, limit);
    if (this.word(w) !== 'while' || loopMacroAt(this.src.text, this.base + this.start[w]) || !this.p(w + 1, OPEN_PAREN))
      unsettled();
    const close = this.match[w + 1];
    if (!this.p(close + 1, SEMICOLON)) unsettled();
    this.expr(w + 1, close + 1, out);
    out.push({ k: 'loop', body, line: this.row(k) });
    return close + 2;
  }

  /** Each case an arm (and an empty one first: no case taken); a case's guards are the enclosing block's. */
  private switchStmt(k: number, out: LOp[]): number {
    if (!this.p(k + 1, OPEN_PAREN)) unsettled();
    const close = this.match[k + 1];
    this.expr(k + 1, close + 1, out);
    if (!this.p(close + 1, OPEN_BRACE)) unsettled();
    const end = this.match[close + 1];
    const arms: LOp[][] = [[]];
    for (let i = close + 2; i < end;) {
      const w = this.word(i);
      if (w === 'case' || (w === 'default' && this.p(i + 1, COLON))) {
        arms.push([]);
        i = w === 'default' ? i + 2 : this.caseColon(i + 1, end) + 1;
      } else if (arms.length === 1) unsettled();
      else i = this.stmt(i, end, arms[arms.length - 1]);
    }
    out.push({ k: 'branch', arms });
    return end + 1;
  }

  /** The `:` ending a case label's value. */
  private caseColon(k: number, limit: number): number {
    for (let i = k; i < limit; i++) {
      if (this.kind[i] === T_DIRECTIVE || this.p(i, QUESTION)) unsettled();
      if (this.p(i, OPEN_PAREN) || this.p(i, OPEN_BRACKET) || this.p(i, OPEN_BRACE)) i = this.match[i];
      else if (this.p(i, COLON)) return i;
    }
    return unsettled();
  }

  private returnStmt(k: number, limit: number, out: LOp[]): number {
    const end = this.semicolon(k + 1, limit);
    this.expr(k + 1, end, out);
    const value = end > k + 1 ? returnValue(this.textOf(k + 1, end), this.anyCall(k + 1, end), out) : undefined;
    out.push({ k: 'return', release: this.ctx.guards.flat(), value });
    return end + 1;
  }

  /** `scoped_guard(kind, lock) { ... }`: the lock held over the block. */
  private scopedGuard(k: number, out: LOp[]): number {
    if (!this.p(k + 1, OPEN_PAREN)) unsettled();
    const close = this.match[k + 1];
    const args = this.split(k + 2, close, COMMA);
    const kind = args[0] ? this.textOf(...args[0]) : '';
    const lock = guardLock(kind, args[1] && this.textOf(...args[1]), this.ctx);
    if (!lock || !this.p(close + 1, OPEN_BRACE) || args.some(([a, b]) => a >= b)) return unsettled();
    out.push(guardAcquire(kind, lock, this.row(k), this.textOf(k, close + 1)));
    this.block(close + 1, out);
    const end = this.match[close + 1];
    out.push({ k: 'release', lock, line: this.row(end) });
    return end + 1;
  }

  // --- declarations ---

  /** Whether the statement at k declares variables: it starts with a type word, `T v`, or `T *v` then `=`, `;`, `,` or `[`. */
  private isDeclaration(k: number): boolean {
    const w = this.word(k);
    if (!w || STATEMENT_WORDS.has(w)) return false;
    if (TYPE_WORDS.has(w) || DECLARATION_WORDS.has(w)) return true;
    if (TYPE_PARENS.has(w)) return unsettled();
    if (this.ident(k + 1)) return true;
    let j = k + 1;
    while (this.p(j, STAR)) j++;
    if (j === k + 1 || !this.ident(j)) return false;
    return (
      (this.p(j + 1, EQUALS) && !this.p(j + 2, EQUALS)) ||
      this.p(j + 1, SEMICOLON) ||
      this.p(j + 1, COMMA) ||
      this.p(j + 1, OPEN_BRACKET)
    );
  }

  /** A declaration in [k, end): each declarator's value assigned to its variable, as an init_declarator is read. */
  private declaration(k: number, end: number, out: LOp[]): void {
    // the declarators start at the first `*`, or at the name right before `=`, `,`, `[` or the end
    let d = k;
    for (; d < end; d++) {
      if (this.p(d, STAR)) break;
      if (!this.ident(d)) unsettled();
      if (d + 1 === end || this.p(d + 1, EQUALS) || this.p(d + 1, COMMA) || this.p(d + 1, OPEN_BRACKET)) break;
    }
    if (d === k || d >= end) unsettled();
    for (const [a, b] of this.split(d, end, COMMA)) {
      let eq = a;
      while (eq < b && !this.p(eq, EQUALS)) eq++;
      if (eq === b) {
        this.expr(a, b, out);
        continue;
      }
      let v = a;
      while (v < eq && (this.p(v, STAR) || this.word(v) === 'const' || this.word(v) === 'volatile')) v++;
      if (v !== eq - 1 || !this.ident(v)) unsettled();
      this.assign(this.word(v), [eq + 1, b], out);
    }
  }

  // --- expressions ---

  /** `v = <value>` (v undefined: not a plain variable): the value's ops, and what v is known to be after. */
  private assign(v: string | undefined, [a, b]: Range, out: LOp[]): void {
    if (a >= b) unsettled();
    if (this.anyCall(a, b)) {
      this.call(a, out);
      const last = out[out.length - 1];
      if (v && last?.k === 'call') last.assign = v;
      else if (v) out.push({ k: 'assign', v });
      return;
    }
    this.expr(a, b, out);
    if (v) out.push({ k: 'assign', v, tag: tagOf(this.textOf(a, b)) });
  }

  /** Where [a, b)'s top-level assignment operator starts and its `=` is, or undefined. */
  private assignmentIn(a: number, b: number): [op: number, eq: number] | undefined {
    for (let i = a; i < b; i++) {
      if (this.p(i, OPEN_PAREN) || this.p(i, OPEN_BRACKET) || this.p(i, OPEN_BRACE)) {
        i = this.match[i];
        continue;
      }
      if (this.p(i, QUESTION)) {
        // an assignment inside a conditional's arms is the grammar's business
        for (let j = i; j < b; j++) if (this.p(j, EQUALS)) unsettled();
        return undefined;
      }
      if (!this.p(i, EQUALS) || (this.touch(i) && this.p(i + 1, EQUALS))) continue;
      if (i > a && this.touch(i - 1) && this.kind[i - 1] === T_PUNCT) {
        const c = this.code[i - 1];
        if (COMPOUND_ASSIGN.has(c)) return [i - 1, i];
        // <<= and >>=, not <= >= == !=
        if ((c === 60 || c === 62) && i - 1 > a && this.touch(i - 2) && this.p(i - 2, c)) return [i - 2, i];
        continue;
      }
      return [i, i];
    }
    return undefined;
  }

  /** An expression in [a, b): its calls (each one's arguments first), assignments, in the tree's order. */
  private expr(a: number, b: number, out: LOp[]): void {
    if (a >= b) return;
    const parts = this.split(a, b, COMMA);
    if (parts.length > 1) {
      for (const [x, y] of parts) this.expr(x, y, out);
      return;
    }
    const as = this.assignmentIn(a, b);
    if (as) {
      this.assign(as[0] === a + 1 && this.ident(a) ? this.word(a) : undefined, [as[1] + 1, b], out);
      return;
    }
    for (let i = a; i < b;) i = this.operand(i, out);
  }

  /** The token at i within an expression: a call read whole, a bracket's inside, else nothing. The token after. */
  private operand(i: number, out: LOp[]): number {
    if (this.kind[i] === T_DIRECTIVE) return unsettled();
    if (this.ident(i) && this.p(i + 1, OPEN_PAREN)) {
      const w = this.word(i);
      if (TYPE_PARENS.has(w)) {
        const close = this.match[i + 1];
        for (let j = i + 2; j < close; j++) if (this.p(j, OPEN_PAREN) || this.p(j, OPEN_BRACE)) unsettled();
        return close + 1;
      }
      if (GRAMMAR_WORDS.has(w)) return unsettled();
      return this.call(i, out);
    }
    if (this.p(i, OPEN_PAREN)) {
      // `(*fn)(x)`, `ops[i](x)`: a call through an expression (not `(void *)(p)`, a cast)
      if (i > 0 && (this.p(i - 1, CLOSE_BRACKET) || (this.p(i - 1, CLOSE_PAREN) && !this.isCast(this.match[i - 1]))))
        unsettled();
      if (this.p(i + 1, OPEN_BRACE)) unsettled(); // ({ ... }): a statement expression
      this.expr(i + 1, this.match[i], out);
      return this.match[i] + 1;
    }
    if (this.p(i, OPEN_BRACKET)) {
      this.expr(i + 1, this.match[i], out);
      return this.match[i] + 1;
    }
    if (this.p(i, OPEN_BRACE)) {
      this.initializer(i, out);
      return this.match[i] + 1;
    }
    return i + 1;
  }

  /** `(type)`: the `(` at `open` holds a type word first. */
  private isCast(open: number): boolean {
    return this.ident(open + 1) && (TYPE_WORDS.has(this.word(open + 1)) || DECLARATION_WORDS.has(this.word(open + 1)));
  }

  /** `{ .a = x, [1] = y, z }`: each value in order (a designator holds no call). */
  private initializer(open: number, out: LOp[]): void {
    for (const [a, b] of this.split(open + 1, this.match[open], COMMA)) {
      if (!this.p(a, DOT) && !this.p(a, OPEN_BRACKET)) {
        this.expr(a, b, out);
        continue;
      }
      let eq = a;
      while (eq < b && !this.p(eq, EQUALS)) eq = this.p(eq, OPEN_BRACKET) ? this.match[eq] + 1 : eq + 1;
      this.expr(eq < b ? eq + 1 : a, b, out);
    }
  }

  /**
   * The call whose callee's first token is at i (a name, or the base of `s->ops->fn`): its
   * arguments' ops, then its own (none through a pointer). The token after it.
   */
  call(i: number, out: LOp[]): number {
    let name = i;
    while (this.kind[name + 1] === T_ARROW || this.p(name + 1, DOT)) name += 2;
    if (!this.ident(name) || !this.p(name + 1, OPEN_PAREN)) unsettled();
    // s->ops->fn(x): the chain's base (its names hold no call); not one on a call's result or an element
    i = name;
    while (i >= 2 && this.member(i - 1) && this.ident(i - 2)) i -= 2;
    if (i > 0 && (this.member(i - 1) || (i < name && (this.p(i - 1, CLOSE_PAREN) || this.p(i - 1, CLOSE_BRACKET)))))
      unsettled();
    const open = name + 1;
    const close = this.match[open];
    if (this.p(close + 1, OPEN_PAREN)) return this.callOfCall(i, name, out);
    this.innerCall(i, name, close, out);
    return close + 1;
  }

  /** `guard(mutex)(&m)`: held to the end of the enclosing block; `f(x)(y)`: y's ops, then f(x)'s. */
  private callOfCall(i: number, name: number, out: LOp[]): number {
    const inner = this.match[name + 1];
    const open = inner + 1;
    const close = this.match[open];
    if (this.p(close + 1, OPEN_PAREN)) unsettled();
    const args = this.split(open + 1, close, COMMA);
    for (const [a, b] of args) this.expr(a, b, out);
    const kinds = this.split(name + 2, inner, COMMA);
    const kind = kinds[0] ? this.textOf(...kinds[0]) : '';
    const lock =
      name === i && this.word(name) === 'guard'
        ? guardLock(kind, args[0] && this.textOf(...args[0]), this.ctx)
        : undefined;
    if (lock) {
      out.push(guardAcquire(kind, lock, this.row(i), this.textOf(i, close + 1)));
      this.ctx.guards[this.ctx.guards.length - 1]?.push(lock);
      return close + 1;
    }
    this.innerCall(i, name, inner, out);
    return close + 1;
  }

  /** The call of `name` (`i`: its callee's first token) to its `)` at `close`: its arguments' ops and its own. */
  private innerCall(i: number, name: number, close: number, out: LOp[]): void {
    const args = this.split(name + 2, close, COMMA);
    for (const [a, b] of args) this.expr(a, b, out);
    if (name > i) return;
    const first = args[0] && args[0][0] < args[0][1] ? this.textOf(...args[0]) : undefined;
    namedCallOps(this.word(name), first, this.row(i), () => this.textOf(i, close + 1), this.ctx, out);
  }

  // --- conditions ---

  /** A condition without its parentheses, likely()/unlikely() and `!`s; whether negated. */
  private unwrap([a, b]: Range): { a: number; b: number; negated: boolean } {
    let negated = false;
    for (;;) {
      if (b - a >= 2 && this.p(a, OPEN_PAREN) && this.match[a] === b - 1) {
        a++;
        b--;
      } else if (this.plainCall(a, b) && /^(unlikely|likely)$/.test(this.word(a))) {
        const first = this.split(a + 2, b - 1, COMMA)[0];
        if (!first) return { a, b: a, negated };
        [a, b] = first;
      } else if (a < b && this.p(a, BANG)) {
        negated = !negated;
        a++;
      } else return { a, b, negated };
    }
  }

  /** `if (x)`, `if (!x)`, `if (unlikely(!f(...)))`: what is tested ('$call': the call's result). */
  private valueTest(cond: Range): { v: string; negated: boolean } | undefined {
    const { a, b, negated } = this.unwrap(cond);
    if (b - a === 1 && this.ident(a) && !GRAMMAR_WORDS.has(this.word(a))) return { v: this.word(a), negated };
    if (this.plainCall(a, b)) return { v: '$call', negated };
    return undefined;
  }

  /** A trylock tested by an if condition (its first token), and whether the then-arm is the one that holds it. */
  private trylockIn(cond: Range): [call: number, thenHolds: boolean] | undefined {
    const { a, b, negated } = this.unwrap(cond);
    if (!this.plainCall(a, b) || !LOCK_PRIMITIVES.get(this.word(a))?.try) return undefined;
    return [a, !negated];
  }
}
