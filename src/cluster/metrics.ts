import cluster from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';

/**
 * Metrics in cluster mode (WORKERS > 1). A scrape reaches whichever worker accepted the connection; that worker asks
 * the primary over the cluster IPC channel, the primary collects every worker's registry with prom-client's
 * AggregatorRegistry, and the answer covers all of them. Each worker's series carry a `worker` label, so nothing is
 * summed across processes that should not be.
 */

const REQUEST = 'peerwatch:metrics-request';
const RESPONSE = 'peerwatch:metrics-response';
const TIMEOUT_MS = 5000;

interface MetricsRequest {
  type: typeof REQUEST;
  id: number;
}
interface MetricsResponse {
  type: typeof RESPONSE;
  id: number;
  text?: string;
  error?: string;
}

/** In a worker: label this registry and answer the primary's collection requests with it. */
export function joinClusterMetrics(registry: Registry, worker: number): () => Promise<string> {
  registry.setDefaultLabels({ worker: String(worker) });
  AggregatorRegistry.setRegistries([registry]);
  // The constructor installs prom-client's worker-side listener (idempotent).
  new AggregatorRegistry();
  let next = 0;
  const waiting = new Map<number, { resolve: (text: string) => void; reject: (error: Error) => void }>();
  process.on('message', (message: MetricsResponse) => {
    if (message?.type !== RESPONSE) return;
    const request = waiting.get(message.id);
    if (!request) return;
    waiting.delete(message.id);
    if (message.text != null) request.resolve(message.text);
    else request.reject(new Error(message.error ?? 'no metrics from the cluster primary'));
  });
  return () =>
    new Promise<string>((resolve, reject) => {
      const id = next++;
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error('the cluster primary did not answer the metrics request'));
      }, TIMEOUT_MS);
      waiting.set(id, {
        resolve: (text) => {
          clearTimeout(timer);
          resolve(text);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      process.send?.({ type: REQUEST, id } satisfies MetricsRequest);
    });
}

/** In the primary: answer workers' requests with every worker's metrics. */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, message: MetricsRequest) => {
    if (message?.type !== REQUEST) return;
    aggregator.clusterMetrics().then(
      (text) => worker.send({ type: RESPONSE, id: message.id, text } satisfies MetricsResponse),
      (error: Error) => worker.send({ type: RESPONSE, id: message.id, error: error.message } satisfies MetricsResponse),
    );
  });
}
