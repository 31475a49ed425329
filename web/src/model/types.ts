// The explorer API's wire shapes come from the shared contract (src/contract/explorer-api.ts),
// the same declarations the server answers with, and so does the shaped trace model the views
// read (src/contract/trace-model). Views never touch the wire shapes directly.

export type {
  JaegerLog,
  JaegerProcess,
  JaegerReference,
  JaegerSpan,
  JaegerTag,
  JaegerTrace,
  LogEntry,
  StageAnalysis,
  StageGroup,
  StageName,
  StageStats,
  StageComparison,
  ComparedParameterName,
  ComparedTrace,
  ParameterComparison,
  TraceComparison,
} from '../../../src/contract/index.js';

// The shaped trace model lives with the code that builds it (src/contract/trace-model), shared with the CLI.
export type { SpanNode, TraceModel } from '../../../src/contract/trace-model/index.js';
