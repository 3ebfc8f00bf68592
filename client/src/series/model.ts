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
  key: string;
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
  hasWorkspaceFiles: boolean;
}

export interface Placement {
  index: number;
  oldAt: number;
  newAt: number;
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

export const pad = (n: number, total: number) => String(n).padStart(String(Math.max(total, 9)).length, '0');
