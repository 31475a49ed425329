/**
 * One request run alone: a batch of one (run-batch.ts), so a request batched with others and
 * the same request alone go through the same loop. Its stage spans are its own (under the
 * caller's active span, the worker's `inference`): `text.encode`, `sampling` (per-step durations
 * as one array attribute), and `vae.decode` for latent models or `image.decode` for pixel models.
 */
import { context } from '../telemetry/index.js';
import type { DiffscopeError } from '../errors/index.js';
import type { GenerateRequest } from './types.js';
import type { LoadedModel } from './loaded-model.js';
import { runBatch, type MemberOutput, type RunContext, type RunOutput } from './run-batch.js';

export type { RunContext, RunOutput } from './run-batch.js';
export { runError } from './run-parts.js';

export async function runGeneration(model: LoadedModel, request: GenerateRequest, ctx: RunContext): Promise<RunOutput> {
  let output: MemberOutput | undefined;
  let error: DiffscopeError | undefined;
  await runBatch(model, [{ request, context: context.active() }], {
    ...ctx,
    settle: (_, outcome) => {
      if (outcome.ok) output = outcome.output;
      else error = outcome.error;
    },
  });
  if (error) throw error;
  if (!output) throw new Error('runBatch settled no outcome for its only member');
  return output;
}
