// What the engine cannot model (a missing leaf, an unsupported C construct): its own module so
// that the interpreter's parts can throw it without importing the machine that runs them.

export class ModelError extends Error {
  /** the interpreted C function that was running when it was raised (set by the interpreter) */
  at?: { fn: string; line: number };
}
