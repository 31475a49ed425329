/**
 * Images on the local disk: `<outputDir>/<key>`, location `file:///abs/path`. The default
 * for one machine; the api-server reads them back through `get` to serve `/images/{k}`.
 */
import { mkdir, readdir, readFile, rename, rmdir, unlink, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DiffscopeError } from '../errors/index.js';
import type { ObjectStore } from './object-store.js';

export interface LocalObjectStoreOptions {
  /** Root directory; created on first write. */
  outputDir: string;
}

export class LocalObjectStore implements ObjectStore {
  readonly kind = 'local' as const;
  readonly root: string;

  constructor(options: LocalObjectStoreOptions) {
    this.root = resolve(options.outputDir);
  }

  async put(key: string, body: Buffer, _contentType: string): Promise<{ location: string; bytes: number }> {
    const path = this.pathFor(key);
    try {
      await mkdir(dirname(path), { recursive: true });
      // Write then rename so a reader (or a redelivered job) never sees half an image.
      const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
      await writeFile(tmp, body);
      await rename(tmp, path);
    } catch (err) {
      throw new DiffscopeError('DSC_ERR_STORAGE_FAILED', `could not write ${key}: ${(err as Error).message}`, { cause: err });
    }
    return { location: pathToFileURL(path).href, bytes: body.length };
  }

  async get(location: string): Promise<Buffer | null> {
    // Only serve what lives under our root: a location comes from the shared store, but a
    // crafted record must not turn this into an arbitrary file reader (nor, for removeGeneration, deleter).
    const path = this.pathOf(location);
    if (!path) return null;
    try {
      return await readFile(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new DiffscopeError('DSC_ERR_STORAGE_FAILED', `could not read ${location}: ${(err as Error).message}`, { cause: err });
    }
  }

  async removeGeneration(generationId: string, locations: readonly string[] = []): Promise<number> {
    const dir = this.pathFor(generationId);
    const paths = new Set<string>();
    for (const location of locations) {
      const path = this.pathOf(location);
      if (path) paths.add(path);
    }
    try {
      // Images, and the temporary file of a write that died half way.
      for (const name of await readdir(dir).catch(ignoreMissing([] as string[]))) paths.add(join(dir, name));
      let removed = 0;
      for (const path of paths) if (await unlink(path).then(() => true, ignoreMissing(false))) removed++;
      await rmdir(dir).catch(ignoreMissing(undefined));
      return removed;
    } catch (err) {
      throw new DiffscopeError('DSC_ERR_STORAGE_FAILED', `could not remove the images of ${generationId}: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }

  async close(): Promise<void> {}

  /** The path of a `file://` location under our root; null for anything else. */
  private pathOf(location: string): string | null {
    try {
      const path = fileURLToPath(location);
      return this.isInside(path) ? resolve(path) : null;
    } catch {
      return null;
    }
  }

  private pathFor(key: string): string {
    if (!key || isAbsolute(key) || key.split(/[\\/]/).some((part) => part === '..' || part === '')) {
      throw new DiffscopeError('DSC_ERR_STORAGE_FAILED', `invalid object key "${key}"`);
    }
    const path = resolve(this.root, key);
    if (!this.isInside(path)) throw new DiffscopeError('DSC_ERR_STORAGE_FAILED', `invalid object key "${key}"`);
    return path;
  }

  private isInside(path: string): boolean {
    const rel = relative(this.root, resolve(path));
    return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) && !rel.startsWith(sep);
  }
}

/** A catch handler: a missing file or directory gives `value`, anything else is thrown on. */
function ignoreMissing<T>(value: T): (err: unknown) => T {
  return (err) => {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return value;
    throw err;
  };
}
