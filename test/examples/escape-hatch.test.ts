import { App } from 'cdk8s';
import { PRIORITY_CLASS, withPriorityClass } from '../../examples/escape-hatch';
import { find, podSpecOf, shippedConfig, gateFindings } from '../helpers';
import { chartObjects } from './example-helpers';

test('example escape-hatch: a JSON patch through a handle sets a field no prop offers, on the final (hardened) manifest', () => {
  const app = new App();
  withPriorityClass(app, shippedConfig('production'));
  const objects = chartObjects(app, 'production');
  const deployment = find(objects, 'Deployment', 'pembayaran-web');
  expect(podSpecOf(deployment).priorityClassName).toBe(PRIORITY_CLASS);
  expect(deployment.spec.progressDeadlineSeconds).toBe(900);
  // The rest of the pod is untouched: still hardened, still its own ServiceAccount.
  expect(podSpecOf(deployment).securityContext.runAsNonRoot).toBe(true);
  expect(podSpecOf(deployment).serviceAccountName).toBe('pembayaran-web');
  expect(gateFindings('production', objects)).toEqual([]);
});
