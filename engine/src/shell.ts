// A command shown for copying into a shell is built from words each quoted for POSIX sh: a
// scenario id or a file name from a trace ("f1'; touch x") stays one argument and never runs.

/** One word for sh: left bare when it is only safe characters, else in single quotes. */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./~-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A command line for sh from its words. */
export const shellCommand = (words: string[]): string => words.map(shellQuote).join(' ');
