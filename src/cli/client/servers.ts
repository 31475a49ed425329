/** The two servers the client commands talk to, configured from the settings. */
import type { Config } from '../../config/index.js';
import { apiBaseUrl, explorerBaseUrl } from './endpoints.js';
import { HttpClient } from './http-client.js';

export function apiClient(config: Config): HttpClient {
  return new HttpClient({
    baseUrl: apiBaseUrl(config),
    token: config.DIFFSCOPE_API_KEY,
    what: 'api-server',
    hint: '--api <url> or DIFFSCOPE_API_URL',
    authHint: 'give a key with --api-key or DIFFSCOPE_API_KEY',
  });
}

export function explorerClient(config: Config): HttpClient {
  return new HttpClient({
    baseUrl: explorerBaseUrl(config),
    token: config.DIFFSCOPE_EXPLORER_TOKEN,
    what: 'explorer',
    hint: '--explorer <url> or DIFFSCOPE_EXPLORER_URL',
    authHint: "give the explorer's token with --explorer-token or DIFFSCOPE_EXPLORER_TOKEN",
  });
}
