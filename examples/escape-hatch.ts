/**
 * Example: change a field no construct prop covers, through the cdk8s escape hatch. `ApiObject.of`
 * gives the synthesized object of a construct; a JSON patch is applied after everything else is
 * resolved, so it sees (and may change) the final manifest. Prefer props and the extension methods;
 * patch only what they do not offer.
 */
import { ApiObject, App, JsonPatch } from 'cdk8s';
import { EnvironmentConfig, PembayaranChart, PembayaranStack } from 'pembayaran-k8s';

export const PRIORITY_CLASS = 'payments-critical';

export function withPriorityClass(app: App, config: EnvironmentConfig): PembayaranStack {
  const stack = new PembayaranChart(app, config).stack;
  const deployment = ApiObject.of(stack.web.node.findChild('Deployment'));
  deployment.addJsonPatch(
    // Web pods are preempted last when the cluster is full.
    JsonPatch.add('/spec/template/spec/priorityClassName', PRIORITY_CLASS),
    // Give slow image pulls on new nodes more time before the rollout is reported as failed.
    JsonPatch.add('/spec/progressDeadlineSeconds', 900),
  );
  return stack;
}
