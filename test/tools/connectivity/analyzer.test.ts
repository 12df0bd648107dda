import type { KubeObject } from '../../../tools/k8s/manifests';
import { ConnectivityModel, ContainerPort, describeVerdict, Endpoint, PodEndpoint, Protocol } from '../../../tools/connectivity/analyzer';
import { cidrContains, parseCidr, parseIp } from '../../../lib/network/ip';

const NS = 'app';

function policy(name: string, spec: Record<string, unknown>, namespace = NS): KubeObject {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec };
}

function namespace(name: string, labels: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } };
}

function pod(labels: Record<string, string>, namespace = NS, ports: ContainerPort[] = []): PodEndpoint {
  return { namespace, labels, ports };
}

const web = pod({ app: 'web', tier: 'laravel' }, NS, [{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
const worker = pod({ app: 'worker', tier: 'laravel' });
const fastapi = pod({ app: 'fastapi' }, NS, [{ name: 'api', containerPort: 8001, protocol: 'TCP' }]);
const other = pod({ app: 'web' }, 'other');

const denyAll = policy('default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
const denyIngress = policy('deny-ingress', { podSelector: {}, policyTypes: ['Ingress'] });

/** canReach with the explanation in the failure message. */
function expectReach(
  model: ConnectivityModel,
  from: Endpoint,
  to: Endpoint,
  port: number | string,
  protocol: Protocol | undefined,
  allowed: boolean,
) {
  const verdict = model.explain(from, to, port, protocol);
  expect({ allowed: verdict.allowed, why: describeVerdict(verdict) }).toEqual({ allowed, why: expect.any(String) });
  expect(model.canReach(from, to, port, protocol)).toBe(allowed);
}
const allows = (m: ConnectivityModel, from: Endpoint, to: Endpoint, port: number | string, protocol?: Protocol) =>
  expectReach(m, from, to, port, protocol, true);
const denies = (m: ConnectivityModel, from: Endpoint, to: Endpoint, port: number | string, protocol?: Protocol) =>
  expectReach(m, from, to, port, protocol, false);

describe('isolation', () => {
  test('without policies everything is allowed', () => {
    const m = new ConnectivityModel([]);
    allows(m, web, fastapi, 8001);
    allows(m, other, fastapi, 1234, 'UDP');
    allows(m, web, { ip: '1.1.1.1' }, 443);
    allows(m, { ip: '1.1.1.1' }, web, 8080);
  });

  test('default deny ingress blocks ingress but not egress', () => {
    const m = new ConnectivityModel([denyIngress]);
    denies(m, web, fastapi, 8001);
    denies(m, { ip: '1.1.1.1' }, web, 8080);
    allows(m, web, { ip: '1.1.1.1' }, 443);
    // Pods elsewhere are not isolated: web's egress there is open, and so is their ingress.
    allows(m, web, other, 80);
  });

  test('default deny egress blocks egress but not ingress', () => {
    const m = new ConnectivityModel([policy('deny-egress', { podSelector: {}, policyTypes: ['Egress'] })]);
    denies(m, web, { ip: '1.1.1.1' }, 443);
    denies(m, web, other, 80);
    allows(m, other, web, 8080);
    allows(m, { ip: '1.1.1.1' }, web, 8080);
  });

  test('in-cluster traffic needs both egress of the source and ingress of the destination', () => {
    const allowIn = policy('allow-in', { podSelector: { matchLabels: { app: 'fastapi' } }, ingress: [{ from: [{ podSelector: {} }] }] });
    const allowOut = policy('allow-out', {
      podSelector: { matchLabels: { app: 'web' } },
      policyTypes: ['Egress'],
      egress: [{ to: [{ podSelector: { matchLabels: { app: 'fastapi' } } }] }],
    });
    denies(new ConnectivityModel([denyAll, allowIn]), web, fastapi, 8001);
    denies(new ConnectivityModel([denyAll, allowOut]), web, fastapi, 8001);
    allows(new ConnectivityModel([denyAll, allowIn, allowOut]), web, fastapi, 8001);
  });

  test('explain names the isolating and the allowing policies', () => {
    const allowIn = policy('allow-in', { podSelector: { matchLabels: { app: 'fastapi' } }, ingress: [{}] });
    const v = new ConnectivityModel([denyIngress, allowIn]).explain(web, fastapi, 8001);
    expect(v.allowed).toBe(true);
    expect(v.egress).toEqual({ allowed: true, isolated: false, policies: [], allowedBy: [] });
    expect(v.ingress).toEqual({
      allowed: true,
      isolated: true,
      policies: ['app/deny-ingress', 'app/allow-in'],
      allowedBy: ['app/allow-in'],
    });
    expect(describeVerdict(new ConnectivityModel([denyIngress]).explain(web, fastapi, 8001))).toBe(
      'pod in app{app=web,tier=laravel} -> pod in app{app=fastapi} 8001/TCP: DENIED; egress open (no policy selects the pod); ingress denied (isolated by app/deny-ingress; no rule matches)',
    );
  });
});

describe('policyTypes defaulting', () => {
  test('a policy with only egress rules and no policyTypes isolates ingress too', () => {
    const m = new ConnectivityModel([policy('egress-only', { podSelector: { matchLabels: { app: 'fastapi' } }, egress: [{}] })]);
    denies(m, web, fastapi, 8001);
    allows(m, fastapi, { ip: '1.1.1.1' }, 443);
  });

  test('a policy without egress rules and no policyTypes leaves egress open', () => {
    const m = new ConnectivityModel([policy('p', { podSelector: {}, ingress: [] })]);
    allows(m, web, { ip: '1.1.1.1' }, 443);
    denies(m, { ip: '1.1.1.1' }, web, 8080);
  });

  test('an empty egress list does not make the policy an egress policy', () => {
    const m = new ConnectivityModel([policy('p', { podSelector: {}, egress: [] })]);
    allows(m, web, { ip: '1.1.1.1' }, 443);
  });

  test('explicit policyTypes [Egress] ignores ingress rules and leaves ingress open', () => {
    const m = new ConnectivityModel([
      policy('p', { podSelector: {}, policyTypes: ['Egress'], ingress: [{ from: [{ podSelector: { matchLabels: { nobody: 'x' } } }] }] }),
    ]);
    allows(m, { ip: '1.1.1.1' }, web, 8080);
    denies(m, web, { ip: '1.1.1.1' }, 443);
  });

  test('empty policyTypes list is treated as unset', () => {
    const m = new ConnectivityModel([
      policy('p', { podSelector: {}, policyTypes: [], egress: [{ ports: [{ port: 53, protocol: 'UDP' }] }] }),
    ]);
    denies(m, other, web, 8080);
    denies(m, web, { ip: '1.1.1.1' }, 443);
    allows(m, web, { ip: '1.1.1.1' }, 53, 'UDP');
  });
});

describe('policy selection', () => {
  test('podSelector chooses which pods a policy isolates', () => {
    const m = new ConnectivityModel([policy('p', { podSelector: { matchLabels: { app: 'fastapi' } }, policyTypes: ['Ingress'] })]);
    denies(m, web, fastapi, 8001);
    allows(m, fastapi, web, 8080);
  });

  test('policies in another namespace do not apply', () => {
    const m = new ConnectivityModel([policy('elsewhere', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }, 'other')]);
    allows(m, web, fastapi, 8001);
    allows(m, web, { ip: '1.1.1.1' }, 443);
    denies(m, web, other, 80);
    denies(m, other, web, 8080);
  });

  test('multiple policies selecting a pod allow the union of their rules', () => {
    const fromWeb = policy('from-web', {
      podSelector: { matchLabels: { app: 'fastapi' } },
      ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }] }],
    });
    const fromWorker = policy('from-worker', {
      podSelector: { matchLabels: { app: 'fastapi' } },
      ingress: [{ from: [{ podSelector: { matchLabels: { app: 'worker' } } }] }],
    });
    const m = new ConnectivityModel([denyIngress, fromWeb, fromWorker]);
    allows(m, web, fastapi, 8001);
    allows(m, worker, fastapi, 8001);
    denies(m, pod({ app: 'scheduler' }), fastapi, 8001);
    expect(m.explain(worker, fastapi, 8001).ingress?.allowedBy).toEqual(['app/from-worker']);
  });

  test('a missing namespace falls back to default, like kubectl apply', () => {
    const p: KubeObject = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'p' }, spec: { podSelector: {} } };
    const m = new ConnectivityModel([p]);
    denies(m, web, pod({}, 'default'), 80);
    allows(m, web, fastapi, 8001);
    const custom = new ConnectivityModel([p], { defaultNamespace: NS });
    denies(custom, other, web, 8080);
  });
});

describe('peers', () => {
  const ingressFrom = (from: unknown[] | undefined, extra: KubeObject[] = []) =>
    new ConnectivityModel([
      ...extra,
      policy('p', { podSelector: { matchLabels: { app: 'fastapi' } }, ingress: [from === undefined ? {} : { from }] }),
    ]);

  test('missing or empty from allows every source, including external ones', () => {
    for (const m of [ingressFrom(undefined), ingressFrom([])]) {
      allows(m, web, fastapi, 8001);
      allows(m, other, fastapi, 8001);
      allows(m, { ip: '8.8.8.8' }, fastapi, 8001);
    }
  });

  test('no ingress rules at all allows nothing', () => {
    const m = new ConnectivityModel([policy('p', { podSelector: { matchLabels: { app: 'fastapi' } }, ingress: [] })]);
    denies(m, web, fastapi, 8001);
  });

  test('podSelector alone means pods of the policy namespace only', () => {
    const m = ingressFrom([{ podSelector: { matchLabels: { app: 'web' } } }]);
    allows(m, web, fastapi, 8001);
    denies(m, worker, fastapi, 8001);
    denies(m, other, fastapi, 8001); // labelled app=web, but in another namespace
    denies(m, { ip: '10.0.0.5' }, fastapi, 8001);
  });

  test('empty podSelector means every pod of the policy namespace', () => {
    const m = ingressFrom([{ podSelector: {} }]);
    allows(m, worker, fastapi, 8001);
    denies(m, other, fastapi, 8001);
  });

  test('namespaceSelector alone means every pod in matching namespaces', () => {
    const m = ingressFrom([{ namespaceSelector: { matchLabels: { team: 'edge' } } }], [namespace('ingress-nginx', { team: 'edge' })]);
    allows(m, pod({}, 'ingress-nginx'), fastapi, 8001);
    allows(m, pod({ anything: 'x' }, 'ingress-nginx'), fastapi, 8001);
    denies(m, other, fastapi, 8001);
    denies(m, web, fastapi, 8001); // the policy's own namespace is not labelled team=edge
  });

  test('namespaces get the automatic kubernetes.io/metadata.name label, even when not in the manifests', () => {
    const m = ingressFrom([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }]);
    allows(m, pod({}, 'ingress-nginx'), fastapi, 8001);
    denies(m, other, fastapi, 8001);
  });

  test('extraNamespaces supply labels for hypothetical namespaces and add to manifest ones', () => {
    const peer = [{ namespaceSelector: { matchLabels: { role: 'ingress' } } }];
    const m = new ConnectivityModel([namespace('edge', { zone: 'dmz' }), policy('p', { podSelector: {}, ingress: [{ from: peer }] })], {
      extraNamespaces: [
        { name: 'edge', labels: { role: 'ingress' } },
        { name: 'ingress-nginx', labels: { role: 'ingress' } },
      ],
    });
    allows(m, pod({}, 'ingress-nginx'), web, 8080);
    allows(m, pod({}, 'edge'), web, 8080);
    expect(m.namespaceLabelsOf('edge')).toEqual({ zone: 'dmz', role: 'ingress', 'kubernetes.io/metadata.name': 'edge' });
    denies(m, pod({}, 'attacker'), web, 8080);
  });

  test('the name label cannot be overridden', () => {
    const m = new ConnectivityModel([], {
      extraNamespaces: [{ name: 'attacker', labels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } }],
    });
    expect(m.namespaceLabelsOf('attacker')['kubernetes.io/metadata.name']).toBe('attacker');
  });

  test('podSelector and namespaceSelector in one peer are ANDed', () => {
    const m = ingressFrom([
      {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } },
        podSelector: { matchLabels: { app: 'controller' } },
      },
    ]);
    allows(m, pod({ app: 'controller' }, 'ingress-nginx'), fastapi, 8001);
    denies(m, pod({ app: 'other' }, 'ingress-nginx'), fastapi, 8001);
    denies(m, pod({ app: 'controller' }, 'attacker'), fastapi, 8001);
    denies(m, pod({ app: 'controller' }), fastapi, 8001);
  });

  test('podSelector and namespaceSelector as two peers are ORed', () => {
    const m = ingressFrom([
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } },
      { podSelector: { matchLabels: { app: 'controller' } } },
    ]);
    allows(m, pod({ app: 'other' }, 'ingress-nginx'), fastapi, 8001); // any pod of that namespace
    allows(m, pod({ app: 'controller' }), fastapi, 8001); // that label in the policy's namespace
    denies(m, pod({ app: 'controller' }, 'attacker'), fastapi, 8001);
  });

  test('empty namespaceSelector selects pods in all namespaces', () => {
    const m = ingressFrom([{ namespaceSelector: {}, podSelector: { matchLabels: { app: 'web' } } }]);
    allows(m, other, fastapi, 8001);
    allows(m, web, fastapi, 8001);
    denies(m, pod({ app: 'x' }, 'other'), fastapi, 8001);
  });

  test('selectors never match external addresses', () => {
    const m = ingressFrom([{ namespaceSelector: {} }]);
    denies(m, { ip: '10.0.0.1' }, fastapi, 8001);
  });

  describe('matchExpressions', () => {
    const withExpression = (req: Record<string, unknown>) => ingressFrom([{ podSelector: { matchExpressions: [req] } }]);

    test('In', () => {
      const m = withExpression({ key: 'app', operator: 'In', values: ['web', 'worker'] });
      allows(m, web, fastapi, 8001);
      allows(m, worker, fastapi, 8001);
      denies(m, pod({ app: 'scheduler' }), fastapi, 8001);
      denies(m, pod({}), fastapi, 8001);
    });

    test('NotIn (also matches pods without the key)', () => {
      const m = withExpression({ key: 'app', operator: 'NotIn', values: ['web'] });
      denies(m, web, fastapi, 8001);
      allows(m, worker, fastapi, 8001);
      allows(m, pod({}), fastapi, 8001);
    });

    test('Exists', () => {
      const m = withExpression({ key: 'tier', operator: 'Exists' });
      allows(m, web, fastapi, 8001);
      denies(m, pod({ app: 'scheduler' }), fastapi, 8001);
    });

    test('DoesNotExist', () => {
      const m = withExpression({ key: 'tier', operator: 'DoesNotExist' });
      denies(m, web, fastapi, 8001);
      allows(m, pod({ app: 'scheduler' }), fastapi, 8001);
    });

    test('matchLabels and matchExpressions are ANDed, on namespaces too', () => {
      const m = ingressFrom(
        [{ namespaceSelector: { matchLabels: { env: 'prod' }, matchExpressions: [{ key: 'team', operator: 'In', values: ['edge'] }] } }],
        [namespace('a', { env: 'prod', team: 'edge' }), namespace('b', { env: 'prod', team: 'data' })],
      );
      allows(m, pod({}, 'a'), fastapi, 8001);
      denies(m, pod({}, 'b'), fastapi, 8001);
    });
  });

  describe('ipBlock', () => {
    const egressTo = (to: unknown[]) =>
      new ConnectivityModel([policy('p', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to }] })]);

    test('cidr with except', () => {
      const m = egressTo([{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'] } }]);
      allows(m, web, { ip: '1.1.1.1' }, 443);
      denies(m, web, { ip: '10.0.0.1' }, 443);
      denies(m, web, { ip: '172.20.1.1' }, 443);
      allows(m, web, { ip: '172.32.0.1' }, 443); // just outside 172.16.0.0/12
      denies(m, web, { ip: '192.168.1.1' }, 443);
    });

    test('a specific database range', () => {
      const m = egressTo([{ ipBlock: { cidr: '10.20.0.0/24' } }]);
      allows(m, web, { ip: '10.20.0.5' }, 5432);
      denies(m, web, { ip: '10.20.1.5' }, 5432);
    });

    test('ipBlocks match pods only when the pod has an IP', () => {
      const m = egressTo([{ ipBlock: { cidr: '10.0.0.0/8' } }]);
      denies(m, web, fastapi, 8001);
      allows(m, web, { ...fastapi, ip: '10.1.2.3' }, 8001);
    });

    test('ingress from an ipBlock', () => {
      const m = new ConnectivityModel([policy('p', { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '203.0.113.0/24' } }] }] })]);
      allows(m, { ip: '203.0.113.9' }, web, 8080);
      denies(m, { ip: '198.51.100.9' }, web, 8080);
      denies(m, other, web, 8080);
    });

    test('IPv6, and the families never match each other', () => {
      const m = egressTo([{ ipBlock: { cidr: '2001:db8::/32', except: ['2001:db8:dead::/48'] } }]);
      allows(m, web, { ip: '2001:db8:1::1' }, 443);
      denies(m, web, { ip: '2001:db8:dead::1' }, 443);
      denies(m, web, { ip: '2001:db9::1' }, 443);
      denies(egressTo([{ ipBlock: { cidr: '0.0.0.0/0' } }]), web, { ip: '2001:db8::1' }, 443);
      denies(egressTo([{ ipBlock: { cidr: '::/0' } }]), web, { ip: '1.1.1.1' }, 443);
    });

    test('an invalid cidr or except matches nothing and is reported', () => {
      const bad = egressTo([{ ipBlock: { cidr: '10.0.0.0/33' } }]);
      denies(bad, web, { ip: '10.0.0.1' }, 443);
      expect(bad.warnings).toEqual([expect.stringContaining('invalid ipBlock cidr "10.0.0.0/33"')]);
      const badExcept = egressTo([{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', 'nonsense'] } }]);
      denies(badExcept, web, { ip: '1.1.1.1' }, 443);
      expect(badExcept.warnings).toEqual([expect.stringContaining('invalid ipBlock except "nonsense"')]);
    });
  });

  test('a peer with no selector and no ipBlock matches nothing and is reported', () => {
    const m = ingressFrom([{}]);
    denies(m, web, fastapi, 8001);
    expect(m.warnings).toEqual([expect.stringContaining('needs podSelector, namespaceSelector or ipBlock')]);
  });
});

describe('ports', () => {
  const ingressPorts = (ports: unknown[] | undefined) =>
    new ConnectivityModel([policy('p', { podSelector: {}, ingress: [ports === undefined ? {} : { ports }] })]);

  test('missing or empty ports allow every port and protocol', () => {
    for (const m of [ingressPorts(undefined), ingressPorts([])]) {
      allows(m, worker, fastapi, 8001);
      allows(m, worker, fastapi, 9999, 'UDP');
      allows(m, worker, fastapi, 9999, 'SCTP');
    }
  });

  test('numbered port with protocol defaulting to TCP', () => {
    const m = ingressPorts([{ port: 8001 }]);
    allows(m, worker, fastapi, 8001);
    allows(m, worker, fastapi, 8001, 'TCP');
    denies(m, worker, fastapi, 8002);
    denies(m, worker, fastapi, 8001, 'UDP');
  });

  test('a UDP rule does not allow TCP, nor SCTP', () => {
    const m = ingressPorts([{ port: 53, protocol: 'UDP' }]);
    allows(m, worker, fastapi, 53, 'UDP');
    denies(m, worker, fastapi, 53, 'TCP');
    denies(m, worker, fastapi, 53, 'SCTP');
  });

  test('protocol without port allows every port of that protocol', () => {
    const m = ingressPorts([{ protocol: 'SCTP' }]);
    allows(m, worker, fastapi, 3868, 'SCTP');
    denies(m, worker, fastapi, 3868, 'TCP');
  });

  test('endPort range is inclusive', () => {
    const m = ingressPorts([{ port: 32000, endPort: 32010 }]);
    denies(m, worker, fastapi, 31999);
    allows(m, worker, fastapi, 32000);
    allows(m, worker, fastapi, 32005);
    allows(m, worker, fastapi, 32010);
    denies(m, worker, fastapi, 32011);
    denies(m, worker, fastapi, 32005, 'UDP');
  });

  test('named port resolves against the destination pod container ports', () => {
    const m = ingressPorts([{ port: 'http' }]);
    allows(m, worker, web, 8080); // web's "http" is 8080
    denies(m, worker, web, 8081);
    denies(m, worker, fastapi, 8001); // fastapi has no port named "http"
    denies(m, worker, pod({ app: 'x' }, NS, [{ name: 'http', containerPort: 8080, protocol: 'UDP' }]), 8080, 'UDP'); // rule is TCP
  });

  test('named port in egress resolves against the destination, and never matches external addresses', () => {
    const m = new ConnectivityModel([policy('p', { podSelector: {}, policyTypes: ['Egress'], egress: [{ ports: [{ port: 'api' }] }] })]);
    allows(m, web, fastapi, 8001);
    denies(m, web, web, 8080);
    denies(m, web, { ip: '1.1.1.1' }, 8001);
  });

  test('canReach accepts a port name of the destination', () => {
    const m = ingressPorts([{ port: 8001 }]);
    allows(m, worker, fastapi, 'api');
    denies(m, worker, web, 'http');
    expect(() => m.canReach(worker, fastapi, 'http')).toThrow('has no container port named "http"');
  });

  test('a numeric string port is a (missing) port name, and is reported', () => {
    const m = ingressPorts([{ port: '8001' }]);
    denies(m, worker, fastapi, 8001);
    expect(m.warnings).toEqual([expect.stringContaining('reads as a port name')]);
  });
});

describe('workloads', () => {
  const podTemplate = (labels: Record<string, string>, ports: unknown[] = []) => ({
    metadata: { labels },
    spec: { containers: [{ name: 'main', image: 'x', ports }] },
  });

  test('are read from every pod-template kind with their labels and ports', () => {
    const objects: KubeObject[] = [
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', namespace: NS },
        spec: { template: podTemplate({ app: 'web' }, [{ name: 'http', containerPort: 8080 }]) },
      },
      {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: { name: 'db', namespace: NS },
        spec: { template: podTemplate({ app: 'db' }, [{ containerPort: 5432 }]) },
      },
      {
        apiVersion: 'apps/v1',
        kind: 'DaemonSet',
        metadata: { name: 'agent', namespace: NS },
        spec: { template: podTemplate({ app: 'agent' }, [{ containerPort: 8125, protocol: 'UDP' }]) },
      },
      {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: { name: 'rs', namespace: NS },
        spec: { template: podTemplate({ app: 'rs' }) },
      },
      {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: 'migrate', namespace: NS },
        spec: { template: podTemplate({ app: 'migrate' }) },
      },
      {
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata: { name: 'scheduler', namespace: NS },
        spec: { jobTemplate: { spec: { template: podTemplate({ app: 'scheduler' }) } } },
      },
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'debug', namespace: NS, labels: { app: 'debug' } },
        spec: { containers: [{ name: 'c' }] },
      },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: NS }, spec: { selector: { app: 'web' } } },
    ];
    const m = new ConnectivityModel(objects);
    expect(m.workloads().map((w) => [w.name, w.namespace, w.labels])).toEqual([
      ['Deployment/web', NS, { app: 'web' }],
      ['StatefulSet/db', NS, { app: 'db' }],
      ['DaemonSet/agent', NS, { app: 'agent' }],
      ['ReplicaSet/rs', NS, { app: 'rs' }],
      ['Job/migrate', NS, { app: 'migrate' }],
      ['CronJob/scheduler', NS, { app: 'scheduler' }],
      ['Pod/debug', NS, { app: 'debug' }],
    ]);
    const byName = Object.fromEntries(m.workloads().map((w) => [w.name, w.ports]));
    expect(byName['Deployment/web']).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    expect(byName['StatefulSet/db']).toEqual([{ containerPort: 5432, protocol: 'TCP' }]);
    expect(byName['DaemonSet/agent']).toEqual([{ containerPort: 8125, protocol: 'UDP' }]);
    expect(byName['CronJob/scheduler']).toEqual([]);
  });

  test('native sidecar ports count, ordinary init container ports do not', () => {
    const m = new ConnectivityModel([
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', namespace: NS },
        spec: {
          template: {
            metadata: { labels: { app: 'web' } },
            spec: {
              containers: [{ name: 'app', ports: [{ containerPort: 8080 }] }],
              initContainers: [
                { name: 'proxy', restartPolicy: 'Always', ports: [{ name: 'metrics', containerPort: 9090 }] },
                { name: 'init', ports: [{ containerPort: 1111 }] },
              ],
            },
          },
        },
      },
    ]);
    expect(m.workloads()[0].ports.map((p) => p.containerPort)).toEqual([8080, 9090]);
  });

  test('workloads are usable as endpoints', () => {
    const objects: KubeObject[] = [
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', namespace: NS },
        spec: { template: podTemplate({ app: 'web' }, [{ name: 'http', containerPort: 8080 }]) },
      },
      denyIngress,
      policy('allow-http', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ ports: [{ port: 'http' }] }] }),
    ];
    const m = new ConnectivityModel(objects);
    const [w] = m.workloads();
    allows(m, { ip: '203.0.113.1' }, w, 'http');
    denies(m, { ip: '203.0.113.1' }, w, 9000);
  });
});

describe('invalid policies', () => {
  test('an unknown selector operator fails at load time, naming the policy', () => {
    const bad = policy('bad', {
      podSelector: {},
      ingress: [{ from: [{ podSelector: { matchExpressions: [{ key: 'a', operator: 'Matches' }] } }] }],
    });
    expect(() => new ConnectivityModel([bad])).toThrow('NetworkPolicy app/bad: unknown label selector operator "Matches"');
  });
});

describe('endpoints', () => {
  test('two external addresses cannot be analysed', () => {
    expect(() => new ConnectivityModel([]).canReach({ ip: '1.1.1.1' }, { ip: '8.8.8.8' }, 53)).toThrow('at least one end must be a pod');
  });

  test('an invalid IP is an error, not a silent deny', () => {
    expect(() => new ConnectivityModel([]).canReach(web, { ip: '1.1.1' }, 443)).toThrow('not an IPv4 or IPv6 address');
  });
});

describe('ip helpers', () => {
  test('parse and contain', () => {
    expect(parseIp('10.0.0.1')).toEqual({ family: 4, value: 0x0a000001n });
    expect(parseIp('::ffff:1.2.3.4')).toEqual({ family: 6, value: 0xffff01020304n });
    expect(parseIp('2001:db8::')?.value).toBe(0x20010db8n << 96n);
    expect(parseIp('::1')?.value).toBe(1n);
    expect(parseIp('1.2.3')).toBeUndefined();
    expect(parseCidr('10.1.2.3/8')).toEqual({ family: 4, network: 0x0a000000n, prefix: 8 });
    expect(parseCidr('10.1.2.3')).toEqual({ family: 4, network: 0x0a010203n, prefix: 32 });
    expect(parseCidr('10.0.0.0/-1')).toBeUndefined();
    expect(parseCidr('::/129')).toBeUndefined();
    expect(cidrContains(parseCidr('0.0.0.0/0')!, parseIp('255.255.255.255')!)).toBe(true);
    expect(cidrContains(parseCidr('192.168.0.0/16')!, parseIp('192.169.0.0')!)).toBe(false);
  });
});
