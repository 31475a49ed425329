/**
 * Every error diffscope reports to a client or in a log, in one table (Fastify's
 * `lib/errors.js` habit): a stable code, an HTTP status and whether retrying can help.
 * test/errors/error-table.test.ts checks that each key equals its code and that
 * docs/errors.md lists it.
 */
interface ErrorSpec {
  code: string;
  status: number;
  retryable: boolean;
  message: string;
}

function define<const T extends Record<string, ErrorSpec>>(table: T): T {
  return table;
}

export const ERRORS = define({
  DSC_ERR_API_VALIDATION: { code: 'DSC_ERR_API_VALIDATION', status: 400, retryable: false, message: 'Invalid request' },
  DSC_ERR_API_MALFORMED_JSON: {
    code: 'DSC_ERR_API_MALFORMED_JSON',
    status: 400,
    retryable: false,
    message: 'Request body is not valid JSON',
  },
  DSC_ERR_API_UNAUTHORIZED: { code: 'DSC_ERR_API_UNAUTHORIZED', status: 401, retryable: false, message: 'Missing or invalid API key' },
  DSC_ERR_API_NOT_FOUND: { code: 'DSC_ERR_API_NOT_FOUND', status: 404, retryable: false, message: 'Not found' },
  DSC_ERR_API_CONFLICT: { code: 'DSC_ERR_API_CONFLICT', status: 409, retryable: false, message: 'Conflicts with the current state' },
  DSC_ERR_API_BODY_TOO_LARGE: { code: 'DSC_ERR_API_BODY_TOO_LARGE', status: 413, retryable: false, message: 'Request body too large' },
  DSC_ERR_API_HEADERS_TOO_LARGE: {
    code: 'DSC_ERR_API_HEADERS_TOO_LARGE',
    status: 431,
    retryable: false,
    message: 'Request headers too large',
  },
  DSC_ERR_API_REQUEST_TIMEOUT: {
    code: 'DSC_ERR_API_REQUEST_TIMEOUT',
    status: 408,
    retryable: true,
    message: 'Request not received in time',
  },
  DSC_ERR_API_UNSUPPORTED_MEDIA: {
    code: 'DSC_ERR_API_UNSUPPORTED_MEDIA',
    status: 415,
    retryable: false,
    message: 'Unsupported content type',
  },
  DSC_ERR_API_HOST_NOT_ALLOWED: { code: 'DSC_ERR_API_HOST_NOT_ALLOWED', status: 403, retryable: false, message: 'Host header not allowed' },
  DSC_ERR_API_QUEUE_FULL: { code: 'DSC_ERR_API_QUEUE_FULL', status: 429, retryable: true, message: 'Queue is full, retry later' },
  DSC_ERR_API_CLIENT_QUOTA: {
    code: 'DSC_ERR_API_CLIENT_QUOTA',
    status: 429,
    retryable: true,
    message: 'This client has too many generations queued or running',
  },
  DSC_ERR_API_TOO_MANY_STREAMS: {
    code: 'DSC_ERR_API_TOO_MANY_STREAMS',
    status: 429,
    retryable: true,
    message: 'Too many open event streams',
  },
  DSC_ERR_API_TIMEOUT: { code: 'DSC_ERR_API_TIMEOUT', status: 504, retryable: true, message: 'Generation did not finish in time' },
  DSC_ERR_API_INTERNAL: { code: 'DSC_ERR_API_INTERNAL', status: 500, retryable: true, message: 'Internal server error' },
  DSC_ERR_QUEUE_UNAVAILABLE: { code: 'DSC_ERR_QUEUE_UNAVAILABLE', status: 503, retryable: true, message: 'Queue backend unavailable' },
  DSC_ERR_STATE_UNAVAILABLE: { code: 'DSC_ERR_STATE_UNAVAILABLE', status: 503, retryable: true, message: 'Generation store unavailable' },
  DSC_ERR_STATE_BUSY: {
    code: 'DSC_ERR_STATE_BUSY',
    status: 503,
    retryable: true,
    message: 'Generation store is locked by another process, retry later',
  },
  DSC_ERR_MODEL_NOT_FOUND: { code: 'DSC_ERR_MODEL_NOT_FOUND', status: 400, retryable: false, message: 'Unknown model' },
  DSC_ERR_MODEL_INVALID: { code: 'DSC_ERR_MODEL_INVALID', status: 500, retryable: false, message: 'Model files are missing or corrupt' },
  DSC_ERR_MODEL_SHAPE_MISMATCH: {
    code: 'DSC_ERR_MODEL_SHAPE_MISMATCH',
    status: 500,
    retryable: false,
    message: 'Model inputs or outputs have unexpected shapes',
  },
  DSC_ERR_INFER_UNKNOWN_SAMPLER: { code: 'DSC_ERR_INFER_UNKNOWN_SAMPLER', status: 400, retryable: false, message: 'Unknown sampler' },
  DSC_ERR_INFER_BAD_PARAMS: {
    code: 'DSC_ERR_INFER_BAD_PARAMS',
    status: 400,
    retryable: false,
    message: 'Generation parameters outside what the pipeline accepts',
  },
  DSC_ERR_INFER_BAD_SIZE: {
    code: 'DSC_ERR_INFER_BAD_SIZE',
    status: 400,
    retryable: false,
    message: 'Image size not supported by this model',
  },
  DSC_ERR_INFER_CANCELED: { code: 'DSC_ERR_INFER_CANCELED', status: 409, retryable: false, message: 'Generation was canceled' },
  DSC_ERR_INFER_FAILED: { code: 'DSC_ERR_INFER_FAILED', status: 500, retryable: true, message: 'Inference failed' },
  DSC_ERR_STORAGE_FAILED: { code: 'DSC_ERR_STORAGE_FAILED', status: 502, retryable: true, message: 'Could not store the result' },
  DSC_ERR_NOTIFY_URL_REFUSED: { code: 'DSC_ERR_NOTIFY_URL_REFUSED', status: 400, retryable: false, message: 'Webhook URL is not allowed' },
  DSC_ERR_NOTIFY_DNS_UNAVAILABLE: {
    code: 'DSC_ERR_NOTIFY_DNS_UNAVAILABLE',
    status: 503,
    retryable: true,
    message: 'Webhook host could not be resolved for now',
  },
  DSC_ERR_GENERATION_LOST: { code: 'DSC_ERR_GENERATION_LOST', status: 500, retryable: true, message: 'The generation lost its queued job' },
  DSC_ERR_CONFIG_INVALID: { code: 'DSC_ERR_CONFIG_INVALID', status: 500, retryable: false, message: 'Invalid configuration' },
});

export type ErrorCode = keyof typeof ERRORS;

export class DiffscopeError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryable: boolean;
  /** For validation errors: the request field at fault (dotted path). */
  readonly field?: string;

  constructor(code: ErrorCode, message?: string, options?: { field?: string; cause?: unknown }) {
    const spec = ERRORS[code];
    super(message ?? spec.message, { cause: options?.cause });
    this.name = 'DiffscopeError';
    this.code = code;
    this.status = spec.status;
    this.retryable = spec.retryable;
    this.field = options?.field;
  }

  toJSON(): { code: string; message: string; field?: string } {
    return { code: this.code, message: this.message, ...(this.field ? { field: this.field } : {}) };
  }
}
