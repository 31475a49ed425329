// Shared with the CLI's `diffscope trace`: the one implementation is src/contract/trace-model/diffusion.ts.
export * from '../../../src/contract/trace-model/diffusion.js';
