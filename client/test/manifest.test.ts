// The manifest says everything the extension offers; these checks keep it and the code in step:
// every contributed command is registered, every setting the code reads is declared, every
// grammar loads and its patterns compile, and the .vsix leaves out no file the manifest names.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';

const ROOT = path.resolve(__dirname, '../../..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  main: string;
  contributes: {
    commands: { command: string; title: string; category: string }[];
    configuration: { properties: Record<string, unknown> };
    grammars: { path: string; scopeName: string; language: string }[];
    languages: { id: string; configuration: string }[];
  };
};
const clientSource = (fs.readdirSync(path.join(ROOT, 'client', 'src'), { recursive: true }) as string[])
  .filter((f) => f.endsWith('.ts'))
  .map((f) => fs.readFileSync(path.join(ROOT, 'client', 'src', f), 'utf8'))
  .join('\n');

describe('package.json contributes', () => {
  it('every command is under the Slablens category and registered by the client', () => {
    for (const c of pkg.contributes.commands) {
      assert.equal(c.category, 'Slablens', c.command);
      assert.match(c.command, /^slablens\./);
      assert.ok(clientSource.includes(`'${c.command}'`), `${c.command} is contributed but never registered`);
    }
  });

  it('every setting the client reads is declared', () => {
    // the client reads settings by their full names through setting() (client/src/settings.ts);
    // their defaults are checked against package.json in protocol/test/settings.test.ts
    const declared = new Set(Object.keys(pkg.contributes.configuration.properties));
    const keys = [...clientSource.matchAll(/\bsetting\('([\w.]+)'\)/g)].map((m) => m[1]);
    assert.ok(keys.length >= 4, `found only ${keys.length} reads`);
    for (const k of keys) assert.ok(declared.has(k), `${k} is read but not declared`);
    assert.deepEqual(
      [...clientSource.matchAll(/\.get<[^>]+>\('([\w.]+)'/g)].map((m) => m[1]),
      [],
      'a setting read around setting() has no checked default',
    );
  });

  it('grammars and language configurations load; their patterns compile', () => {
    const walk = (node: unknown, out: string[]) => {
      if (Array.isArray(node)) node.forEach((n) => walk(n, out));
      else if (node && typeof node === 'object') {
        for (const [k, v] of Object.entries(node)) {
          if ((k === 'match' || k === 'begin' || k === 'end') && typeof v === 'string') out.push(v);
          else walk(v, out);
        }
      }
      return out;
    };
    for (const g of pkg.contributes.grammars) {
      const grammar = JSON.parse(fs.readFileSync(path.join(ROOT, g.path), 'utf8')) as { scopeName: string };
      assert.equal(grammar.scopeName, g.scopeName);
      for (const re of walk(grammar, [])) assert.doesNotThrow(() => new RegExp(re), `${g.path}: ${re}`);
    }
    for (const l of pkg.contributes.languages) JSON.parse(fs.readFileSync(path.join(ROOT, l.configuration), 'utf8'));
  });

  it('the patch-mail grammar tells trailers, quotes and diff lines apart', () => {
    const g = JSON.parse(fs.readFileSync(path.join(ROOT, 'syntaxes', 'kernel-patch-mail.tmLanguage.json'), 'utf8')) as {
      repository: Record<string, { match?: string; patterns?: { match: string; name: string }[] }>;
    };
    assert.match('Reviewed-by: Harry Yoo <harry.yoo@oracle.com>', new RegExp(g.repository.trailer.match!));
    const quote = g.repository.quote.patterns!;
    assert.equal(
      quote.find((p) => new RegExp(p.match).test('> +\trcu_barrier();'))!.name,
      'markup.quote.inserted.kernel-patch',
    );
    assert.equal(
      quote.find((p) => new RegExp(p.match).test('> > earlier reply'))!.name,
      'markup.quote.level2.kernel-patch',
    );
  });

  it('the .vsix keeps the entry points the manifest names', () => {
    const ignore = fs.readFileSync(path.join(ROOT, '.vscodeignore'), 'utf8');
    assert.equal(pkg.main, './dist/extension.js');
    for (const kept of [
      'dist/',
      'syntaxes/',
      'media/trace.css',
      'node_modules/tree-sitter/prebuilds',
      'node_modules/tree-sitter-c/prebuilds',
    ]) {
      assert.ok(
        !ignore
          .split('\n')
          .some(
            (l) => l.trim() && !l.startsWith('#') && kept.startsWith(l.replace(/\*\*$/, '').replace(/\/\*\*$/, '/')),
          ),
        `${kept} would be left out`,
      );
    }
  });
});
