// The few parts of autocannon's API the benchmarks use (it ships no types).
declare module 'autocannon' {
  interface Histogram { average: number; p50: number; p99: number; max: number; total: number }
  interface Result { requests: Histogram; latency: Histogram; throughput: Histogram; non2xx: number; errors: number }
  function autocannon(options: {
    url: string;
    headers?: Record<string, string>;
    connections?: number;
    duration?: number;
    timeout?: number;
    /** Each connection goes round these in turn. */
    requests?: { method?: string; path?: string; headers?: Record<string, string>; body?: string }[];
  }): Promise<Result>;
  export default autocannon;
}
