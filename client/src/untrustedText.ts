// Text from mail and traces shown by the extension: series titles, subjects, names, problems,
// notes. Markdown renders links and remote images from it, a notification makes [x](command:…)
// a live link, and the markdown preview passes raw HTML: such text is escaped before it is shown
// in any of them. No vscode import here (tested on its own).

/** Markdown that shows `s` as its literal text: every markdown and HTML special escaped. */
export function mdText(s: string): string {
  return s
    .replace(/[\\`*_{}[\]()#+\-.!|~>]/g, '\\$&')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/\r?\n/g, ' ');
}

/**
 * A notification's text: plain, with no link in it. VS Code makes `[label](command:…)` and
 * `[label](https:…)` in a notification's message a live link; a space between `]` and `(` leaves
 * both brackets as written.
 */
export function plainText(s: string): string {
  return s.replace(/\](\s*)\(/g, '] (').replace(/[\r\n]+/g, ' ');
}
