/**
 * The OpenAPI 3.1 document of the api-server, generated from the zod schemas: request bodies
 * from the schemas that validate them (so limits such as DIFFSCOPE_MAX_PROMPT_CHARS read as
 * configured), answers from ./schemas.ts, routes from ./operations.ts. JSON Schema 2020-12 is
 * OpenAPI 3.1's schema dialect, which is what `z.toJSONSchema` writes.
 */
import { z } from 'zod';
import { ERRORS } from '../../errors/index.js';
import { generationBodySchema, openAiBodySchema } from '../validation.js';
import { COMMON_RESPONSE_HEADERS, OPERATIONS, type OperationSpec, type RequestBodyName, type ResponseSpec } from './operations.js';
import { apiSchemas, errorSchema, sseEventSchemas } from './schemas.js';

export interface OpenApiDocumentOptions {
  version: string;
  maxPromptChars: number;
  /** Routes the server registered, as `METHOD /path` in Fastify's form: the document lists exactly these. */
  routes: ReadonlySet<string>;
}

type Json = Record<string, unknown>;

const REF = (id: string) => `#/components/schemas/${id}`;

/**
 * Leaves out what only buries the schema: zod's 400-character regex beside `format: date-time`,
 * and the ±(2^53−1) bounds that every `.int()` carries.
 */
function tidy({ jsonSchema }: { jsonSchema: Json }): void {
  if (jsonSchema.format === 'date-time') delete jsonSchema.pattern;
  if (jsonSchema.minimum === Number.MIN_SAFE_INTEGER) delete jsonSchema.minimum;
  if (jsonSchema.maximum === Number.MAX_SAFE_INTEGER) delete jsonSchema.maximum;
}

/** Component schemas as OpenAPI wants them: no per-schema `$schema`/`$id`. */
function components(schemas: Record<string, Json>): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const [id, schema] of Object.entries(schemas)) {
    const { $schema: _s, $id: _i, ...rest } = schema;
    out[id] = rest;
  }
  return out;
}

/** A schema of ./schemas.ts as a `$ref` (answers are always named schemas, so clients get types). */
function schemaRef(schema: z.ZodType): Json {
  const meta = apiSchemas.get(schema);
  if (!meta) throw new Error('an answer schema in src/api/openapi/operations.ts is not registered in src/api/openapi/schemas.ts');
  return { $ref: REF(meta.id) };
}

function requestBodySchemas(maxPromptChars: number): Record<RequestBodyName, Json> {
  const convert = (schema: z.ZodType, description: string) => {
    const { $schema: _s, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', override: tidy }) as Json;
    return { ...rest, description };
  };
  return {
    GenerationRequest: convert(
      generationBodySchema(maxPromptChars),
      'A generation. Unknown fields are refused; `width`/`height` must be a size the model draws (`GET /v1/models`).',
    ),
    ImagesRequest: convert(
      openAiBodySchema(maxPromptChars),
      'OpenAI Images API request. Fields OpenAI defines that diffscope does not use (`quality`, `style`, `user`, …) are accepted and ignored.',
    ),
  };
}

export function openApiPath(fastifyPath: string): string {
  return fastifyPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function errorDescription(status: number): string {
  const codes = Object.values(ERRORS)
    .filter((e) => e.status === status)
    .map((e) => `\`${e.code}\``);
  return codes.length ? `Error: ${codes.join(', ')}.` : 'Error.';
}

const COMMON_HEADER_REFS = Object.fromEntries(
  Object.keys(COMMON_RESPONSE_HEADERS).map((name) => [name, { $ref: `#/components/headers/${name}` }]),
);

function response(spec: ResponseSpec): Json {
  const content: Record<string, Json> = {};
  if (spec.json) content['application/json'] = { schema: schemaRef(spec.json) };
  for (const [type, media] of Object.entries(spec.content ?? {})) content[type] = media;
  return {
    description: spec.description,
    headers: { ...COMMON_HEADER_REFS, ...spec.headers },
    ...(Object.keys(content).length ? { content } : {}),
  };
}

function operation(op: OperationSpec): Json {
  const responses: Record<string, Json> = {};
  for (const [status, spec] of Object.entries(op.responses)) responses[status] = response(spec);
  for (const status of op.errors ?? []) {
    responses[String(status)] = {
      description: errorDescription(status),
      headers: {
        ...COMMON_HEADER_REFS,
        ...(status === 429 ? { 'retry-after': { description: 'Seconds to wait.', schema: { type: 'string' } } } : {}),
        ...(status === 401 ? { 'www-authenticate': { description: '`Bearer`', schema: { type: 'string' } } } : {}),
      },
      content: { 'application/json': { schema: schemaRef(errorSchema) } },
    };
  }
  return {
    operationId: op.operationId,
    tags: [op.tag],
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    ...(op.open ? { security: [] } : {}),
    ...(op.parameters?.length ? { parameters: op.parameters } : {}),
    ...(op.requestBody
      ? { requestBody: { required: true, content: { 'application/json': { schema: { $ref: REF(op.requestBody) } } } } }
      : {}),
    ...(op.operationId === 'streamGenerationEvents'
      ? { 'x-sse-events': Object.fromEntries(Object.entries(sseEventSchemas).map(([type, schema]) => [type, schemaRef(schema)])) }
      : {}),
    responses,
  };
}

/** The document without `servers` (the route adds the URL the client reached). */
export function buildOpenApiDocument(options: OpenApiDocumentOptions): Json {
  const paths: Record<string, Record<string, Json>> = {};
  const described = new Map(OPERATIONS.map((op) => [`${op.method} ${op.path}`, op]));
  for (const route of [...options.routes].sort()) {
    const [method, path] = route.split(' ', 2) as [string, string];
    const op = described.get(route);
    // A route without an entry in operations.ts is still listed, marked, so the document never
    // hides a route (the conformance test fails on the mark).
    (paths[openApiPath(path)] ??= {})[method.toLowerCase()] = op
      ? operation(op)
      : { summary: 'Undocumented route', 'x-undocumented': true, responses: { default: { description: 'Not described yet.' } } };
  }
  const generated = z.toJSONSchema(apiSchemas, {
    target: 'draft-2020-12',
    io: 'output',
    uri: REF,
    override: tidy,
  }) as { schemas: Record<string, Json> };
  return {
    openapi: '3.1.0',
    info: {
      title: 'diffscope API',
      version: options.version,
      description:
        'Diffusion image generation where every request can be followed end to end. ' +
        'Every answer carries `x-request-id` and a W3C `traceresponse`; errors are `{"error":{"code","message","field"}}`.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    security: [{ apiKey: [] }],
    tags: [
      { name: 'generations', description: 'Asynchronous generations: create, follow, cancel, download.' },
      { name: 'openai', description: 'OpenAI-compatible endpoints.' },
      { name: 'models', description: 'The models requests may name.' },
      { name: 'operations', description: 'Probes, metrics and this document.' },
    ],
    paths,
    components: {
      schemas: { ...components(generated.schemas), ...requestBodySchemas(options.maxPromptChars) },
      headers: COMMON_RESPONSE_HEADERS,
      securitySchemes: {
        apiKey: {
          type: 'http',
          scheme: 'bearer',
          description:
            'A key of DIFFSCOPE_API_KEYS (`key:client_id` pairs). Without configured keys every request is accepted as client `anonymous`.',
        },
      },
    },
  };
}
