// `@lsml/core/create`: the scaffolder without the server (what `create-lsml` runs).
import { createCommand } from './create-project.js';
import { runCli } from './run.js';

export {
  ADAPTERS,
  classNameFor,
  createCommand,
  createProject,
  listTemplates,
  nextSteps,
  packageNameFor,
  templatesDir,
  TOOL_VERSIONS,
  type AdapterName,
  type CreatedProject,
  type CreateProjectOptions,
  type TemplateInfo,
} from './create-project.js';
export { CliError } from './load-backend.js';
export { runCli } from './run.js';

/** `create-lsml <dir> [--template] [--adapter]` (`npm create lsml@latest my-backend`). */
export function runCreateLsml(argv: readonly string[] = process.argv): Promise<void> {
  return runCli(createCommand('create-lsml'), argv, 'create-lsml');
}
