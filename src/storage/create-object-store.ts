import { join } from 'node:path';
import type { Config } from '../config/index.js';
import { DiffscopeError } from '../errors/index.js';
import { LocalObjectStore } from './local-object-store.js';
import type { ObjectStore } from './object-store.js';
import { S3ObjectStore } from './s3-object-store.js';

/** The object store the configuration names (`DIFFSCOPE_STORAGE`). */
export function createObjectStore(config: Config): ObjectStore {
  if (config.DIFFSCOPE_STORAGE === 's3') {
    if (!config.DIFFSCOPE_S3_BUCKET) {
      throw new DiffscopeError('DSC_ERR_CONFIG_INVALID', 'DIFFSCOPE_S3_BUCKET is required when DIFFSCOPE_STORAGE=s3');
    }
    return new S3ObjectStore({
      bucket: config.DIFFSCOPE_S3_BUCKET,
      prefix: config.DIFFSCOPE_S3_PREFIX,
      region: config.DIFFSCOPE_S3_REGION,
      endpoint: config.DIFFSCOPE_S3_ENDPOINT,
      forcePathStyle: config.DIFFSCOPE_S3_FORCE_PATH_STYLE,
    });
  }
  return new LocalObjectStore({ outputDir: config.DIFFSCOPE_OUTPUT_DIR ?? join(config.DIFFSCOPE_DATA_DIR, 'outputs') });
}

/** Object key of the k-th image (0-based) of a generation: `<request_id>/<k>.png`. */
export function imageKey(requestId: string, index: number): string {
  return `${requestId}/${index}.png`;
}
