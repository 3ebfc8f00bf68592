// TEMPORARY STUB
export const makeNonce = () => Math.random().toString(36).slice(2) + Math.random().toString(36).slice(2);
export function traceHtml(o: { cspSource: string; nonce: string; scriptUri: string; styleUri: string; title: string }): string {
  return `<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${o.cspSource}; script-src 'nonce-${o.nonce}';"><link rel="stylesheet" href="${o.styleUri}"></head><body><div data-testid="verdict" id="verdict">waiting</div><div id="lanes"></div><script nonce="${o.nonce}" src="${o.scriptUri}"></script></body></html>`;
}
