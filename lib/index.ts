// The construct library platform teams import. Re-exports only.
export * from './core/app-context';
export * from './core/defaults';
export * from './core/sync-waves';
export * from './core/image';
export * from './core/pod-security';
export * from './core/containers';
export * from './core/workload-pod';
export * from './core/secret-environment';
export * from './laravel/laravel-settings';
export * from './laravel/laravel-runtime';
export * from './laravel/request-timeouts';
export * from './laravel/web-server-config';
export * from './laravel/laravel-web';
export * from './laravel/queue-workers';
export * from './laravel/queue-budgets';
export * from './laravel/process-supervision';
export * from './laravel/scheduler';
export * from './laravel/migration';
export * from './edge/edge-routes';
export * from './edge/web-edge';
export * from './edge/gateway-edge';
export * from './edge/gateway-implementation';
export * from './edge/envoy-gateway';
export * from './edge/ingress-edge';
export * from './edge/ingress-controller';
export * from './edge/ingress-nginx';
export * from './edge/generic-ingress';
export * from './core/namespace';
export * from './notifications/fastapi';
export * from './notifications/wa-gateway';
export * from './network/network-policies';
export * from './operations/promql';
export * from './operations/alert-rules';
export * from './operations/observability';
export * from './operations/database-backup';
export * from './operations/restore-check';
export * from './pembayaran-stack';
export * from './config/load';
export * from './config/semantics';
export * from './config/legacy-keys';
export * from './config/types.generated';
export * from './config/input.generated';
export * from './core/kubernetes-rules';

// Charts and the app of this project's own environments.
export * from '../charts/pembayaran-chart';
export * from '../charts/argocd-chart';
export * from '../charts/index';

// The quality gate, over rendered manifests or a whole App.
export { Finding, RULES, validateManifests, sortFindings, formatJson, formatTable } from '../tools/validate';
export * from '../tools/validate/app';
export { KubeObject, Manifest, manifestPath } from '../tools/k8s/manifests';

// The imported Kubernetes and CRD types, as cdk8s-plus re-exports `k8s`: consumers never import build/imports/.
export * as k8s from '../imports/k8s';
export * as argoproj from '../imports/argoproj.io';
export * as externalSecrets from '../imports/external-secrets.io';
export * as gatewayApi from '../imports/gateway.networking.k8s.io';
export * as envoyGateway from '../imports/gateway.envoyproxy.io';
export * as keda from '../imports/keda.sh';
export * as monitoring from '../imports/monitoring.coreos.com';
