/**
 * One webhook POST over node:http(s) (not fetch: node's bundled fetch takes no per-request
 * `lookup`, which the connection-time address check needs). The attempt has one total
 * deadline, `AbortSignal.timeout`, over connecting, the answer's headers and the body read,
 * so a receiver that answers and then trickles bytes cannot hold it; of the body at most
 * `maxResponseBytes` are read, then the response is dropped. Redirects are not followed.
 */
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { DiffscopeError } from '../errors/index.js';
import { connectLookup, systemResolveAll, type ResolveAll } from './address-guard.js';

export interface WebhookSendOptions {
  url: URL;
  body: string;
  headers: Record<string, string>;
  /** Total time for the attempt: connection, response headers and the (capped) body read. */
  timeoutMs: number;
  allowPrivate: boolean;
  /** Response body bytes read at most (default 4 KiB); the rest is not waited for. */
  maxResponseBytes?: number;
  /** The resolver seam (default: the system resolver); its answers are checked unless private targets are allowed. */
  resolveAll?: ResolveAll;
  /** Shutdown: aborts the attempt (rejects with the signal's reason). */
  signal?: AbortSignal;
}

export interface WebhookResponse {
  status: number;
  /** Body bytes read (at most maxResponseBytes). */
  bodyBytes: number;
  /** The body was not read to its end: over the cap, or still arriving at the deadline. */
  bodyCut: boolean;
}

export const DEFAULT_MAX_RESPONSE_BYTES = 4_096;

/** The attempt ran out of time before an answer. */
export class WebhookDeadlineError extends Error {
  constructor(timeoutMs: number) {
    super(`webhook did not answer within ${timeoutMs} ms`);
    this.name = 'WebhookDeadlineError';
  }
}

/** Resolves with the status for any HTTP answer; rejects on network errors, the deadline, refused addresses and shutdown. */
export function sendWebhook(options: WebhookSendOptions): Promise<WebhookResponse> {
  const { url, body, timeoutMs } = options;
  const cap = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const deadline = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;

  return new Promise((resolve, reject) => {
    let done = false;
    // eslint-disable-next-line prefer-const -- finish() runs on an abort before the request exists and reads req: a const would still be in its temporal dead zone
    let req: ClientRequest | undefined;
    let res: IncomingMessage | undefined;
    let bodyBytes = 0;
    const finish = (outcome: () => void) => {
      if (done) return;
      done = true;
      signal.removeEventListener('abort', onAbort);
      outcome();
      // Whatever is still open (a trickling body, a request not yet answered) goes now.
      res?.destroy();
      req?.destroy();
    };
    const answered = (bodyCut: boolean) => finish(() => resolve({ status: res!.statusCode ?? 0, bodyBytes, bodyCut }));
    const onAbort = () => {
      if (options.signal?.aborted) return finish(() => reject(options.signal!.reason));
      // The deadline: an answer whose headers came counts; its body is cut.
      if (res) return answered(true);
      finish(() => reject(new WebhookDeadlineError(timeoutMs)));
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });

    req = request(url, {
      method: 'POST',
      headers: { ...options.headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
      lookup: connectLookup(options.resolveAll ?? systemResolveAll, options.allowPrivate),
    });
    req.on('response', (response: IncomingMessage) => {
      res = response;
      response.on('data', (chunk: Buffer) => {
        bodyBytes += chunk.length;
        if (bodyBytes >= cap) {
          bodyBytes = Math.min(bodyBytes, cap);
          answered(true);
        }
      });
      response.on('end', () => answered(false));
      response.on('error', () => answered(true));
      response.on('close', () => answered(!response.complete));
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      finish(() => {
        if (err instanceof DiffscopeError) return reject(err);
        if (err.code === 'DSC_ERR_NOTIFY_URL_REFUSED')
          return reject(new DiffscopeError('DSC_ERR_NOTIFY_URL_REFUSED', err.message, { field: 'webhook.url' }));
        reject(err);
      });
    });
    req.end(body);
  });
}
