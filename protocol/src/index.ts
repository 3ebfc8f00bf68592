// The protocol between the slablens client (client/) and language server (server/): the typed
// requests, what they carry, the settings, and the diff↔document line mapping both sides use.
// It imports the engine's types and nothing else of ours; both sides import it.

export * from './placement';
export * from './requests';
export * from './settings';
export type * from './wire';
