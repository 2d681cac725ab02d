#!/usr/bin/env node
// `npm run pack`: every publishable package (packages/*, not the private apps or e2e) as a versioned
// tarball in dist-packages/ (after the build), so they install without a registry publication:
//   npm install ./dist-packages/lsml-core-0.1.0.tgz ./dist-packages/lsml-onnx-0.1.0.tgz
//   npx lsml create my-backend --from ./dist-packages
// Usage: node scripts/pack-packages.mjs [destination]   (default: dist-packages at the repository root)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const dest = path.resolve(process.argv[2] ?? path.join(root, 'dist-packages'));

const workspaces = fs
  .readdirSync(path.join(root, 'packages'), { withFileTypes: true })
  .filter((d) => d.isDirectory() && fs.existsSync(path.join(root, 'packages', d.name, 'package.json')))
  .map((d) => `packages/${d.name}`)
  .filter((dir) => !JSON.parse(fs.readFileSync(path.join(root, dir, 'package.json'), 'utf8')).private)
  .sort();

for (const dir of workspaces) {
  const manifest = JSON.parse(fs.readFileSync(path.join(root, dir, 'package.json'), 'utf8'));
  const main = manifest.exports?.['.']?.import?.default ?? manifest.module;
  if (main && !fs.existsSync(path.join(root, dir, main))) {
    process.stderr.write(`${dir}/${main} is missing: run \`npm run build\` first (\`npm run pack\` does)\n`);
    process.exit(1);
  }
}

// Old tarballs of other versions would be picked up by `lsml create --from`: start empty.
fs.rmSync(dest, { recursive: true, force: true });
fs.mkdirSync(dest, { recursive: true });
// Without npm_* settings of a parent `npm run` (they would make every pack run from that workspace).
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
const out = execFileSync('npm', ['pack', '--json', '--pack-destination', dest, ...workspaces.flatMap((w) => ['-w', w])], { cwd: root, env, encoding: 'utf8', maxBuffer: 1 << 26 });
const packed = JSON.parse(out);
for (const p of packed) process.stdout.write(`${path.relative(process.cwd(), path.join(dest, p.filename))}  ${p.name}@${p.version}  ${(p.size / 1024).toFixed(0)} kB\n`);
