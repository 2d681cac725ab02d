import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { LsmlError } from '../errors.js';
import { isBackendClass, type BackendClass } from '../model/label-studio-ml-base.js';

/** A user mistake the CLI reports in one line (exit code 2), without a stack trace. */
export class CliError extends LsmlError {
  constructor(message: string) {
    super('cli', message, { status: 400 });
    this.name = 'CliError';
  }
}

/**
 * Import a model file (`.ts`, `.mts`, `.cts`, `.js`, `.mjs`, `.cjs`) and return its default export.
 * TypeScript is loaded through tsx, so users need no build step.
 */
export async function loadBackend(file: string): Promise<BackendClass> {
  const abs = path.resolve(file);
  if (!fs.existsSync(abs)) throw new CliError(`Model file not found: ${file}`);
  let mod: Record<string, unknown>;
  try {
    if (/\.[cm]?tsx?$/.test(abs)) {
      const { tsImport } = await import('tsx/esm/api');
      mod = (await tsImport(pathToFileURL(abs).href, import.meta.url)) as Record<string, unknown>;
    } else {
      mod = (await import(pathToFileURL(abs).href)) as Record<string, unknown>;
    }
  } catch (err) {
    throw new CliError(`Could not load ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  // A CJS module's exports arrive as `default` (and its own `default` one level further down).
  let exported: unknown = mod.default;
  if (!isBackendClass(exported) && exported && typeof exported === 'object' && 'default' in exported) {
    exported = (exported as { default: unknown }).default;
  }
  if (exported === undefined) {
    throw new CliError(`${file} has no default export: add \`export default class MyModel extends LabelStudioMLBase {...}\``);
  }
  if (!isBackendClass(exported)) {
    throw new CliError(`The default export of ${file} is not a LabelStudioMLBase subclass or a defineBackend() result`);
  }
  return exported;
}
