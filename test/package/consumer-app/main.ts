/**
 * A platform team's cdk8s app, as the consumer test installs it: everything comes from the package root.
 * Type-checked by the project's tsc (through the `pembayaran-k8s` path mapping) and, in the consumer test,
 * against the installed tarball.
 */
import { App } from 'cdk8s';
import { assertValidApp, parseEnvironment, PembayaranChart } from 'pembayaran-k8s';

export const ENVIRONMENT = `
name: payments
tier: production
namespace: team-payments
laravel:
  image: { repository: ghcr.io/example/pembayaran, tag: "2.0.1" }
  host: pay.example.com
database:
  connection: pgsql
  host: postgres.internal.example.com
  name: pembayaran
  peers: [{ cidr: 10.50.0.0/24 }]
redis:
  host: redis.internal.example.com
  peers: [{ cidr: 10.50.1.0/24 }]
objectStorage:
  bucket: team-payments
  region: eu-west-1
  peers: [{ cidr: 0.0.0.0/0, except: [10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16] }]
secrets:
  store: { name: vault }
  remoteKey: payments/prod
web:
  edge:
    gateway:
      parentRefs: [{ name: public, namespace: gateway-system, sectionName: https }]
workers:
  - name: default
    queues: [default]
fastapi:
  image: { repository: ghcr.io/example/pembayaran-notification, tag: "2.0.1" }
waGateway:
  image: { repository: ghcr.io/example/pembayaran-wa-gateway, tag: "2.0.1" }
argocd:
  repoURL: https://git.example.com/platform/payments-gitops.git
`;

/** The team's app: the stack, extended, gated. */
export function buildConsumerApp(outdir?: string): App {
  const app = new App({ outdir });
  new PembayaranChart(app, parseEnvironment('payments.yaml', ENVIRONMENT));
  assertValidApp(app);
  return app;
}

if (require.main === module) buildConsumerApp(process.env.CDK8S_OUTDIR).synth();
