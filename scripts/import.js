#!/usr/bin/env node
// Regenerates imports/ from the reference API definitions kept outside the project (development only:
// the generated files are committed, so builds and tests never need this script or its inputs).
// cdk8s-cli downloads the k8s definitions; here it reads the pinned local copy instead.
'use strict';
const fs = require('fs');
const path = require('path');
const util = require(path.join(require.resolve('cdk8s-cli/package.json').replace('package.json', ''), 'lib/util'));
const { importDispatch } = require(path.join(path.dirname(require.resolve('cdk8s-cli/package.json')), 'lib/import/dispatch'));

const reference = path.resolve(process.argv[2] || path.join(__dirname, '../../shared/reference'));
const k8sDefinitions = path.join(reference, 'k8s-1.28/_definitions.json');

util.download = async (url) => {
  if (url.endsWith('/v1.28.0/_definitions.json')) return fs.readFileSync(k8sDefinitions, 'utf8');
  if (!fs.existsSync(url)) throw new Error(`refusing to download ${url}: only local files are imported`);
  return fs.readFileSync(url, 'utf8');
};

// CRDs of one API group go into one module, so they are imported together from one temporary file.
const groups = {
  'external-secrets': ['external-secrets/external-secrets.io_externalsecrets.yaml'],
  'argocd': ['argo-cd/application-crd.yaml', 'argo-cd/appproject-crd.yaml'],
  'monitoring': [
    'prometheus-operator/monitoring.coreos.com_servicemonitors.yaml',
    'prometheus-operator/monitoring.coreos.com_podmonitors.yaml',
    'prometheus-operator/monitoring.coreos.com_prometheusrules.yaml',
    // The external uptime check (observability.uptime): a Probe for the blackbox exporter.
    'prometheus-operator/monitoring.coreos.com_probes.yaml',
  ],
  'keda': ['keda/keda.sh_scaledobjects.yaml', 'keda/keda.sh_triggerauthentications.yaml'],
  // The web edge: Gateway API (standard channel) and Envoy Gateway's policies (lib/edge/).
  'gateway-api': ['gateway-api/gateway.networking.k8s.io_gateways.yaml', 'gateway-api/gateway.networking.k8s.io_httproutes.yaml'],
  'envoy-gateway': [
    'envoy-gateway/gateway.envoyproxy.io_backendtrafficpolicies.yaml',
    'envoy-gateway/gateway.envoyproxy.io_securitypolicies.yaml',
    'envoy-gateway/gateway.envoyproxy.io_clienttrafficpolicies.yaml',
  ],
};
const tmp = fs.mkdtempSync(path.join(require('os').tmpdir(), 'crds-'));
const crdSpecs = Object.entries(groups).map(([name, files]) => {
  const combined = path.join(tmp, `${name}.yaml`);
  fs.writeFileSync(combined, files.map((f) => fs.readFileSync(path.join(reference, 'crds', f), 'utf8')).join('\n---\n'));
  return { source: combined };
});

const specs = [
  { source: 'k8s@1.28.0' },
  ...crdSpecs,
];

importDispatch(specs, {}, { outdir: path.join(__dirname, '../imports'), targetLanguage: 'typescript', save: false })
  .catch((err) => { console.error(err.message); process.exit(1); });
