import { App } from 'cdk8s';
import { STATSD_SIDECAR, withStatsdSidecar } from '../../examples/add-web-sidecar';
import { restrictedContainerSecurityContext } from '../../lib/core/pod-security';
import { container, find, podSpecOf, shippedConfig, gateFindings } from '../helpers';
import { chartObjects } from './example-helpers';

test('example add-web-sidecar: the sidecar runs in the web pods, hardened despite asking for root, and can be scraped', () => {
  const app = new App();
  withStatsdSidecar(app, shippedConfig('production'));
  const objects = chartObjects(app, 'production');
  const spec = podSpecOf(find(objects, 'Deployment', 'pembayaran-web'));
  const sidecar = container(spec, STATSD_SIDECAR);
  expect(sidecar.securityContext).toEqual(restrictedContainerSecurityContext());
  expect(spec.securityContext.runAsNonRoot).toBe(true);
  expect(spec.containers.map((c: any) => c.name)).toEqual(['php-fpm', 'nginx', 'php-fpm-exporter', 'nginx-exporter', STATSD_SIDECAR]);
  const scrape = find(objects, 'NetworkPolicy', 'pembayaran-allow-web-from-monitoring');
  expect(scrape.spec.ingress[0].ports.map((p: any) => p.port)).toContain(9102);
  expect(gateFindings('production', objects)).toEqual([]);
});
