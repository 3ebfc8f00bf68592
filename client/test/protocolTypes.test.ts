// The protocol's types hold the client to the server's answers: code that reads an answer as
// another shape than protocol/src/requests.ts says does not compile. The @ts-expect-error lines
// are the test (tsc -b fails with "Unused '@ts-expect-error' directive" the day such code compiles).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LanguageClient } from 'vscode-languageclient/node';
import { SeriesImages, SeriesRangeText, Simulate } from '../../protocol/src';

/** Never called: its body only has to compile, or not, as the comments say. */
export async function readsThatMustNotCompile(client: LanguageClient): Promise<void> {
  // @ts-expect-error the answer's text is a string
  const n: number = (await client.sendRequest(SeriesRangeText, { key: 'k', patch: 1 })).text;
  // @ts-expect-error a Placement has no `start` (it has oldStart/newStart, oldAt/newAt)
  const s: number = (await client.sendRequest(SeriesImages, { key: 'k', patch: 1, file: 'mm/slub.c' })).hunks[0].start;
  // @ts-expect-error slablens/simulate's parameters have no `cpu` (it is `cpus`)
  await client.sendRequest(Simulate, { function: 'kmem_cache_destroy', cpu: 2 });
  // the answers as they are compile, with no cast
  const r = await client.sendRequest(Simulate, { function: 'kmem_cache_destroy', cpus: 2 });
  const verdict: 'pass' | 'fail' | 'incomplete' = r.verdict;
  void [n, s, verdict];
}

describe('protocol types on the client', () => {
  it('compiles only what reads the answers as they are (see the @ts-expect-error lines)', () => {
    assert.equal(typeof readsThatMustNotCompile, 'function');
  });
});
