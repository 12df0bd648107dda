import { Construct } from 'constructs';
import { KubeNamespace } from '../../imports/k8s';
import { AppContext } from './app-context';
import { SyncWave } from './sync-waves';

/** Pod Security Admission labels: the API server itself rejects any pod weaker than `restricted`. */
export const POD_SECURITY_LABELS = {
  'pod-security.kubernetes.io/enforce': 'restricted',
  'pod-security.kubernetes.io/enforce-version': 'latest',
  'pod-security.kubernetes.io/audit': 'restricted',
  'pod-security.kubernetes.io/audit-version': 'latest',
  'pod-security.kubernetes.io/warn': 'restricted',
  'pod-security.kubernetes.io/warn-version': 'latest',
} as const;

/**
 * The environment's Namespace, enforcing the restricted Pod Security Standard. Argo CD never prunes or
 * deletes it: it holds the WA gateway's session volume.
 * @see https://kubernetes.io/docs/concepts/security/pod-security-admission/
 */
export class AppNamespace extends Construct {
  constructor(scope: Construct, id: string, context: AppContext) {
    super(scope, id);
    new KubeNamespace(this, 'Resource', {
      metadata: context.metadata(context.namespace, 'namespace', {
        wave: SyncWave.NAMESPACE,
        clusterScoped: true,
        labels: POD_SECURITY_LABELS,
        annotations: { 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false' },
      }),
    });
  }
}
