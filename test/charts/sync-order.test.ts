/**
 * The order Argo CD applies each shipped environment in, computed from the annotations alone (phase from
 * argocd.argoproj.io/hook, then sync wave, then gitops-engine's kind order, then name).
 */
import * as path from 'path';
import * as yaml from 'js-yaml';
import { buildApp } from '../../charts';
import { findEnvironmentFiles, loadEnvironments } from '../../lib/config/load';
import { MIGRATION_HOOK_ANNOTATIONS } from '../../lib/laravel/migration';
import { SyncWave } from '../../lib/core/sync-waves';
import type { KubeObject } from '../../tools/k8s/manifests';
import { KIND_ORDER, phaseOf, SyncStep, syncOrder, waveOf } from '../../tools/gitops/sync-order';
import { renderApp } from '../../tools/synth/render';

const CONFIG_DIR = path.join(__dirname, '..', '..', 'config');
const configs = loadEnvironments(findEnvironmentFiles(CONFIG_DIR));
const rendered = renderApp(buildApp(configs, { argocd: true }));

/** Kinds whose objects create pods. */
const POD_CREATING = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob', 'Pod'];

function objectsOf(folder: string): KubeObject[] {
  return [...rendered].filter(([file]) => file.startsWith(`${folder}/`)).map(([, text]) => yaml.load(text) as KubeObject);
}

const id = (s: SyncStep) => `${s.object.kind}/${s.object.metadata.name}`;

describe('sync order helpers', () => {
  test('kind order follows gitops-engine: Namespace first, NetworkPolicy before ServiceAccount, Job after Deployment', () => {
    expect(KIND_ORDER[0]).toBe('Namespace');
    const at = (k: string) => KIND_ORDER.indexOf(k);
    expect(at('NetworkPolicy')).toBeLessThan(at('ServiceAccount'));
    expect(at('ConfigMap')).toBeLessThan(at('PersistentVolumeClaim'));
    expect(at('Service')).toBeLessThan(at('Deployment'));
    expect(at('Deployment')).toBeLessThan(at('Job'));
    expect(at('Ingress')).toBeLessThan(at('APIService'));
  });

  test('phase and wave come from the annotations; custom resources sort after known kinds', () => {
    const object = (kind: string, name: string, annotations: Record<string, string> = {}): KubeObject => ({ apiVersion: 'v1', kind, metadata: { name, annotations } });
    expect(phaseOf(object('Job', 'a', { 'argocd.argoproj.io/hook': 'PostSync' }))).toBe('PostSync');
    expect(phaseOf(object('Job', 'a', { 'argocd.argoproj.io/hook': 'PostSync,PreSync' }))).toBe('PreSync');
    expect(phaseOf(object('ConfigMap', 'a'))).toBe('Sync');
    expect(waveOf(object('ConfigMap', 'a', { 'argocd.argoproj.io/sync-wave': '-2' }))).toBe(-2);
    expect(waveOf(object('ConfigMap', 'a'))).toBe(0);
    const order = syncOrder([object('ExternalSecret', 'a'), object('Service', 'b'), object('Service', 'a'), object('Namespace', 'z', { 'argocd.argoproj.io/sync-wave': '1' })]);
    expect(order.map(id)).toEqual(['Service/a', 'Service/b', 'ExternalSecret/a', 'Namespace/z']);
  });
});

describe.each(configs.map((c) => c.name))('sync order of %s', (environment) => {
  const objects = objectsOf(environment);
  const order = syncOrder(objects);
  const steps = (pred: (o: KubeObject) => boolean) => order.filter((s) => pred(s.object));
  const ofKind = (...kinds: string[]) => steps((o) => kinds.includes(o.kind));
  const migration = order.filter((s) => s.object.kind === 'Job' && s.object.metadata.annotations?.['argocd.argoproj.io/hook'] === MIGRATION_HOOK_ANNOTATIONS['argocd.argoproj.io/hook']);
  const last = (list: SyncStep[]) => Math.max(...list.map((s) => s.index));
  const first = (list: SyncStep[]) => Math.min(...list.map((s) => s.index));

  test('every object is ordered', () => {
    expect(objects.length).toBeGreaterThan(10);
    expect(order).toHaveLength(objects.length);
  });

  test('the Namespace comes first, alone in its wave', () => {
    expect(order[0].object.kind).toBe('Namespace');
    expect(order[0].wave).toBe(SyncWave.NAMESPACE);
    expect(order.filter((s) => s.wave === order[0].wave && s.phase === order[0].phase)).toHaveLength(1);
  });

  test('there is exactly one migration Job, a Sync hook', () => {
    expect(migration).toHaveLength(1);
    expect(migration[0].phase).toBe('Sync');
    expect(migration[0].wave).toBe(SyncWave.MIGRATION);
  });

  test('ServiceAccounts, ConfigMaps and ExternalSecrets are in an earlier wave than the migration Job', () => {
    const foundation = ofKind('ServiceAccount', 'ConfigMap', 'ExternalSecret');
    expect(foundation.map((s) => s.object.kind)).toEqual(expect.arrayContaining(['ServiceAccount', 'ConfigMap', 'ExternalSecret']));
    expect(last(foundation)).toBeLessThan(migration[0].index);
    for (const s of foundation) expect(s.wave).toBeLessThan(migration[0].wave);
  });

  test('NetworkPolicies are in an earlier wave than every pod-creating workload', () => {
    const policies = ofKind('NetworkPolicy');
    const workloads = ofKind(...POD_CREATING);
    expect(policies.length).toBeGreaterThan(0);
    expect(workloads.length).toBeGreaterThan(0);
    expect(last(policies)).toBeLessThan(first(workloads));
    const lastPolicyWave = Math.max(...policies.map((s) => s.wave));
    for (const w of workloads) expect(w.wave).toBeGreaterThan(lastPolicyWave);
  });

  test('the migration Job is in an earlier wave than every Deployment and CronJob', () => {
    const rollouts = ofKind('Deployment', 'CronJob');
    expect(rollouts.length).toBeGreaterThan(0);
    for (const s of rollouts) {
      expect(s.index).toBeGreaterThan(migration[0].index);
      expect(s.wave).toBeGreaterThan(migration[0].wave);
    }
  });

  test('the WA gateway volume is in the same wave as the WA gateway Deployment, and applied before it', () => {
    const claim = steps((o) => o.kind === 'PersistentVolumeClaim' && o.metadata.labels?.['app.kubernetes.io/component'] === 'wa-gateway');
    const deployment = steps((o) => o.kind === 'Deployment' && o.metadata.labels?.['app.kubernetes.io/component'] === 'wa-gateway');
    expect(claim).toHaveLength(1);
    expect(deployment).toHaveLength(1);
    expect(claim[0].wave).toBe(deployment[0].wave);
    expect(claim[0].index).toBeLessThan(deployment[0].index);
  });

  test('the edge (Gateway, HTTPRoutes and their policies) is in the wave of the web Service it points to, applied after it', () => {
    const service = steps((o) => o.kind === 'Service' && o.metadata.name === 'pembayaran-web');
    const edge = ofKind('Gateway', 'HTTPRoute', 'BackendTrafficPolicy', 'SecurityPolicy', 'ClientTrafficPolicy', 'Ingress');
    expect(service).toHaveLength(1);
    expect(edge.map((s) => s.object.kind)).toEqual(expect.arrayContaining(['HTTPRoute', 'BackendTrafficPolicy', 'SecurityPolicy']));
    for (const s of edge) {
      expect({ object: id(s), wave: s.wave }).toEqual({ object: id(s), wave: service[0].wave });
      expect(s.index).toBeGreaterThan(service[0].index);
    }
    // The NetworkPolicy admitting the edge exists before the first pod it could reach.
    const admit = steps((o) => o.kind === 'NetworkPolicy' && /^pembayaran-allow-web-from-(gateway|ingress-controller)$/.test(o.metadata.name));
    expect(admit).toHaveLength(1);
    expect(admit[0].wave).toBeLessThan(service[0].wave);
  });

  test('there are no PreSync hooks (they would run before the secrets and settings exist)', () => {
    expect(order.filter((s) => s.phase === 'PreSync').map(id)).toEqual([]);
  });
});

describe('sync order of the Argo CD folder', () => {
  test('AppProjects come before the Applications that name them', () => {
    const order = syncOrder(objectsOf('argocd'));
    const projects = order.filter((s) => s.object.kind === 'AppProject');
    const applications = order.filter((s) => s.object.kind === 'Application');
    expect(projects.length).toBeGreaterThan(0);
    expect(applications).toHaveLength(configs.length);
    expect(Math.max(...projects.map((s) => s.wave))).toBeLessThan(Math.min(...applications.map((s) => s.wave)));
  });
});
