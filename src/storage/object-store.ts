/** Where generated images go. `location` is what users see: `file://…` or `s3://bucket/key`. */
export interface ObjectStore {
  readonly kind: 'local' | 's3';
  put(key: string, body: Buffer, contentType: string): Promise<{ location: string; bytes: number }>;
  /** Read back by the location `put` returned; null when it does not exist. */
  get(location: string): Promise<Buffer | null>;
  /**
   * Removes a generation's images: every object under `<generationId>/` (where `imageKey` puts
   * them) and the given locations when they are this store's. Idempotent: what is already gone is
   * no error. Resolves with the number of objects removed (S3: the keys found under the prefix
   * plus the located keys outside it, which S3 removes without saying whether they existed).
   * Throws DSC_ERR_STORAGE_FAILED when the storage fails.
   */
  removeGeneration(generationId: string, locations?: readonly string[]): Promise<number>;
  close(): Promise<void>;
}
