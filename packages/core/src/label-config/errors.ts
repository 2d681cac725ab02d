/**
 * What went wrong with a label config:
 * - `syntax`: the XML is not well-formed (Python: `LabelStudioXMLSyntaxErrorSentryIgnored`), including
 *   undefined entities, external entity references and entity reference loops;
 * - `value`: Python `ValueError` cases: lxml's (a `str` with an encoding declaration, a non-string
 *   config) and `LabelInterface.getFirstTagOccurrence` finding no matching tags;
 * - `limit`: a safety bound of this port was hit (input size, entity expansion, nesting depth). Python
 *   reports these as XML syntax errors too, so the error name is the same as for `syntax`.
 */
export type LabelConfigErrorKind = 'syntax' | 'value' | 'limit';

/** Python's exception class names, so a server can print `${name}: ${message}` exactly like Python. */
export const SYNTAX_ERROR_NAME = 'LabelStudioXMLSyntaxErrorSentryIgnored';
export const VALUE_ERROR_NAME = 'ValueError';

const BRAND = Symbol.for('lsml.LabelConfigError');

/** A label config that cannot be parsed or used; `kind` says why and `name` is Python's exception name for it. */
export class LabelConfigError extends Error {
  readonly kind: LabelConfigErrorKind;

  constructor(kind: LabelConfigErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
    this.name = kind === 'value' ? VALUE_ERROR_NAME : SYNTAX_ERROR_NAME;
    Object.defineProperty(this, BRAND, { value: true });
  }

  /** True for a LabelConfigError from any copy of @lsml/core (a model file may load the CJS build). */
  static isLabelConfigError(value: unknown): value is LabelConfigError {
    return value instanceof Error && (value as unknown as Record<symbol, unknown>)[BRAND] === true;
  }
}
