// `lsml create <dir>` and `npm create lsml`: scaffold a standalone backend project from
// packages/core/templates/<name>/ (files with {{placeholders}}), plus the files all templates share
// (templates/_shared/).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import { CliError } from './load-backend.js';

/** The ML adapters `lsml create --adapter` knows. */
export const ADAPTERS = ['tfjs', 'onnx', 'transformers'] as const;
/** One of {@link ADAPTERS}. */
export type AdapterName = (typeof ADAPTERS)[number];

/** Dev tool versions written into generated projects (kept in step with the workspace's by a test). */
export const TOOL_VERSIONS = {
  vitest: '^4.1.12',
  typescript: '^5.9.3',
  '@types/node': '^20.19.43',
} as const;

interface AdapterSpec {
  /** Replaces the template's description. */
  description?: string;
  /** Added to `dependencies`; `{{lsmlRange}}` stands for the @lsml version range. */
  dependencies?: Record<string, string>;
  /** Replaces the template's label config. */
  labelConfig?: string;
  /** Extra environment for `lsml start` in the README (name → meaning). */
  env?: Record<string, string>;
}

interface TemplateManifest {
  description: string;
  /** Shown in the README and used by the generated test. */
  labelConfig: string;
  /** Turn on "Use for interactive preannotations" in Label Studio. */
  interactive?: boolean;
  /** Adapters this template can use; empty: core only. */
  adapters?: Partial<Record<AdapterName, AdapterSpec>>;
  defaultAdapter?: AdapterName;
  dependencies?: Record<string, string>;
  env?: Record<string, string>;
}

/** A template `lsml create` offers (see {@link listTemplates}). */
export interface TemplateInfo {
  name: string;
  description: string;
  adapters: AdapterName[];
  defaultAdapter: AdapterName | null;
}

/** Options of {@link createProject} (the flags of `lsml create`). */
export interface CreateProjectOptions {
  /** Template name (default `basic`). */
  template?: string;
  /** Adapter for templates that offer several (default: the template's own). */
  adapter?: string;
  /** npm package name (default: from the directory name). */
  name?: string;
  /**
   * Where the `@lsml` packages come from: a folder of tarballs (`npm run pack` writes them to
   * `dist-packages/`) or a checkout of the lsml repository (packed on the fly). Default: the checkout
   * this `@lsml/core` runs from, if it is one; otherwise the npm registry.
   */
  from?: string;
  /** Depend on registry versions (`^<version>`) even when running from a checkout. */
  registry?: boolean;
}

/** What {@link createProject} wrote. */
export interface CreatedProject {
  dir: string;
  name: string;
  className: string;
  template: string;
  adapter: AdapterName | null;
  /** Paths relative to `dir`, sorted. */
  files: string[];
  /** The folder the `@lsml` tarballs were copied from (into `lsml-packages/`); `null`: registry versions. */
  packagesFrom: string | null;
}

/** Folder, inside a generated project, holding the @lsml tarballs it depends on (`file:` dependencies). */
export const LOCAL_PACKAGES_DIR = 'lsml-packages';

/** `@lsml/core` → `lsml-core` (the file name `npm pack` gives its tarball, before `-<version>.tgz`). */
function tarballStem(pkgName: string): string {
  return pkgName.replace(/^@/, '').replace('/', '-');
}

/** The lsml checkout `dir` is (its root package.json is the `lsml` workspace), or null. */
function checkoutRoot(dir: string): string | null {
  const pkgFile = path.join(dir, 'package.json');
  if (!fs.existsSync(pkgFile) || !fs.existsSync(path.join(dir, 'packages/core/package.json'))) return null;
  const pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8')) as { name?: string; workspaces?: unknown };
  return pkg.name === 'lsml' && Array.isArray(pkg.workspaces) ? dir : null;
}

/**
 * Pack a checkout's publishable packages into `<checkout>/dist-packages` (from their built dist/).
 * Each tarball is written to a scratch folder and renamed into place, so a concurrent reader never sees
 * a half-written file; `npm pack` is reproducible, so unchanged packages give identical tarballs.
 */
function packCheckout(root: string): string {
  const dest = path.join(root, 'dist-packages');
  const workspaces = fs
    .readdirSync(path.join(root, 'packages'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(root, 'packages', d.name, 'package.json')))
    .map((d) => `packages/${d.name}`)
    .filter((w) => !(JSON.parse(fs.readFileSync(path.join(root, w, 'package.json'), 'utf8')) as { private?: boolean }).private);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'lsml-pack-'));
  try {
    // Without the npm_* settings of a parent `npm run`/`npx` (they would redirect `npm pack`).
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
    execFileSync('npm', ['pack', '--silent', '--pack-destination', scratch, ...workspaces.flatMap((w) => ['-w', w])], { cwd: root, env, stdio: ['ignore', 'ignore', 'pipe'] });
    fs.mkdirSync(dest, { recursive: true });
    for (const f of fs.readdirSync(scratch)) {
      try {
        fs.renameSync(path.join(scratch, f), path.join(dest, f));
      } catch {
        fs.copyFileSync(path.join(scratch, f), path.join(dest, f)); // another file system
      }
    }
  } catch (err) {
    const detail = err instanceof Error && 'stderr' in err ? String((err as { stderr: unknown }).stderr).trim() : String(err);
    throw new CliError(`Could not pack the @lsml packages of ${root} (run \`npm run build\` there first): ${detail}`);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  return dest;
}

/** The folder of @lsml tarballs to install from, or null for registry versions. */
function resolvePackagesSource(options: CreateProjectOptions, coreRoot: string): string | null {
  if (options.registry) {
    if (options.from !== undefined) throw new CliError('Choose one of --from and --registry');
    return null;
  }
  if (options.from !== undefined) {
    const from = path.resolve(options.from);
    if (!fs.existsSync(from) || !fs.statSync(from).isDirectory()) throw new CliError(`--from ${options.from}: no such folder`);
    const checkout = checkoutRoot(from);
    return checkout ? packCheckout(checkout) : from;
  }
  const checkout = checkoutRoot(path.resolve(coreRoot, '../..'));
  return checkout ? packCheckout(checkout) : null;
}

/** `<from>/<stem>-<version>.tgz` for each package, or a CliError naming what is missing. */
function findTarballs(from: string, names: string[], version: string): Map<string, string> {
  const files = fs.readdirSync(from);
  const found = new Map<string, string>();
  for (const name of names) {
    const file = `${tarballStem(name)}-${version}.tgz`;
    if (!files.includes(file)) {
      const others = files.filter((f) => f.startsWith(`${tarballStem(name)}-`) && f.endsWith('.tgz'));
      throw new CliError(
        `${from} has no ${file} (${name} ${version})${others.length ? `, only ${others.join(', ')}` : ''}: run \`npm run pack\` in an lsml checkout of that version, or pass --from <that checkout>`,
      );
    }
    found.set(name, path.join(from, file));
  }
  return found;
}

/** The installed @lsml/core package root: the folder with templates/ and package.json. */
function corePackageRoot(): { root: string; version: string } {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const pkgFile = path.join(dir, 'package.json');
    if (fs.existsSync(pkgFile) && fs.existsSync(path.join(dir, 'templates'))) {
      const pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === '@lsml/core') return { root: dir, version: pkg.version ?? '0.0.0' };
    }
    dir = path.dirname(dir);
  }
  throw new Error('Cannot find the templates folder of @lsml/core');
}

/** The folder holding the templates (`templates/` of the installed `@lsml/core`). */
export function templatesDir(): string {
  return path.join(corePackageRoot().root, 'templates');
}

function readManifest(name: string): TemplateManifest {
  return JSON.parse(fs.readFileSync(path.join(templatesDir(), name, 'template.json'), 'utf8')) as TemplateManifest;
}

/** Every template, in a stable order (basic first). */
export function listTemplates(): TemplateInfo[] {
  const names = fs
    .readdirSync(templatesDir(), { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('_') && fs.existsSync(path.join(templatesDir(), d.name, 'template.json')))
    .map((d) => d.name)
    .sort((a, b) => (a === 'basic' ? -1 : b === 'basic' ? 1 : a.localeCompare(b)));
  return names.map((name) => {
    const m = readManifest(name);
    const adapters = Object.keys(m.adapters ?? {}) as AdapterName[];
    return { name, description: m.description, adapters, defaultAdapter: m.defaultAdapter ?? adapters[0] ?? null };
  });
}

/** `my-backend` → `MyBackend` (a valid class name; `Model` prefix when it would start with a digit). */
export function classNameFor(name: string): string {
  const words = name
    .replace(/^@[^/]+\//, '')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);
  const pascal = words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
  if (!pascal) return 'MyModel';
  return /^[0-9]/.test(pascal) ? `Model${pascal}` : pascal;
}

/** A valid npm package name from a directory name. */
export function packageNameFor(dir: string): string {
  const base = path
    .basename(path.resolve(dir))
    .toLowerCase()
    .replace(/[^a-z0-9._~-]+/g, '-')
    .replace(/^[._-]+|-+$/g, '');
  return base || 'lsml-backend';
}

/** A directory counts as empty when it holds nothing but a `.git` folder (a fresh `git init`). */
function isEmptyDir(dir: string): boolean {
  return fs.readdirSync(dir).every((e) => e === '.git');
}

/** `model@tfjs.ts` → adapter `tfjs`, target `model.ts`; `Dockerfile` → no adapter. Dot-files are stored as `_name`. */
function targetName(file: string): { adapter: string | null; name: string } {
  const m = /^(.*)@([a-z0-9-]+)(\.[^.]+)?$/.exec(file);
  const name = m ? `${m[1]}${m[3] ?? ''}` : file;
  const dotted = /^_(gitignore|dockerignore|npmrc)$/.test(name) ? `.${name.slice(1)}` : name;
  return { adapter: m ? m[2]! : null, name: dotted };
}

const TEXT_EXTENSIONS = new Set(['.ts', '.js', '.mjs', '.cjs', '.json', '.md', '.txt', '.yml', '.yaml', '.xml', '']);
const NOT_COPIED = new Set(['template.json', 'about.md']);

/** Replace `{{key}}`; a placeholder without a value is a template bug. */
function render(text: string, vars: Record<string, string>, file: string): string {
  return text.replace(/\{\{([A-Za-z]+)\}\}/g, (_m, key: string) => {
    const v = vars[key];
    if (v === undefined) throw new Error(`Template ${file}: no value for {{${key}}}`);
    return v;
  });
}

/** Files of one template folder for `adapter`, as [source, relative target]. */
function collect(root: string, adapter: string | null, skip = NOT_COPIED): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const walk = (dir: string, rel: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const src = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        walk(src, path.join(rel, entry.name));
        continue;
      }
      if (rel === '' && (skip.has(entry.name) || /^about(@[a-z0-9-]+)?\.md$/.test(entry.name))) continue;
      const t = targetName(entry.name);
      if (t.adapter !== null && t.adapter !== adapter) continue;
      out.push([src, path.join(rel, t.name)]);
    }
  };
  walk(root, '');
  return out;
}

/**
 * Scaffold a standalone backend in `dir`: package.json (depending on the `@lsml` packages: published, or tarballs),
 * src/model.ts, src/model.test.ts (drives it over HTTP with `@lsml/testing`), Dockerfile, .dockerignore,
 * .gitignore, tsconfig.json and a README with the steps to connect it to Label Studio.
 *
 * Throws `CliError` for an unknown template or adapter, and when `dir` exists and is not empty.
 */
export function createProject(dir: string, options: CreateProjectOptions = {}): CreatedProject {
  const templateName = options.template ?? 'basic';
  const templates = listTemplates();
  const info = templates.find((t) => t.name === templateName);
  if (!info) throw new CliError(`Unknown template "${templateName}": choose one of ${templates.map((t) => t.name).join(', ')}`);
  let adapter: AdapterName | null = info.defaultAdapter;
  if (options.adapter !== undefined) {
    if (!(ADAPTERS as readonly string[]).includes(options.adapter)) {
      throw new CliError(`Unknown adapter "${options.adapter}": choose one of ${ADAPTERS.join(', ')}`);
    }
    if (!info.adapters.includes(options.adapter as AdapterName)) {
      throw new CliError(
        info.adapters.length === 0
          ? `Template "${templateName}" uses no adapter (only @lsml/core); leave out --adapter`
          : `Template "${templateName}" works with ${info.adapters.join(', ')}, not ${options.adapter}`,
      );
    }
    adapter = options.adapter as AdapterName;
  }

  const target = path.resolve(dir);
  if (fs.existsSync(target)) {
    if (!fs.statSync(target).isDirectory()) throw new CliError(`${dir} exists and is not a directory`);
    if (!isEmptyDir(target)) throw new CliError(`${dir} is not empty; refusing to overwrite it (choose a new directory)`);
  }

  const { root, version } = corePackageRoot();
  const manifest = readManifest(templateName);
  const spec: AdapterSpec = adapter ? (manifest.adapters?.[adapter] ?? {}) : {};
  const name = options.name ?? packageNameFor(target);
  const className = classNameFor(name);
  const lsmlRange = `^${version}`;
  const templateRoot = path.join(root, 'templates', templateName);
  const aboutFile = [adapter ? `about@${adapter}.md` : null, 'about.md'].map((f) => f && path.join(templateRoot, f)).find((f) => f && fs.existsSync(f));
  const env = { ...manifest.env, ...spec.env };
  const vars: Record<string, string> = {
    name,
    className,
    template: templateName,
    adapter: adapter ?? 'none',
    lsmlVersion: version,
    lsmlRange,
    description: spec.description ?? manifest.description,
    labelConfig: spec.labelConfig ?? manifest.labelConfig,
    labelConfigBlock: (spec.labelConfig ?? manifest.labelConfig)
      .split('\n')
      .map((line) => `   ${line}`)
      .join('\n'),
    interactiveStep: manifest.interactive
      ? '\n   Then tick **Interactive preannotations** on the model connection (or *Use for interactive preannotations*),\n   and turn on *Auto-Annotation* in the labelling view: a region you draw is sent to the backend as `context`.'
      : '',
    envRows: Object.entries(env)
      .map(([k, v]) => `| \`${k}\` | ${v} |\n`)
      .join(''),
  };
  vars.about = aboutFile ? render(fs.readFileSync(aboutFile, 'utf8'), vars, aboutFile).trimEnd() : '';

  // Template files win over the shared ones with the same target path.
  const files = new Map<string, string>();
  for (const [src, rel] of collect(path.join(root, 'templates', '_shared'), adapter)) files.set(rel, src);
  for (const [src, rel] of collect(templateRoot, adapter)) files.set(rel, src);

  const dependencies: Record<string, string> = { '@lsml/core': lsmlRange };
  for (const [dep, range] of Object.entries({ ...manifest.dependencies, ...spec.dependencies })) dependencies[dep] = render(range, vars, 'template.json');
  const devDependencies: Record<string, string> = { '@lsml/testing': lsmlRange, ...TOOL_VERSIONS };

  // Unpublished packages: every @lsml dependency becomes a `file:` tarball copied into the project (it
  // stays installable after the checkout moves, and in the Docker build), and `overrides` sends the
  // @lsml dependencies of those tarballs (e.g. @lsml/onnx → @lsml/core) to the same files.
  const packagesFrom = resolvePackagesSource(options, root);
  const localTarballs = new Map<string, string>();
  let overrides: Record<string, string> | undefined;
  if (packagesFrom) {
    const lsmlDeps = [...Object.keys(dependencies), ...Object.keys(devDependencies)].filter((d) => d.startsWith('@lsml/'));
    for (const [dep, file] of findTarballs(packagesFrom, lsmlDeps, version)) localTarballs.set(dep, file);
    overrides = {};
    for (const deps of [dependencies, devDependencies]) {
      for (const dep of Object.keys(deps)) {
        const file = localTarballs.get(dep);
        if (!file) continue;
        deps[dep] = `file:${LOCAL_PACKAGES_DIR}/${path.basename(file)}`;
        overrides[dep] = `$${dep}`; // the same spec as the direct dependency (npm requires that)
      }
    }
  }
  vars.copyPackages = packagesFrom ? `COPY ${LOCAL_PACKAGES_DIR}/ ./${LOCAL_PACKAGES_DIR}/\n` : '';
  const pkg = {
    name,
    version: '0.1.0',
    private: true,
    description: vars.description,
    type: 'module',
    engines: { node: '>=20' },
    scripts: {
      start: 'lsml start src/model.ts --model-dir data',
      dev: 'lsml start src/model.ts --model-dir data --log-level DEBUG --debug',
      test: 'vitest run',
      typecheck: 'tsc --noEmit',
    },
    dependencies: sortKeys(dependencies),
    devDependencies: sortKeys(devDependencies),
    ...(overrides ? { overrides: sortKeys(overrides) } : {}),
    // npm 11 asks for a decision on every dependency install script. better-sqlite3 (the state store)
    // needs its native binary; esbuild (tsx) checks its binary; the others are not needed: onnxruntime-node
    // ships its CPU binaries (the script fetches GPU ones), sharp its prebuilt libvips, protobufjs and
    // core-js only print notices; msgpackr-extract (bullmq) has prebuilt optional packages.
    allowScripts: { 'better-sqlite3': true, esbuild: true, 'core-js': false, 'msgpackr-extract': false, 'onnxruntime-node': false, protobufjs: false, sharp: false },
  };

  fs.mkdirSync(target, { recursive: true });
  const written: string[] = [];
  for (const [rel, src] of files) {
    const out = path.join(target, rel);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    const ext = path.extname(rel);
    if (TEXT_EXTENSIONS.has(ext) || rel.startsWith('.')) fs.writeFileSync(out, render(fs.readFileSync(src, 'utf8'), vars, src));
    else fs.copyFileSync(src, out);
    written.push(rel);
  }
  fs.writeFileSync(path.join(target, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  written.push('package.json');
  if (localTarballs.size) {
    fs.mkdirSync(path.join(target, LOCAL_PACKAGES_DIR), { recursive: true });
    for (const file of localTarballs.values()) {
      fs.copyFileSync(file, path.join(target, LOCAL_PACKAGES_DIR, path.basename(file)));
      written.push(path.join(LOCAL_PACKAGES_DIR, path.basename(file)));
    }
  }
  return { dir: target, name, className, template: templateName, adapter, files: written.map((f) => f.split(path.sep).join('/')).sort(), packagesFrom };
}

function sortKeys(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}

/** What to do next, printed after scaffolding. */
export function nextSteps(project: CreatedProject, cwd = process.cwd()): string {
  const rel = path.relative(cwd, project.dir) || '.';
  return [
    `Created ${project.name} (template ${project.template}${project.adapter ? `, adapter ${project.adapter}` : ''}) in ${rel}:`,
    ...project.files.map((f) => `  ${f}`),
    '',
    ...(project.packagesFrom
      ? [`The @lsml packages are tarballs from ${project.packagesFrom}, copied to ${LOCAL_PACKAGES_DIR}/ (not the npm registry).`, '']
      : []),
    'Next:',
    ...(rel === '.' ? [] : [`  cd ${rel.includes(' ') ? JSON.stringify(rel) : rel}`]),
    '  npm install',
    '  npm test          # drives the model over HTTP the way Label Studio does',
    '  npm start         # serves it on http://localhost:9090',
    '',
    'Then in Label Studio: Project → Settings → Model → Connect Model, URL http://<this host>:9090 (see README.md).',
  ].join('\n');
}

/**
 * The `create` command (also the whole `create-lsml` program): `<dir> [--template] [--adapter]`.
 * Errors are `CliError`s, reported by the caller in one line with exit code 2.
 */
export function createCommand(name = 'create'): Command {
  return new Command(name)
    .description('Scaffold a standalone Label Studio ML backend project (model, HTTP test, Dockerfile, README)')
    .argument('<dir>', 'directory to create (must not exist or be empty)')
    .addOption(new Option('-t, --template <name>', 'basic, text-classifier, gpt2, ner or interactive').default('basic'))
    .addOption(new Option('-a, --adapter <name>', "ML adapter for templates that offer several: tfjs, onnx or transformers (default: the template's)"))
    .addOption(new Option('--name <name>', 'npm package name (default: from the directory name)'))
    .addOption(
      new Option(
        '--from <folder>',
        'install the @lsml packages from this folder of tarballs (`npm run pack` → dist-packages/) or lsml checkout (default: the checkout lsml runs from, if any; else the npm registry)',
      ).conflicts('registry'),
    )
    .addOption(new Option('--registry', 'depend on the published @lsml packages (^version) even when run from a checkout'))
    .addOption(new Option('-d, --debug', 'show stack traces for errors'))
    .addHelpText('after', () => {
      const rows = listTemplates().map((t) => `  ${t.name.padEnd(16)} ${t.description}${t.adapters.length ? ` [adapters: ${t.adapters.join(', ')}; default ${t.defaultAdapter}]` : ''}`);
      return `\nTemplates:\n${rows.join('\n')}\n\nExample:\n  npx lsml create my-backend --template text-classifier --adapter onnx`;
    })
    .action((dir: string, flags: { template: string; adapter?: string; name?: string; from?: string; registry?: boolean }) => {
      const project = createProject(dir, { template: flags.template, adapter: flags.adapter, name: flags.name, from: flags.from, registry: flags.registry });
      process.stdout.write(`${nextSteps(project)}\n`);
    });
}
