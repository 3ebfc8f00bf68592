// Issue 18 finding 11: mail and trace text shown in markdown and notifications is escaped. The
// escaped markdown is rendered here by markdown-it, the renderer VS Code's hovers, tooltips and
// preview use, with HTML on (as the preview has it).

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { mdText, plainText } from '../src/untrustedText';

const ROOT = path.resolve(__dirname, '../../..');
// VS Code's notification link syntax (parseLinkedText): what must not match in a notification
/** markdown-it (a dependency of @vscode/vsce, in node_modules), with HTML on as the preview has it */
function markdownIt(): { render(s: string): string } {
  const MarkdownIt = createRequire(__filename)(path.join(ROOT, 'node_modules/markdown-it')) as new (o: object) => {
    render(s: string): string;
  };
  return new MarkdownIt({ html: true, linkify: false });
}
const LINK = /\[([^\]]+)\]\(((?:https?:\/\/|command:|file:)[^)\s]+)(?: (["'])(.+?)(\3))?\)/i;

describe('finding 11: mail text in markdown and notifications', () => {
  it('a series title with a command link and an image: no link, no image, no HTML once rendered', async () => {
    const md = markdownIt();
    const title =
      '[x](command:workbench.action.terminal.sendSequence?%7B%22text%22%3A%22rm%22%7D) ![i](https://attacker.example/p.png) <img src=x onerror=alert(1)> **bold** `code`';
    const html = md.render(`# ${mdText(title)}: kmem_cache_destroy before/after each patch`);
    assert.doesNotMatch(html, /<a |<img |<strong>|<code>/, html);
    assert.match(html, /\[x\]\(command:/);
    assert.match(html, /&lt;img src=x/);
  });
  it('property: any text renders to exactly itself (no markup of its own)', () => {
    const md = markdownIt();
    const unescape = (h: string) =>
      h
        .replace(/<\/?p>\n?/g, '')
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&quot;/g, '"')
        .replace(/&amp;/g, '&');
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...'[]()!<>*_`#\\&|~-+.{}ab c:'.split('')), maxLength: 40 }),
        (s) => {
          const html = md.render(`x ${mdText(s)}`);
          assert.doesNotMatch(html, /<(a|img|em|strong|code|del|h\d|ul|ol|blockquote|table|script)\b/, html);
          const norm = (t: string) => t.replace(/\s+/g, ' ').trim();
          assert.equal(norm(unescape(html)), norm(`x ${s}`));
        },
      ),
      { numRuns: 300 },
    );
  });
  it('a notification never carries a live link', () => {
    const t = plainText('Slablens: [click me](command:slablens.series.simulate) and [web](https://attacker.example)');
    assert.doesNotMatch(t, LINK);
    assert.match(t, /\[click me\] \(command:/);
  });
  it('the client shows mail text through these helpers', () => {
    const src = (f: string) => fs.readFileSync(path.join(ROOT, 'client/src', f), 'utf8');
    // every notification with an interpolation goes through plainText
    for (const f of [
      'series/index.ts',
      'series/comments.ts',
      'extension.ts',
      'annotations.ts',
      'simulate.ts',
      'tracePanel.ts',
      'experiment.ts',
    ]) {
      for (const m of src(f).matchAll(/show(Error|Warning|Information)Message\(\s*(.{0,12})/g))
        if (!m[2].startsWith('plainText(') && !m[2].startsWith("'")) assert.fail(`${f}: ${m[0]}`);
    }
    // every MarkdownString with mail text is built from mdText or appendText
    assert.doesNotMatch(src('series/tree.ts'), /\*\*\$\{(s\.title|p\.subject)\}\*\*/);
    assert.doesNotMatch(src('series/index.ts'), /`# \$\{at\.s\.title\}/);
  });
});
