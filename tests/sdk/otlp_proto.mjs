// The OTLP trace messages compiled from the official opentelemetry-proto definitions, as npm's
// @opentelemetry/otlp-transformer ships them (protobufjs static code), for
// tests/integration/otlp.test.mjs, which imports them by this path: Node resolves the package from
// here, tests/sdk/node_modules.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const root = require('@opentelemetry/otlp-transformer/build/src/generated/root.js');

const { ExportTraceServiceRequest, ExportTraceServiceResponse } = root.opentelemetry.proto.collector.trace.v1;
const { Span } = root.opentelemetry.proto.trace.v1;

export { ExportTraceServiceRequest, ExportTraceServiceResponse };
export const SpanKind = Span.SpanKind; // {SPAN_KIND_SERVER: 2, ...}
export const StatusCode = root.opentelemetry.proto.trace.v1.Status.StatusCode;
