// The virtual document addresses of a series: slablens-series:/<key>/<patch>/<pre|post>/<path in
// the tree>. What slablens/series/* answers is defined once, in protocol/src/wire.ts.

import * as vscode from 'vscode';

export const SCHEME = 'slablens-series';

export type {
  Address,
  CarriedComment,
  Comparison,
  FileInfo,
  HunkInfo,
  Images,
  ListThread,
  PatchInfo,
  Placement,
  ReviewComment,
  ReviewFile,
  SeriesCheckResult,
  SeriesInfo,
  Threads,
} from '../../../protocol/src';

/** Which virtual document of a patch: the file before it (pre) or after it (post). */
export type Side = 'pre' | 'post';

export function imageUri(key: string, patch: number, side: Side, file: string): vscode.Uri {
  return vscode.Uri.from({ scheme: SCHEME, path: `/${encodeURIComponent(key)}/${patch}/${side}/${file}` });
}

export function parseImageUri(u: vscode.Uri): { key: string; patch: number; side: Side; file: string } | undefined {
  const m = /^\/([^/]+)\/(\d+)\/(pre|post)\/(.+)$/.exec(u.path);
  return m ? { key: decodeURIComponent(m[1]), patch: Number(m[2]), side: m[3] as Side, file: m[4] } : undefined;
}

/** A patch as a range-diff compares it (title, message, diff without line numbers): a .diff so it is coloured as one. */
export function rangeUri(key: string, patch: number): vscode.Uri {
  return vscode.Uri.from({ scheme: SCHEME, path: `/${encodeURIComponent(key)}/${patch}/range-diff.diff` });
}

export function parseRangeUri(u: vscode.Uri): { key: string; patch: number } | undefined {
  const m = /^\/([^/]+)\/(\d+)\/range-diff\.diff$/.exec(u.path);
  return m ? { key: decodeURIComponent(m[1]), patch: Number(m[2]) } : undefined;
}

export const pad = (n: number, total: number) => String(n).padStart(String(Math.max(total, 9)).length, '0');
