// What a search keyed up to a CPU renaming covered, in words (the CLI's line, the trace view's row).

import type { SymmetryReport } from './symmetry';

export function symmetryText(y: SymmetryReport): string {
  if (y.none) return `covered nothing: ${y.none}`;
  const classes = y.classes.map((c) => `{${c.map((x) => `CPU${x}`).join(', ')}}`).join(', ');
  return (
    `${classes} interchangeable by their setup; ${y.permuted} of ${y.keyed} states keyed up to a renaming of them` +
    ` (only where nothing still to run tells them apart)${y.mappedHits ? `; ${y.mappedHits} cache hits through a renaming` : ''}` +
    `${y.refusedHits ? `; ${y.refusedHits} refused (a footprint the renaming does not know)` : ''}`
  );
}
