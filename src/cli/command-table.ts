/**
 * Every `diffscope` command: what it does, its arguments, its own options, the settings it uses
 * (shown by its --help) and how to load it (lazily: `diffscope logs` never loads ONNX Runtime).
 */
import { configSchema } from '../config/index.js';
import type { Config } from '../config/index.js';
import type { OptionSpec } from './options.js';
import { settingsOf } from './setting-groups.js';
import { GENERATE_OPTIONS, LOGS_OPTIONS, MODELS_OPTIONS, TRACE_OPTIONS } from './client-options.js';

export interface CommandContext {
  config: Config;
  /** DIFFSCOPE_* overrides from flags (the all-in-one passes them on to its services). */
  overrides: Record<string, string>;
  values: Record<string, string | boolean | string[]>;
  positional: string[];
}

/** A service runs until signalled (void); a client command answers with its exit code. */
export type CommandRunner = (context: CommandContext) => Promise<number | void>;

export interface CommandSpec {
  name: string;
  summary: string;
  /** After `diffscope <name>` in the usage line. */
  synopsis: string;
  /** Paragraphs shown by `--help` under the usage line. */
  details?: string[];
  options: OptionSpec[];
  /** The settings this command uses: its --help lists them. */
  settings: string[];
  /** Settings accepted as flags: a service accepts every setting (its children may read any). */
  acceptedSettings(): string[];
  /** Positional arguments: [min, max]. */
  arity: [number, number];
  load(): Promise<CommandRunner>;
}

const allSettings = (): string[] => Object.keys(configSchema.shape);

function service(
  name: string,
  summary: string,
  settings: string[],
  load: () => Promise<(config: Config, overrides: Record<string, string>) => Promise<void>>,
): CommandSpec {
  return {
    name,
    summary,
    synopsis: '[options]',
    options: [],
    settings,
    acceptedSettings: allSettings,
    arity: [0, 0],
    load: async () => {
      const run = await load();
      return (context) => run(context.config, context.overrides);
    },
  };
}

function client(spec: Omit<CommandSpec, 'acceptedSettings' | 'load'> & { load: () => Promise<CommandRunner> }): CommandSpec {
  return { ...spec, acceptedSettings: () => spec.settings };
}

const LIST: CommandSpec[] = [
  service(
    'start',
    'run the whole stack on this machine (api, worker, notifier, explorer), one process each, restarted on crash',
    allSettings(),
    async () => (await import('./commands/start.js')).runStart,
  ),
  service(
    'api',
    'run the HTTP API server alone',
    settingsOf('process', 'api', 'http', 'queue', 'state', 'storage', 'models'),
    async () => (await import('./commands/api.js')).runApi,
  ),
  service(
    'worker',
    'run one inference worker alone',
    settingsOf('process', 'queue', 'state', 'storage', 'models', 'inference', 'metrics'),
    async () => (await import('./commands/worker.js')).runWorker,
  ),
  service(
    'notifier',
    'run the webhook notifier alone',
    settingsOf('process', 'queue', 'state', 'notifier', 'metrics'),
    async () => (await import('./commands/notifier.js')).runNotifier,
  ),
  service(
    'explorer',
    'run the trace/log explorer alone (UI and Jaeger-compatible API, OTLP/HTTP receiver)',
    settingsOf('process', 'http', 'explorer'),
    async () => (await import('./commands/explorer.js')).runExplorer,
  ),
  client({
    name: 'generate',
    summary: 'generate images on a running api-server, with live progress; saves the PNGs',
    synopsis: '"<prompt>" [options]',
    details: [
      'Creates a generation (POST /v1/generations), follows its events (queue position, then step k/N, it/s, ETA),',
      'saves each image as <out>/<request id>-<k>.png and prints the paths, the request id, the trace id and the',
      'explorer link. Ctrl-C cancels the generation. The bar and colours are shown on a terminal only (not with NO_COLOR).',
    ],
    options: GENERATE_OPTIONS,
    settings: settingsOf('apiClient', 'explorerClient'),
    arity: [1, 1],
    load: async () => (await import('./commands/generate.js')).runGenerate,
  }),
  client({
    name: 'trace',
    summary: 'show one request as a waterfall: stages, critical path, queue wait, steps, logs',
    synopsis: '<trace_id | request_id> [options]',
    details: ['Reads the trace and its log lines from the explorer. A request id (req_…) is looked up in the logs.'],
    options: TRACE_OPTIONS,
    settings: settingsOf('explorerClient'),
    arity: [1, 1],
    load: async () => (await import('./commands/trace.js')).runTrace,
  }),
  client({
    name: 'logs',
    summary: "search the explorer's log lines (newest last), or follow them",
    synopsis: '[options]',
    options: LOGS_OPTIONS,
    settings: settingsOf('explorerClient'),
    arity: [0, 0],
    load: async () => (await import('./commands/logs.js')).runLogs,
  }),
  client({
    name: 'models',
    summary: "list the models, their sizes and samplers (from --api's GET /v1/models, else the local models folder)",
    synopsis: '[options]',
    options: MODELS_OPTIONS,
    settings: settingsOf('apiClient', 'models'),
    arity: [0, 0],
    load: async () => (await import('./commands/models.js')).runModels,
  }),
];

export const COMMANDS: ReadonlyMap<string, CommandSpec> = new Map(LIST.map((c) => [c.name, c]));
