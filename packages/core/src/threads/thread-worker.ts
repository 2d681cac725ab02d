// Runs inside each pool thread: import the user's worker module (through tsx when it is TypeScript,
// like the model file) once, then call the requested export with the task's input.
const modules = new Map<string, Promise<Record<string, unknown>>>();

export interface ThreadTask {
  file: string;
  name?: string;
  input: unknown;
}

async function load(file: string): Promise<Record<string, unknown>> {
  if (/\.[cm]?tsx?$/.test(new URL(file).pathname)) {
    const { tsImport } = await import('tsx/esm/api');
    return (await tsImport(file, import.meta.url)) as Record<string, unknown>;
  }
  return (await import(file)) as Record<string, unknown>;
}

export default async function runThreadTask({ file, name, input }: ThreadTask): Promise<unknown> {
  let mod = modules.get(file);
  if (!mod) {
    mod = load(file);
    modules.set(file, mod);
  }
  const m = await mod;
  let fn = name ? m[name] : m.default;
  // A CJS module's exports arrive under `default`.
  if (typeof fn !== 'function' && m.default && typeof m.default === 'object') fn = (m.default as Record<string, unknown>)[name ?? 'default'];
  if (typeof fn !== 'function') throw new TypeError(`${file} has no exported function ${name ?? 'default'}`);
  return (fn as (input: unknown) => unknown)(input);
}
