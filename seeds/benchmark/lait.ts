// The benchmark library's parsing lives in server/benchmark/library.ts (one module for the seeds, the imports and
// the templates); this file keeps the old import path for the demo builder and its tests.
export * from '../../server/benchmark/library.ts';
