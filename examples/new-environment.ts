/**
 * Example: a new environment is one more YAML file; every key left out takes its documented default.
 * `parseEnvironment` validates it (the loader `npm run synth` uses), `PembayaranChart` builds it, and
 * `assertValidApp` runs the quality gate over the app before anything is written.
 */
import { App, Chart } from 'cdk8s';
import { assertValidApp, Manifest, manifestPath, parseEnvironment, PembayaranChart } from 'pembayaran-k8s';

/** A disaster-recovery copy of production in a second region, smaller, without its own backups. */
export const DR_ENVIRONMENT = `
name: production-dr
tier: production
namespace: pembayaran-dr
laravel:
  image: { repository: ghcr.io/example/pembayaran, tag: "1.4.2" }
  host: dr.pembayaran.example.com
database:
  connection: mysql
  host: mysql.dr.internal.example.com
  name: pembayaran
  peers: [{ cidr: 10.40.0.0/24 }]
redis:
  host: redis.dr.internal.example.com
  peers: [{ cidr: 10.40.1.0/24 }]
objectStorage:
  bucket: pembayaran-dr
  region: ap-southeast-1
  peers: [{ cidr: 0.0.0.0/0, except: [10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16] }]
secrets:
  store: { name: aws-secrets-manager }
  remoteKey: pembayaran/production-dr
web:
  replicas: 2
  edge:
    gateway:
      parentRefs: [{ name: public, namespace: gateway-system, sectionName: https }]
workers:
  - name: default
    queues: [payments, default]
    replicas: 2
fastapi:
  image: { repository: ghcr.io/example/pembayaran-notification, tag: "0.9.1" }
waGateway:
  image: { repository: ghcr.io/example/pembayaran-wa-gateway, tag: "0.9.1" }
  replicas: 0
backup:
  enabled: false
argocd:
  repoURL: https://git.example.com/platform/pembayaran-gitops.git
`;

/** Validates the environment, builds its chart and gates it; returns every object with the file synth would write it to. */
export function synthesizeNewEnvironment(yamlText: string = DR_ENVIRONMENT): Manifest[] {
  const config = parseEnvironment('config/production-dr.yaml', yamlText);
  const app = new App();
  const chart: Chart = new PembayaranChart(app, config);
  assertValidApp(app);
  return chart.toJson().map((object) => ({ file: manifestPath(chart.node.id, object), object }));
}
