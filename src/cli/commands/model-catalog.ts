/**
 * The models a deployment has, read from disk (each folder's `model_index.json`, configs and file
 * digests) by the model registry alone. This module must not reach onnxruntime-node: the api-server
 * and `diffscope models` only list models, and ONNX Runtime costs hundreds of MB of address space
 * and a native library load (test/cli/api-without-onnx.test.ts watches the api-server for it).
 */
import type { Config } from '../../config/index.js';
import { logSkippedModel, ModelRegistry } from '../../inference/model-registry.js';
import type { Logger } from '../../telemetry/index.js';

/** A registry scanned once; folders that fail to read are left out (and logged when a logger is given). */
export async function scanModels(config: Config, logger?: Logger): Promise<ModelRegistry> {
  const registry = new ModelRegistry({ modelsDir: config.DIFFSCOPE_MODELS_DIR });
  await registry.refresh(logger ? logSkippedModel(logger) : undefined);
  return registry;
}
