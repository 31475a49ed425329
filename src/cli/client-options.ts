/**
 * The client commands' own options: per-invocation choices, not settings (a setting is the same
 * for every run and lives in src/config/schema.ts). Limits and defaults of generation parameters
 * are the API's (src/contract/limits.ts), so they are shown as the server applies them.
 */
import type { OptionSpec } from './options.js';

const json: OptionSpec = { name: 'json', kind: 'boolean', description: 'print JSON instead of text' };

export const GENERATE_OPTIONS: OptionSpec[] = [
  {
    name: 'model',
    short: 'm',
    kind: 'string',
    valueName: '<id>',
    description: 'model id (diffscope models)',
    defaultText: "the server's DIFFSCOPE_DEFAULT_MODEL",
  },
  { name: 'sampler', kind: 'string', valueName: '<name>', description: 'ddim, euler, euler_a, dpmpp_2m or lcm', defaultText: 'ddim' },
  { name: 'steps', short: 's', kind: 'string', valueName: '<n>', description: 'sampling steps (1-150)', defaultText: '25' },
  { name: 'cfg', kind: 'string', valueName: '<x>', description: 'classifier-free guidance scale (0-30)', defaultText: '6' },
  {
    name: 'seed',
    kind: 'string',
    valueName: '<n>',
    description: 'seed (0-4294967295); the seed used is always printed',
    defaultText: 'random',
  },
  {
    name: 'size',
    kind: 'string',
    valueName: '<WxH>',
    description: 'image size, e.g. 512x512 (a size the model draws)',
    defaultText: "the model's",
  },
  { name: 'n', short: 'n', kind: 'string', valueName: '<n>', description: 'number of images (1-8)', defaultText: '1' },
  { name: 'negative', kind: 'string', valueName: '<text>', description: 'negative prompt' },
  {
    name: 'out',
    short: 'o',
    kind: 'string',
    valueName: '<dir>',
    description: 'folder the PNGs are saved in (created if missing)',
    defaultText: '.',
  },
  { ...json, description: 'print one JSON object when done (no progress display)' },
];

export const TRACE_OPTIONS: OptionSpec[] = [
  { ...json, description: 'print the raw trace, as the explorer answers GET /api/traces/{id} (Jaeger JSON)' },
  {
    name: 'compare',
    kind: 'string',
    valueName: '<id>',
    description: 'compare with another trace or request, stage by stage (the first is the baseline)',
  },
  { name: 'logs', kind: 'boolean', description: 'show the log lines under their spans (--no-logs leaves them out)', defaultText: 'true' },
];

export const LOGS_OPTIONS: OptionSpec[] = [
  { name: 'trace-id', kind: 'string', valueName: '<id>', description: 'lines of one trace' },
  { name: 'request-id', kind: 'string', valueName: '<id>', description: 'lines of one request (generation id)' },
  { name: 'service', kind: 'string', valueName: '<name>', description: 'api-server, inference-worker, notifier, explorer, supervisor' },
  { name: 'level', kind: 'string', valueName: '<levels>', description: 'comma-separated levels: debug,info,warn,error' },
  { name: 'event', kind: 'string', valueName: '<name>', description: 'one event, e.g. request_failed' },
  { name: 'grep', short: 'q', kind: 'string', valueName: '<text>', description: 'lines containing this text' },
  {
    name: 'since',
    kind: 'string',
    valueName: '<time>',
    description: 'lines after this: a duration back from now (30s, 15m, 2h, 1d) or an ISO date',
  },
  { name: 'limit', kind: 'string', valueName: '<n>', description: 'at most this many lines (the newest)', defaultText: '100' },
  { name: 'follow', short: 'f', kind: 'boolean', description: 'keep printing new lines as they arrive (Ctrl-C stops)' },
  { ...json, description: 'print each line as the explorer stores it, one JSON object per line' },
];

export const MODELS_OPTIONS: OptionSpec[] = [json];
