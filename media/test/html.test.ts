// The page the host puts in the webview: strict CSP, nothing remote, nothing unescaped.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeHtml, makeNonce, traceHtml } from '../src/html';

const opts = {
  cspSource: 'vscode-webview-resource:',
  nonce: makeNonce(),
  scriptUri: 'vscode-webview-resource://ext/dist/media/trace.js',
  styleUri: 'vscode-webview-resource://ext/media/trace.css',
  title: 'slablens: f1-kasan-nofix',
};
const csp = (html: string) => /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html)?.[1] ?? '';

describe('traceHtml', () => {
  it('has a strict CSP: nothing by default, scripts only by nonce, styles only from the extension', () => {
    const html = traceHtml(opts);
    const p = csp(html).replace(/&#39;/g, "'");
    assert.match(p, /^default-src 'none'; /);
    assert.ok(p.includes(`script-src 'nonce-${opts.nonce}'`), p);
    assert.ok(p.includes('style-src vscode-webview-resource:;'), p);
    assert.ok(p.includes('img-src vscode-webview-resource: data:'), p);
    assert.ok(p.includes('font-src vscode-webview-resource:'), p);
    assert.ok(!p.includes('unsafe-inline') && !p.includes('unsafe-eval'), p);
  });

  it('loads one script, with the nonce, and no inline script or style', () => {
    const html = traceHtml(opts);
    const scripts = html.match(/<script\b[^>]*>/g) ?? [];
    assert.equal(scripts.length, 1);
    assert.ok(scripts[0].includes(`nonce="${opts.nonce}"`) && scripts[0].includes(`src="${opts.scriptUri}"`));
    assert.match(html, /<script [^>]*><\/script>/, 'the script element has no inline body');
    assert.ok(!/<style\b/.test(html) && !/\sstyle=/.test(html), 'no inline style');
    assert.ok(!/\son[a-z]+=/i.test(html), 'no inline event handler');
  });

  it('has no remote URL', () => {
    assert.ok(!/https?:\/\//.test(traceHtml(opts)));
  });

  it('escapes the title and the URIs', () => {
    const html = traceHtml({
      ...opts,
      title: '<script>alert(1)</script> & "x"',
      styleUri: 'a"><script>alert(2)</script>',
    });
    assert.ok(html.includes('<title>&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;</title>'));
    assert.ok(!html.includes('<script>alert'));
    assert.equal((html.match(/<script\b/g) ?? []).length, 1);
  });

  it('refuses a cspSource or nonce that could break out of the policy', () => {
    assert.throws(() => traceHtml({ ...opts, cspSource: "x; script-src 'unsafe-inline'" }));
    assert.throws(() => traceHtml({ ...opts, cspSource: '' }));
    assert.throws(() => traceHtml({ ...opts, cspSource: "https://*.vscode-cdn.net 'unsafe-inline'" }));
    assert.throws(() => traceHtml({ ...opts, cspSource: 'a"><script>' }));
    // what VS Code hands out: one host source, sometimes with 'self' or a second source
    assert.ok(
      traceHtml({ ...opts, cspSource: 'https://*.vscode-cdn.net' }).includes('style-src https://*.vscode-cdn.net;'),
    );
    assert.ok(
      traceHtml({ ...opts, cspSource: "'self' https://*.vscode-cdn.net" }).includes(
        'style-src &#39;self&#39; https://*.vscode-cdn.net;',
      ),
    );
    assert.throws(() => traceHtml({ ...opts, nonce: 'short' }));
    assert.throws(() => traceHtml({ ...opts, nonce: "abcdefghijklmnopq' 'unsafe-inline" }));
  });

  it('escapeHtml covers the five characters', () => {
    assert.equal(escapeHtml(`<a href='x'>"&"</a>`), '&lt;a href=&#39;x&#39;&gt;&quot;&amp;&quot;&lt;/a&gt;');
  });
});

describe('makeNonce', () => {
  it('is 128 bits of base64 and differs per call', () => {
    const a = makeNonce();
    const b = makeNonce();
    assert.match(a, /^[A-Za-z0-9+/]{22}==$/);
    assert.notEqual(a, b);
    assert.equal(new Set(Array.from({ length: 50 }, () => makeNonce())).size, 50);
  });

  it('uses the random source it is given', () => {
    assert.equal(
      makeNonce((a) => a.fill(0)),
      'AAAAAAAAAAAAAAAAAAAAAA==',
    );
  });
});
