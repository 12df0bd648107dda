import { Container, EnvVar, Quantity, Volume, VolumeMount } from '../../imports/k8s';
import { AppContext } from '../core/app-context';
import { APP_ROOT } from '../core/defaults';
import { ImageRef, imageRef } from '../core/image';
import { LARAVEL_CACHE_DIR, LaravelSettings } from './laravel-settings';
import { toResourceRequirements } from '../core/containers';
import { ContainerSpec } from '../core/pod-security';
import { Resources } from '../config/types.generated';

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

/**
 * The parts every Laravel pod shares (web, workers, scheduler, migration): the application image, its
 * settings and secrets, the writable volumes on a read-only root filesystem, and the init container that
 * prepares them. One definition, so a fix here reaches every pod.
 */
export class LaravelRuntime {
  public readonly image: string;

  constructor(
    public readonly context: AppContext,
    image: ImageRef,
    public readonly settings: LaravelSettings,
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
    ];
  }

  /** Mounts of the writable paths inside an application container. */
  volumeMounts(): VolumeMount[] {
    return [
      { name: LARAVEL_VOLUMES.storage, mountPath: `${APP_ROOT}/storage` },
      { name: LARAVEL_VOLUMES.bootstrapCache, mountPath: LARAVEL_CACHE_DIR },
      { name: LARAVEL_VOLUMES.tmp, mountPath: '/tmp' },
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

  /** Pod annotations: roll pods when a setting changes. */
  podAnnotations(): Record<string, string> {
    return { 'checksum/laravel-config': this.settings.checksum };
  }
}
