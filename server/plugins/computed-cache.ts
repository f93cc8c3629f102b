import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * Results computed from a partnership's data (the analysis of every indicator, the scorecard's table), kept in this
 * instance's memory and keyed by the partnership's data version, which the database bumps on every change (migration
 * 0008). A key is only ever asked for with the version just read, so a cached result is never older than the data:
 * a change on any instance moves the version and the next request computes afresh. Least recently used entries go.
 */
export class ComputedCache {
  readonly #entries = new Map<string, Promise<unknown>>();
  constructor(readonly capacity: number) {}

  get<T>(key: string, compute: () => Promise<T>): Promise<T> {
    const found = this.#entries.get(key);
    if (found) {
      this.#entries.delete(key);
      this.#entries.set(key, found);
      return found as Promise<T>;
    }
    const pending = compute();
    this.#entries.set(key, pending);
    // A failure is not remembered.
    pending.catch(() => this.#entries.delete(key));
    while (this.#entries.size > this.capacity) this.#entries.delete(this.#entries.keys().next().value!);
    return pending;
  }

  /** The entry under `key`, if there is one (marked as recently used); nothing is computed. */
  peek<T>(key: string): Promise<T> | undefined {
    const found = this.#entries.get(key);
    if (!found) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, found);
    return found as Promise<T>;
  }

  set<T>(key: string, value: Promise<T>): void {
    this.#entries.delete(key);
    this.#entries.set(key, value);
    value.catch(() => this.#entries.delete(key));
    while (this.#entries.size > this.capacity) this.#entries.delete(this.#entries.keys().next().value!);
  }

  get size() {
    return this.#entries.size;
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Whole-partnership results (every indicator analysed, the scorecard): large, so few are kept. */
    computed: ComputedCache;
    /** One indicator's results (the analysis API): small, so many are kept, apart so they never push out the large. */
    computedPerIndicator: ComputedCache;
    /**
     * Each indicator's judgement, keyed by the indicator's own data version (migration 0020) and the settings: what a
     * whole-partnership result is assembled from, so a change to one indicator recomputes that one alone (issue 20).
     */
    judgements: ComputedCache;
  }
}

export default fp(
  async function computedCache(app: FastifyInstance) {
    app.decorate('computed', new ComputedCache(40));
    app.decorate('computedPerIndicator', new ComputedCache(2000));
    app.decorate('judgements', new ComputedCache(4000));
  },
  { name: 'computed-cache' },
);
