// XML 1.0 names, characters and the two LabelConfigError kinds the XML front end raises; shared by
// xml.ts (elements, namespaces) and dtd.ts (the internal DTD subset and entity expansion).
import { LabelConfigError } from './errors.js';

/** The five entities XML predefines. */
export const PREDEFINED = new Set(['lt', 'gt', 'amp', 'apos', 'quot']);

/** XML 1.0 (5th ed.) NameStartChar, as a regex character-class body. */
export const NAME_START =
  ':A-Z_a-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C-\\u200D' +
  '\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD\\u{10000}-\\u{EFFFF}';
/** XML 1.0 NameChar, as a regex character-class body. */
export const NAME_CHAR = `${NAME_START}\\-.0-9\\u00B7\\u0300-\\u036F\\u203F-\\u2040`;
/** An XML Name (regex source). */
export const NAME = `[${NAME_START}][${NAME_CHAR}]*`;
/** An XML Name at a given position (sticky). */
export const NAME_RE = new RegExp(NAME, 'uy');
/** A general entity or character reference at a given position (sticky). */
export const REF_RE = new RegExp(`&(?:#[0-9]+|#x[0-9a-fA-F]+|(${NAME}));`, 'uy');
/** All named references in a replacement text (for size estimation). */
export const NAMED_REF_GLOBAL_RE = new RegExp(`&(${NAME});`, 'gu');

/** A `syntax` LabelConfigError (lxml's XMLSyntaxError). */
export function syntaxError(message: string): LabelConfigError {
  return new LabelConfigError('syntax', message);
}

/** A `limit` LabelConfigError (a safety bound of this port). */
export function limitError(message: string): LabelConfigError {
  return new LabelConfigError('limit', message);
}

/** XML white space (S): space, tab, LF, CR. */
export function isXmlSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r';
}

/** XML 1.0 Char: a code point allowed in a document. */
export function isXmlChar(cp: number): boolean {
  return (
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

/** What libxml2's URI parser accepts (RFC 3986 characters, `%XX` escapes, one `#`); it never fetches anything. */
export function isValidUri(uri: string): boolean {
  if (!/^(?:[A-Za-z0-9\-._~:/?#@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$/.test(uri)) return false;
  if (uri.indexOf('#') !== uri.lastIndexOf('#')) return false;
  // A colon before any '/', '?' or '#' ends a scheme, which must be a valid one (RFC 3986 §3.1, §4.2).
  const head = /^[^/?#]*/.exec(uri)?.[0] ?? '';
  const colon = head.indexOf(':');
  return colon < 0 || /^[A-Za-z][A-Za-z0-9+.-]*$/.test(head.slice(0, colon));
}
