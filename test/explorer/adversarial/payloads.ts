/** Hostile OTLP payloads, built without recursion (the test process must not overflow either). */
import protobuf from 'protobufjs';
import { newSpanId } from '../fixtures.js';

const ns = (ms: number) => `${BigInt(Math.round(ms)) * 1_000_000n}`;

/** An OTLP/JSON AnyValue of kvlists nested `depth` deep, as text. */
export function deepAnyValueJson(depth: number): string {
  let open = '';
  let close = '';
  for (let i = 0; i < depth; i++) {
    open += `{"kvlistValue":{"values":[{"key":"k${i}","value":`;
    close += '}]}}';
  }
  return `${open}{"stringValue":"bottom"}${close}`;
}

/** One span whose attribute `poison` is `anyValueJson`, as an OTLP/JSON export body. */
export function poisonSpanJson(traceId: string, anyValueJson: string, service = 'poisoner'): string {
  const now = Date.now();
  return (
    `{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"${service}"}}]},` +
    `"scopeSpans":[{"scope":{"name":"adv"},"spans":[{"traceId":"${traceId}","spanId":"${newSpanId()}","name":"poisoned",` +
    `"startTimeUnixNano":"${ns(now - 5)}","endTimeUnixNano":"${ns(now - 4)}",` +
    `"attributes":[{"key":"ok","value":{"stringValue":"kept"}},{"key":"poison","value":${anyValueJson}}]}]}]}]}`
  );
}

/** The same as protobuf: AnyValue nested `depth` deep through kvlist_value (encoded with protobufjs's Writer, inside out). */
export function deepAnyValueProtobuf(depth: number): Uint8Array {
  const W = protobuf.Writer;
  let value = W.create()
    .uint32((1 << 3) | 2)
    .string('bottom')
    .finish(); // AnyValue.string_value
  for (let i = 0; i < depth; i++) {
    const kv = W.create()
      .uint32((1 << 3) | 2)
      .string(`k${i}`)
      .uint32((2 << 3) | 2)
      .bytes(value)
      .finish(); // KeyValue
    const list = W.create()
      .uint32((1 << 3) | 2)
      .bytes(kv)
      .finish(); // KeyValueList.values
    value = W.create()
      .uint32((6 << 3) | 2)
      .bytes(list)
      .finish(); // AnyValue.kvlist_value
  }
  return value;
}

/** An ExportTraceServiceRequest with one span whose attribute `poison` holds `anyValue` (raw AnyValue bytes). */
export function poisonSpanProtobuf(traceId: string, anyValue: Uint8Array): Uint8Array {
  const W = protobuf.Writer;
  const now = BigInt(Date.now()) * 1_000_000n;
  const poison = W.create()
    .uint32((1 << 3) | 2)
    .string('poison')
    .uint32((2 << 3) | 2)
    .bytes(anyValue)
    .finish();
  const span = W.create()
    .uint32((1 << 3) | 2)
    .bytes(Buffer.from(traceId, 'hex'))
    .uint32((2 << 3) | 2)
    .bytes(Buffer.from(newSpanId(), 'hex'))
    .uint32((5 << 3) | 2)
    .string('poisoned')
    .uint32((7 << 3) | 1)
    .fixed64(now.toString())
    .uint32((9 << 3) | 2)
    .bytes(poison)
    .finish();
  const scopeSpans = W.create()
    .uint32((2 << 3) | 2)
    .bytes(span)
    .finish();
  const resourceSpans = W.create()
    .uint32((2 << 3) | 2)
    .bytes(scopeSpans)
    .finish();
  return W.create()
    .uint32((1 << 3) | 2)
    .bytes(resourceSpans)
    .finish();
}
