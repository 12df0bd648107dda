import { Construct } from 'constructs';
import { Probe } from '../../imports/monitoring.coreos.com';
import { AppContext } from '../core/app-context';
import { SyncWave } from '../core/sync-waves';

/** Component label of the uptime check. */
export const UPTIME_COMPONENT = 'uptime';

export interface UptimeCheckProps {
  readonly context: AppContext;
  /** The blackbox exporter's address, `host:port` (e.g. `blackbox-exporter.monitoring.svc:9115`). */
  readonly proberUrl: string;
  /** The blackbox exporter module to probe with. @default 'http_2xx' */
  readonly module?: string;
  /** Public URLs to probe, through the edge as a visitor reaches them. */
  readonly targets: readonly string[];
  /** @default '60s' */
  readonly interval?: string;
  /** Labels the Prometheus Operator selects Probes by. @default - none */
  readonly monitorLabels?: Readonly<Record<string, string>>;
}

/**
 * An external uptime check of the public URLs: a Prometheus Operator `Probe` that has the blackbox exporter
 * fetch each URL the way a visitor does (DNS, TLS, the edge, the app), so an outage no in-cluster metric
 * sees (a DNS record, an expired certificate, a broken Gateway listener) still alerts. Prometheus scrapes
 * the exporter with `target=<url>`; the series carry `job="probe/<namespace>/<name>"`, `instance="<url>"`
 * and the Probe's `namespace` (what the Operator generates for static targets).
 * @see https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.Probe
 */
export class UptimeCheck extends Construct {
  public readonly probe: Probe;
  public readonly name: string;
  /** The `job` label of its series. */
  public readonly jobName: string;
  public readonly targets: readonly string[];

  constructor(scope: Construct, id: string, props: UptimeCheckProps) {
    super(scope, id);
    if (props.targets.length === 0) throw new Error('UptimeCheck: no targets; list the public URLs to probe');
    const { context } = props;
    this.name = context.name(UPTIME_COMPONENT);
    this.jobName = `probe/${context.namespace}/${this.name}`;
    this.targets = [...props.targets];
    this.probe = new Probe(this, 'Resource', {
      metadata: context.metadata(this.name, UPTIME_COMPONENT, { wave: SyncWave.MONITORING, labels: { ...props.monitorLabels } }),
      spec: {
        prober: { url: props.proberUrl, path: '/probe' },
        module: props.module ?? 'http_2xx',
        interval: props.interval ?? '60s',
        targets: { staticConfig: { static: [...props.targets] } },
      },
    });
  }
}
