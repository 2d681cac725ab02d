#!/usr/bin/env node
import { Command, Option } from 'commander';
import { ENV_VARS, type ServerConfig } from '../config.js';
import { serve } from '../server/serve.js';
import { runWorker } from '../training/run-worker.js';
import { runBulkPredict } from '../bulk/run-bulk-predict.js';
import { CliError, loadBackend } from './load-backend.js';
import { createCommand } from './create-project.js';
import { defaultExtraParams, EXTRA_PARAMS_ENV, withDefaultExtraParams } from './extra-params.js';
import { runCli } from './run.js';
import { VERSION } from '../version.js';

interface StartFlags {
  port?: string;
  host?: string;
  modelDir?: string;
  basicAuthUser?: string;
  basicAuthPass?: string;
  logLevel?: string;
  cacheType?: string;
  queue?: string;
  redisUrl?: string;
  basePath?: string;
  maxBodySize?: string;
  strictValidation?: boolean;
  debug?: boolean;
  with?: string[];
  kwargs?: string[];
}

const WITH_HELP = `default extra params for every project, after the model file: --with threshold=0.5 labels=PER (values: integers, floats and true/false are converted, as in Python); the "Extra params" Label Studio sends for a connection override them key by key (env: ${EXTRA_PARAMS_ENV} as a JSON object)`;

/** Load the model file and apply --with / LSML_EXTRA_PARAMS. */
async function loadModel(file: string, flags: { with?: string[]; kwargs?: string[] }) {
  const defaults = defaultExtraParams([...(flags.kwargs ?? []), ...(flags.with ?? [])]);
  return withDefaultExtraParams(await loadBackend(file), defaults);
}

export function buildProgram(): Command {
  const program = new Command('lsml')
    .description('Label Studio ML backends in TypeScript')
    .version(VERSION);

  program
    .command('start')
    .description('Serve the default export of a model file (.ts or .js) as a Label Studio ML backend')
    .argument('<model-file>', 'file whose default export is a LabelStudioMLBase subclass or a defineBackend() result')
    .addOption(new Option('-p, --port <port>', 'port to listen on (default 9090)').env(ENV_VARS.port))
    .addOption(new Option('--host <host>', 'interface to bind (default 0.0.0.0)').env(ENV_VARS.host))
    .addOption(new Option('--model-dir <dir>', 'directory for cache.db and model artifacts (default .)').env(ENV_VARS.modelDir))
    .addOption(
      new Option('--basic-auth-user <user>', 'HTTP basic auth user; auth is on only when user and password are both set').env(
        'ML_SERVER_BASIC_AUTH_USER',
      ),
    )
    .addOption(new Option('--basic-auth-pass <pass>', 'HTTP basic auth password').env('ML_SERVER_BASIC_AUTH_PASS'))
    .addOption(
      new Option('--log-level <level>', 'DEBUG, INFO, WARNING or ERROR (default INFO)').env(ENV_VARS.logLevel),
    )
    .addOption(new Option('--cache-type <type>', 'state store: sqlite (default), memory or redis').env(ENV_VARS.cacheType))
    .addOption(new Option('--queue <queue>', 'training queue: embedded (default) or bullmq').env(ENV_VARS.queue))
    .addOption(new Option('--redis-url <url>', 'Redis for QUEUE=bullmq and CACHE_TYPE=redis (default redis://127.0.0.1:6379)').env(ENV_VARS.redisUrl))
    .addOption(new Option('--base-path <path>', 'serve every route under this path prefix, e.g. /ml').env(ENV_VARS.basePath))
    .addOption(new Option('--max-body-size <size>', 'largest request body accepted (default 50mb)').env(ENV_VARS.maxBodySize))
    .addOption(
      new Option(
        '--strict-validation',
        `answer 500 when a prediction does not match the label config (default: log a warning) (env: ${ENV_VARS.strictValidation}=1)`,
      ),
    )
    .addOption(new Option('-d, --debug', `include stack traces in error responses and CLI errors (env: ${ENV_VARS.debug}=1)`))
    .addOption(new Option('--with <key=value...>', WITH_HELP))
    .addOption(new Option('--kwargs <key=value...>', 'same as --with (the Python CLI\'s name)'))
    .addHelpText(
      'after',
      '\nBasic auth also reads BASIC_AUTH_USER / BASIC_AUTH_PASS. Label Studio media access reads LABEL_STUDIO_URL and LABEL_STUDIO_API_KEY.\n\nExamples:\n  npx lsml start model.ts --port 9090 --host 127.0.0.1\n  npx lsml start model.ts --with threshold=0.5 model_name=small',
    )
    .action(async (file: string, flags: StartFlags) => {
      const ModelClass = await loadModel(file, flags);
      const overrides: Partial<ServerConfig> = {
        port: flags.port === undefined ? undefined : parsePort(flags.port),
        host: flags.host,
        modelDir: flags.modelDir,
        basicAuthUser: flags.basicAuthUser,
        basicAuthPass: flags.basicAuthPass,
        logLevel: flags.logLevel,
        cacheType: flags.cacheType?.toLowerCase(),
        queue: flags.queue?.toLowerCase(),
        redisUrl: flags.redisUrl,
        basePath: flags.basePath,
        maxBodySize: flags.maxBodySize,
        strictValidation: flags.strictValidation,
        debug: flags.debug,
      };
      await serve(ModelClass, overrides);
    });

  program
    .command('worker')
    .description('Run training jobs from the queue (QUEUE=bullmq + REDIS_URL, or the embedded queue in MODEL_DIR/cache.db)')
    .argument('<model-file>', 'the same model file the servers serve')
    .addOption(new Option('--model-dir <dir>', 'directory for cache.db and model artifacts (shared with the servers)').env(ENV_VARS.modelDir))
    .addOption(new Option('--queue <queue>', 'embedded (default) or bullmq').env(ENV_VARS.queue))
    .addOption(new Option('--redis-url <url>', 'Redis for QUEUE=bullmq and CACHE_TYPE=redis (default redis://127.0.0.1:6379)').env(ENV_VARS.redisUrl))
    .addOption(new Option('--cache-type <type>', 'state store: sqlite (default), memory or redis').env(ENV_VARS.cacheType))
    .addOption(new Option('--log-level <level>', 'DEBUG, INFO, WARNING or ERROR (default INFO)').env(ENV_VARS.logLevel))
    .addOption(new Option('--with <key=value...>', `default extra params, as for start: the jobs see the same this.extraParams (env: ${EXTRA_PARAMS_ENV} as a JSON object)`))
    .addOption(new Option('--kwargs <key=value...>', 'same as --with'))
    .addOption(new Option('-d, --debug', 'show stack traces for CLI errors'))
    .action(async (file: string, flags: { modelDir?: string; queue?: string; redisUrl?: string; cacheType?: string; logLevel?: string; with?: string[]; kwargs?: string[] }) => {
      threadsAtProcessPriority();
      const ModelClass = await loadModel(file, flags);
      await runWorker(ModelClass, {
        modelDir: flags.modelDir,
        queue: flags.queue?.toLowerCase(),
        redisUrl: flags.redisUrl,
        cacheType: flags.cacheType?.toLowerCase(),
        logLevel: flags.logLevel,
      });
    });

  program
    .command('predict')
    .description('Pre-annotate a whole Label Studio project: predictions written back through its API (LABEL_STUDIO_URL + LABEL_STUDIO_API_KEY), in chunks on the queue')
    .argument('<model-file>', 'the model file the servers serve')
    .requiredOption('--project <id>', 'Label Studio project id')
    .option('--view <id>', 'only the tasks of this Data Manager view (tab)')
    .option('--only-missing', 'only tasks without a prediction of the current model version')
    .option('--batch <n>', 'tasks per predict() call (default 64)')
    .option('--chunk-size <n>', 'tasks per chunk, i.e. per queue job (default 500)')
    .option('--resume <job>', 'continue a bulk job that was interrupted (its finished chunks are skipped)')
    .option('--no-work', 'only queue the chunks: lsml worker processes do the work (QUEUE=bullmq)')
    .addOption(new Option('--model-dir <dir>', 'directory for cache.db and model artifacts (shared with the servers)').env(ENV_VARS.modelDir))
    .addOption(new Option('--queue <queue>', 'embedded (default) or bullmq').env(ENV_VARS.queue))
    .addOption(new Option('--redis-url <url>', 'Redis for QUEUE=bullmq and CACHE_TYPE=redis').env(ENV_VARS.redisUrl))
    .addOption(new Option('--cache-type <type>', 'state store: sqlite (default), memory or redis').env(ENV_VARS.cacheType))
    .addOption(new Option('--log-level <level>', 'DEBUG, INFO, WARNING or ERROR (default WARNING here)').env(ENV_VARS.logLevel))
    .addOption(new Option('--with <key=value...>', 'default extra params, as for start'))
    .addOption(new Option('-d, --debug', 'show stack traces for CLI errors'))
    .action(
      async (
        file: string,
        flags: { project: string; view?: string; onlyMissing?: boolean; batch?: string; chunkSize?: string; resume?: string; work: boolean; modelDir?: string; queue?: string; redisUrl?: string; cacheType?: string; logLevel?: string; with?: string[] },
      ) => {
        threadsAtProcessPriority();
        const ModelClass = await loadModel(file, flags);
        const int = (v: string | undefined, name: string) => {
          if (v === undefined) return undefined;
          const n = Number(v);
          if (!Number.isInteger(n) || n < 1) throw new CliError(`Invalid ${name}: ${v} (a positive integer)`);
          return n;
        };
        const abort = new AbortController();
        process.once('SIGINT', () => abort.abort());
        const status = await runBulkPredict(
          ModelClass,
          { project: int(flags.project, '--project')!, view: int(flags.view, '--view'), onlyMissing: flags.onlyMissing, batch: int(flags.batch, '--batch'), chunkSize: int(flags.chunkSize, '--chunk-size') },
          { modelDir: flags.modelDir, queue: flags.queue?.toLowerCase(), redisUrl: flags.redisUrl, cacheType: flags.cacheType?.toLowerCase(), logLevel: flags.logLevel ?? 'WARNING' },
          { resume: flags.resume, work: flags.work, signal: abort.signal },
        );
        process.exitCode = status.job_status === 'finished' ? 0 : 1;
      },
    );

  program.addCommand(createCommand('create'));

  return program;
}

/**
 * `lsml worker` and `lsml predict` answer no requests: their worker threads (the model's) keep the
 * process's priority instead of yielding the CPU to an event loop that has nothing to serve. An explicit
 * LSML_THREAD_NICE still wins.
 */
function threadsAtProcessPriority(): void {
  process.env.LSML_THREAD_NICE ??= '0';
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new CliError(`Invalid port: ${value}`);
  return n;
}

void runCli(buildProgram(), process.argv, 'lsml');
