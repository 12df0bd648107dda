/**
 * Example: change a field no construct prop covers, through the cdk8s escape hatch. Every construct holds
 * its objects as public readonly members (`stack.web.deployment`, `.serviceObject`, `.autoscaler`,
 * `.disruptionBudget`, ...); a JSON patch on one is applied after everything else is resolved, so it sees
 * (and may change) the final manifest. Prefer props and the extension methods (the priority class is a
 * placement knob); patch only what they do not offer.
 */
import { ApiObject, App, JsonPatch } from 'cdk8s';
import { EnvironmentConfig, PembayaranChart, PembayaranStack } from 'pembayaran-k8s';

export const PRIORITY_CLASS = 'payments-critical';

export function withPriorityClass(app: App, config: EnvironmentConfig): PembayaranStack {
  const stack = new PembayaranChart(app, config).stack;
  // Web pods are preempted last when the cluster is full.
  stack.web.pod.addPlacement({ priorityClassName: PRIORITY_CLASS });
  // Give slow image pulls on new nodes more time before the rollout is reported as failed.
  ApiObject.of(stack.web.deployment).addJsonPatch(JsonPatch.add('/spec/progressDeadlineSeconds', 900));
  return stack;
}
