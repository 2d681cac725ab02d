/**
 * The internal DTD subset, as libxml2 (lxml) handles it for a label config: `<!DOCTYPE name [...]>` is
 * parsed, its `<!ENTITY>` declarations are kept, and references to them in the body are expanded before
 * the XML parser (saxes, which reads no DTD) sees the text — replacement text in content is parsed as
 * markup again, as in libxml2. External entities and the external subset are never fetched (a reference
 * to an external entity is a syntax error, like libxml2 without network/DTD loading); expansion is
 * bounded up front (the expanded size of every referenced entity is computed, memoised, before anything
 * is expanded), so an entity bomb is refused in microseconds.
 *
 * Why this exists at all, and why it is not refused with a 422: see "DOCTYPE and entities" in
 * packages/core/README.md (the golden corpus has configs with a DOCTYPE that Label Studio parses).
 */
import { isValidUri, isXmlChar, isXmlSpace, limitError, NAME_CHAR, NAME_RE, NAMED_REF_GLOBAL_RE, PREDEFINED, REF_RE, syntaxError } from './xml-syntax.js';

/** Most characters that entity expansion may add to one document (DTD parameter entities included). */
export const MAX_ENTITY_EXPANSION = 1024 * 1024;
/** Deepest entity-inside-entity nesting; libxml2 uses the same limit. */
export const MAX_ENTITY_DEPTH = 40;

type EntityDef =
  | { readonly kind: 'internal'; readonly text: string }
  | { readonly kind: 'external' }
  | { readonly kind: 'unparsed' };

interface Dtd {
  readonly general: Map<string, EntityDef>;
  readonly parameter: Map<string, EntityDef>;
}

/** Shared expansion budget for one document (DTD parameter entities and body entities). */
class Budget {
  used = 0;
  spend(chars: number, what: string): void {
    this.used += chars;
    if (this.used > MAX_ENTITY_EXPANSION) {
      throw limitError(
        `Entity expansion limit exceeded while expanding ${what}: more than ${MAX_ENTITY_EXPANSION} characters ` +
          '(possible entity expansion attack)',
      );
    }
  }
}

/** Parses a DOCTYPE (at `start`, pointing at `<!DOCTYPE`) and returns the index after its `>`. */
class DoctypeParser {
  readonly dtd: Dtd = { general: new Map(), parameter: new Map() };
  private peDepth = 0;

  constructor(private readonly budget: Budget) {}

  parseDoctype(s: string, start: number): number {
    // libxml2 tolerates a missing space here (`<!DOCTYPEView`), so this does too.
    let i = skipSpaces(s, start + '<!DOCTYPE'.length);
    const name = matchName(s, i);
    if (name === null) throw syntaxError('DOCTYPE: no DOCTYPE name');
    i += name.length;
    const afterName = i;
    i = skipSpaces(s, i);
    if (s.startsWith('SYSTEM', i) || s.startsWith('PUBLIC', i)) {
      if (i === afterName) throw syntaxError('DOCTYPE: space required before the external ID');
      i = this.parseExternalId(s, i);
      i = skipSpaces(s, i);
    }
    if (s[i] === '[') {
      i = this.parseSubset(s, i + 1, true);
      i = skipSpaces(s, i);
    }
    if (s[i] !== '>') throw syntaxError('DOCTYPE improperly terminated');
    return i + 1;
  }

  /** Parses `SYSTEM "..."` / `PUBLIC "..." "..."` and returns the index after it. */
  private parseExternalId(s: string, start: number): number {
    let i = start;
    const isPublic = s.startsWith('PUBLIC', i);
    i += 6;
    if (!isXmlSpace(s[i])) throw syntaxError(`Space required after '${isPublic ? 'PUBLIC' : 'SYSTEM'}'`);
    i = skipSpaces(s, i);
    i = readQuoted(s, i, isPublic ? 'PUBLIC identifier' : 'SYSTEM literal').end;
    if (isPublic) {
      const j = skipSpaces(s, i);
      if (s[j] === '"' || s[j] === "'") {
        if (j === i) throw syntaxError("Space required after the Public Identifier");
        i = readQuoted(s, j, 'SYSTEM literal').end;
      } else {
        throw syntaxError('PUBLIC: SYSTEM literal expected');
      }
    }
    return i;
  }

  /** Markup declarations until `]` (internal subset) or the end of `s` (parameter entity text). */
  private parseSubset(s: string, start: number, bracketed: boolean): number {
    let i = start;
    for (;;) {
      i = skipSpaces(s, i);
      if (i >= s.length) {
        if (bracketed) throw syntaxError('DOCTYPE: internal subset not terminated');
        return i;
      }
      const c = s[i];
      if (c === ']' && bracketed) return i + 1;
      if (c === '%') {
        i = this.parsePeReference(s, i);
      } else if (s.startsWith('<!ENTITY', i)) {
        i = this.parseEntityDecl(s, i);
      } else if (s.startsWith('<!ELEMENT', i) || s.startsWith('<!ATTLIST', i) || s.startsWith('<!NOTATION', i)) {
        i = skipCheckedDeclaration(s, i, this.dtd.general);
      } else if (s.startsWith('<!--', i)) {
        const end = s.indexOf('-->', i + 4);
        if (end < 0) throw syntaxError('Comment not terminated in DOCTYPE');
        i = end + 3;
      } else if (s.startsWith('<?', i)) {
        const end = s.indexOf('?>', i + 2);
        if (end < 0) throw syntaxError('Processing instruction not terminated in DOCTYPE');
        if (/^xml(?:[ \t\r\n]|$)/i.test(s.slice(i + 2, end))) {
          throw syntaxError('XML declaration allowed only at the start of the document');
        }
        i = end + 2;
      } else {
        throw syntaxError('Malformed markup declaration in the DOCTYPE internal subset');
      }
    }
  }

  /** `%name;` between declarations: internal ones are parsed in place, external ones are never loaded. */
  private parsePeReference(s: string, start: number): number {
    const name = matchName(s, start + 1);
    if (name === null || s[start + 1 + name.length] !== ';') throw syntaxError('PEReference: malformed');
    const end = start + 2 + name.length;
    const def = this.dtd.parameter.get(name);
    if (def === undefined) throw syntaxError(`PEReference: %${name}; not found`);
    if (def.kind !== 'internal') return end; // Not fetched, like libxml2 without DTD loading.
    if (this.peDepth >= MAX_ENTITY_DEPTH) throw limitError('Maximum entity nesting depth exceeded');
    this.budget.spend(def.text.length, `%${name};`);
    this.peDepth++;
    try {
      this.parseSubset(def.text, 0, false);
    } finally {
      this.peDepth--;
    }
    return end;
  }

  private parseEntityDecl(s: string, start: number): number {
    let i = start + '<!ENTITY'.length;
    if (!isXmlSpace(s[i])) throw syntaxError("Space required after '<!ENTITY'");
    i = skipSpaces(s, i);
    let isParameter = false;
    if (s[i] === '%') {
      isParameter = true;
      i++;
      if (!isXmlSpace(s[i])) throw syntaxError("Space required after '%'");
      i = skipSpaces(s, i);
    }
    const name = matchName(s, i);
    if (name === null) throw syntaxError('xmlParseEntityDecl: no name');
    i += name.length;
    if (!isXmlSpace(s[i])) throw syntaxError('Space required after the entity name');
    i = skipSpaces(s, i);
    let def: EntityDef;
    if (s[i] === '"' || s[i] === "'") {
      const { value, end } = readQuoted(s, i, `entity ${name}`);
      def = { kind: 'internal', text: parseEntityValue(value) };
      i = end;
    } else if (s.startsWith('SYSTEM', i) || s.startsWith('PUBLIC', i)) {
      const idStart = i;
      i = this.parseExternalId(s, i);
      checkSystemUri(s.slice(idStart, i));
      def = { kind: 'external' };
      const j = skipSpaces(s, i);
      if (s.startsWith('NDATA', j)) {
        if (isParameter || j === i) throw syntaxError('xmlParseEntityDecl: misplaced NDATA');
        let k = j + 5;
        if (!isXmlSpace(s[k])) throw syntaxError("Space required after 'NDATA'");
        k = skipSpaces(s, k);
        const notation = matchName(s, k);
        if (notation === null) throw syntaxError('NDATA: notation name expected');
        i = k + notation.length;
        def = { kind: 'unparsed' };
      }
    } else {
      throw syntaxError(`xmlParseEntityDecl: entity ${name} has no value`);
    }
    i = skipSpaces(s, i);
    if (s[i] !== '>') throw syntaxError(`xmlParseEntityDecl: entity ${name} not terminated`);
    const table = isParameter ? this.dtd.parameter : this.dtd.general;
    // The first declaration wins (XML 1.0 §4.2); the five predefined entities cannot be redefined usefully.
    if (!table.has(name) && (isParameter || !PREDEFINED.has(name))) table.set(name, def);
    return i + 1;
  }
}

/**
 * libxml2 parses an external entity's system literal as a URI (it never fetches it here) and rejects
 * invalid URIs and fragments. `externalId` is the whole `SYSTEM "..."` / `PUBLIC "..." "..."` text.
 */
function checkSystemUri(externalId: string): void {
  const literals = [...externalId.matchAll(/"([^"]*)"|'([^']*)'/g)].map((m) => m[1] ?? m[2] ?? '');
  const uri = literals.at(-1) ?? '';
  if (externalId.startsWith('PUBLIC') && literals.length < 2) return;
  if (!isValidUri(uri)) throw syntaxError(`Invalid URI: ${uri}`);
  if (uri.includes('#')) throw syntaxError('Fragment not allowed');
}

function skipSpaces(s: string, start: number): number {
  let i = start;
  while (isXmlSpace(s[i])) i++;
  return i;
}

function matchName(s: string, at: number): string | null {
  NAME_RE.lastIndex = at;
  const m = NAME_RE.exec(s);
  return m ? m[0] : null;
}

function readQuoted(s: string, start: number, what: string): { value: string; end: number } {
  const q = s[start];
  if (q !== '"' && q !== "'") throw syntaxError(`${what}: quoted literal expected`);
  const close = s.indexOf(q, start + 1);
  if (close < 0) throw syntaxError(`${what}: literal not terminated`);
  return { value: s.slice(start + 1, close), end: close + 1 };
}

const NMTOKEN_RE = new RegExp(`[${NAME_CHAR}]+`, 'uy');
const ATT_TYPES = ['CDATA', 'IDREFS', 'IDREF', 'ID', 'ENTITIES', 'ENTITY', 'NMTOKENS', 'NMTOKEN'];

/**
 * Checks an `<!ELEMENT>`, `<!ATTLIST>` or `<!NOTATION>` declaration against the XML 1.0 grammar and
 * returns the index after it. Their content is not used (lxml applies no ATTLIST defaults), but libxml2
 * rejects malformed ones, so this does too.
 */
function skipCheckedDeclaration(s: string, start: number, general: ReadonlyMap<string, EntityDef>): number {
  const d = new DeclScanner(s, start, general);
  if (s.startsWith('<!ELEMENT', start)) d.elementDecl();
  else if (s.startsWith('<!ATTLIST', start)) d.attlistDecl();
  else d.notationDecl();
  return d.i;
}

class DeclScanner {
  constructor(
    private readonly s: string,
    public i: number,
    private readonly general: ReadonlyMap<string, EntityDef>,
  ) {}

  private fail(what: string): never {
    throw syntaxError(`Malformed markup declaration in the DOCTYPE: ${what}`);
  }

  private space(): void {
    if (!isXmlSpace(this.s[this.i])) this.fail('space required');
    this.i = skipSpaces(this.s, this.i);
  }

  private optSpace(): void {
    this.i = skipSpaces(this.s, this.i);
  }

  private name(): string {
    const name = matchName(this.s, this.i);
    if (name === null) this.fail('name expected');
    this.i += name.length;
    return name;
  }

  private nmtoken(): void {
    NMTOKEN_RE.lastIndex = this.i;
    const m = NMTOKEN_RE.exec(this.s);
    if (!m) this.fail('name token expected');
    this.i += m[0].length;
  }

  private eat(text: string): boolean {
    if (!this.s.startsWith(text, this.i)) return false;
    this.i += text.length;
    return true;
  }

  private expect(text: string): void {
    if (!this.eat(text)) this.fail(`'${text}' expected`);
  }

  private end(): void {
    this.optSpace();
    this.expect('>');
  }

  elementDecl(): void {
    this.i += '<!ELEMENT'.length;
    this.space();
    this.name();
    this.space();
    if (!this.eat('EMPTY') && !this.eat('ANY')) {
      this.expect('(');
      this.optSpace();
      if (this.eat('#PCDATA')) this.mixed();
      else this.group();
    }
    this.end();
  }

  /** After `(#PCDATA`: `)`, `)*`, or `| a | b)*`. */
  private mixed(): void {
    this.optSpace();
    if (this.eat(')')) {
      this.eat('*');
      return;
    }
    while (this.eat('|')) {
      this.optSpace();
      this.name();
      this.optSpace();
    }
    this.expect(')*');
  }

  /** A choice or sequence after its `(`, then an optional `?`, `*` or `+`. */
  private group(): void {
    this.particle();
    this.optSpace();
    const sep = this.s[this.i];
    if (sep === '|' || sep === ',') {
      while (this.eat(sep)) {
        this.optSpace();
        this.particle();
        this.optSpace();
      }
    }
    this.expect(')');
    this.occurrence();
  }

  private particle(): void {
    if (this.eat('(')) {
      this.optSpace();
      this.group();
    } else {
      this.name();
      this.occurrence();
    }
  }

  private occurrence(): void {
    const c = this.s[this.i];
    if (c === '?' || c === '*' || c === '+') this.i++;
  }

  attlistDecl(): void {
    this.i += '<!ATTLIST'.length;
    this.space();
    this.name();
    for (;;) {
      const before = this.i;
      this.optSpace();
      if (this.eat('>')) return;
      if (this.i === before) this.fail('space required');
      this.name();
      this.space();
      this.attType();
      this.space();
      this.defaultDecl();
    }
  }

  private attType(): void {
    if (this.eat('NOTATION')) {
      this.space();
      this.expect('(');
      this.enumeration(() => this.name());
      return;
    }
    if (this.eat('(')) {
      this.enumeration(() => this.nmtoken());
      return;
    }
    const type = ATT_TYPES.find((t) => this.s.startsWith(t, this.i));
    if (type === undefined) this.fail('attribute type expected');
    this.i += type.length;
  }

  private enumeration(item: () => void): void {
    this.optSpace();
    item();
    this.optSpace();
    while (this.eat('|')) {
      this.optSpace();
      item();
      this.optSpace();
    }
    this.expect(')');
  }

  private defaultDecl(): void {
    if (this.eat('#REQUIRED') || this.eat('#IMPLIED')) return;
    if (this.eat('#FIXED')) this.space();
    const { value, end } = readQuoted(this.s, this.i, 'attribute default');
    if (value.includes('<')) this.fail("'<' in an attribute default");
    for (let amp = value.indexOf('&'); amp >= 0; amp = value.indexOf('&', amp + 1)) {
      REF_RE.lastIndex = amp;
      const m = REF_RE.exec(value);
      if (!m) this.fail("'&' in an attribute default");
      // WFC "Entity Declared": the default may only use entities declared before it.
      if (m[1] !== undefined && !PREDEFINED.has(m[1]) && !this.general.has(m[1])) {
        throw syntaxError(`Entity '${m[1]}' not defined`);
      }
    }
    this.i = end;
  }

  notationDecl(): void {
    this.i += '<!NOTATION'.length;
    this.space();
    this.name();
    this.space();
    if (this.eat('SYSTEM')) {
      this.space();
      this.i = readQuoted(this.s, this.i, 'SYSTEM literal').end;
    } else if (this.eat('PUBLIC')) {
      this.space();
      this.i = readQuoted(this.s, this.i, 'PUBLIC identifier').end;
      const afterPublic = this.i;
      this.optSpace();
      const c = this.s[this.i];
      if ((c === '"' || c === "'") && this.i > afterPublic) this.i = readQuoted(this.s, this.i, 'SYSTEM literal').end;
    } else {
      this.fail('SYSTEM or PUBLIC expected');
    }
    this.end();
  }
}

/**
 * The replacement text of an entity value literal (XML 1.0 §4.5): character references are decoded now,
 * general entity references are kept for later, parameter entity references are forbidden in the
 * internal subset.
 */
function parseEntityValue(literal: string): string {
  let out = '';
  let i = 0;
  while (i < literal.length) {
    const c = literal[i];
    if (c === '%') throw syntaxError('PEReferences forbidden in internal subset');
    if (c !== '&') {
      const next = nextOf(literal, i, '%', '&');
      out += literal.slice(i, next);
      i = next;
      continue;
    }
    REF_RE.lastIndex = i;
    const m = REF_RE.exec(literal);
    if (!m) throw syntaxError("EntityValue: '&' forbidden except for entities references");
    if (m[1] !== undefined) {
      out += m[0];
    } else {
      const cp = m[0][2] === 'x' ? parseInt(m[0].slice(3, -1), 16) : parseInt(m[0].slice(2, -1), 10);
      if (!isXmlChar(cp)) throw syntaxError(`xmlParseCharRef: invalid xmlChar value ${cp}`);
      out += String.fromCodePoint(cp);
    }
    i += m[0].length;
  }
  return out;
}

function nextOf(s: string, from: number, a: string, b: string): number {
  const ia = s.indexOf(a, from);
  const ib = s.indexOf(b, from);
  if (ia < 0) return ib < 0 ? s.length : ib;
  return ib < 0 ? ia : Math.min(ia, ib);
}

type TagKind = 'open' | 'close' | 'empty' | 'broken';

/**
 * Expands general entity references in the document body, producing text for saxes. Only references to
 * DTD-declared entities are replaced; everything else is copied so that saxes reports the real errors.
 */
class BodyExpander {
  private readonly out: string[] = [];
  private readonly stack: string[] = [];
  private readonly sizes = new Map<string, number>();

  constructor(
    private readonly general: ReadonlyMap<string, EntityDef>,
    private readonly budget: Budget,
  ) {}

  expand(body: string): string {
    this.content(body, null);
    return this.out.join('');
  }

  /** Content: text, markup, and references whose replacement text is parsed as content again. */
  private content(s: string, entity: string | null): void {
    const { out } = this;
    let depth = 0;
    let i = 0;
    const n = s.length;
    while (i < n) {
      const next = nextOf(s, i, '<', '&');
      if (next > i) out.push(s.slice(i, next));
      i = next;
      if (i >= n) break;
      if (s[i] === '&') {
        REF_RE.lastIndex = i;
        const m = REF_RE.exec(s);
        if (!m) {
          out.push('&');
          i++;
          continue;
        }
        const name = m[1];
        if (name === undefined || PREDEFINED.has(name)) out.push(m[0]);
        else this.reference(name, false);
        i += m[0].length;
        continue;
      }
      const skipped = this.copyUntil(s, i, entity);
      if (skipped !== null) {
        i = skipped;
        continue;
      }
      const { end, kind } = this.tag(s, i);
      i = end;
      if (entity !== null) {
        if (kind === 'broken') throw syntaxError(`Entity '${entity}' contains broken markup`);
        if (kind === 'open') depth++;
        else if (kind === 'close' && --depth < 0) throw syntaxError(`Entity '${entity}' is not well-balanced`);
      }
    }
    if (entity !== null && depth !== 0) throw syntaxError(`Entity '${entity}' is not well-balanced`);
  }

  /** Comments, CDATA sections and PIs are copied verbatim (references in them are not references). */
  private copyUntil(s: string, i: number, entity: string | null): number | null {
    let open: string;
    let close: string;
    if (s.startsWith('<!--', i)) [open, close] = ['<!--', '-->'];
    else if (s.startsWith('<![CDATA[', i)) [open, close] = ['<![CDATA[', ']]>'];
    else if (s.startsWith('<?', i)) [open, close] = ['<?', '?>'];
    else if (s.startsWith('<!', i)) {
      if (entity !== null) throw syntaxError(`Entity '${entity}' contains misplaced markup`);
      this.out.push('<!');
      return i + 2;
    } else return null;
    const end = s.indexOf(close, i + open.length);
    if (end < 0) {
      if (entity !== null) throw syntaxError(`Entity '${entity}' contains unterminated markup`);
      this.out.push(s.slice(i));
      return s.length;
    }
    this.out.push(s.slice(i, end + close.length));
    return end + close.length;
  }

  /** A start/end tag at `i`: copied, with references inside quoted attribute values expanded. */
  private tag(s: string, start: number): { end: number; kind: TagKind } {
    const { out } = this;
    out.push('<');
    let i = start + 1;
    let lastSignificant = '';
    for (;;) {
      let j = i;
      while (j < s.length && s[j] !== '>' && s[j] !== '"' && s[j] !== "'" && s[j] !== '<') j++;
      if (j > i) {
        const seg = s.slice(i, j);
        out.push(seg);
        const trimmed = seg.trimEnd();
        if (trimmed) lastSignificant = trimmed[trimmed.length - 1] ?? '';
      }
      if (j >= s.length || s[j] === '<') return { end: j, kind: 'broken' };
      const c = s[j] as string;
      if (c === '>') {
        out.push('>');
        const kind: TagKind = s[start + 1] === '/' ? 'close' : lastSignificant === '/' ? 'empty' : 'open';
        return { end: j + 1, kind };
      }
      const close = s.indexOf(c, j + 1);
      if (close < 0) {
        out.push(s.slice(j));
        return { end: s.length, kind: 'broken' };
      }
      out.push(c);
      this.attributeValue(s.slice(j + 1, close));
      out.push(c);
      lastSignificant = c;
      i = close + 1;
    }
  }

  private attributeValue(v: string): void {
    const { out } = this;
    let i = 0;
    for (;;) {
      const amp = v.indexOf('&', i);
      if (amp < 0) {
        out.push(v.slice(i));
        return;
      }
      out.push(v.slice(i, amp));
      REF_RE.lastIndex = amp;
      const m = REF_RE.exec(v);
      if (!m) {
        out.push('&');
        i = amp + 1;
        continue;
      }
      const name = m[1];
      if (name === undefined || PREDEFINED.has(name)) out.push(m[0]);
      else this.reference(name, true);
      i = amp + m[0].length;
    }
  }

  /** Expands `&name;` in content (`inAttribute` false) or inside an attribute value. */
  private reference(name: string, inAttribute: boolean): void {
    const def = this.general.get(name);
    if (def === undefined) throw syntaxError(`Entity '${name}' not defined`);
    if (def.kind === 'external') {
      throw syntaxError(`Entity '${name}' not defined: external entities are never loaded`);
    }
    if (def.kind === 'unparsed') throw syntaxError(`Entity '${name}' not defined: unparsed entity referenced`);
    if (this.stack.includes(name)) throw syntaxError('Detected an entity reference loop');
    if (this.stack.length >= MAX_ENTITY_DEPTH) throw limitError('Maximum entity nesting depth exceeded');
    // Charge the whole expansion once, before doing any of it: this is what makes bombs fail fast.
    if (this.stack.length === 0) this.budget.spend(this.expandedSize(name, new Set()), `&${name};`);
    this.stack.push(name);
    try {
      if (inAttribute) this.attributeReplacement(name, def.text);
      else this.content(def.text, name);
    } finally {
      this.stack.pop();
    }
  }

  /**
   * Attribute-value normalisation of a replacement text (XML 1.0 §3.3.3): `<` is forbidden, literal
   * white space becomes a space, quotes are escaped so they stay data inside the attribute literal.
   */
  private attributeReplacement(name: string, text: string): void {
    if (text.includes('<')) throw syntaxError(`'<' in entity '${name}' is not allowed in attributes values`);
    const { out } = this;
    let i = 0;
    while (i < text.length) {
      const c = text[i] as string;
      if (c === '&') {
        REF_RE.lastIndex = i;
        const m = REF_RE.exec(text);
        if (!m) {
          out.push('&');
          i++;
          continue;
        }
        const ref = m[1];
        if (ref === undefined || PREDEFINED.has(ref)) out.push(m[0]);
        else this.reference(ref, true);
        i += m[0].length;
        continue;
      }
      if (c === '"') out.push('&quot;');
      else if (c === "'") out.push('&apos;');
      else if (c === '\t' || c === '\n' || c === '\r') out.push(' ');
      else out.push(c);
      i++;
    }
  }

  /** Characters the entity expands to, saturating just past the budget; detects loops. */
  private expandedSize(name: string, visiting: Set<string>): number {
    const known = this.sizes.get(name);
    if (known !== undefined) return known;
    const def = this.general.get(name);
    if (def === undefined || def.kind !== 'internal') return 0; // Reported when (if) it is expanded.
    if (visiting.has(name)) throw syntaxError('Detected an entity reference loop');
    if (visiting.size >= MAX_ENTITY_DEPTH) throw limitError('Maximum entity nesting depth exceeded');
    visiting.add(name);
    let total = def.text.length;
    for (const m of def.text.matchAll(NAMED_REF_GLOBAL_RE)) {
      const ref = m[1] as string;
      if (PREDEFINED.has(ref)) continue;
      total += this.expandedSize(ref, visiting) - m[0].length;
      if (total > MAX_ENTITY_EXPANSION) {
        total = MAX_ENTITY_EXPANSION + 1;
        break;
      }
    }
    visiting.delete(name);
    this.sizes.set(name, total);
    return total;
  }
}

/** Finds a DOCTYPE in the prolog; returns the DTD (if any) and where the body starts. */
function readProlog(xml: string, budget: Budget): { dtd: Dtd | null; bodyStart: number } {
  let i = xml.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (;;) {
    i = skipSpaces(xml, i);
    if (xml.startsWith('<?', i)) {
      const end = xml.indexOf('?>', i + 2);
      if (end < 0) return { dtd: null, bodyStart: i };
      i = end + 2;
    } else if (xml.startsWith('<!--', i)) {
      const end = xml.indexOf('-->', i + 4);
      if (end < 0) return { dtd: null, bodyStart: i };
      i = end + 3;
    } else if (xml.startsWith('<!DOCTYPE', i)) {
      const parser = new DoctypeParser(budget);
      const end = parser.parseDoctype(xml, i);
      return { dtd: parser.dtd, bodyStart: end };
    } else {
      return { dtd: null, bodyStart: i };
    }
  }
}

/**
 * `xml` with its internal-DTD entity references expanded in the body (the prolog, DOCTYPE included,
 * is kept as is for the XML parser to skip). Throws a `syntax` LabelConfigError for what libxml2
 * rejects in a DOCTYPE or an entity reference, and a `limit` one past the expansion bounds.
 */
export function expandInternalEntities(xml: string): string {
  const budget = new Budget();
  const { dtd, bodyStart } = readProlog(xml, budget);
  if (xml.indexOf('&', bodyStart) < 0) return xml;
  const expander = new BodyExpander(dtd?.general ?? new Map<string, EntityDef>(), budget);
  return xml.slice(0, bodyStart) + expander.expand(xml.slice(bodyStart));
}
