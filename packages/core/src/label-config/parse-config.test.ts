import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  LabelConfigError,
  MAX_CONFIG_LENGTH,
  MAX_ELEMENT_DEPTH,
  parseConfig,
  type ParsedLabelConfig,
} from './parse-config.js';

const CORPUS = new URL('../../test/protocol/label-configs/', import.meta.url);

interface ErrorFixture {
  exception: string;
  module: string;
  message: string;
}

function corpusFiles(folder: string): Array<{ name: string; xml: URL; parsed?: URL; error?: URL }> {
  const dir = new URL(`${folder}/`, CORPUS);
  const names = readdirSync(fileURLToPath(dir));
  return names
    .filter((n) => n.endsWith('.xml'))
    .sort()
    .map((n) => {
      const base = n.slice(0, -'.xml'.length);
      const has = (suffix: string) => names.includes(`${base}${suffix}`);
      return {
        name: `${folder}/${base}`,
        xml: new URL(n, dir),
        parsed: has('.parsed.json') ? new URL(`${base}.parsed.json`, dir) : undefined,
        error: has('.error.json') ? new URL(`${base}.error.json`, dir) : undefined,
      };
    });
}

const CASES = [...corpusFiles('templates'), ...corpusFiles('edge')];

/** Python's exception class name → our error kind. */
const KIND_OF_EXCEPTION: Record<string, LabelConfigError['kind']> = {
  LabelStudioXMLSyntaxErrorSentryIgnored: 'syntax',
  ValueError: 'value',
};

function parseError(xml: string): LabelConfigError {
  try {
    parseConfig(xml);
  } catch (err) {
    if (err instanceof LabelConfigError) return err;
    throw err;
  }
  throw new Error('parseConfig did not throw');
}

describe('parseConfig: golden corpus (Python parse_config output)', () => {
  it('has the whole corpus on disk', () => {
    expect(CASES.filter((c) => c.name.startsWith('templates/')).length).toBeGreaterThanOrEqual(54);
    expect(CASES.filter((c) => c.name.startsWith('edge/')).length).toBeGreaterThanOrEqual(20);
    for (const c of CASES) expect(Boolean(c.parsed) !== Boolean(c.error), c.name).toBe(true);
  });

  for (const c of CASES) {
    it(c.name, () => {
      const xml = readFileSync(c.xml, 'utf8');
      if (c.parsed) {
        const expected = JSON.parse(readFileSync(c.parsed, 'utf8')) as ParsedLabelConfig;
        const actual = parseConfig(xml);
        expect(actual).toStrictEqual(expected);
        // Key order (type, to_name, [regex], [conditionals], [dynamic_labels], inputs, labels, labels_attrs,
        // controls in document order) matters for the cached JSON text: compare the serialisations too.
        expect(JSON.stringify(actual)).toBe(JSON.stringify(expected));
      } else {
        const fixture = JSON.parse(readFileSync(c.error as URL, 'utf8')) as ErrorFixture;
        const err = parseError(xml);
        expect(err.name).toBe(fixture.exception);
        expect(err.kind).toBe(KIND_OF_EXCEPTION[fixture.exception]);
        if (fixture.exception === 'ValueError') expect(err.message).toBe(fixture.message);
      }
    });
  }
});

describe('parseConfig: empty input', () => {
  it.each([[''], [null], [undefined]])('%j gives {}', (xml) => {
    expect(parseConfig(xml)).toStrictEqual({});
  });

  it('a non-string is a ValueError like lxml', () => {
    const err = parseError(42 as unknown as string);
    expect(err.kind).toBe('value');
    expect(err.message).toBe('can only parse strings');
  });
});

const CHOICES = (choice: string) =>
  `<View><Text name="t" value="$t"/><Choices name="c" toName="t"><Choice value="${choice}"/></Choices></View>`;

/** Labels of control `c`; the expectations below were produced by lxml 4.9.2 / libxml2 2.9.14. */
function labelsOf(xml: string): string[] {
  return parseConfig(xml).c?.labels ?? [];
}

describe('parseConfig: malformed XML', () => {
  it.each([
    ['unclosed tag', '<View><Text name="t" value="$t"></View>'],
    ['mismatched close tag', '<View></Other>'],
    ['two roots', '<View/><View/>'],
    ['text after the root', '<View/>trailing'],
    ['duplicate attribute', '<View a="1" a="2"/>'],
    ['unquoted attribute', '<View a=1/>'],
    ['raw < in an attribute', '<View><Text name="t" value="<"/></View>'],
    ['control character', '<View>\u0001</View>'],
    ['invalid character reference', '<View><Text name="t" value="&#0;"/></View>'],
    ['surrogate character reference', '<View><Text name="t" value="&#xD800;"/></View>'],
    [']]> in content', '<View>]]></View>'],
    ['undeclared namespace prefix', '<View><x:Labels name="l" toName="t"/></View>'],
    ['empty prefixed namespace', '<View xmlns:x=""/>'],
    ['namespace name that is not a URI', '<View xmlns:x="not a uri"/>'],
    ['xml prefix bound elsewhere', '<View xmlns:xml="urn:other"/>'],
    ['same expanded attribute twice', '<View xmlns:x="u" xmlns:y="u"><Text x:a="1" y:a="2"/></View>'],
    ['QName with two colons', '<View><Text a:b:c="1"/></View>'],
    ['external entity with an invalid URI', '<!DOCTYPE View [<!ENTITY e SYSTEM "a b">]><View/>'],
    ['XML declaration not at the start', ' <?xml version="1.0"?><View/>'],
    ['white space only', '  \n'],
    ['missing root', '<!-- only a comment -->'],
    ['invalid element name', '<1View/>'],
    ['undefined entity (&nbsp;)', CHOICES('a&nbsp;b')],
    ['undefined entity with an external DTD', `<!DOCTYPE View SYSTEM "x.dtd">${CHOICES('&nbsp;')}`],
    ['bare ampersand', CHOICES('a & b')],
    ['DOCTYPE without a name', '<!DOCTYPE><View/>'],
    ['DOCTYPE after the root', '<View/><!DOCTYPE View>'],
    ['unterminated entity declaration', '<!DOCTYPE View [<!ENTITY a "A"]><View/>'],
    ['junk in the internal subset', '<!DOCTYPE View [ junk ]><View/>'],
    ['parameter entity reference inside a declaration', '<!DOCTYPE View [<!ENTITY % p "X"><!ENTITY a "%p;">]><View/>'],
    ['undefined parameter entity', '<!DOCTYPE View [%q;]><View/>'],
    ['< from an entity inside an attribute', `<!DOCTYPE View [<!ENTITY l "a&#60;b">]>${CHOICES('&l;')}`],
    ['entity reference loop', `<!DOCTYPE View [<!ENTITY a "x&b;"><!ENTITY b "&a;">]>${CHOICES('&a;')}`],
    ['unbalanced markup in an entity', `<!DOCTYPE View [<!ENTITY o "<Choice value='x'>">]><View>&o;</Choice></View>`],
  ])('%s is a syntax error', (_what, xml) => {
    const err = parseError(xml);
    expect(err).toBeInstanceOf(LabelConfigError);
    expect(err.kind).toBe('syntax');
    expect(err.name).toBe('LabelStudioXMLSyntaxErrorSentryIgnored');
    expect(`${err.name}: ${err.message}`).toMatch(/^LabelStudioXMLSyntaxErrorSentryIgnored: \S/);
  });

  it('names the undefined entity like libxml2', () => {
    expect(parseError(CHOICES('a&nbsp;b')).message).toMatch(/^Entity 'nbsp' not defined/);
  });

  it('an XML declaration with an encoding is a ValueError (lxml refuses it for str input)', () => {
    for (const decl of ['<?xml version="1.0" encoding="utf-8" ?>', "<?xml version='1.0' encoding='UTF-8'?>"]) {
      const err = parseError(`${decl}<View/>`);
      expect(err.kind).toBe('value');
      expect(err.name).toBe('ValueError');
    }
    expect(parseConfig('<?xml version="1.0"?><View/>')).toStrictEqual({});
  });
});

describe('parseConfig: XML details that lxml reproduces', () => {
  it('decodes character and predefined entity references', () => {
    expect(labelsOf(CHOICES('&lt;b&gt; &amp; &quot;q&quot; &apos;s&apos; &#128512; &#x41;'))).toStrictEqual([
      '<b> & "q" \'s\' 😀 A',
    ]);
  });

  it('normalises literal white space in attributes but keeps character references', () => {
    expect(labelsOf(CHOICES('a\r\nb\tc\rd'))).toStrictEqual(['a b c d']);
    expect(labelsOf(CHOICES('a&#10;b&#9;c&#13;d'))).toStrictEqual(['a\nb\tc\rd']);
  });

  it('expands internal entities, nested and in attribute values, with attribute normalisation', () => {
    const dtd = '<!DOCTYPE View [<!ENTITY a "A&b;"><!ENTITY b "B"><!ENTITY ws "x&#10;y"><!ENTITY esc "a&amp;b&quot;">]>';
    expect(labelsOf(`${dtd}${CHOICES('&a;')}`)).toStrictEqual(['AB']);
    expect(labelsOf(`${dtd}${CHOICES('&ws;')}`)).toStrictEqual(['x y']);
    expect(labelsOf(`${dtd}${CHOICES('&esc;')}`)).toStrictEqual(['a&b"']);
  });

  it('parses markup coming from an entity used in content', () => {
    const xml =
      `<!DOCTYPE View [<!ENTITY l "<Choice value='fromEntity'/>">]>` +
      '<View><Text name="t" value="$t"/><Choices name="c" toName="t">&l;<Choice value="b"/></Choices></View>';
    expect(labelsOf(xml)).toStrictEqual(['fromEntity', 'b']);
  });

  it('keeps the first of two declarations and supports internal parameter entities', () => {
    expect(labelsOf(`<!DOCTYPE View [<!ENTITY a "1"><!ENTITY a "2">]>${CHOICES('&a;')}`)).toStrictEqual(['1']);
    const pe = `<!DOCTYPE View [<!ENTITY % p "<!ENTITY q 'Q'>"> %p;]>${CHOICES('&q;')}`;
    expect(labelsOf(pe)).toStrictEqual(['Q']);
  });

  it('ignores references inside comments, CDATA and processing instructions', () => {
    const xml =
      '<View><!-- &nbsp; --><![CDATA[ &nbsp; <Choice value="no"/> ]]><?pi &nbsp;?>' +
      '<Text name="t" value="$t"/><Choices name="c" toName="t"><Choice value="yes"/></Choices></View>';
    expect(labelsOf(xml)).toStrictEqual(['yes']);
  });

  it('accepts a BOM, an XML declaration without encoding, comments and PIs around the root', () => {
    expect(labelsOf(`\uFEFF<?xml version="1.0"?><!-- c --><?pi x?>${CHOICES('ok')}<!-- after -->`)).toStrictEqual(['ok']);
  });

  it('keeps namespaced attributes in {uri}local form and drops xmlns declarations', () => {
    const xml =
      '<View xmlns:x="urn:x" xml:lang="en"><Text name="t" value="$t"/>' +
      '<Choices name="c" toName="t"><Choice value="A" x:foo="1" xml:lang="fr"/></Choices></View>';
    expect(parseConfig(xml).c?.labels_attrs).toStrictEqual({
      A: { value: 'A', '{urn:x}foo': '1', '{http://www.w3.org/XML/1998/namespace}lang': 'fr' },
    });
  });

  it('resolves default and prefixed namespaces per element scope, like lxml', () => {
    const xml =
      '<View xmlns="urn:d" xmlns:x="urn:x"><Text xmlns="" name="t" value="$t"/>' +
      '<x:Choices name="c" toName="t" xmlns:x="urn:inner"/><Labels name="l" toName="t"/></View>';
    const parsed = parseConfig(xml);
    expect(parsed.c?.type).toBe('{urn:inner}Choices');
    expect(parsed.l?.type).toBe('{urn:d}Labels');
    expect(parsed.l?.inputs).toStrictEqual([{ type: 'Text', valueType: null, value: 't' }]);
  });

  it('handles names that are Object.prototype keys as plain data', () => {
    const xml =
      '<View><Text name="__proto__" value="$t"/>' +
      '<Choices name="__proto__" toName="__proto__"><Choice value="__proto__" __proto__="x"/></Choices></View>';
    const parsed = parseConfig(xml);
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.keys(parsed)).toStrictEqual(['__proto__']);
    const control = Object.getOwnPropertyDescriptor(parsed, '__proto__')?.value as ParsedLabelConfig[string];
    expect(control.labels).toStrictEqual(['__proto__']);
    expect(Object.keys(control.labels_attrs)).toStrictEqual(['__proto__']);
  });
});

describe('parseConfig: security bounds', () => {
  const lols = Array.from({ length: 9 }, (_, i) => {
    const prev = i === 0 ? 'lol' : `lol${i}`;
    return `<!ENTITY lol${i + 1} "${`&${prev};`.repeat(10)}">`;
  }).join('');
  const bombDtd = `<!DOCTYPE View [<!ENTITY lol "lol">${lols}]>`;

  it.each([
    ['in an attribute', `${bombDtd}${CHOICES('&lol9;')}`],
    ['in content', `${bombDtd}<View>&lol9;</View>`],
  ])('refuses a billion-laughs entity bomb %s quickly, with a clear error', (_where, xml) => {
    const started = performance.now();
    const err = parseError(xml);
    const elapsed = performance.now() - started;
    expect(err.kind).toBe('limit');
    expect(err.name).toBe('LabelStudioXMLSyntaxErrorSentryIgnored');
    expect(err.message).toMatch(/Entity expansion limit exceeded/);
    expect(elapsed).toBeLessThan(100);
  });

  it('refuses quadratic blow-up (one large entity referenced many times)', () => {
    const xml = `<!DOCTYPE View [<!ENTITY a "${'x'.repeat(100_000)}">]><View>${'&a;'.repeat(200)}</View>`;
    const started = performance.now();
    expect(parseError(xml).kind).toBe('limit');
    expect(performance.now() - started).toBeLessThan(100);
  });

  it('still expands a bomb-shaped DTD that is never referenced (like libxml2)', () => {
    expect(parseConfig(`${bombDtd}${CHOICES('ok')}`).c?.labels).toStrictEqual(['ok']);
  });

  it('never reads an external entity (SYSTEM "file:///etc/passwd")', () => {
    const dtd = '<!DOCTYPE View [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>';
    for (const xml of [`${dtd}${CHOICES('&xxe;')}`, `${dtd}<View><Text name="t" value="$t"/>&xxe;</View>`]) {
      const err = parseError(xml);
      expect(err.kind).toBe('syntax');
      expect(err.message).toMatch(/Entity 'xxe' not defined/);
      expect(err.message).not.toMatch(/root:/);
    }
    // Declaring it without using it is harmless, as in lxml.
    expect(labelsOf(`${dtd}${CHOICES('ok')}`)).toStrictEqual(['ok']);
  });

  it('never fetches an external parameter entity or DTD', () => {
    const xml = `<!DOCTYPE View SYSTEM "http://127.0.0.1:1/x.dtd" [<!ENTITY % ext SYSTEM "file:///etc/passwd"> %ext;]>${CHOICES('ok')}`;
    expect(labelsOf(xml)).toStrictEqual(['ok']);
  });

  it('refuses input over the size cap before parsing', () => {
    const xml = `<View>${' '.repeat(MAX_CONFIG_LENGTH)}</View>`;
    const started = performance.now();
    const err = parseError(xml);
    expect(err.kind).toBe('limit');
    expect(err.message).toMatch(/too large/);
    expect(performance.now() - started).toBeLessThan(100);
  });

  it('refuses nesting deeper than libxml2 allows', () => {
    const nested = (depth: number) => '<V>'.repeat(depth) + '</V>'.repeat(depth);
    expect(parseConfig(nested(MAX_ELEMENT_DEPTH))).toStrictEqual({});
    expect(parseError(nested(MAX_ELEMENT_DEPTH + 1)).kind).toBe('limit');
  });
});
