// Pinned call paths (slablens/annotations), each function resolved to where it is now, and the
// call paths a new one can be picked from (slablens/pathsToRoot).

import { Annotations, AnnotationsParams, AnnotationsResult, PathsToRoot } from '../../../protocol/src';
import { AnnotationStore } from '../annotations';
import { ServerContext } from '../context';

/** list / add / remove pinned call paths; each function resolved to where it is now. */
export function annotations(ctx: ServerContext, p: AnnotationsParams): AnnotationsResult {
  if (!ctx.annotationRoot)
    return {
      annotations: [],
      error: 'no workspace folder: annotations are stored in <folder>/.slablens/annotations.json',
    };
  const store = new AnnotationStore(ctx.annotationRoot);
  const r =
    p.action === 'add'
      ? store.add(p.path ?? [], p.note ?? '')
      : p.action === 'remove'
        ? store.remove(p.id ?? -1)
        : store.load();
  return {
    error: r.error,
    annotations: r.annotations.map((a) => ({
      ...a,
      locations: a.path.map((fn) => {
        const d = ctx.analyzer.definition(fn);
        return d
          ? { function: fn, uri: d.uri, line: d.selectionRange.start.line }
          : { function: fn, missing: true as const };
      }),
    })),
  };
}

export function registerAnnotations(ctx: ServerContext): void {
  ctx.connection.onRequest(Annotations, (p) => annotations(ctx, p));
  ctx.connection.onRequest(PathsToRoot, (p) => ctx.analyzer.pathsToRoot(p.function));
}
