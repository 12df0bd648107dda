import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { buildApp } from '../../charts';
import { APPLICATION_SYNC_OPTIONS, PROJECT_DESCRIPTION_MAX_LENGTH, RESOURCES_FINALIZER } from '../../charts/argocd-chart';
import { findEnvironmentFiles, loadEnvironments } from '../../lib/config/load';
import { EnvironmentConfig } from '../../lib/config/types.generated';
import { parseManifests } from '../../tools/k8s/manifests';
import { renderApp, renderManifests } from '../../tools/synth/render';
import { synthesize } from '../../tools/synth/synthesize';
import { validateManifests } from '../../tools/validate';
import { withIngressEdge } from '../helpers';

const ROOT = path.join(__dirname, '..', '..');
const CONFIG_DIR = path.join(ROOT, 'config');
const shipped = () => loadEnvironments(findEnvironmentFiles(CONFIG_DIR));

function argocdObjects(configs: EnvironmentConfig[]): any[] {
  return [...renderApp(buildApp(configs, { argocd: true }))].filter(([f]) => f.startsWith('argocd/')).map(([, t]) => yaml.load(t));
}

function withArgocd(config: EnvironmentConfig, argocd: Partial<EnvironmentConfig['argocd']>, name?: string): EnvironmentConfig {
  const copy = JSON.parse(JSON.stringify(config)) as EnvironmentConfig;
  Object.assign(copy.argocd, argocd);
  if (name) Object.assign(copy, { name, namespace: `ns-${name}` });
  return copy;
}

describe('Argo CD chart', () => {
  const configs = shipped();
  const objects = argocdObjects(configs);
  const applications = objects.filter((o) => o.kind === 'Application');
  const projects = objects.filter((o) => o.kind === 'AppProject');

  test('one Application per environment and one AppProject per project, in dist/argocd', () => {
    expect(applications.map((a) => a.metadata.name).sort()).toEqual(configs.map((c) => `${c.appName}-${c.name}`).sort());
    expect(projects.map((p) => p.metadata.name)).toEqual([...new Set(configs.map((c) => c.argocd.project))].sort());
  });

  test('the Application name equals the instance label of its objects (Argo CD label tracking keeps selectors intact)', () => {
    const rendered = renderApp(buildApp(configs, { argocd: true }));
    for (const config of configs) {
      const namespace = yaml.load(rendered.get(`${config.name}/namespace-${config.namespace}.yaml`)!) as any;
      expect(applications.map((a) => a.metadata.name)).toContain(namespace.metadata.labels['app.kubernetes.io/instance']);
    }
  });

  test.each(shipped().map((c) => [c.name, c] as const))('Application of %s', (_name, config) => {
    const app = applications.find((a) => a.metadata.name === `${config.appName}-${config.name}`);
    expect(app.metadata.namespace).toBe(config.argocd.argocdNamespace);
    expect(app.metadata.finalizers).toEqual([RESOURCES_FINALIZER]);
    // The path form: an API server warns on a finalizer name without one (and the gate refuses it).
    expect(RESOURCES_FINALIZER).toBe('resources-finalizer.argocd.argoproj.io/background');
    expect(app.spec).toEqual({
      project: config.argocd.project,
      source: {
        repoURL: config.argocd.repoURL,
        targetRevision: config.argocd.targetRevision,
        path: config.argocd.path ?? config.name,
        directory: { include: '*.yaml', jsonnet: {} },
      },
      destination: { server: config.argocd.destinationServer, namespace: config.namespace },
      syncPolicy: {
        automated: { prune: true, selfHeal: true },
        syncOptions: [...APPLICATION_SYNC_OPTIONS],
        retry: { limit: 5, backoff: { duration: '5s', factor: 2, maxDuration: '3m' } },
      },
      revisionHistoryLimit: 10,
    });
    expect(app.spec.syncPolicy.syncOptions).toEqual(expect.arrayContaining(['CreateNamespace=false', 'PruneLast=true', 'ServerSideApply=true']));
  });

  test('autoSync false drops the automated policy; prune/selfHeal false are left out, not written as false', () => {
    const [production] = shipped();
    const manual = argocdObjects([withArgocd(production, { autoSync: false })]).find((o) => o.kind === 'Application');
    expect(manual.spec.syncPolicy.automated).toBeUndefined();
    const noPrune = argocdObjects([withArgocd(production, { automated: { prune: false, selfHeal: true } })]).find((o) => o.kind === 'Application');
    expect(noPrune.spec.syncPolicy.automated).toEqual({ selfHeal: true });
  });

  test('path defaults to the environment name', () => {
    const [production] = shipped();
    const config = withArgocd(production, {});
    delete (config.argocd as any).path;
    expect(argocdObjects([config]).find((o) => o.kind === 'Application').spec.source.path).toBe('production');
  });

  test('the AppProject allows exactly the repositories, destinations and kinds the environments use', () => {
    const [project] = projects;
    expect(project.spec.sourceRepos).toEqual([...new Set(configs.map((c) => c.argocd.repoURL))]);
    expect(project.spec.destinations).toEqual(configs.map((c) => ({ server: c.argocd.destinationServer, namespace: c.namespace })));
    expect(project.spec.clusterResourceWhitelist).toEqual([{ group: '', kind: 'Namespace' }]);
    const rendered = [...renderApp(buildApp(configs))].map(([, t]) => yaml.load(t) as any);
    const namespaced = new Set(rendered.filter((o) => o.metadata.namespace).map((o) => `${o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : ''}/${o.kind}`));
    expect(new Set(project.spec.namespaceResourceWhitelist.map((k: any) => `${k.group}/${k.kind}`))).toEqual(namespaced);
    expect(project.spec.orphanedResources.warn).toBe(true);
    expect(project.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('-1');
  });

  test('the edge kinds are whitelisted: HTTPRoutes, the Gateway staging owns, Envoy Gateway policies; Ingress only where one is rendered', () => {
    const kinds = projects[0].spec.namespaceResourceWhitelist;
    for (const kind of ['HTTPRoute', 'Gateway']) expect(kinds).toContainEqual({ group: 'gateway.networking.k8s.io', kind });
    for (const kind of ['BackendTrafficPolicy', 'SecurityPolicy']) expect(kinds).toContainEqual({ group: 'gateway.envoyproxy.io', kind });
    // The shipped environments have moved to Gateway API: an Ingress is no longer permitted to be slipped in.
    expect(kinds).not.toContainEqual({ group: 'networking.k8s.io', kind: 'Ingress' });
    const ingressEnv = withIngressEdge('staging');
    const ingressProject = argocdObjects([ingressEnv]).find((o) => o.kind === 'AppProject');
    expect(ingressProject.spec.namespaceResourceWhitelist).toContainEqual({ group: 'networking.k8s.io', kind: 'Ingress' });
    expect(ingressProject.spec.namespaceResourceWhitelist.filter((k: any) => k.group.startsWith('gateway.'))).toEqual([]);
  });

  test("the certificate Secrets cert-manager writes for the project's own Gateway or Ingress are not orphans; a shared Gateway's are not ours", () => {
    const ignored = projects[0].spec.orphanedResources.ignore.filter((i: any) => i.kind === 'Secret').map((i: any) => i.name);
    // staging owns its Gateway (a Secret per host); production's platform Gateway keeps its certificates elsewhere.
    expect(ignored).toEqual(['pembayaran-tls', 'pembayaran-tls-api-staging-pembayaran-example-com']);
    const ingressProject = argocdObjects([withIngressEdge('production')]).find((o) => o.kind === 'AppProject');
    expect(ingressProject.spec.orphanedResources.ignore.filter((i: any) => i.kind === 'Secret').map((i: any) => i.name)).toEqual([
      'pembayaran-tls',
      'pembayaran-tls-api-pembayaran-example-com',
      'pembayaran-tls-admin-pembayaran-example-com',
    ]);
  });

  test('kinds added to an environment after buildApp are permitted too (whitelists are read at render time)', () => {
    const [production] = shipped();
    const app = buildApp([production], { argocd: true });
    const chart = app.node.findChild('production') as any;
    new (require('../../imports/k8s').KubeRole)(chart, 'ExtraRole', { metadata: { name: 'extra', namespace: production.namespace } });
    const project = [...renderApp(app)].filter(([f]) => f.startsWith('argocd/appproject-')).map(([, t]) => yaml.load(t) as any)[0];
    expect(project.spec.namespaceResourceWhitelist).toContainEqual({ group: 'rbac.authorization.k8s.io', kind: 'Role' });
  });

  test('environments in different projects get one AppProject each', () => {
    const [production, staging] = shipped();
    const objects = argocdObjects([withArgocd(production, { project: 'pembayaran-prod' }), withArgocd(staging, { project: 'pembayaran-nonprod' })]);
    const names = objects.filter((o) => o.kind === 'AppProject').map((o) => o.metadata.name);
    expect(names).toEqual(['pembayaran-nonprod', 'pembayaran-prod']);
    const prod = objects.find((o) => o.kind === 'AppProject' && o.metadata.name === 'pembayaran-prod');
    expect(prod.spec.destinations).toEqual([{ server: production.argocd.destinationServer, namespace: production.namespace }]);
  });

  test('overlapping or unsafe environment folders are refused', () => {
    const [production, staging] = shipped();
    expect(() => argocdObjects([withArgocd(production, { path: 'envs' }), withArgocd(staging, { path: 'envs/staging' })])).toThrow(/overlaps/);
    expect(() => argocdObjects([withArgocd(production, { path: '../production' })])).toThrow(/relative folder/);
    // Built in code, the config goes through the config checks first, which refuse it with its key path.
    expect(() => argocdObjects([withArgocd(production, { path: 'argocd' })])).toThrow(/argocd\.path: "argocd" is inside "argocd\/"|relative folder/);
  });

  test('the Argo CD objects pass the quality gate (schema, recommended labels)', () => {
    const files = [...renderApp(buildApp(configs, { argocd: true }))].filter(([f]) => f.startsWith('argocd/'));
    expect(validateManifests(files.flatMap(([f, t]) => parseManifests(f, t)))).toEqual([]);
  });
});

describe('synth and the argocd folder', () => {
  const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'argocd-synth-'));

  test('a full synth writes dist/argocd; synthesizing one --config leaves it byte for byte as it was', () => {
    const outdir = path.join(tmp(), 'dist');
    synthesize({ configDir: CONFIG_DIR, outdir, validate: false });
    const before = fs.readdirSync(path.join(outdir, 'argocd')).sort();
    expect(before).toEqual(expect.arrayContaining(['appproject-pembayaran.yaml', 'application-pembayaran-production.yaml']));
    const snapshot = new Map(before.map((f) => [f, fs.readFileSync(path.join(outdir, 'argocd', f), 'utf8')]));
    const stat = fs.statSync(path.join(outdir, 'argocd'));

    const partial = synthesize({ configFiles: [path.join(CONFIG_DIR, 'staging.yaml')], outdir, validate: false });
    expect([...partial.files.keys()].some((f) => f.startsWith('argocd/'))).toBe(false);
    expect(fs.readdirSync(path.join(outdir, 'argocd')).sort()).toEqual(before);
    for (const [f, text] of snapshot) expect(fs.readFileSync(path.join(outdir, 'argocd', f), 'utf8')).toBe(text);
    expect(fs.statSync(path.join(outdir, 'argocd')).ino).toBe(stat.ino);
  });
});

describe('the AppProject of many environments', () => {
  test('50 environments: the description counts them instead of naming them (the CRD allows 255 characters), and the gate passes', () => {
    const production = shipped().find((c) => c.name === 'production')!;
    const configs = Array.from({ length: 50 }, (_, i) => {
      const name = `tenant-${String(i + 1).padStart(3, '0')}`;
      return { ...production, name, namespace: `pembayaran-${name}`, argocd: { ...production.argocd, path: name } } as EnvironmentConfig;
    });
    const manifests = renderManifests(buildApp(configs, { argocd: true }));
    const project = manifests.find((m) => m.object.kind === 'AppProject')!.object as any;
    expect(project.spec.description).toBe('pembayaran: 50 environments');
    expect(project.spec.description.length).toBeLessThanOrEqual(PROJECT_DESCRIPTION_MAX_LENGTH);
    expect(validateManifests(manifests.filter((m) => m.file.startsWith('argocd/')))).toEqual([]);
  });

  test('the shipped environments are named', () => {
    const project = renderManifests(buildApp(shipped(), { argocd: true })).find((m) => m.object.kind === 'AppProject')!.object as any;
    expect(project.spec.description).toBe('pembayaran: production, sandbox, staging');
  });
});
