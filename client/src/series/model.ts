// What the client gets from slablens/series/* (server/src/seriesService.ts), and the virtual
// document addresses of a series: slablens-series:/<key>/<patch>/<pre|post>/<path in the tree>.

import * as vscode from 'vscode';

export const SCHEME = 'slablens-series';

export interface Address {
  name: string;
  address: string;
}

export interface HunkInfo {
  index: number;
  header: string;
  newStart: number;
  oldStart: number;
  functions: string[];
}

export interface FileInfo {
  path: string;
  status: string;
  added: number;
  removed: number;
  hunks: HunkInfo[];
}

export interface PatchInfo {
  number: number;
  subject: string;
  title: string;
  from: Address;
  date?: string;
  art: { a: number; r: number; t: number };
  trailers: string[];
  replies: number;
  functions: string[];
  problems: string[];
  /** the reviewer's comments on an earlier revision that came to this patch */
  carried?: { version: number; open: number; addressed: number };
  files: FileInfo[];
}

export interface ReviewComment {
  file: string;
  line: number;
  side: 'new' | 'old';
  text: string;
}

export interface ReviewFile {
  state: 'new' | 'reviewing' | 'replied';
  patches: Record<string, { viewed: boolean; trailers: string[]; comments: ReviewComment[] }>;
}

export interface SeriesInfo {
  /** this revision */
  key: string;
  /** the series across its revisions (change-id, else the title's slug) */
  base: string;
  input: string;
  format: string;
  title: string;
  version: number;
  rfc: boolean;
  total: number;
  messages: number;
  missing: number[];
  problems: string[];
  cover?: { subject: string; from: Address; date?: string; replies: number };
  patches: PatchInfo[];
  review?: ReviewFile;
  reviewError?: string;
  /** the review of an earlier revision in this workspace: its comments open here, addressed, or on dropped patches */
  earlier?: { version: number; open: number; addressed: number; unpaired: number };
  hasWorkspaceFiles: boolean;
}

export interface Placement {
  index: number;
  /** where the hunk landed in the documents we show (1-based), and where the mail says it starts */
  oldAt: number;
  newAt: number;
  oldStart: number;
  newStart: number;
  oldLines: number;
  newLines: number;
}

export interface Images {
  pre: string | null;
  post: string | null;
  error?: string;
  status?: string;
  hunks: Placement[];
}

export interface ListThread {
  messageId: string;
  from: Address;
  date?: string;
  subject: string;
  trailers: string[];
  side: 'new' | 'old';
  line: number;
  endLine: number;
  text: string;
  quoted: string[];
}

export interface Threads {
  list: ListThread[];
  own: { index: number; side: 'new' | 'old'; text: string; line: number }[];
  /** the reviewer's comments on an earlier revision still open on this patch */
  carried: { version: number; patch: number; side: 'new' | 'old'; text: string; line: number; why: string }[];
  error?: string;
  reviewError?: string;
}

export type Side = 'pre' | 'post';

export function imageUri(key: string, patch: number, side: Side, file: string): vscode.Uri {
  return vscode.Uri.from({ scheme: SCHEME, path: `/${encodeURIComponent(key)}/${patch}/${side}/${file}` });
}

export function parseImageUri(u: vscode.Uri): { key: string; patch: number; side: Side; file: string } | undefined {
  const m = /^\/([^/]+)\/(\d+)\/(pre|post)\/(.+)$/.exec(u.path);
  return m ? { key: decodeURIComponent(m[1]), patch: Number(m[2]), side: m[3] as Side, file: m[4] } : undefined;
}

export interface CarriedComment {
  file: string;
  line: number;
  side: 'new' | 'old';
  text: string;
  addressed: boolean;
  was: { line: number; side: 'new' | 'old' };
  why: string;
}

/** slablens/series/compare: this revision against an earlier one, as a range-diff. */
export interface Comparison {
  older: { key: string; version: number };
  newer: { key: string; version: number };
  pairs: { old: number; new: number; title: string; changed: boolean; added: number; removed: number }[];
  dropped: { number: number; title: string }[];
  added: { number: number; title: string }[];
  olderMissing: number[];
  comments: { from: { version: number; patch: number; title?: string }; to?: number; comments: CarriedComment[] }[];
  reviewError?: string;
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
