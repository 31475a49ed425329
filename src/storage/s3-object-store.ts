/**
 * Images in an S3-compatible bucket, location `s3://bucket/key`. Credentials come from the
 * AWS SDK's default chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_PROFILE, instance
 * roles, …), so no secret passes through diffscope's own configuration.
 */
import { DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DiffscopeError } from '../errors/index.js';
import type { ObjectStore } from './object-store.js';

export interface S3ObjectStoreOptions {
  bucket: string;
  /** Prepended to every key (e.g. `diffscope/`). */
  prefix?: string;
  region: string;
  /** For S3-compatible servers (MinIO, s3rver, R2, …). */
  endpoint?: string;
  forcePathStyle?: boolean;
  /** Only for tests; production uses the SDK's default credential chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export class S3ObjectStore implements ObjectStore {
  readonly kind = 's3' as const;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;

  constructor(options: S3ObjectStoreOptions) {
    this.bucket = options.bucket;
    this.prefix = options.prefix ?? '';
    this.client = new S3Client({
      region: options.region,
      endpoint: options.endpoint,
      forcePathStyle: options.forcePathStyle,
      credentials: options.credentials,
    });
  }

  async put(key: string, body: Buffer, contentType: string): Promise<{ location: string; bytes: number }> {
    const fullKey = this.prefix + key;
    try {
      await this.client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: fullKey, Body: body, ContentType: contentType, ContentLength: body.length }),
      );
    } catch (err) {
      throw new DiffscopeError('DSC_ERR_STORAGE_FAILED', `S3 put ${this.bucket}/${fullKey} failed: ${(err as Error).message}`, {
        cause: err,
      });
    }
    return { location: `s3://${this.bucket}/${fullKey}`, bytes: body.length };
  }

  async get(location: string): Promise<Buffer | null> {
    const parsed = parseS3Location(location);
    // Only our own bucket: locations come from the shared store, not from clients.
    if (!parsed || parsed.bucket !== this.bucket) return null;
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: parsed.bucket, Key: parsed.key }));
      if (!out.Body) return null;
      return Buffer.from(await out.Body.transformToByteArray());
    } catch (err) {
      if (
        err instanceof NoSuchKey ||
        (err as { name?: string }).name === 'NoSuchKey' ||
        (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404
      ) {
        return null;
      }
      throw new DiffscopeError('DSC_ERR_STORAGE_FAILED', `S3 get ${location} failed: ${(err as Error).message}`, { cause: err });
    }
  }

  async removeGeneration(generationId: string, locations: readonly string[] = []): Promise<number> {
    const keys = new Set<string>();
    for (const location of locations) {
      const parsed = parseS3Location(location);
      // Only our own bucket: locations come from the shared store, not from clients.
      if (parsed && parsed.bucket === this.bucket) keys.add(parsed.key);
    }
    try {
      let token: string | undefined;
      do {
        const page = await this.client.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix: `${this.prefix}${generationId}/`, ContinuationToken: token }),
        );
        for (const object of page.Contents ?? []) if (object.Key) keys.add(object.Key);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      const all = [...keys];
      // DeleteObjects takes at most 1000 keys; removing a missing key is no error in S3.
      for (let i = 0; i < all.length; i += 1000) {
        const out = await this.client.send(
          new DeleteObjectsCommand({
            Bucket: this.bucket,
            Delete: { Objects: all.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true },
          }),
        );
        const failed = out.Errors ?? [];
        if (failed.length > 0)
          throw new Error(
            `${failed.length} not deleted, first ${failed[0].Key ?? '(no key)'}: ${failed[0].Code ?? 'no code'} ${failed[0].Message ?? ''}`.trim(),
          );
      }
      return all.length;
    } catch (err) {
      throw new DiffscopeError(
        'DSC_ERR_STORAGE_FAILED',
        `S3 removal of ${this.bucket}/${this.prefix}${generationId}/ failed: ${(err as Error).message}`,
        { cause: err },
      );
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}

/** `s3://bucket/some/key.png` → { bucket, key }; null when not an s3 location. */
export function parseS3Location(location: string): { bucket: string; key: string } | null {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(location);
  return match ? { bucket: match[1], key: match[2] } : null;
}
