import { Construct } from 'constructs';
import { KubeIngress } from '../../imports/k8s';
import { SyncWave } from '../core/sync-waves';
import type { EdgeRequestMetrics } from '../operations/alert-rules';
import { CERT_MANAGER_CLUSTER_ISSUER, Edge, EDGE_COMPONENT, EdgePeer, EdgeRouteRole, webRequestRoutes } from './edge-routes';
import { ingressController, IngressControllerProfile } from './ingress-controller';
import type { WebEdgeProps } from './web-edge';

/**
 * The Ingress edge (networking.k8s.io/v1), for clusters that still run an Ingress controller: one Ingress
 * per traffic class, annotated by the controller profile, all hosts with their TLS Secrets. Only the site
 * Ingress carries the cert-manager annotation: cert-manager creates one Certificate per Secret, and two
 * Ingresses asking for the same Secret would fight over it.
 * @see https://kubernetes.io/docs/concepts/services-networking/ingress/
 */
export class IngressEdge extends Construct implements Edge {
  public readonly policyPurpose = 'ingress-controller';
  public readonly dataPlanePeers: readonly EdgePeer[];
  public readonly solvesHttp01InNamespace: boolean;
  public readonly tlsSecretNames: readonly string[];
  public readonly profile: IngressControllerProfile;
  private readonly props: WebEdgeProps;

  constructor(scope: Construct, id: string, props: WebEdgeProps) {
    super(scope, id);
    this.props = props;
    const { context, ingress: options } = props;
    const profile = (this.profile = ingressController(options.controller));
    const extra: Record<EdgeRouteRole, Readonly<Record<string, string>>> = {
      site: {},
      webhooks: options.webhookAnnotations,
      operator: options.operatorAnnotations,
      websocket: {},
    };
    for (const route of props.routes) {
      if (route.rateLimitRps > 0 && !profile.rateLimits) {
        throw new Error(`IngressEdge: the ${profile.name} profile cannot express the rate limit of the ${route.role} route; give its annotations instead`);
      }
      if (route.allowedCidrs && !profile.allowLists && Object.keys(extra[route.role]).length === 0) {
        throw new Error(`IngressEdge: the ${profile.name} profile cannot express the allow list of the ${route.role} route; give its annotations instead`);
      }
      const profileAnnotations = profile.annotations(route, { clientMaxBodySize: props.clientMaxBodySize });
      const annotations = {
        ...(route.role === 'site' ? { [CERT_MANAGER_CLUSTER_ISSUER]: props.clusterIssuer } : {}),
        ...profileAnnotations,
        ...options.annotations,
        ...extra[route.role],
        // The site's timeouts in web.edge.ingress.annotations would cut every websocket: the route's own win.
        ...(route.role === 'websocket' ? profileAnnotations : {}),
      };
      const backend = route.backend ?? props.backend;
      const hosts = route.hostnames ? props.hosts.filter((h) => route.hostnames!.includes(h.hostname)) : props.hosts;
      new KubeIngress(this, route.role, {
        metadata: context.metadata(route.name, EDGE_COMPONENT, { wave: SyncWave.WORKLOADS, annotations }),
        spec: {
          ingressClassName: options.className,
          tls: hosts.map((host) => ({ hosts: [host.hostname], secretName: host.tlsSecretName })),
          rules: hosts.map((host) => ({
            host: host.hostname,
            http: {
              paths: route.paths.map((path) => ({
                path,
                pathType: 'Prefix',
                backend: { service: { name: backend.serviceName, port: { name: backend.portName } } },
              })),
            },
          })),
        },
      });
    }
    this.dataPlanePeers = [options.controllerPods];
    this.solvesHttp01InNamespace = props.acmeChallenge === 'http01';
    this.tlsSecretNames = props.hosts.map((h) => h.tlsSecretName);
  }

  requestMetrics(ingressNamespaceLabel: 'exported_namespace' | 'namespace'): EdgeRequestMetrics | undefined {
    return this.profile.requestMetrics(this.props.context.namespace, ingressNamespaceLabel, webRequestRoutes(this.props.routes).map((r) => r.name));
  }
}
