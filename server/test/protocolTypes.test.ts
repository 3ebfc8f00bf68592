// The protocol's types hold the server to its answers: a handler that answers in another shape
// than protocol/src/requests.ts says does not compile. The @ts-expect-error lines are the test
// (tsc -b fails with "Unused '@ts-expect-error' directive" the day such a handler compiles); the
// runtime part checks the requests' method names.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Connection } from 'vscode-languageserver/node';
import * as protocol from '../../protocol/src';

/** Never called: its body only has to compile, or not, as the comments say. */
export function handlersThatMustNotCompile(connection: Connection): void {
  // @ts-expect-error slablens/series/rangeText answers { text: string }, not a number
  connection.onRequest(protocol.SeriesRangeText, () => ({ text: 42 }));
  // @ts-expect-error slablens/pathsToRoot answers string[][] (paths of names), not one path
  connection.onRequest(protocol.PathsToRoot, () => ['kmem_cache_destroy']);
  // @ts-expect-error slablens/series/images: a Placement needs where the hunk landed (oldAt, newAt)
  connection.onRequest(protocol.SeriesImages, () => ({
    pre: '',
    post: '',
    hunks: [{ index: 0, oldStart: 1, newStart: 1, oldLines: 1, newLines: 1 }],
  }));
  // @ts-expect-error slablens/simulate takes a strategy the engine has
  connection.onRequest(protocol.Simulate, (p) => (p.strategy === 'exhaustive' ? null : null));
  // and the answers as they are compile
  connection.onRequest(protocol.SeriesRangeText, () => ({ text: 'x' }));
  connection.onRequest(protocol.PathsToRoot, () => [['kmem_cache_destroy']]);
}

describe('protocol requests', () => {
  it('every request has its own slablens/ method name', () => {
    const methods = (Object.values(protocol) as unknown[])
      .filter((v): v is { method: string } => typeof v === 'object' && v !== null && 'method' in v)
      .map((v) => v.method);
    assert.ok(methods.length >= 14, methods.join(', '));
    for (const m of methods) assert.match(m, /^slablens\/[a-zA-Z/]+$/);
    assert.equal(new Set(methods).size, methods.length);
  });
});
