/**
 * The probabilistic policy's decision, a pure function of the trace id: the OpenTelemetry
 * specification's consistent probability sampling (trace-state-probability-sampling), which
 * takes the trace id's rightmost 56 bits as its randomness R (W3C Trace Context Level 2 makes
 * them random) and keeps a trace when R >= T, T = (1 − p) · 2^56. The same trace gets the same
 * answer in every explorer, on every run, and from any head sampler that follows the same rule;
 * a larger percentage keeps a superset of what a smaller one keeps.
 */
const RANDOMNESS_BITS = 56n;
const SPACE = 1n << RANDOMNESS_BITS;

/** The rejection threshold T for a percentage (0 keeps nothing, 100 keeps everything). */
export function rejectionThreshold(percentage: number): bigint {
  const p = Math.min(100, Math.max(0, percentage)) / 100;
  // p · 2^56 as a double is off by at most a few units of 2^-56: nothing a percentage can tell apart
  return SPACE - BigInt(Math.round(p * 2 ** 56));
}

/** R: the trace id's rightmost 56 bits (14 hex digits). */
export function traceRandomness(traceId: string): bigint {
  return BigInt(`0x${traceId.slice(-14)}`);
}

export function keepsByProbability(traceId: string, threshold: bigint): boolean {
  return traceRandomness(traceId) >= threshold;
}
