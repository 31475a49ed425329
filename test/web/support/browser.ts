// Real headless Chromium (Debian's package) driven by playwright-core; a fresh profile per launch.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext } from 'playwright-core';

export const CHROMIUM_PATH = process.env.DIFFSCOPE_CHROMIUM ?? '/usr/bin/chromium';

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM_PATH);
}

export interface LaunchedBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** A persistent context is the way to give Chromium its own --user-data-dir. */
export async function launchChromium(
  options: { colorScheme?: 'light' | 'dark'; width?: number; height?: number } = {},
): Promise<LaunchedBrowser> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'diffscope-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: options.width ?? 1440, height: options.height ?? 900 },
    colorScheme: options.colorScheme ?? 'light',
  });
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
export type { Browser };

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** Builds dist/web when it is missing (npm test builds it first; a lone `vitest run test/web` may not have). */
export function ensureWebBuilt(): void {
  if (existsSync(join(repoRoot, 'dist/web/index.html'))) return;
  const r = spawnSync(join(repoRoot, 'node_modules/.bin/vite'), ['build', '--config', 'web/vite.config.ts'], {
    cwd: repoRoot,
    stdio: 'inherit',
  });
  if (r.status !== 0) throw new Error('vite build of web/ failed');
}

export const artifactsDir = join(repoRoot, 'test-artifacts');
