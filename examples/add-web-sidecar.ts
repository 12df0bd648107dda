/**
 * Example: run one more container in the web pods. `web.addSidecar` takes a container with resources
 * (required by the type); the pod spec is built at synthesis through `hardenedPodSpec`, so the sidecar
 * gets the restricted security context even if it asks for more. Probes are the sidecar's own business:
 * the quality gate requires readiness and liveness on every long-running container.
 */
import { App } from 'cdk8s';
import { EnvironmentConfig, k8s, PembayaranChart, PembayaranStack, toResourceRequirements } from 'pembayaran-k8s';

export const STATSD_SIDECAR = 'statsd-exporter';

export function withStatsdSidecar(app: App, config: EnvironmentConfig): PembayaranStack {
  const stack = new PembayaranChart(app, config).stack;
  stack.web.addSidecar({
    name: STATSD_SIDECAR,
    image: 'docker.io/prom/statsd-exporter:v0.28.0',
    args: ['--statsd.listen-udp=127.0.0.1:9125', '--web.listen-address=:9102'],
    ports: [{ name: 'statsd-metrics', containerPort: 9102, protocol: 'TCP' }],
    resources: toResourceRequirements({ requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '64Mi' } }),
    readinessProbe: { tcpSocket: { port: k8s.IntOrString.fromString('statsd-metrics') } },
    livenessProbe: { httpGet: { path: '/metrics', port: k8s.IntOrString.fromString('statsd-metrics') } },
    // Asking for root is overridden: the restricted fields win.
    securityContext: { runAsNonRoot: false, allowPrivilegeEscalation: true },
  });
  // Let Prometheus scrape it, through the same NetworkPolicy as the other web exporters.
  stack.networkPolicies.allowMetricsScrape('web', [9102]);
  return stack;
}
