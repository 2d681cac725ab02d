/**
 * A safe, lxml-compatible XML front end for label configs.
 *
 * `saxes` (a strict XML 1.0 parser) checks well-formedness, decodes character references and
 * normalises attribute values. It does not read DTDs, and its namespace mode is O(depth) per element,
 * so this module adds what lxml (libxml2) does on top, with hard bounds:
 *
 * - namespaces are resolved here (libxml2's rules and messages), giving lxml's `{uri}local` names;
 * - the internal DTD subset is parsed and its entities expanded before saxes sees the text (dtd.ts:
 *   bounded, nothing external is ever fetched);
 * - input size and element nesting depth are capped (libxml2's own default depth limit is reused).
 */
import { SaxesParser } from 'saxes';
import { expandInternalEntities } from './dtd.js';
import { LabelConfigError } from './errors.js';
import { isValidUri, limitError, NAME_START, syntaxError } from './xml-syntax.js';

export { MAX_ENTITY_DEPTH, MAX_ENTITY_EXPANSION } from './dtd.js';

/** Largest accepted config, in UTF-16 code units (about 10 MB of ASCII). */
export const MAX_CONFIG_LENGTH = 10 * 1024 * 1024;
/** Deepest element nesting; libxml2 refuses the 258th nested element without XML_PARSE_HUGE. */
export const MAX_ELEMENT_DEPTH = 257;

export interface XmlElement {
  /** lxml's `tag`: the name as written, or `{namespace-uri}local` for namespaced elements. */
  readonly tag: string;
  /**
   * lxml's `attrib`: source order, `{uri}local` keys for prefixed attributes, no `xmlns` declarations.
   * A null-prototype record (XML names cannot look like array indices, so key order is source order).
   */
  readonly attrs: Readonly<Record<string, string>>;
  readonly parent: XmlElement | null;
}

/**
 * lxml refuses a `str` that starts with an XML declaration carrying `encoding=`; its test is the regex
 * `^(<\?xml[^>]+)\s+encoding\s*=\s*["\'][^"\']*["\']` (`__HAS_XML_ENCODING`). This is the same test
 * without backtracking (the regex is quadratic on a long run of spaces).
 */
function hasEncodingDeclaration(xml: string): boolean {
  if (!xml.startsWith('<?xml')) return false;
  const gt = xml.indexOf('>');
  const limit = gt < 0 ? xml.length : gt;
  // `[^>]+` needs one character after `<?xml`, then `\s+` needs one more before `encoding`.
  for (let q = xml.indexOf('encoding', 7); q >= 0 && q < limit; q = xml.indexOf('encoding', q + 1)) {
    if (!/\s/u.test(xml[q - 1] ?? '')) continue;
    let i = q + 'encoding'.length;
    while (/\s/u.test(xml[i] ?? '')) i++;
    if (xml[i] !== '=') continue;
    i++;
    while (/\s/u.test(xml[i] ?? '')) i++;
    if (xml[i] !== '"' && xml[i] !== "'") continue;
    return /["']/.test(xml.slice(i + 1));
  }
  return false;
}

const XML_NS = 'http://www.w3.org/XML/1998/namespace';
const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';
const NCNAME_START_RE = new RegExp(`^[${NAME_START.replace(':', '')}]`, 'u');

/** Splits a qualified name; libxml2 rejects empty parts, a second colon and a local part that is no NCName. */
function splitQName(name: string): { prefix: string; local: string } {
  const colon = name.indexOf(':');
  if (colon < 0) return { prefix: '', local: name };
  const prefix = name.slice(0, colon);
  const local = name.slice(colon + 1);
  if (prefix === '' || local === '' || local.includes(':') || !NCNAME_START_RE.test(local)) {
    throw new Error(`Failed to parse QName '${name}'`);
  }
  return { prefix, local };
}

/**
 * Namespaces in XML 1.0 as libxml2 applies them, on top of saxes' non-namespace mode (whose own
 * namespace mode re-resolves every prefix through all open elements, O(depth) per element).
 * `scopes[i]` is the prefix → URI map in force inside the i-th open element; maps are shared until an
 * element declares something.
 */
class NamespaceResolver {
  private readonly scopes: Array<ReadonlyMap<string, string>> = [];
  private static readonly EMPTY: ReadonlyMap<string, string> = new Map();

  /** Returns lxml's tag and attrib for a start tag; throws plain Errors with libxml2-like messages. */
  open(name: string, raw: Readonly<Record<string, string>>): { tag: string; attrs: Record<string, string> } {
    const parent = this.scopes[this.scopes.length - 1] ?? NamespaceResolver.EMPTY;
    let scope = parent;
    for (const attr in raw) {
      const isDefault = attr === 'xmlns';
      if (!isDefault && !attr.startsWith('xmlns:')) continue;
      const prefix = isDefault ? '' : splitQName(attr).local;
      const uri = raw[attr] as string;
      if (prefix === 'xmlns') throw new Error('redefinition of the xmlns prefix is forbidden');
      if (uri === XMLNS_NS) throw new Error('reuse of the xmlns namespace name is forbidden');
      if (prefix === 'xml' && uri !== XML_NS) throw new Error('xml namespace prefix mapped to wrong URI');
      if (uri === XML_NS && prefix !== 'xml') {
        throw new Error(isDefault ? 'xml namespace URI cannot be the default namespace' : 'xml namespace URI mapped to wrong prefix');
      }
      if (!isDefault && uri === '') throw new Error(`xmlns:${prefix}: Empty XML namespace is not allowed`);
      if (!isValidUri(uri)) throw new Error(`${attr}: '${uri}' is not a valid URI`);
      if (scope === parent) scope = new Map(parent);
      (scope as Map<string, string>).set(prefix, uri);
    }
    this.scopes.push(scope);

    const { prefix, local } = splitQName(name);
    const uri = prefix === '' ? scope.get('') : prefix === 'xml' ? XML_NS : scope.get(prefix);
    if (prefix !== '' && uri === undefined) throw new Error(`Namespace prefix ${prefix} on ${local} is not defined`);
    const tag = uri ? `{${uri}}${local}` : local;

    const attrs: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const attr in raw) {
      if (attr === 'xmlns' || attr.startsWith('xmlns:')) continue; // lxml keeps these in nsmap, not attrib
      const q = splitQName(attr);
      let key = attr;
      if (q.prefix !== '') {
        const attrUri = q.prefix === 'xml' ? XML_NS : scope.get(q.prefix);
        if (attrUri === undefined) throw new Error(`Namespace prefix ${q.prefix} for ${q.local} on ${local} is not defined`);
        key = `{${attrUri}}${q.local}`;
        if (key in attrs) throw new Error(`Namespaced Attribute ${q.local} in '${attrUri}' redefined`);
      }
      attrs[key] = raw[attr] as string;
    }
    return { tag, attrs };
  }

  close(): void {
    this.scopes.pop();
  }
}

/**
 * Parses `xml` like `lxml.etree.fromstring` would (for a `str`) and returns its elements in document
 * order (lxml's `iter()`). Throws `LabelConfigError` for everything lxml rejects and for the safety limits.
 */
export function parseXmlElements(xml: unknown): XmlElement[] {
  if (typeof xml !== 'string') throw new LabelConfigError('value', 'can only parse strings');
  if (xml.length > MAX_CONFIG_LENGTH) {
    throw limitError(`Label config too large: ${xml.length} characters, the limit is ${MAX_CONFIG_LENGTH}`);
  }
  if (xml === '') throw syntaxError('Document is empty, line 1, column 1');
  if (hasEncodingDeclaration(xml)) {
    throw new LabelConfigError(
      'value',
      'Unicode strings with encoding declaration are not supported. Please use bytes input or XML fragments without declaration.',
    );
  }

  const text = expandInternalEntities(xml);

  const elements: XmlElement[] = [];
  const stack: XmlElement[] = [];
  const namespaces = new NamespaceResolver();
  const parser = new SaxesParser({ xmlns: false, position: true });
  const where = () => `, line ${parser.line}, column ${parser.column + 1}`;
  parser.on('error', (err: Error) => {
    throw syntaxError(err.message.replace(/^\d+:\d+: /, '').replace(/\.$/, '') + where());
  });
  parser.on('opentag', (node) => {
    if (stack.length >= MAX_ELEMENT_DEPTH) {
      throw limitError(`Excessive depth in document: more than ${MAX_ELEMENT_DEPTH} nested elements`);
    }
    let resolved: { tag: string; attrs: Record<string, string> };
    try {
      resolved = namespaces.open(node.name, node.attributes);
    } catch (err) {
      throw syntaxError((err as Error).message + where());
    }
    const element: XmlElement = { tag: resolved.tag, attrs: resolved.attrs, parent: stack[stack.length - 1] ?? null };
    elements.push(element);
    stack.push(element);
  });
  parser.on('closetag', () => {
    stack.pop();
    namespaces.close();
  });
  parser.write(text).close();
  return elements;
}
