import type { Config } from '../../config/index.js';
import { scanModels } from './model-catalog.js';

/** `diffscope models`: what the worker would serve, as a table on stdout. */
export async function runModels(config: Config): Promise<void> {
  const models = (await scanModels(config)).list();
  if (models.length === 0) {
    process.stdout.write(`no models in ${config.DIFFSCOPE_MODELS_DIR}\n`);
    return;
  }
  for (const m of models) {
    const size = m.sizes.min === m.sizes.max ? `${m.sizes.min}` : `${m.sizes.min}-${m.sizes.max}/${m.sizes.multipleOf}`;
    const mark = m.id === config.DIFFSCOPE_DEFAULT_MODEL ? '*' : ' ';
    process.stdout.write(`${mark} ${m.id.padEnd(20)} ${m.version.padEnd(14)} ${m.kind.padEnd(6)} size ${size.padEnd(12)} ${m.path}\n`);
  }
}
