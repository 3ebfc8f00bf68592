// Values of interpreted C: numbers, NULL, references naming heap objects ("sheaf:3",
// "sheaf:3/rcu_head"), string literals and struct values (heap.ts says what each reference names).

/** A C value: a number, NULL, a reference, a string literal ("\"text"), or a struct value. */
export type CVal = number | null | string | CStruct;
export interface CStruct {
  [field: string]: CVal;
}

export const isRef = (v: CVal): v is string => typeof v === 'string' && !v.startsWith('"');

/** Splits "sheaf:3/rcu_head" into its object and member path. */
export function splitRef(ref: string): { base: string; kind: string; id: string; member: string } {
  const slash = ref.indexOf('/');
  const base = slash < 0 ? ref : ref.slice(0, slash);
  const colon = base.indexOf(':');
  return {
    base,
    kind: colon < 0 ? base : base.slice(0, colon),
    id: colon < 0 ? '' : base.slice(colon + 1),
    member: slash < 0 ? '' : ref.slice(slash + 1),
  };
}
