/**
 * Where the client commands find the api-server and the explorer: `--api` / DIFFSCOPE_API_URL,
 * else the address this machine's api-server would listen on (DIFFSCOPE_API_HOST:PORT, with a
 * wildcard bind reached over loopback); the same for the explorer.
 */
import type { Config } from '../../config/index.js';

function reachable(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

export function apiBaseUrl(config: Config): string {
  return (config.DIFFSCOPE_API_URL ?? `http://${reachable(config.DIFFSCOPE_API_HOST)}:${config.DIFFSCOPE_API_PORT}`).replace(/\/+$/, '');
}

export function explorerBaseUrl(config: Config): string {
  return (config.DIFFSCOPE_EXPLORER_URL ?? `http://${reachable(config.DIFFSCOPE_EXPLORER_HOST)}:${config.DIFFSCOPE_EXPLORER_PORT}`).replace(
    /\/+$/,
    '',
  );
}

/** The explorer UI's page of one trace (web/src/router/routes.ts: /trace/<id>). */
export function explorerTraceUrl(config: Config, traceId: string): string {
  return `${explorerBaseUrl(config)}/trace/${encodeURIComponent(traceId)}`;
}
