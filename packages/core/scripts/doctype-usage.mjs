#!/usr/bin/env node
// Which label configs of the golden corpus use a DOCTYPE or entity declarations, and what Label
// Studio's parse_config made of them (a `.parsed.json` result or an `.error.json`). The figures in
// packages/core/README.md ("DOCTYPE and entities") come from this script:
//   node packages/core/scripts/doctype-usage.mjs [corpus dir]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '../test/protocol/label-configs');
const rows = [];
for (const group of fs.readdirSync(root).sort()) {
  const dir = path.join(root, group);
  if (!fs.statSync(dir).isDirectory()) continue;
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.xml')).sort();
  let withDoctype = 0;
  for (const f of files) {
    const xml = fs.readFileSync(path.join(dir, f), 'utf8');
    const doctype = /<!DOCTYPE/i.test(xml);
    const entities = (xml.match(/<!ENTITY/g) ?? []).length;
    if (!doctype && !entities) continue;
    withDoctype++;
    const base = f.slice(0, -'.xml'.length);
    const outcome = fs.existsSync(path.join(dir, `${base}.parsed.json`)) ? 'parses (.parsed.json)' : fs.existsSync(path.join(dir, `${base}.error.json`)) ? 'rejected (.error.json)' : 'no expectation';
    rows.push(`  ${group}/${f}: DOCTYPE ${doctype ? 'yes' : 'no'}, ${entities} <!ENTITY>, Label Studio: ${outcome}`);
  }
  console.log(`${group}: ${withDoctype} of ${files.length} configs use a DOCTYPE or <!ENTITY>`);
}
console.log(rows.join('\n'));
