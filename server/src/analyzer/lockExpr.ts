// The expressions of a body read from its tokens (calltext.ts's lexer), for lockText.ts's statement
// reader: the token helpers, declarations, expressions (calls, assignments) and if-conditions, each
// giving the lock operations lockOps.ts reads from the same nodes of the tree. Anything the text
// does not settle throws Unsettled, and the body is read from its tree instead.

import type { BodySource } from './analyzer';
import type { Tokens } from './calltext';
import { T_ARROW, T_DIRECTIVE, T_IDENT, T_PUNCT, TYPE_WORDS } from './calltext';
import { keepShape } from './keepShape';
import { LOCK_PRIMITIVES } from './lockPrimitives';
import type { BodyCtx, LOp } from './lockOps';
import { guardAcquire, guardLock, namedCallOps, tagOf } from './lockOps';
import { GRAMMAR_WORDS } from './words';

/** The text does not settle what the tree would read: read the tree. */
export class Unsettled extends Error {}
export const unsettled = (): never => {
  throw new Unsettled();
};

export const OPEN_PAREN = 40;
export const CLOSE_PAREN = 41;
export const OPEN_BRACE = 123;
export const OPEN_BRACKET = 91;
export const CLOSE_BRACKET = 93;
export const SEMICOLON = 59;
export const COLON = 58;
export const COMMA = 44;
export const EQUALS = 61;
export const QUESTION = 63;
export const DOT = 46;
export const BANG = 33;
export const STAR = 42;

/** Words whose parentheses hold a type, or may: no call is read inside them. */
export const TYPE_PARENS = new Set([
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
export const DECLARATION_WORDS = new Set(['static', 'extern', 'register', 'auto', 'inline']);
/** Words that start a statement other than a declaration or an expression. */
export const STATEMENT_WORDS = new Set([
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
export const COMPOUND_ASSIGN = new Set([43, 45, STAR, 47, 37, 38, 124, 94]); // + - * / % & | ^

export type Range = [from: number, to: number];

/** A body's tokens read as declarations and expressions, the way lockOps reads the tree's nodes. */
export class ExprReader {
  protected readonly kind: Uint8Array;
  protected readonly start: Int32Array;
  protected readonly end: Int32Array;
  protected readonly code: Uint16Array;
  protected readonly match: Int32Array;

  constructor(
    t: Tokens,
    protected readonly s: string,
    protected readonly base: number,
    protected readonly src: BodySource,
    protected readonly ctx: BodyCtx,
  ) {
    ({ kind: this.kind, start: this.start, end: this.end, code: this.code, match: this.match } = t);
    keepShape(this);
  }

  // --- tokens ---

  protected p(i: number, ch: number): boolean {
    return this.kind[i] === T_PUNCT && this.code[i] === ch;
  }
  protected ident(i: number): boolean {
    return this.kind[i] === T_IDENT;
  }
  protected word(i: number): string {
    return this.kind[i] === T_IDENT ? this.s.slice(this.start[i], this.end[i]) : '';
  }
  /** the 0-based line of token i */
  protected row(i: number): number {
    return this.src.lines.row(this.base + this.start[i]);
  }
  /** the (masked) text of tokens [a, b), as a node spanning them reads it */
  protected textOf(a: number, b: number): string {
    return this.s.slice(this.start[a], this.end[b - 1]);
  }
  /** `->` or `.` */
  protected member(i: number): boolean {
    return this.kind[i] === T_ARROW || this.p(i, DOT);
  }
  /** tokens i and i + 1 touch (`==`, `+=`) */
  protected touch(i: number): boolean {
    return this.end[i] === this.start[i + 1];
  }
  /** the ranges of [a, b) between the tokens `ch` outside brackets */
  protected split(a: number, b: number, ch: number): Range[] {
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
  /** the first token `ch` in [a, b) outside brackets, or b */
  protected nextAt(a: number, b: number, ch: number): number {
    for (let i = a; i < b; i++) {
      if (this.p(i, OPEN_PAREN) || this.p(i, OPEN_BRACKET) || this.p(i, OPEN_BRACE)) i = this.match[i];
      else if (this.p(i, ch)) return i;
    }
    return b;
  }
  /** the `;` ending the statement from token k (outside brackets) */
  protected semicolon(k: number, limit: number): number {
    for (let i = k; i < limit; i++) {
      if (this.kind[i] === T_DIRECTIVE) unsettled();
      if (this.p(i, OPEN_PAREN) || this.p(i, OPEN_BRACKET) || this.p(i, OPEN_BRACE)) i = this.match[i];
      else if (this.p(i, SEMICOLON)) return i;
    }
    return unsettled();
  }
  /** a call of a plain name spanning [a, b): `f(...)` */
  protected plainCall(a: number, b: number): boolean {
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
  protected anyCall(a: number, b: number): boolean {
    if (b - a < 3 || !this.p(b - 1, CLOSE_PAREN)) return false;
    const open = this.match[b - 1];
    if (open <= a) return false;
    if (this.p(open - 1, CLOSE_PAREN)) return this.anyCall(a, open);
    let i = open - 1;
    if (!this.ident(i) || TYPE_PARENS.has(this.word(i)) || GRAMMAR_WORDS.has(this.word(i))) return false;
    while (i - 2 >= a && this.ident(i - 2) && (this.kind[i - 1] === T_ARROW || this.p(i - 1, DOT))) i -= 2;
    return i === a;
  }

  // --- declarations ---

  /** Whether the statement at k declares variables: it starts with a type word, `T v`, or `T *v` then `=`, `;`, `,` or `[`. */
  protected isDeclaration(k: number): boolean {
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
  protected declaration(k: number, end: number, out: LOp[]): void {
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
  protected assign(v: string | undefined, [a, b]: Range, out: LOp[]): void {
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
  protected assignmentIn(a: number, b: number): [op: number, eq: number] | undefined {
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
  protected expr(a: number, b: number, out: LOp[]): void {
    if (a >= b) return;
    // `x, y`: each part (as split() gives them, without the array: this is the reader's hottest path)
    if (this.nextAt(a, b, COMMA) < b) {
      for (let x = a; ;) {
        const y = this.nextAt(x, b, COMMA);
        this.expr(x, y, out);
        if (y >= b) return;
        x = y + 1;
      }
    }
    const as = this.assignmentIn(a, b);
    if (as) {
      this.assign(as[0] === a + 1 && this.ident(a) ? this.word(a) : undefined, [as[1] + 1, b], out);
      return;
    }
    for (let i = a; i < b;) i = this.operand(i, out);
  }

  /** The token at i within an expression: a call read whole, a bracket's inside, else nothing. The token after. */
  protected operand(i: number, out: LOp[]): number {
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
  protected isCast(open: number): boolean {
    return this.ident(open + 1) && (TYPE_WORDS.has(this.word(open + 1)) || DECLARATION_WORDS.has(this.word(open + 1)));
  }

  /** `{ .a = x, [1] = y, z }`: each value in order (a designator holds no call). */
  protected initializer(open: number, out: LOp[]): void {
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
  protected callOfCall(i: number, name: number, out: LOp[]): number {
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
  protected innerCall(i: number, name: number, close: number, out: LOp[]): void {
    // the arguments: as a comma expression, part by part
    this.expr(name + 2, close, out);
    if (name > i) return;
    const comma = this.nextAt(name + 2, close, COMMA);
    const first = name + 2 < comma ? this.textOf(name + 2, comma) : undefined;
    namedCallOps(this.word(name), first, this.row(i), () => this.textOf(i, close + 1), this.ctx, out);
  }

  // --- conditions ---

  /** A condition without its parentheses, likely()/unlikely() and `!`s; whether negated. */
  protected unwrap([a, b]: Range): { a: number; b: number; negated: boolean } {
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
  protected valueTest(cond: Range): { v: string; negated: boolean } | undefined {
    const { a, b, negated } = this.unwrap(cond);
    if (b - a === 1 && this.ident(a) && !GRAMMAR_WORDS.has(this.word(a))) return { v: this.word(a), negated };
    if (this.plainCall(a, b)) return { v: '$call', negated };
    return undefined;
  }

  /** A trylock tested by an if condition (its first token), and whether the then-arm is the one that holds it. */
  protected trylockIn(cond: Range): [call: number, thenHolds: boolean] | undefined {
    const { a, b, negated } = this.unwrap(cond);
    if (!this.plainCall(a, b) || !LOCK_PRIMITIVES.get(this.word(a))?.try) return undefined;
    return [a, !negated];
  }
}
