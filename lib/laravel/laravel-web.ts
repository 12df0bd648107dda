import { Construct } from 'constructs';
import {
  IntOrString,
  KubeConfigMap,
  KubeDeployment,
  KubeHorizontalPodAutoscalerV2,
  KubeService,
  MetricSpecV2,
  Probe,
} from '../../imports/k8s';
import { ScaledObject } from '../../imports/keda.sh';
import { DisruptionBudget, spreadOverZonesAndNodes } from '../core/availability';
import { checksumOf } from '../core/checksum';
import { Resources } from '../config/types.generated';
import { APP_ROOT, DEFAULT_RESOURCES, PHP_FPM_HEALTH_POOL, PORTS, PROBES, SHUTDOWN_MARGIN_SECONDS } from '../core/defaults';
import { ImageRef, imageRef } from '../core/image';
import { clusterIpService, toResourceRequirements } from '../core/containers';
import { LARAVEL_VOLUMES, LaravelRuntime, PUBLIC_DIR } from './laravel-runtime';
import { ContainerSpec } from '../core/pod-security';
import { SyncWave } from '../core/sync-waves';
import { RequestTimeoutChain, requestTimeoutChain } from './request-timeouts';
import { NGINX_PID_FILE, nginxMaxActiveRequests, nginxWorkerProcesses, PHP_FPM_POOL_FILE, PhpFpmPoolProps, phpFpmPingCommand, renderNginxConfig, renderPhpFpmPool } from './web-server-config';
import { PodPlacement, WorkloadPod } from '../core/workload-pod';
import { OCTANE_CONFIG_DIR, OCTANE_PORT, OctaneServer, octaneStartCommand } from './octane-servers';

/** The container of the web pod with web.runtime octane. */
export const OCTANE_CONTAINER = 'octane';

/** What a web runtime (php-fpm and nginx, or Octane) puts into the pod. */
interface WebPodParts {
  readonly containers: ContainerSpec[];
  readonly serverConfig: Record<string, string>;
  readonly preparePublic: readonly string[];
  readonly port: number;
  readonly appContainer: string;
  readonly terminationGracePeriodSeconds: number;
}
import { PHP_INI_DIR, PHP_INI_FILE, PhpSettings, renderPhpIni } from './php-settings';

export const WEB_COMPONENT = 'web';

/** The web Service port; the edge (lib/edge/) routes to it. */
export const WEB_SERVICE_PORT = 80;

/** Scale up fast, down slowly: a payment spike often comes back. */
export const WEB_SCALING_BEHAVIOR = {
  scaleDown: { stabilizationWindowSeconds: 300, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] },
  scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 30 }] },
};

export interface LaravelWebProps {
  readonly runtime: LaravelRuntime;
  /** Replicas, and the autoscaler's minimum. */
  readonly replicas: number;
  readonly nginxImage: ImageRef;
  readonly resources: { readonly php?: Resources; readonly nginx?: Resources; readonly init?: Resources };
  readonly phpFpm: Omit<PhpFpmPoolProps, 'terminateTimeoutSeconds'>;
  /** php.ini and OPcache settings (`web.php`), mounted read-only into the image's conf.d. */
  readonly php: PhpSettings;
  readonly clientMaxBodySize: string;
  /** Laravel health route used for readiness. */
  readonly readinessPath: string;
  /** preStop pause while the endpoints drain. */
  readonly drainSeconds: number;
  /** The longest request; every layer's timeout derives from it (requestTimeoutChain). */
  readonly requestTimeoutSeconds: number;
  readonly autoscaling: {
    readonly enabled: boolean;
    readonly maxReplicas: number;
    readonly targetCpuUtilization: number;
    readonly targetMemoryUtilization?: number;
    /**
     * Also scale on php-fpm saturation: the autoscaler becomes a KEDA ScaledObject whose prometheus trigger
     * aims at `targetUtilization` percent of pm.max_children busy per pod. `busyProcessesQuery` sums the
     * busy children of all web pods (the php-fpm exporter's `phpfpm_active_processes`).
     * @default - CPU (and memory) only, with a HorizontalPodAutoscaler
     */
    readonly phpFpm?: { readonly targetUtilization: number; readonly prometheusAddress: string; readonly busyProcessesQuery: string };
  };
  readonly maxUnavailable: number;
  readonly trustedProxies: string;
  /** Host header of the readiness probe: the host APP_URL names, so Laravel's host checks pass. */
  readonly readinessHost: string;
  /**
   * Laravel Octane (web.runtime octane) instead of php-fpm and nginx: the server, its workers, and the
   * requests after which a worker is replaced. `phpFpm`, `nginxImage` and `resources.nginx` are then unused.
   * @default - php-fpm and nginx
   */
  readonly octane?: { readonly server: OctaneServer; readonly workers: number; readonly maxRequests: number };
  /** Node placement, identity (ServiceAccount annotations), pull secrets, pod metadata, extra init containers and sidecars. @default - none */
  readonly placement?: PodPlacement;
}

/**
 * The web tier: one Deployment whose pods run php-fpm and nginx side by side (or Laravel Octane in one
 * container, `octane`), with its Service, autoscaler, disruption budget and the server configuration
 * (nginx, the php-fpm pools, php.ini). The public edge in front of the Service (Gateway API or Ingress) is
 * lib/edge/'s `WebEdge`, pointed at `service`; it reaches the container port named `http` of either.
 * @see https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination
 */
export class LaravelWeb extends Construct {
  public readonly pod: WorkloadPod;
  /** The web Deployment. */
  public readonly deployment: KubeDeployment;
  /** The ClusterIP Service the edge routes to. */
  public readonly serviceObject: KubeService;
  /** The server configuration (nginx, php-fpm pools, php.ini). */
  public readonly serverConfig: KubeConfigMap;
  /** The autoscaler: a HorizontalPodAutoscaler, or a KEDA ScaledObject with the php-fpm trigger; none when autoscaling is off. */
  public readonly autoscaler?: KubeHorizontalPodAutoscalerV2 | ScaledObject;
  /** The PodDisruptionBudget (its object: `disruptionBudget.budget`). */
  public readonly disruptionBudget: DisruptionBudget;
  public readonly deploymentName: string;
  public readonly serviceName: string;
  /** The ClusterIP Service of the web pods, for the edge to route to. */
  public readonly service: { readonly name: string; readonly port: number; readonly portName: string };
  /** Every layer's request timeout; the edge's comes from here (`requestTimeouts.edge`). */
  public readonly requestTimeouts: RequestTimeoutChain;
  /** Seconds Kubernetes waits between SIGTERM and SIGKILL. */
  public readonly terminationGracePeriodSeconds: number;
  /** The container port the Service and the edge reach (nginx's, or Octane's). */
  public readonly containerPort: number;
  /** The container that runs the application: `php-fpm`, or `octane`. */
  public readonly appContainer: string;
  /** php-fpm and nginx, or Octane: the php-fpm exporter and its alerts exist only with php-fpm. */
  public readonly runsPhpFpm: boolean;

  constructor(scope: Construct, id: string, props: LaravelWebProps) {
    super(scope, id);
    const { runtime } = props;
    const context = runtime.context;
    this.deploymentName = context.name(WEB_COMPONENT);
    this.serviceName = this.deploymentName;
    this.service = { name: this.serviceName, port: WEB_SERVICE_PORT, portName: 'http' };
    this.requestTimeouts = requestTimeoutChain(props.requestTimeoutSeconds);

    this.runsPhpFpm = props.octane === undefined;
    const serverConfigName = context.name('web-server');
    const built = props.octane ? this.octanePod(props, props.octane) : this.phpFpmPod(props);
    this.containerPort = built.port;
    this.appContainer = built.appContainer;
    this.terminationGracePeriodSeconds = built.terminationGracePeriodSeconds;
    const serverConfig = built.serverConfig;
    this.serverConfig = new KubeConfigMap(this, 'ServerConfig', {
      metadata: context.metadata(serverConfigName, WEB_COMPONENT, { wave: SyncWave.FOUNDATION }),
      data: serverConfig,
    });

    this.pod = new WorkloadPod(this, 'Pod', {
      placement: props.placement,
      sharedEnv: runtime,
      context,
      component: WEB_COMPONENT,
      initContainers: [runtime.prepareContainer(props.resources.init ?? DEFAULT_RESOURCES.init, { publicAssets: true, publicSteps: built.preparePublic })],
      containers: built.containers,
      volumes: [
        ...runtime.volumes({ publicAssets: true }),
        { name: 'web-server-config', configMap: { name: serverConfigName } },
      ],
      annotations: {
        ...runtime.podAnnotations(),
        'checksum/web-server-config': checksumOf(serverConfig),
      },
      extra: {
        terminationGracePeriodSeconds: this.terminationGracePeriodSeconds,
        topologySpreadConstraints: spreadOverZonesAndNodes(context, WEB_COMPONENT),
      },
    });

    this.deployment = new KubeDeployment(this, 'Deployment', {
      metadata: context.metadata(this.deploymentName, WEB_COMPONENT, { wave: SyncWave.WORKLOADS, annotations: this.pod.deploymentAnnotations() }),
      spec: {
        // With an autoscaler the replica count is its business; writing it here would fight it on every sync.
        ...(props.autoscaling.enabled ? {} : { replicas: props.replicas }),
        revisionHistoryLimit: 5,
        minReadySeconds: 5,
        selector: { matchLabels: context.selectorLabels(WEB_COMPONENT) },
        // Never below the serving minimum during a rollout: add a pod, then remove one.
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: IntOrString.fromNumber(0), maxSurge: IntOrString.fromNumber(1) } },
        template: this.pod.template(),
      },
    });

    this.serviceObject = clusterIpService(this, context, WEB_COMPONENT, WEB_SERVICE_PORT);

    if (props.octane && props.autoscaling.phpFpm) throw new Error('LaravelWeb: autoscaling.phpFpm needs php-fpm; with Octane there is no php-fpm pool to read');
    if (props.autoscaling.enabled) {
      this.autoscaler = props.autoscaling.phpFpm ? this.addScaledObject(props, props.autoscaling.phpFpm) : this.addAutoscaler(props);
    }

    this.disruptionBudget = new DisruptionBudget(this, 'DisruptionBudget', { context, component: WEB_COMPONENT, maxUnavailable: props.maxUnavailable });
  }

  /**
   * php-fpm and nginx side by side. Probes never kill or unready a merely busy pod: php-fpm's liveness is a
   * FastCGI ping answered by its health pool, nginx's answers by itself, and readiness is Laravel's health
   * route on the health pool. On deletion, nginx drains and stops accepting while php-fpm keeps serving
   * until nginx has finished its last request.
   */
  private phpFpmPod(props: LaravelWebProps): WebPodParts {
    const { runtime } = props;
    const timeouts = this.requestTimeouts;
    const phpResources = props.resources.php ?? DEFAULT_RESOURCES.php;
    const nginxResources = props.resources.nginx ?? DEFAULT_RESOURCES.nginx;
    const workerProcesses = nginxWorkerProcesses(nginxResources);
    const serverConfig = {
      'nginx.conf': renderNginxConfig({
        clientMaxBodySize: props.clientMaxBodySize,
        fastcgiReadTimeoutSeconds: timeouts.nginx,
        trustedProxies: props.trustedProxies,
        workerProcesses,
        readinessPath: props.readinessPath,
        maxActiveRequests: nginxMaxActiveRequests(nginxResources, workerProcesses),
      }),
      [PHP_FPM_POOL_FILE]: renderPhpFpmPool({ ...props.phpFpm, terminateTimeoutSeconds: timeouts.phpFpm }),
      [PHP_INI_FILE]: renderPhpIni({
        settings: props.php,
        // Every child of both pools may reach memory_limit at once.
        budget: { processes: props.phpFpm.maxChildren + PHP_FPM_HEALTH_POOL.children, containerMemoryLimit: phpResources.limits.memory },
        maxExecutionSeconds: timeouts.application,
        maxBodySize: props.clientMaxBodySize,
      }),
    };

    // Laravel's health route on php-fpm's health pool, through nginx's health server.
    const readinessProbe: Probe = {
      httpGet: { path: props.readinessPath, port: IntOrString.fromString('health'), httpHeaders: [{ name: 'Host', value: props.readinessHost }] },
      ...PROBES.readiness,
    };
    const fpmPing = { exec: { command: phpFpmPingCommand() } };

    const php = runtime.container('php-fpm', {
      command: ['php-fpm', '--nodaemonize'],
      resources: phpResources,
      extraMounts: [
        { name: 'web-server-config', mountPath: `/usr/local/etc/php-fpm.d/${PHP_FPM_POOL_FILE}`, subPath: PHP_FPM_POOL_FILE, readOnly: true },
        { name: 'web-server-config', mountPath: `${PHP_INI_DIR}/${PHP_INI_FILE}`, subPath: PHP_INI_FILE, readOnly: true },
      ],
      startupProbe: { ...fpmPing, ...PROBES.startup },
      readinessProbe: { ...fpmPing, ...PROBES.readiness },
      livenessProbe: { ...fpmPing, ...PROBES.liveness },
      // Keep serving through the drain and until nginx (same /tmp volume) has finished its last request
      // and removed its pid file; php-fpm then stops gracefully on the image's SIGQUIT.
      lifecycle: { preStop: { exec: { command: ['/bin/sh', '-c', `sleep ${props.drainSeconds}; while [ -e ${NGINX_PID_FILE} ]; do sleep 1; done`] } } },
    });

    const nginx: ContainerSpec = {
      name: 'nginx',
      image: imageRef(props.nginxImage),
      imagePullPolicy: 'IfNotPresent',
      ports: [
        { name: 'http', containerPort: PORTS.nginxHttp, protocol: 'TCP' },
        { name: 'health', containerPort: PORTS.nginxHealth, protocol: 'TCP' },
      ],
      resources: toResourceRequirements(nginxResources),
      volumeMounts: [
        { name: 'web-server-config', mountPath: '/etc/nginx/nginx.conf', subPath: 'nginx.conf', readOnly: true },
        { name: LARAVEL_VOLUMES.publicAssets, mountPath: PUBLIC_DIR, readOnly: true },
        // The public/storage link points into storage/, so nginx sees the same volume.
        { name: LARAVEL_VOLUMES.storage, mountPath: `${APP_ROOT}/storage`, readOnly: true },
        { name: LARAVEL_VOLUMES.tmp, mountPath: '/tmp' },
      ],
      startupProbe: { httpGet: { path: '/nginx-health', port: IntOrString.fromString('http') }, ...PROBES.startup },
      readinessProbe,
      livenessProbe: { httpGet: { path: '/nginx-health', port: IntOrString.fromString('http') }, ...PROBES.liveness },
      lifecycle: {
        preStop: {
          exec: {
            // Wait until the endpoint is gone from every proxy, then finish open requests and exit.
            command: ['/bin/sh', '-c', `sleep ${props.drainSeconds}; nginx -s quit; while [ -e ${NGINX_PID_FILE} ]; do sleep 1; done`],
          },
        },
      },
    };
    return {
      containers: [php, nginx],
      serverConfig,
      preparePublic: [],
      port: PORTS.nginxHttp,
      appContainer: 'php-fpm',
      // After the drain, nginx finishes what it holds: at most its own timeout.
      terminationGracePeriodSeconds: props.drainSeconds + timeouts.nginx + SHUTDOWN_MARGIN_SECONDS,
    };
  }

  /**
   * Laravel Octane in one container: `php artisan octane:start` keeps the application booted in its
   * workers and serves public/ (the init container's copy, with the storage link) itself. Readiness is
   * Laravel's health route through the server; liveness is the server's own status (`octane:status`).
   * On deletion: the drain, then `octane:stop` (the server finishes the requests it holds), and the hook
   * waits until the server is gone, so the image's stop signal finds nothing left to cut.
   * @see https://laravel.com/docs/12.x/octane#serving-your-application
   */
  private octanePod(props: LaravelWebProps, octane: NonNullable<LaravelWebProps['octane']>): WebPodParts {
    const { runtime } = props;
    const { server } = octane;
    const timeouts = this.requestTimeouts;
    const phpResources = props.resources.php ?? DEFAULT_RESOURCES.php;
    const serverConfig: Record<string, string> = {
      [PHP_INI_FILE]: renderPhpIni({
        settings: props.php,
        budget: { processes: server.phpProcesses(octane.workers), containerMemoryLimit: phpResources.limits.memory },
        maxExecutionSeconds: timeouts.application,
        maxBodySize: props.clientMaxBodySize,
        opcacheForCli: server.cliSapi,
      }),
      ...server.configFiles,
    };
    const artisan = (command: string) => `php artisan ${command} --server=${server.name}`;
    const healthRoute = { path: props.readinessPath, port: IntOrString.fromString('http'), httpHeaders: [{ name: 'Host', value: props.readinessHost }] };
    const container = runtime.container(OCTANE_CONTAINER, {
      command: octaneStartCommand(server, octane),
      resources: phpResources,
      env: [...server.env],
      ports: [{ name: 'http', containerPort: OCTANE_PORT, protocol: 'TCP' }],
      extraMounts: [
        { name: 'web-server-config', mountPath: `${PHP_INI_DIR}/${PHP_INI_FILE}`, subPath: PHP_INI_FILE, readOnly: true },
        ...Object.keys(server.configFiles).map((file) => ({ name: 'web-server-config', mountPath: `${OCTANE_CONFIG_DIR}/${file}`, subPath: file, readOnly: true })),
        { name: LARAVEL_VOLUMES.publicAssets, mountPath: PUBLIC_DIR, readOnly: true },
      ],
      startupProbe: { httpGet: healthRoute, ...PROBES.startup },
      readinessProbe: { httpGet: healthRoute, ...PROBES.readiness },
      livenessProbe: { exec: { command: ['/bin/sh', '-c', `exec ${artisan('octane:status')}`] }, ...PROBES.liveness },
      lifecycle: {
        preStop: {
          exec: {
            command: ['/bin/sh', '-c', `sleep ${props.drainSeconds}; ${artisan('octane:stop')}; while ${artisan('octane:status')} >/dev/null 2>&1; do sleep 1; done`],
          },
        },
      },
    });
    return {
      containers: [container],
      serverConfig,
      preparePublic: server.preparePublic,
      port: OCTANE_PORT,
      appContainer: OCTANE_CONTAINER,
      // After the drain the server finishes what it holds: up to PHP's limit and a step.
      terminationGracePeriodSeconds: props.drainSeconds + timeouts.phpFpm + SHUTDOWN_MARGIN_SECONDS,
    };
  }

  private addAutoscaler(props: LaravelWebProps): KubeHorizontalPodAutoscalerV2 {
    const context = props.runtime.context;
    const metrics: MetricSpecV2[] = [
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: props.autoscaling.targetCpuUtilization } } },
    ];
    if (props.autoscaling.targetMemoryUtilization !== undefined) {
      metrics.push({
        type: 'Resource',
        resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: props.autoscaling.targetMemoryUtilization } },
      });
    }
    return new KubeHorizontalPodAutoscalerV2(this, 'Autoscaler', {
      metadata: context.metadata(this.deploymentName, WEB_COMPONENT, { wave: SyncWave.WORKLOADS }),
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: this.deploymentName },
        minReplicas: props.replicas,
        maxReplicas: props.autoscaling.maxReplicas,
        metrics,
        behavior: WEB_SCALING_BEHAVIOR,
      },
    });
  }

  /**
   * KEDA owns the HorizontalPodAutoscaler (`keda-hpa-<name>`) and feeds it the php-fpm metric from
   * Prometheus beside CPU. An empty or failing query is an error, not zero: the HPA then scales up on the
   * other triggers but never down on a blind one.
   * @see https://keda.sh/docs/latest/scalers/prometheus/
   */
  private addScaledObject(props: LaravelWebProps, phpFpm: NonNullable<LaravelWebProps['autoscaling']['phpFpm']>): ScaledObject {
    const context = props.runtime.context;
    const busyPerPod = (props.phpFpm.maxChildren * phpFpm.targetUtilization) / 100;
    return new ScaledObject(this, 'Autoscaler', {
      metadata: context.metadata(this.deploymentName, WEB_COMPONENT, { wave: SyncWave.WORKLOADS }),
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: this.deploymentName },
        minReplicaCount: props.replicas,
        maxReplicaCount: props.autoscaling.maxReplicas,
        pollingInterval: 15,
        advanced: { horizontalPodAutoscalerConfig: { behavior: WEB_SCALING_BEHAVIOR } },
        triggers: [
          { type: 'cpu', metricType: 'Utilization', metadata: { value: String(props.autoscaling.targetCpuUtilization) } },
          ...(props.autoscaling.targetMemoryUtilization !== undefined
            ? [{ type: 'memory', metricType: 'Utilization', metadata: { value: String(props.autoscaling.targetMemoryUtilization) } }]
            : []),
          {
            type: 'prometheus',
            name: 'php-fpm-busy',
            metricType: 'AverageValue',
            metadata: {
              serverAddress: phpFpm.prometheusAddress,
              query: phpFpm.busyProcessesQuery,
              threshold: String(Math.round(busyPerPod * 100) / 100),
              ignoreNullValues: 'false',
            },
          },
        ],
      },
    });
  }

  /** Adds a container beside php-fpm and nginx; it is hardened like the others. */
  addSidecar(container: ContainerSpec): void {
    this.pod.addContainer(container);
  }
}
