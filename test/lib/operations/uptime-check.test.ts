import { parseEnvironment } from '../../../lib/config/load';
import { find, gateFindings, objectsOf, rejectionsOf, shippedConfig, shippedObjects, withChanges } from '../../helpers';

const rules = (objects: any[]) => find(objects, 'PrometheusRule', 'pembayaran-alerts').spec.groups.flatMap((g: any) => g.rules);

describe('the external uptime check', () => {
  const config = shippedConfig('production');
  const objects = shippedObjects('production');

  test('production probes the health route through the public edge with the blackbox exporter, in the monitoring wave', () => {
    const probe = find(objects, 'Probe', 'pembayaran-uptime');
    expect(probe.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(probe.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('1');
    expect(probe.spec).toEqual({
      prober: { url: config.observability.uptime.proberUrl, path: '/probe' },
      module: 'http_2xx',
      interval: '60s',
      targets: { staticConfig: { static: [`https://${config.laravel.host}${config.web.readinessPath}`] } },
    });
  });

  test('its alerts select the series the Operator writes for the Probe: job probe/<namespace>/<name>', () => {
    const byName = new Map<string, any>(rules(objects).map((r: any) => [r.alert, r]));
    for (const alert of ['PembayaranUptimeCheckFailing', 'PembayaranUptimeCheckAbsent', 'PembayaranCertificateExpiringSoon']) {
      expect(byName.get(alert)?.expr).toContain('job="probe/pembayaran/pembayaran-uptime"');
    }
    expect((byName.get('PembayaranCertificateExpiringSoon') as any).expr).toContain(`< ${14 * 86400}`);
  });

  test('staging has none, and no uptime alerts', () => {
    const staging = shippedObjects('staging');
    expect(staging.filter((o) => o.kind === 'Probe')).toEqual([]);
    expect(rules(staging).map((r: any) => r.alert).filter((a: string) => /Uptime|Certificate/.test(a))).toEqual([]);
  });

  test('targets, module, interval and labels are configurable, and the gate validates the Probe against its CRD schema', () => {
    const custom = parseEnvironment(
      'config/staging.yaml',
      withChanges('staging', (d) => {
        d.observability = {
          monitorLabels: { release: 'kube-prometheus-stack' },
          uptime: { enabled: true, proberUrl: 'blackbox.monitoring.svc:9115', module: 'http_2xx_tls', interval: '30s', targets: ['https://staging.pembayaran.example.com/up', 'https://api.staging.pembayaran.example.com/up'] },
        };
      }),
    );
    const out = objectsOf(custom);
    const probe = find(out, 'Probe', 'pembayaran-uptime');
    expect(probe.metadata.labels.release).toBe('kube-prometheus-stack');
    expect(probe.spec.module).toBe('http_2xx_tls');
    expect(probe.spec.interval).toBe('30s');
    expect(probe.spec.targets.staticConfig.static).toHaveLength(2);
    expect(gateFindings('staging', out)).toEqual([]);
    // A field the CRD does not know is refused by the gate.
    probe.spec.targets.staticConfig.urls = probe.spec.targets.staticConfig.static;
    expect(gateFindings('staging', out).map((f) => f.rule)).toEqual(['schema/unknown-field']);
  });

  test('refused: enabled without a prober, and plain-HTTP targets in production', () => {
    const text = withChanges('production', (d) => {
      d.observability.uptime = { enabled: true, targets: ['http://pembayaran.example.com/up'] };
    });
    expect(rejectionsOf('config/production.yaml', text).map((p) => `${p.path}: ${p.message}`)).toEqual([
      'observability.uptime.proberUrl: is missing; the uptime check needs the blackbox exporter Prometheus scrapes, host:port, e.g. prometheus-blackbox-exporter.monitoring.svc:9115',
      'observability.uptime.targets[0]: "http://pembayaran.example.com/up" is not HTTPS; production is served over HTTPS only, so probe what visitors use',
    ]);
  });
});
