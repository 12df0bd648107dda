import { App } from 'cdk8s';
import { SMTP_RELAY, withSmtpEgress } from '../../examples/allow-network-flow';
import { find, shippedConfig, gateFindings } from '../helpers';
import { chartObjects } from './example-helpers';

test('example allow-network-flow: Laravel pods may reach the SMTP relay on 587, through one named policy', () => {
  const app = new App();
  withSmtpEgress(app, shippedConfig('production'));
  const objects = chartObjects(app, 'production');
  const policy = find(objects, 'NetworkPolicy', 'pembayaran-allow-laravel-to-smtp');
  expect(policy.spec.policyTypes).toEqual(['Egress']);
  expect(policy.spec.egress).toEqual([{ to: [{ ipBlock: { cidr: SMTP_RELAY.cidr } }], ports: [{ port: 587, protocol: 'TCP' }] }]);
  expect(policy.spec.podSelector.matchExpressions[0].values).toEqual(expect.arrayContaining(['web', 'scheduler', 'migration', 'worker-default']));
  expect(find(objects, 'NetworkPolicy', 'pembayaran-default-deny').spec.podSelector).toEqual({});
  expect(gateFindings('production', objects)).toEqual([]);
});
