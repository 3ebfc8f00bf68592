// The trace webview's page. Pure (no vscode import): the host passes webview.cspSource and the
// webview URIs of the built assets. All content arrives later by postMessage and is set as text.

export interface TraceHtmlOptions {
  /** webview.cspSource */
  cspSource: string;
  nonce: string;
  /** webview.asWebviewUri(dist/media/trace.js) */
  scriptUri: string;
  /** webview.asWebviewUri(media/trace.css) */
  styleUri: string;
  title: string;
}

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ESC[c]);

/** 128 bits, base64: a nonce must be unguessable per page load. */
export function makeNonce(random: (a: Uint8Array) => Uint8Array = defaultRandom): string {
  const bytes = random(new Uint8Array(16));
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

function defaultRandom(a: Uint8Array): Uint8Array {
  // structural type: the same file type-checks in the webview (DOM) and the host (node) builds
  const c = (globalThis as { crypto?: { getRandomValues(a: Uint8Array): Uint8Array } }).crypto;
  if (!c) throw new Error('no crypto.getRandomValues: cannot make a CSP nonce');
  return c.getRandomValues(a);
}

export function traceHtml(o: TraceHtmlOptions): string {
  if (!/^[A-Za-z0-9+/=_-]{16,}$/.test(o.nonce))
    throw new Error('traceHtml: nonce must be at least 16 base64 characters');
  // cspSource goes into the policy: each space-separated source must be a scheme/host source or
  // 'self', nothing that could end the directive or add a keyword like 'unsafe-inline'
  const sources = o.cspSource.trim().split(/\s+/);
  if (!o.cspSource.trim() || !sources.every((x) => x === "'self'" || /^[A-Za-z0-9*.:/_[\]-]+$/.test(x)))
    throw new Error('traceHtml: invalid cspSource');
  const csp = [
    "default-src 'none'",
    `style-src ${o.cspSource}`,
    `script-src 'nonce-${o.nonce}'`,
    `img-src ${o.cspSource} data:`,
    `font-src ${o.cspSource}`,
  ].join('; ');
  const e = escapeHtml;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${e(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${e(o.styleUri)}">
<title>${e(o.title)}</title>
</head>
<body>
<main id="app" aria-busy="true">
<p id="loading" class="muted">Waiting for the simulation result…</p>
</main>
<script nonce="${e(o.nonce)}" src="${e(o.scriptUri)}"></script>
</body>
</html>
`;
}
