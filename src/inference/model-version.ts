/**
 * `model_version`: a content hash of the model's files, so two folders with the same name but
 * different weights never share a version. sha256 over (relative path, file sha256) pairs,
 * truncated to 12 hex digits. Hashing a 2 GB SD export takes seconds, so each file's digest is
 * remembered for the process, keyed by path + size + mtime, and recomputed only when those change.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { ModelFileEntry } from './model-layout.js';

const fileDigests = new Map<string, { sizeBytes: number; mtimeMs: number; digest: string }>();

function hashFile(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

export async function modelVersion(files: readonly ModelFileEntry[]): Promise<string> {
  const outer = createHash('sha256');
  for (const file of files) {
    const cached = fileDigests.get(file.path);
    let digest: string;
    if (cached && cached.sizeBytes === file.sizeBytes && cached.mtimeMs === file.mtimeMs) {
      digest = cached.digest;
    } else {
      digest = await hashFile(file.path);
      fileDigests.set(file.path, { sizeBytes: file.sizeBytes, mtimeMs: file.mtimeMs, digest });
    }
    outer.update(`${file.rel}\0${digest}\n`);
  }
  return outer.digest('hex').slice(0, 12);
}
