/** Where generated images go. `location` is what users see: `file://…` or `s3://bucket/key`. */
export interface ObjectStore {
  readonly kind: 'local' | 's3';
  put(key: string, body: Buffer, contentType: string): Promise<{ location: string; bytes: number }>;
  /** Read back by the location `put` returned; null when it does not exist. */
  get(location: string): Promise<Buffer | null>;
  close(): Promise<void>;
}
