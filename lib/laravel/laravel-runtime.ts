import { Container, EnvVar, Quantity, Volume, VolumeMount } from '../../imports/k8s';
import { AppContext } from '../core/app-context';
import { APP_ROOT } from '../core/defaults';
import { ImageRef, imageRef } from '../core/image';
import { LARAVEL_CACHE_DIR, LaravelSettings } from './laravel-settings';
import { toResourceRequirements } from '../core/containers';
import { ContainerSpec } from '../core/pod-security';
import type { SharedEnvironment } from '../core/workload-pod';
import { isSecretName, secretShape } from '../config/secret-shapes';
import { Resources } from '../config/types.generated';
import { TlsDataStore, DataStoreTlsSettings } from '../core/data-store-tls';

/** Every Laravel process may open both connections (sessions, cache and queues are in Redis). */
const LARAVEL_STORES: readonly TlsDataStore[] = ['database', 'redis'];

/** Volume names shared by Laravel containers. */
export const LARAVEL_VOLUMES = {
  storage: 'storage',
  bootstrapCache: 'bootstrap-cache',
  tmp: 'tmp',
  publicAssets: 'public',
} as const;

/** Where nginx finds the built assets copied out of the application image. */
export const PUBLIC_DIR = `${APP_ROOT}/public`;

/** The directory tree Laravel expects under storage/; an emptyDir starts empty. */
export const STORAGE_DIRECTORIES = [
  'app/public',
  'framework/cache/data',
  'framework/sessions',
  'framework/testing',
  'framework/views',
  'logs',
];

/** The artisan caches built at pod start, into the writable cache volume the app container reads. */
export const ARTISAN_CACHE_COMMANDS = ['config:cache', 'route:cache', 'view:cache', 'event:cache'];

export interface LaravelPodOptions {
  /** Also copy public/ for nginx and create the public/storage link in it. @default false */
  readonly publicAssets?: boolean;
  /** Variables of this workload on top of the settings; the config cache is built with them. @default none */
  readonly env?: EnvVar[];
  /** The artisan caches to build. @default ARTISAN_CACHE_COMMANDS */
  readonly caches?: readonly string[];
  /** More shell steps on the copy (/shared-public), e.g. the web server's own files. @default - none */
  readonly publicSteps?: readonly string[];
}

/** A variable's value: plain text, or a key of a Secret in the namespace (never the secret value itself). */
export type EnvValue = string | { readonly secretName: string; readonly key: string; readonly optional?: boolean };

/**
 * The parts every Laravel pod shares (web, workers, scheduler, migration): the application image, its
 * settings and secrets, the writable volumes on a read-only root filesystem, and the init container that
 * prepares them. One definition, so a fix here reaches every pod.
 */
export class LaravelRuntime implements SharedEnvironment {
  public readonly image: string;
  private readonly extraEnv = new Map<string, EnvVar>();

  constructor(
    public readonly context: AppContext,
    image: ImageRef,
    public readonly settings: LaravelSettings,
    /** TLS to the data stores: the CA bundles every Laravel container mounts. @default - no TLS */
    public readonly dataStoreTls?: DataStoreTlsSettings,
  ) {
    this.image = imageRef(image);
  }

  /** Writable volumes: storage/ and bootstrap/cache/ start empty each pod; the caches hold secrets, so they live in memory. */
  volumes(options: LaravelPodOptions = {}): Volume[] {
    return [
      { name: LARAVEL_VOLUMES.storage, emptyDir: { sizeLimit: Quantity.fromString('1Gi') } },
      { name: LARAVEL_VOLUMES.bootstrapCache, emptyDir: { medium: 'Memory', sizeLimit: Quantity.fromString('32Mi') } },
      { name: LARAVEL_VOLUMES.tmp, emptyDir: { sizeLimit: Quantity.fromString('512Mi') } },
      ...(options.publicAssets ? [{ name: LARAVEL_VOLUMES.publicAssets, emptyDir: { sizeLimit: Quantity.fromString('512Mi') } }] : []),
      ...(this.dataStoreTls?.volumes(LARAVEL_STORES) ?? []),
    ];
  }

  /** Mounts of the writable paths inside an application container. */
  volumeMounts(): VolumeMount[] {
    return [
      { name: LARAVEL_VOLUMES.storage, mountPath: `${APP_ROOT}/storage` },
      { name: LARAVEL_VOLUMES.bootstrapCache, mountPath: LARAVEL_CACHE_DIR },
      { name: LARAVEL_VOLUMES.tmp, mountPath: '/tmp' },
      ...(this.dataStoreTls?.volumeMounts(LARAVEL_STORES) ?? []),
    ];
  }

  /** Init container: storage tree, artisan caches and (for web) the public assets with the storage link. */
  prepareContainer(resources: Resources, options: LaravelPodOptions = {}): ContainerSpec {
    const steps = [
      'set -eu',
      `mkdir -p ${STORAGE_DIRECTORIES.map((d) => `storage/${d}`).join(' ')}`,
      ...(options.caches ?? ARTISAN_CACHE_COMMANDS).map((c) => `php artisan ${c}`),
    ];
    if (options.publicAssets) {
      steps.push(
        `cp -R ${PUBLIC_DIR}/. /shared-public/`,
        // What `php artisan storage:link` makes, in the copy nginx serves (the image's public/ is read-only).
        `ln -sfn ${APP_ROOT}/storage/app/public /shared-public/storage`,
        ...(options.publicSteps ?? []),
      );
    }
    return this.container('prepare', {
      command: ['/bin/sh', '-c', steps.join('\n')],
      resources,
      env: options.env,
      extraMounts: options.publicAssets ? [{ name: LARAVEL_VOLUMES.publicAssets, mountPath: '/shared-public' }] : [],
    });
  }

  /** An application container with the settings, secrets and writable paths. */
  container(
    name: string,
    props: {
      readonly command?: string[];
      readonly args?: string[];
      readonly resources: Resources;
      readonly env?: EnvVar[];
      readonly extraMounts?: VolumeMount[];
    } & Omit<Container, 'name' | 'image' | 'command' | 'args' | 'resources' | 'env' | 'envFrom' | 'volumeMounts'>,
  ): ContainerSpec {
    const { command, args, resources, env, extraMounts, ...rest } = props;
    return {
      name,
      image: this.image,
      imagePullPolicy: 'IfNotPresent',
      ...(command ? { command } : {}),
      ...(args ? { args } : {}),
      workingDir: APP_ROOT,
      envFrom: this.settings.envFrom,
      ...(env?.length ? { env } : {}),
      resources: toResourceRequirements(resources),
      volumeMounts: [...this.volumeMounts(), ...(extraMounts ?? [])],
      ...rest,
    };
  }

  /**
   * Adds an environment variable to every Laravel container (web php-fpm, every worker pool, scheduler,
   * migration, components that joined the Laravel set, and their `prepare` init containers, which run
   * `config:cache`: a variable missing there reads as null). Applied at synthesis, so pods built later get it too.
   * A plain value must not be a secret: give a Secret key instead.
   */
  addEnv(name: string, value: EnvValue): void {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`addEnv: "${name}" is not a shell variable name (letters, digits and _, not starting with a digit)`);
    if (this.extraEnv.has(name)) throw new Error(`addEnv: ${name} is already set`);
    if (name in this.settings.data) throw new Error(`addEnv: ${name} is one of the Laravel settings (ConfigMap ${this.settings.configMapName}); set it in laravel.env instead`);
    if (typeof value === 'string') {
      const shape = secretShape(value);
      if (isSecretName(name) || shape) throw new Error(`addEnv: ${name} looks like a secret${shape ? ` (${shape})` : ''}; the manifests are committed: give { secretName, key } of a Secret instead`);
    }
    this.extraEnv.set(
      name,
      typeof value === 'string'
        ? { name, value }
        : { name, valueFrom: { secretKeyRef: { name: value.secretName, key: value.key, ...(value.optional ? { optional: true } : {}) } } },
    );
  }

  /** Laravel containers are the ones running the application image. */
  appliesTo(container: ContainerSpec): boolean {
    return container.image === this.image;
  }

  /** The variables added with `addEnv`, sorted by name. */
  variables(): readonly EnvVar[] {
    return [...this.extraEnv.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Pod annotations: roll pods when a setting changes. */
  podAnnotations(): Record<string, string> {
    return { 'checksum/laravel-config': this.settings.checksum };
  }
}
