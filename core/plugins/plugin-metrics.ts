/**
 * Per-plugin health and metrics: calls, failures, latency histogram (in the
 * Prometheus registry, so /metrics shows them) plus the last error and last
 * call time, which the plugin API shows next to the histogram.
 */
import { Counter, Histogram, type Registry } from 'prom-client';

export const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export interface PluginHealth {
  calls: number;
  failures: number;
  lastCallAt: string | null;
  lastError: { code: string; message: string; operation: string; at: string } | null;
  latency: { count: number; sumSeconds: number; buckets: Array<{ le: number | '+Inf'; count: number }> };
}

interface Tally {
  calls: number;
  failures: number;
  /** Epoch ms; formatted only when read. */
  lastCallAt: number | null;
  lastError: PluginHealth['lastError'];
  count: number;
  sum: number;
  buckets: number[];
}

export class PluginMetrics {
  private readonly calls: Counter<'plugin' | 'kind' | 'operation'>;
  private readonly failures: Counter<'plugin' | 'kind' | 'operation' | 'code'>;
  private readonly duration: Histogram<'plugin' | 'kind' | 'operation'>;
  private readonly tallies = new Map<string, Tally>();
  /** The labelled series of each plugin/kind/operation, looked up once (prom-client hashes the labels on every call otherwise). */
  private readonly series = new Map<string, { calls: { inc(): void }; duration: { observe(v: number): void } }>();

  constructor(registry: Registry) {
    this.calls = new Counter({ name: 'switchyard_plugin_calls_total', help: 'Plugin calls (capabilities, actions, checks)', labelNames: ['plugin', 'kind', 'operation'], registers: [registry] });
    this.failures = new Counter({ name: 'switchyard_plugin_failures_total', help: 'Plugin calls that failed, by error code', labelNames: ['plugin', 'kind', 'operation', 'code'], registers: [registry] });
    this.duration = new Histogram({ name: 'switchyard_plugin_call_duration_seconds', help: 'Plugin call latency', labelNames: ['plugin', 'kind', 'operation'], buckets: latencyBuckets, registers: [registry] });
  }

  private tally(plugin: string): Tally {
    let t = this.tallies.get(plugin);
    if (!t) {
      t = { calls: 0, failures: 0, lastCallAt: null, lastError: null, count: 0, sum: 0, buckets: latencyBuckets.map(() => 0) };
      this.tallies.set(plugin, t);
    }
    return t;
  }

  private seriesOf(plugin: string, kind: string, operation: string) {
    const key = `${plugin}\u0000${kind}\u0000${operation}`;
    let s = this.series.get(key);
    if (!s) {
      s = { calls: this.calls.labels(plugin, kind, operation), duration: this.duration.labels(plugin, kind, operation) };
      this.series.set(key, s);
    }
    return s;
  }

  /** Runs `work`, recording the call, its latency and (when it throws) the failure. */
  async observe<T>(plugin: string, kind: string, operation: string, work: () => Promise<T>): Promise<T> {
    const started = performance.now();
    const t = this.tally(plugin);
    const series = this.seriesOf(plugin, kind, operation);
    t.calls += 1;
    t.lastCallAt = Date.now();
    series.calls.inc();
    try {
      return await work();
    } catch (err) {
      const code = String((err as { code?: unknown }).code ?? 'HUB_ERR_PLUGIN_FAILED');
      t.failures += 1;
      t.lastError = { code, message: String((err as Error)?.message ?? err).slice(0, 500), operation, at: new Date().toISOString() };
      this.failures.inc({ plugin, kind, operation, code });
      throw err;
    } finally {
      const seconds = (performance.now() - started) / 1000;
      series.duration.observe(seconds);
      t.count += 1;
      t.sum += seconds;
      latencyBuckets.forEach((le, i) => {
        if (seconds <= le) t.buckets[i] += 1;
      });
    }
  }

  health(plugin: string): PluginHealth {
    const t = this.tally(plugin);
    return {
      calls: t.calls,
      failures: t.failures,
      lastCallAt: t.lastCallAt === null ? null : new Date(t.lastCallAt).toISOString(),
      lastError: t.lastError,
      latency: {
        count: t.count,
        sumSeconds: Number(t.sum.toFixed(6)),
        buckets: [...latencyBuckets.map((le, i) => ({ le, count: t.buckets[i] })), { le: '+Inf' as const, count: t.count }],
      },
    };
  }
}
