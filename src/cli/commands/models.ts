/**
 * `diffscope models`: the models requests may name, with their sizes and samplers. With `--api`
 * (or DIFFSCOPE_API_URL) from that api-server's GET /v1/models; otherwise from the local models
 * folder, as a worker on this machine would serve them.
 */
import type { CommandContext } from '../command-table.js';
import { apiClient } from '../client/servers.js';
import { EXIT } from '../exit-codes.js';
import { colorEnabled, paint } from '../terminal.js';
import { scanModels } from './model-catalog.js';

/** One row, whichever the source: GET /v1/models' fields (docs/api.md). */
interface ModelRow {
  id: string;
  version: string;
  kind: string;
  default: boolean;
  default_size: string;
  sizes: { summary: string };
  samplers: string[];
  /** The folder, for the local catalogue. */
  path?: string;
}

async function localModels(context: CommandContext): Promise<{ source: string; models: ModelRow[] }> {
  const { config } = context;
  // The api-server's own view (src/api/model-view.ts) keeps the size wording of its errors.
  const { modelView } = await import('../../api/model-view.js');
  const models = (await scanModels(config)).list().map((m) => ({ ...modelView(m, config.DIFFSCOPE_DEFAULT_MODEL), path: m.path }));
  return { source: `models folder ${config.DIFFSCOPE_MODELS_DIR}`, models };
}

async function remoteModels(context: CommandContext): Promise<{ source: string; models: ModelRow[] }> {
  const api = apiClient(context.config);
  const list = await api.json<{ data: ModelRow[] }>('/v1/models');
  return { source: `${api.baseUrl}/v1/models`, models: list.data };
}

export async function runModels(context: CommandContext): Promise<number> {
  const remote = context.config.DIFFSCOPE_API_URL !== undefined;
  const { source, models } = remote ? await remoteModels(context) : await localModels(context);
  if (context.values.json === true) {
    process.stdout.write(JSON.stringify({ source, data: models }) + '\n');
    return EXIT.OK;
  }
  const out = process.stdout;
  const colors = paint(colorEnabled(out));
  if (models.length === 0) {
    out.write(`no models (${source})\n`);
    return EXIT.OK;
  }
  const idWidth = Math.max(...models.map((m) => m.id.length), 2) + 2;
  out.write(colors.dim(`${'  id'.padEnd(idWidth + 2)}${'version'.padEnd(14)}${'kind'.padEnd(8)}${'default size'.padEnd(14)}sizes\n`));
  for (const m of models) {
    const mark = m.default ? colors.green('*') : ' ';
    out.write(
      `${mark} ${colors.bold(m.id.padEnd(idWidth))}${m.version.padEnd(14)}${m.kind.padEnd(8)}${m.default_size.padEnd(14)}${m.sizes.summary}\n`,
    );
  }
  const samplers = [...new Set(models.flatMap((m) => m.samplers))];
  out.write(colors.dim(`samplers: ${samplers.join(', ')}\n* the default model · from ${source}\n`));
  return EXIT.OK;
}
