// Preload for the "spans only" variant of api-throughput.bench.ts: a tracer provider with a
// BatchSpanProcessor exporting OTLP/protobuf, but no http instrumentation, so the api-server
// makes span A itself. Separates the cost of diffscope's own spans from instrumentation-http.
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
trace.setGlobalTracerProvider(
  new BasicTracerProvider({
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${process.env.BENCH_OTLP_ENDPOINT}/v1/traces` }))],
  }),
);
