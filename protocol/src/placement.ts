// Where a patch's hunks landed in the documents we show, and the line arithmetic between the two:
// a line as the mail numbers it (the @@ header's start plus the offset in the hunk) and the same
// line in the pre- or post-image document (a patch applies with offset and fuzz, so the hunk may
// sit elsewhere). The server maps the list's replies and the reviewer's comments with it; the
// client its diff selection and the lines that take comments. No vscode, no I/O: both sides import it.

/** The two sides of a diff: the pre-image (`old`, removed lines) and the post-image (`new`). */
export type Side = 'new' | 'old';

/** Where one hunk of a file landed. Lines are 1-based. */
export interface Placement {
  index: number;
  /** first line of the hunk in the pre-image and the post-image we show */
  oldAt: number;
  newAt: number;
  /** where the mail's @@ header says it starts, and how many lines it spans on each side */
  oldStart: number;
  newStart: number;
  oldLines: number;
  newLines: number;
}

/** The hunk on one side: its start in the mail, its length, its start in the document. */
function onSide(h: Placement, side: Side): { start: number; n: number; at: number } {
  return side === 'new'
    ? { start: h.newStart, n: h.newLines, at: h.newAt }
    : { start: h.oldStart, n: h.oldLines, at: h.oldAt };
}

/**
 * The document lines a hunk covers on one side, first and last (1-based). A hunk with no line on
 * a side (a pure addition seen from the pre-image) still covers the one line it sits at.
 */
export function hunkSpan(h: Placement, side: Side): { first: number; last: number } {
  const { n, at } = onSide(h, side);
  return { first: at, last: at + Math.max(n, 1) - 1 };
}

/** Patch line (as in the mail) → line of the document we show, on one side; undefined outside every hunk. */
export function toDoc(placements: Placement[], side: Side, patchLine: number): number | undefined {
  for (const h of placements) {
    const { start, n, at } = onSide(h, side);
    if (patchLine >= start && patchLine < start + Math.max(n, 1)) return patchLine - start + at;
  }
  return undefined;
}

/** Line of the document we show → patch line (as in the mail), on one side; undefined outside every hunk. */
export function toPatch(placements: Placement[], side: Side, docLine: number): number | undefined {
  for (const h of placements) {
    const { start, n, at } = onSide(h, side);
    if (docLine >= at && docLine < at + Math.max(n, 1)) return docLine - at + start;
  }
  return undefined;
}
