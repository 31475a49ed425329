/**
 * The admission rule every store applies inside its atomic step (src/generation/generation-store.ts
 * `createWithinQuota`): the first limit already reached refuses, checked in this order.
 */
import type { Admission, AdmissionQuota } from '../generation/index.js';

export interface AdmissionCounts {
  /** Generations queued in all. */
  queued: number;
  clientQueued: number;
  clientActive: number;
}

export function judgeAdmission(counts: AdmissionCounts, quota: AdmissionQuota): Admission {
  if (counts.queued >= quota.maxQueued) return { admitted: false, scope: 'queue', limit: quota.maxQueued, count: counts.queued };
  if (counts.clientQueued >= quota.maxQueuedPerClient) {
    return { admitted: false, scope: 'client_queued', limit: quota.maxQueuedPerClient, count: counts.clientQueued };
  }
  if (counts.clientActive >= quota.maxActivePerClient) {
    return { admitted: false, scope: 'client_active', limit: quota.maxActivePerClient, count: counts.clientActive };
  }
  return { admitted: true };
}
