// Cycles met by the stateful searches (naive, stateful dpor): a step that leads back to a state
// on the current path, e.g. a retry loop of interpreted C whose round leaves everything as it
// was. The state key leaves out the rounds counter of each C frame (interp.ts: `loops`, the
// bound behind "livelock"), so that two states that differ only in it are merged. On a cycle
// they must not be: the state is keyed again with the counters (`counted`), and the search goes
// on round the loop as a stateless search does, until the loop leaves or its counter reaches
// MAX_LOOPS and the run reports a livelock. Every strategy then gives the same verdict, the search
// ends, and a retry that can never leave is never a PASS.
//
// A cycle that no counter goes round (a loop outside interpreted C) stops the search as
// incomplete, with this reason: it is not taken for a pass either.

import type { State } from './state';

/** The rounds each task's C frames have taken, in the task order of the state key. */
export function loopCounts(s: State): string {
  const out: string[] = [];
  for (const t of s.tasks) {
    const n = t.frames.map((f) => (f.k === 'c' ? (f.loops ?? 0) : '-')).join(',');
    if (/[1-9]/.test(n)) out.push(`${t.id}:${n}`);
  }
  return out.sort().join(';');
}

/** The key of a state met again on the path: with its loop counters. */
export const counted = (key: string, s: State): string => `${key}#loops:${loopCounts(s)}`;

export const UNCOUNTED_CYCLE =
  'the state graph has a cycle that no loop counter goes round (a retry outside interpreted C), which the stateful search does not cover (use --stateless)';
