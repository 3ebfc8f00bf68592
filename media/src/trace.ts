// TEMPORARY STUB
declare function acquireVsCodeApi(): { postMessage(m: unknown): void };
const api = acquireVsCodeApi();
window.addEventListener('message', (e: MessageEvent) => {
  const v = e.data.view;
  document.getElementById('verdict')!.textContent = `${v.verdict.toUpperCase()} ${v.property ?? ''}`;
  const lanes = document.getElementById('lanes')!;
  lanes.textContent = '';
  for (const t of new Set<string>((v.trace?.steps ?? []).map((s: { thread: string }) => s.thread))) { const d = document.createElement('div'); d.dataset.testid = 'lane'; d.textContent = t; lanes.appendChild(d); }
});
api.postMessage({ type: 'ready' });
