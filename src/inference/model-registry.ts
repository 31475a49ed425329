/**
 * The models folder: each subfolder holding a `model_index.json` is a model whose id is the folder
 * name (symlinks allowed, so an optimum export elsewhere can be linked in), plus any explicit
 * id → path entries. Each resolve re-reads the small JSON files and stats the weights, so an
 * updated folder gets a new `model_version` without a restart (file digests are cached).
 */
import { readdir, stat } from 'node:fs/promises';
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DiffscopeError } from '../errors/index.js';
import type { Logger } from '../telemetry/index.js';
import type { ModelInfo } from './types.js';
import { readModelLayout, type ModelLayout } from './model-layout.js';
import { modelVersion } from './model-version.js';

export interface ModelRegistryOptions {
  modelsDir: string;
  /** Extra models outside `modelsDir`: id → folder. */
  modelPaths?: Readonly<Record<string, string>>;
}

export interface ResolvedModel {
  layout: ModelLayout;
  version: string;
  info: ModelInfo;
}

/** `onSkip` for refresh(): a folder that fails to read is a `model_skipped` WARN line. */
export function logSkippedModel(logger: Logger): (id: string, err: unknown) => void {
  return (id, err) => logger.warn('model_skipped', { model_id: id, err: err instanceof Error ? err : new Error(String(err)) });
}

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export class ModelRegistry {
  private readonly modelsDir: string;
  private readonly modelPaths: Readonly<Record<string, string>>;
  private infos = new Map<string, ModelInfo>();
  private readonly resolvedCache = new Map<string, { resolved: ResolvedModel; fingerprint: string }>();

  constructor(options: ModelRegistryOptions) {
    this.modelsDir = resolve(options.modelsDir);
    this.modelPaths = options.modelPaths ?? {};
  }

  list(): ModelInfo[] {
    return [...this.infos.values()];
  }

  /** Scan the folder; models that fail to read are left out (and reported to `onSkip`). */
  async refresh(onSkip?: (id: string, err: unknown) => void): Promise<ModelInfo[]> {
    const next = new Map<string, ModelInfo>();
    for (const [id, path] of await this.candidates()) {
      try {
        next.set(id, (await this.resolveAt(id, path)).info);
      } catch (err) {
        onSkip?.(id, err);
      }
    }
    this.infos = next;
    return this.list();
  }

  async resolve(id: string): Promise<ResolvedModel> {
    if (!ID_PATTERN.test(id) || id.includes('..')) {
      throw new DiffscopeError('DSC_ERR_MODEL_NOT_FOUND', `model id '${id}' is not valid`, { field: 'model' });
    }
    const path = this.modelPaths[id] ?? join(this.modelsDir, id);
    if (!existsSync(join(path, 'model_index.json'))) {
      this.infos.delete(id);
      const known = (await this.candidates()).map(([k]) => k);
      throw new DiffscopeError(
        'DSC_ERR_MODEL_NOT_FOUND',
        `model '${id}' not found in ${this.modelsDir}${known.length ? ` (available: ${known.join(', ')})` : ''}`,
        { field: 'model' },
      );
    }
    const cached = this.resolvedCache.get(id);
    if (cached && cached.resolved.layout.path === path && fingerprint(cached.resolved.layout) === cached.fingerprint) {
      return cached.resolved;
    }
    const resolved = await this.resolveAt(id, path);
    this.infos.set(id, resolved.info);
    this.resolvedCache.set(id, { resolved, fingerprint: fingerprint(resolved.layout) });
    return resolved;
  }

  private async resolveAt(id: string, path: string): Promise<ResolvedModel> {
    const layout = await readModelLayout(id, path);
    const version = await modelVersion(layout.files);
    const info: ModelInfo = {
      id,
      version,
      path,
      kind: layout.kind,
      defaultWidth: layout.defaultWidth,
      defaultHeight: layout.defaultHeight,
      sizes: layout.sizes,
      ...(layout.description ? { description: layout.description } : {}),
    };
    return { layout, version, info };
  }

  private async candidates(): Promise<[string, string][]> {
    const out: [string, string][] = [];
    if (existsSync(this.modelsDir)) {
      for (const name of (await readdir(this.modelsDir)).sort()) {
        if (!ID_PATTERN.test(name)) continue;
        const dir = join(this.modelsDir, name);
        const st = await stat(dir).catch(() => undefined);
        if (st?.isDirectory() && existsSync(join(dir, 'model_index.json'))) out.push([name, dir]);
      }
    }
    for (const [id, path] of Object.entries(this.modelPaths)) {
      if (!out.some(([k]) => k === id)) out.push([id, path]);
    }
    return out;
  }
}

/**
 * size:mtime of every file and mtime of every folder of the model: a few sync stats (tens of µs),
 * against re-reading the layout per request (milliseconds through the fs thread pool). Folder
 * mtimes catch added or removed files.
 */
function fingerprint(layout: ModelLayout): string {
  const dirs = new Set<string>([layout.path]);
  const parts: string[] = [];
  try {
    for (const file of layout.files) {
      const st = statSync(file.path);
      parts.push(`${st.size}:${st.mtimeMs}`);
      dirs.add(dirname(file.path));
    }
    for (const dir of dirs) parts.push(`${statSync(dir).mtimeMs}`);
  } catch {
    return `missing:${Math.random()}`;
  }
  return parts.join('|');
}
