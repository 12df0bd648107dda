/**
 * The web error-ratio and latency alerts, evaluated by promtool against synthetic series of each edge's
 * real metric names and labels: rate-limited 429s are neither errors nor answered requests.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { AlertDefinition, alertDefinitions, EdgeRequestMetrics } from '../../../lib/operations/alert-rules';
import { AppContext } from '../../../lib/core/app-context';
import { ingressNginxRequestMetrics } from '../../../lib/edge/ingress-nginx';
import { envoyGateway } from '../../../lib/edge/envoy-gateway';
import { shippedConfig } from '../../helpers';
import { describePromtool, findPromtool } from './promtool';

const context = new AppContext({ namespace: 'pembayaran', appName: 'pembayaran', environment: 'production', version: '1', podIdentity: { runAsUser: 1, runAsGroup: 1, fsGroup: 1 } });
const thresholds = shippedConfig('production').observability.alerts;

/** One edge: its metrics and how to write one of its series for a status code (per-second rate given). */
interface EdgeCase {
  readonly name: string;
  readonly metrics: EdgeRequestMetrics;
  /** The counter series of one status code. */
  readonly requestSeries: (status: string) => string;
  /** Histogram bucket series of one status code and `le` (in the metric's own unit). */
  readonly bucketSeries: (status: string, le: string) => string;
  /** Bucket bounds in the metric's unit: [fast, slow, +Inf]. */
  readonly buckets: readonly [string, string, string];
  /** Whether the histogram counts the rate-limited answers (with their status), or never sees them. */
  readonly histogramSeesRateLimited: boolean;
  /** The counter series of another environment's edge object with the same names. */
  readonly foreignSeries: (status: string) => string;
}

const EDGES: EdgeCase[] = [
  {
    name: 'ingress-nginx',
    metrics: ingressNginxRequestMetrics('pembayaran', 'exported_namespace', ['pembayaran-web', 'pembayaran-web-webhooks']),
    requestSeries: (status) => `nginx_ingress_controller_requests{exported_namespace="pembayaran",ingress="pembayaran-web",status="${status}",controller_class="k8s.io/ingress-nginx"}`,
    bucketSeries: (status, le) => `nginx_ingress_controller_request_duration_seconds_bucket{exported_namespace="pembayaran",ingress="pembayaran-web",status="${status}",le="${le}"}`,
    buckets: ['0.25', '2.5', '+Inf'],
    histogramSeesRateLimited: true,
    foreignSeries: (status) => `nginx_ingress_controller_requests{exported_namespace="pembayaran-staging",ingress="pembayaran-web",status="${status}"}`,
  },
  {
    // Envoy Gateway: Envoy's per-cluster upstream counters; a cluster per HTTPRoute rule, durations in milliseconds.
    name: 'envoy-gateway',
    metrics: envoyGateway.requestMetrics('pembayaran', ['pembayaran-web', 'pembayaran-web-webhooks']),
    requestSeries: (status) => `envoy_cluster_upstream_rq{envoy_cluster_name="httproute/pembayaran/pembayaran-web/rule/0",envoy_response_code="${status}",namespace="envoy-gateway-system"}`,
    bucketSeries: (_status, le) => `envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name="httproute/pembayaran/pembayaran-web-webhooks/rule/0",le="${le}"}`,
    buckets: ['250', '2500', '+Inf'],
    // The limiter answers before the router: refused requests reach no cluster, so neither counter nor histogram.
    histogramSeesRateLimited: false,
    foreignSeries: (status) => `envoy_cluster_upstream_rq{envoy_cluster_name="httproute/pembayaran-staging/pembayaran-web/rule/0",envoy_response_code="${status}"}`,
  },
];

function promtool(args: string[], cwd: string): string {
  try {
    return execFileSync(findPromtool(), args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err: any) {
    throw new Error(`promtool ${args.join(' ')} failed:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
  }
}

/** A counter growing by `perSecond` every second, sampled each minute for 20 minutes. */
const counter = (perSecond: number) => `0+${perSecond * 60}x20`;

interface Scenario {
  readonly title: string;
  /** Requests per second by status code. */
  readonly rates: Readonly<Record<string, number>>;
  /** Whether the alert expression has a sample at 15m. */
  readonly fires: boolean;
}

/** Checks the rule with promtool, then has promtool evaluate its expression over the series at 15 minutes. */
function evaluate(alert: AlertDefinition, series: { series: string; values: string }[], fires: boolean): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edge-alerts-'));
  try {
    fs.writeFileSync(path.join(dir, 'rules.yaml'), yaml.dump({ groups: [{ name: 'web', rules: [{ alert: alert.alert, expr: alert.expr, for: alert.for }] }] }));
    promtool(['check', 'rules', 'rules.yaml'], dir);
    const test = {
      rule_files: ['rules.yaml'],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: series,
          // A sample (any value) when the condition holds, none when it does not.
          promql_expr_test: [{ expr: `count(${alert.expr}) or vector(0)`, eval_time: '15m', exp_samples: [{ labels: '{}', value: fires ? 1 : 0 }] }],
        },
      ],
    };
    fs.writeFileSync(path.join(dir, 'test.yaml'), yaml.dump(test));
    promtool(['test', 'rules', 'test.yaml'], dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describePromtool('web alerts evaluated by promtool', () => describe.each(EDGES)('web alerts on $name metrics, evaluated by promtool', (edge) => {
  const alerts = alertDefinitions(context, { edge: edge.metrics }, thresholds);
  const errorRatio = alerts.find((a) => a.alert === 'PembayaranWebErrorRatioHigh')!;
  const latency = alerts.find((a) => a.alert === 'PembayaranWebLatencyHigh')!;

  const errorScenarios: Scenario[] = [
    { title: 'healthy traffic', rates: { '200': 50, '404': 2 }, fires: false },
    { title: '10% 5xx', rates: { '200': 27, '502': 3 }, fires: true },
    { title: 'a burst answered 429 by the rate limiter', rates: { '200': 20, '429': 200 }, fires: false },
    { title: '10% 5xx hidden behind a flood of 429s (they do not dilute the ratio)', rates: { '200': 27, '503': 3, '429': 300 }, fires: true },
    { title: '5xx below the traffic floor (0.2 req/s)', rates: { '500': 0.1 }, fires: false },
  ];
  test.each(errorScenarios)('error ratio: $title -> fires $fires', ({ rates, fires }) => {
    const series = Object.entries(rates).map(([status, rate]) => ({ series: edge.requestSeries(status), values: counter(rate) }));
    evaluate(errorRatio, series, fires);
  });

  test("error ratio: another environment's failing edge object does not fire this one's alert", () => {
    evaluate(errorRatio, [{ series: edge.requestSeries('200'), values: counter(50) }, { series: edge.foreignSeries('503'), values: counter(50) }], false);
  });

  test.each([
    { title: 'fast answers', slowShare: 0, fires: false },
    { title: 'most answers slow', slowShare: 0.5, fires: true },
  ])('latency: $title -> fires $fires', ({ slowShare, fires }) => {
    const [fast, slow, inf] = edge.buckets;
    const rate = 10;
    const series = [
      { series: edge.bucketSeries('200', fast), values: counter(rate * (1 - slowShare)) },
      { series: edge.bucketSeries('200', slow), values: counter(rate) },
      { series: edge.bucketSeries('200', inf), values: counter(rate) },
      // Instant 429s of the limiter must not pull p95 down.
      ...(edge.histogramSeesRateLimited
        ? [
            { series: edge.bucketSeries('429', fast), values: counter(rate * 10) },
            { series: edge.bucketSeries('429', slow), values: counter(rate * 10) },
            { series: edge.bucketSeries('429', inf), values: counter(rate * 10) },
          ]
        : []),
    ];
    evaluate(latency, series, fires);
  });
}));
