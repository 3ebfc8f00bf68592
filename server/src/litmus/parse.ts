// Reading a scenario file's frame: bytes → text (UTF-8 or a positioned error), text → LitmusAst
// (a peggy parser generated once per process from grammar.ts), syntax errors with their position.

import * as peggy from 'peggy';
import type { Observation } from '../../../engine/src';
import { diag, LitmusAst, LitmusError, SrcLoc } from './ast';
import { GRAMMAR } from './grammar';

let parser: peggy.Parser | undefined;

function frameParser(): peggy.Parser {
  parser ??= peggy.generate(GRAMMAR);
  return parser;
}

/** The file's text, or a LitmusError at the first byte that is not UTF-8. */
export function decodeScenario(file: string, bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    let line = 1;
    let column = 1;
    for (let i = 0; i < bytes.length;) {
      const n = utf8Length(bytes, i);
      if (n === 0)
        throw new LitmusError(
          file,
          diag(
            `not UTF-8: byte 0x${bytes[i].toString(16).padStart(2, '0')} cannot start or continue a character (save the file as UTF-8)`,
            { line, column },
          ),
        );
      if (bytes[i] === 0x0a) {
        line++;
        column = 1;
      } else column += n === 4 ? 2 : 1; // UTF-16 columns, as editors count them
      i += n;
    }
    throw new LitmusError(file, diag('not UTF-8', { line, column }));
  }
}

/** Length of the well-formed UTF-8 sequence at i, or 0. */
function utf8Length(b: Uint8Array, i: number): number {
  const c = b[i];
  const cont = (k: number) => i + k < b.length && (b[i + k] & 0xc0) === 0x80;
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    if (!cont(1) || !cont(2)) return 0;
    if (c === 0xe0 && b[i + 1] < 0xa0) return 0;
    if (c === 0xed && b[i + 1] >= 0xa0) return 0;
    return 3;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c === 0xf0 && b[i + 1] < 0x90) return 0;
    if (c === 0xf4 && b[i + 1] >= 0x90) return 0;
    return 4;
  }
  return 0;
}

interface Raw extends Omit<LitmusAst, 'description' | 'expected' | 'expectedLoc'> {
  comments: { text: string; loc: SrcLoc }[];
}

const RESULT = /\bResult:\s*(\S+)/;

/** Parse the frame. Throws LitmusError with the position of a syntax error. */
export function parseFrame(file: string, text: string): LitmusAst {
  let raw: Raw;
  try {
    raw = frameParser().parse(text) as Raw;
  } catch (e) {
    // the generated parser's own SyntaxError class (not peggy.parser.SyntaxError)
    if (e instanceof Error && e.name === 'SyntaxError' && 'location' in e) {
      const se = e as unknown as peggy.parser.SyntaxError;
      const l = se.location.start;
      throw new LitmusError(file, diag(`syntax error: ${syntaxMessage(se)}`, { line: l.line, column: l.column }));
    }
    throw e;
  }
  const { comments, ...rest } = raw;
  let expected: Observation | undefined;
  let expectedLoc: SrcLoc | undefined;
  for (const c of comments) {
    const m = RESULT.exec(c.text);
    if (!m) continue;
    const lines = c.text.slice(0, m.index).split('\n');
    const line = c.loc.line + lines.length - 1;
    const column = (lines.length === 1 ? c.loc.column + 2 : 1) + lines[lines.length - 1].length;
    const at: SrcLoc = {
      line,
      column,
      offset: c.loc.offset,
      endLine: line,
      endColumn: column + m[0].length,
      endOffset: c.loc.offset,
    };
    if (expected)
      throw new LitmusError(file, diag('a second Result: comment (the file states one expected result)', at));
    if (m[1] !== 'Never' && m[1] !== 'Sometimes' && m[1] !== 'Always')
      throw new LitmusError(file, diag(`Result: ${m[1]} — herd7's results are Never, Sometimes or Always`, at));
    expected = m[1];
    expectedLoc = at;
  }
  const first = comments.find((c) => c.loc.offset < raw.initLoc.offset);
  return { ...rest, description: first ? commentText(first.text) : '', expected, expectedLoc };
}

/** A comment's text: ` * ` margins and the Result line taken out, blank edges trimmed. */
export function commentText(body: string): string {
  const lines = body.split('\n').map((l) => l.replace(/^\s*\*(?!\))\s?/, '').trimEnd());
  const kept = lines.filter((l) => !RESULT.test(l));
  while (kept.length && !kept[0].trim()) kept.shift();
  while (kept.length && !kept[kept.length - 1].trim()) kept.pop();
  return kept.map((l) => l.trim()).join('\n');
}

/** peggy's expectation list without the white space and comments that may come anywhere. */
function syntaxMessage(e: peggy.parser.SyntaxError): string {
  const found = e.found === null ? 'end of file' : JSON.stringify(e.found);
  if (e.found === null && e.expected?.some((x) => x.type === 'literal' && x.text === '}'))
    return "end of file inside a '{ … }': a brace is not closed";
  const expected = (e.expected ?? []).filter(
    (x) => !(x.type === 'other' && (x.description === 'white space' || x.description === 'a comment')),
  );
  const names = [
    ...new Set(
      expected.map((x) =>
        x.type === 'literal'
          ? JSON.stringify(x.text)
          : x.type === 'other'
            ? x.description
            : x.type === 'end'
              ? 'end of file'
              : x.type === 'class'
                ? classText(x)
                : 'anything',
      ),
    ),
  ];
  if (!names.length) return e.message;
  const list = names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}` : names[0];
  return `expected ${list}, found ${found}`;
}

function classText(x: { parts: (string | string[])[]; inverted: boolean }): string {
  if (x.inverted) return 'a character';
  const p = x.parts.map((q) => (Array.isArray(q) ? `${q[0]}-${q[1]}` : q)).join('');
  return p === '0-9' ? 'a digit' : `one of [${p}]`;
}
