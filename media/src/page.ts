// The trace webview's state: the result shown, the selected step and the reviewer's choices
// (kept by VS Code across a reload of the page), and the host's API. The rendering modules call
// back into the page through `nav`, which trace.ts fills in: they need not import it (no cycle).

import type { Trace, TraceStep } from '../../engine/src';
import type { Lane } from './model';
import type { FromWebview, SimulationView } from './protocol';

interface VsCodeApi {
  postMessage(m: FromWebview): void;
  getState(): unknown;
  setState(s: PersistedState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

export interface PersistedState {
  view: SimulationView;
  current: number;
  hb: boolean;
  filter: string;
  changedOnly: boolean;
  watched: string[];
}

const vscode = acquireVsCodeApi();

export interface Model {
  view: SimulationView;
  trace: Trace | null;
  lanes: Lane[];
  states: Record<string, string>[];
  failing: number | null;
  rows: HTMLElement[];
}

export interface SelectOptions {
  post: boolean;
  scroll: boolean;
  focus?: boolean;
}

/** What the page shows and where the reviewer is in it. */
export const st = {
  model: null as Model | null,
  current: 0,
  hbEnabled: true,
  filter: '',
  changedOnly: false,
  /** state keys the reviewer follows across the trace (o0, rcu.cb#0, …) */
  watched: [] as string[],
};

/** The page's moves, set by trace.ts. */
export const nav = {
  select: (_i: number, _o: SelectOptions): void => undefined,
  step: (_delta: number, _e: Event): void => undefined,
  applyOrder: (): void => undefined,
  markWatched: (): void => undefined,
  revealStep: (_s: TraceStep, _focus?: boolean): void => undefined,
};

export function persist(): void {
  const { model, current, hbEnabled: hb, filter, changedOnly, watched } = st;
  if (model) vscode.setState({ view: model.view, current, hb, filter, changedOnly, watched });
}

export function post(m: FromWebview): void {
  vscode.postMessage(m);
}

export function savedState(): Partial<PersistedState> | undefined {
  return vscode.getState() as Partial<PersistedState> | undefined;
}
