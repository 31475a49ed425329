/**
 * JSON over HTTP to the api-server or the explorer, with the bearer token, and errors a person can
 * act on: "cannot reach the api-server at …" for a refused connection, the server's own
 * `DSC_ERR_…: message` for an error answer.
 */
export class ClientError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'ClientError';
  }
}

export interface HttpClientOptions {
  baseUrl: string;
  /** Sent as `Authorization: Bearer`. */
  token?: string;
  /** Names the server in errors: "api-server", "explorer". */
  what: string;
  /** How to point the CLI elsewhere, for the unreachable error: "--api or DIFFSCOPE_API_URL". */
  hint: string;
  /** How to give the credentials, for a 401. */
  authHint: string;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
]);

function networkCode(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: string; errors?: { code?: string }[] } }).cause;
  return cause?.code ?? cause?.errors?.[0]?.code;
}

export class HttpClient {
  readonly baseUrl: string;

  constructor(private readonly options: HttpClientOptions) {
    this.baseUrl = options.baseUrl;
  }

  url(path: string): string {
    return this.baseUrl + path;
  }

  /** `fetch` with the token; a network failure becomes a ClientError naming the server. */
  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.options.token) headers.set('authorization', `Bearer ${this.options.token}`);
    try {
      return await fetch(this.url(path), { ...init, headers });
    } catch (error) {
      if ((error as Error).name === 'AbortError') throw error;
      const code = networkCode(error);
      if (code && NETWORK_CODES.has(code)) {
        throw new ClientError(
          `cannot reach the ${this.options.what} at ${this.baseUrl} (${code}): is it running? Point to it with ${this.options.hint}`,
        );
      }
      throw new ClientError(`${this.options.what} request ${path} failed: ${(error as Error).message}`);
    }
  }

  /** The answer's JSON; an error status becomes a ClientError with the server's code and message. */
  async json<T>(path: string, init: RequestInit = {}): Promise<T> {
    const response = await this.request(path, init);
    if (!response.ok) throw await this.errorOf(response, path);
    return (await response.json()) as T;
  }

  async errorOf(response: Response, path: string): Promise<ClientError> {
    const text = await response.text().catch(() => '');
    let code: string | undefined;
    let message = text.slice(0, 300) || response.statusText;
    try {
      const body = JSON.parse(text) as { error?: { code?: string; message?: string }; errors?: { msg?: string }[] };
      if (body.error?.message) {
        code = body.error.code;
        message = body.error.code ? `${body.error.code}: ${body.error.message}` : body.error.message;
      } else if (body.errors?.[0]?.msg) {
        message = body.errors[0].msg;
      }
    } catch {
      // not JSON: keep the text
    }
    const auth = response.status === 401 ? ` (${this.options.authHint})` : '';
    return new ClientError(`${this.options.what} answered ${response.status} to ${path}: ${message}${auth}`, response.status, code);
  }
}
