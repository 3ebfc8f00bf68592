// One live object of each class the lock rules make per run. V8 frees the hidden class (the map)
// of a class's instances once none is alive, and with it throws away the optimized code of every
// method that checks for that map. The rules run again after full collections (the editor's lint
// on each pause in typing, bench:server), and each run after one ran interpreted for most of its
// time: 2–3× slower (V8's --trace-deopt: "marking dependent code ... reason: weak objects").

const kept = new Map<unknown, object>();

/** Keep `o`, the last object of its class made, alive until the next one. */
export function keepShape(o: object): void {
  kept.set(o.constructor, o);
}
