/**
 * The request scope (request_id, client_id) lives in the OpenTelemetry Context, so it follows
 * context.with(), spans and message extraction exactly like trace context does.
 */
import { context, createContextKey, ROOT_CONTEXT, type Context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';

export interface RequestScope {
  requestId: string;
  clientId?: string;
}

export const REQUEST_SCOPE_KEY = createContextKey('diffscope.request_scope');
const PROBE_KEY = createContextKey('diffscope.context_probe');

let contextManagerChecked = false;

/**
 * Without the SDK (tests, libraries) the API's context manager is a no-op and context.with()
 * would drop the scope. Register an AsyncLocalStorage one then; when the SDK started first
 * its manager is kept.
 */
export function ensureContextManager(): void {
  if (contextManagerChecked) return;
  contextManagerChecked = true;
  const works = context.with(ROOT_CONTEXT.setValue(PROBE_KEY, true), () => context.active().getValue(PROBE_KEY) === true);
  if (!works) context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
}

export function setRequestScope(ctx: Context, scope: RequestScope): Context {
  return ctx.setValue(REQUEST_SCOPE_KEY, Object.freeze({ ...scope }));
}

export function getRequestScope(ctx: Context): RequestScope | undefined {
  return ctx.getValue(REQUEST_SCOPE_KEY) as RequestScope | undefined;
}

export function runWithRequestScope<T>(scope: RequestScope, fn: () => T): T {
  ensureContextManager();
  return context.with(setRequestScope(context.active(), scope), fn);
}

export function currentRequestScope(): RequestScope | undefined {
  return context.active().getValue(REQUEST_SCOPE_KEY) as RequestScope | undefined;
}
