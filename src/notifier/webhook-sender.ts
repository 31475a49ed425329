/**
 * One webhook POST over node:http(s), with a timeout and, unless private targets are allowed,
 * a connection-time address check (guardedLookup), so DNS rebinding cannot slip a private
 * address in after validation. Redirects are not followed.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { DiffscopeError } from '../errors/index.js';
import { guardedLookup } from './address-guard.js';

export interface WebhookSendOptions {
  url: URL;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  allowPrivate: boolean;
  signal?: AbortSignal;
}

export interface WebhookResponse {
  status: number;
}

/** Resolves with the status for any HTTP answer; rejects on network errors, timeouts and refused addresses. */
export function sendWebhook(options: WebhookSendOptions): Promise<WebhookResponse> {
  const { url, body } = options;
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: { ...options.headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
        timeout: options.timeoutMs,
        signal: options.signal,
        ...(options.allowPrivate ? {} : { lookup: guardedLookup as never }),
      },
      (res: IncomingMessage) => {
        // Drain (bounded) so the socket is released; the body is not used.
        let seen = 0;
        res.on('data', (chunk: Buffer) => {
          seen += chunk.length;
          if (seen > 64 * 1024) res.destroy();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
        res.on('close', () => resolve({ status: res.statusCode ?? 0 }));
        res.on('error', () => resolve({ status: res.statusCode ?? 0 }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`webhook timed out after ${options.timeoutMs} ms`)));
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'DSC_ERR_NOTIFY_URL_REFUSED') reject(new DiffscopeError('DSC_ERR_NOTIFY_URL_REFUSED', err.message, { field: 'webhook.url' }));
      else reject(err);
    });
    req.end(body);
  });
}
