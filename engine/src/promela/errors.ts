/** The scenario uses something the Promela export has no translation for: refused, never dropped. */
export class ExportError extends Error {}
