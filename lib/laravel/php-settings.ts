import { WebConfig } from '../config/types.generated';

/** `web.php`: php.ini and OPcache settings of the web containers. */
export type PhpSettings = WebConfig['php'];
import { memoryBytes } from './web-server-config';

/** Loaded after the image's own conf.d files (the official php image scans /usr/local/etc/php/conf.d; zz- sorts last). */
export const PHP_INI_FILE = 'zz-pembayaran.ini';

/** Where the official php images (FPM, CLI, FrankenPHP) scan for extra ini files. */
export const PHP_INI_DIR = '/usr/local/etc/php/conf.d';

/** The smallest memory_limit accepted (MiB): the framework's boot and a small request fit in it. */
export const MIN_PHP_MEMORY_LIMIT_MIB = 16;

/** realpath cache: the paths of a Laravel app's vendor tree fit in 4 MiB, and they never change under an image. */
export const PHP_REALPATH_CACHE = { sizeKib: 4096, ttlSeconds: 600 } as const;

/** What the PHP processes of one container share: how many run requests at once, and the container's memory limit. */
export interface PhpMemoryBudget {
  /** PHP processes (or threads) that each may use up to memory_limit at once: php-fpm children of every pool, Octane workers. */
  readonly processes: number;
  /** The container's memory limit, a Kubernetes quantity. */
  readonly containerMemoryLimit: string;
}

/** OPcache's shared memory (MiB), allocated once per container: the opcode cache (interned strings inside it) and the JIT buffer. */
export function opcacheSharedMemoryMib(settings: PhpSettings): number {
  return settings.opcache.memoryConsumption + (settings.opcache.jit === 'disable' ? 0 : settings.opcache.jitBufferSize);
}

/**
 * memory_limit in MiB: the configured one, else the container's memory limit less OPcache's shared memory,
 * shared evenly among the processes, rounded down. Every process at its limit together then still fits
 * the container: PHP ends the one request that asks for more ("Allowed memory size exhausted"), instead of
 * the kernel killing the container with every request in it.
 */
export function phpMemoryLimitMib(settings: PhpSettings, budget: PhpMemoryBudget): number {
  if (settings.memoryLimit !== undefined) return Number(settings.memoryLimit.slice(0, -1));
  const containerMib = Math.floor(memoryBytes(budget.containerMemoryLimit) / 1024 ** 2);
  return Math.floor((containerMib - opcacheSharedMemoryMib(settings)) / budget.processes);
}

/** Why these settings cannot fit the container, or undefined: memory_limit × processes + OPcache above its memory limit. */
export function phpMemoryProblem(settings: PhpSettings, budget: PhpMemoryBudget): string | undefined {
  const limit = phpMemoryLimitMib(settings, budget);
  const containerMib = Math.floor(memoryBytes(budget.containerMemoryLimit) / 1024 ** 2);
  const shared = opcacheSharedMemoryMib(settings);
  const explicit = settings.memoryLimit !== undefined;
  if (limit < MIN_PHP_MEMORY_LIMIT_MIB) {
    return explicit
      ? `is ${limit}M; PHP needs at least ${MIN_PHP_MEMORY_LIMIT_MIB}M to boot the framework and serve a request`
      : `is left to the default, (${containerMib} MiB container limit - ${shared} MiB OPcache) / ${budget.processes} PHP processes = ${limit}M, below the ${MIN_PHP_MEMORY_LIMIT_MIB}M PHP needs: raise the container's memory limit or run fewer processes`;
  }
  if (limit * budget.processes + shared > containerMib) {
    return `is ${limit}M; ${budget.processes} PHP processes at ${limit}M plus ${shared} MiB OPcache shared memory is ${limit * budget.processes + shared} MiB, above the container's memory limit ${budget.containerMemoryLimit} (${containerMib} MiB), so the kernel would kill the container with every request in it: lower it to at most ${Math.floor((containerMib - shared) / budget.processes)}M, or raise the limit`;
  }
  return undefined;
}

/** PHP's size shorthand for nginx's (`20m` -> `20M`); `0` is unlimited in both. */
export function phpSize(nginxSize: string): string {
  return nginxSize.toUpperCase();
}

export interface PhpIniProps {
  readonly settings: PhpSettings;
  readonly budget: PhpMemoryBudget;
  /** max_execution_time and max_input_time: the application's limit of the request-timeout chain. */
  readonly maxExecutionSeconds: number;
  /** post_max_size and upload_max_filesize, the body size the edge and nginx let through (`20m`). */
  readonly maxBodySize: string;
  /** OPcache for the CLI SAPI too: Octane's workers (RoadRunner, Swoole) are CLI processes. @default false */
  readonly opcacheForCli?: boolean;
}

/**
 * The php.ini overrides of a web container, mounted read-only into the image's conf.d. The code in an image
 * never changes, so OPcache never checks timestamps; the JIT stays off unless asked for (Laravel's
 * I/O-bound requests gain little, and it costs shared memory). Errors go to the log, never to visitors.
 * @see https://www.php.net/manual/en/opcache.configuration.php
 * @see https://www.php.net/manual/en/ini.core.php
 */
export function renderPhpIni(props: PhpIniProps): string {
  const { settings } = props;
  const opcache = settings.opcache;
  const size = phpSize(props.maxBodySize);
  const managed: Array<[string, string | number]> = [
    ['memory_limit', `${phpMemoryLimitMib(settings, props.budget)}M`],
    ['max_execution_time', props.maxExecutionSeconds],
    ['max_input_time', props.maxExecutionSeconds],
    ['post_max_size', size],
    ['upload_max_filesize', size],
    ['expose_php', 'Off'],
    ['display_errors', 'Off'],
    ['display_startup_errors', 'Off'],
    ['log_errors', 'On'],
    ['zend.assertions', -1],
    ['realpath_cache_size', `${PHP_REALPATH_CACHE.sizeKib}K`],
    ['realpath_cache_ttl', PHP_REALPATH_CACHE.ttlSeconds],
    ['opcache.enable', 1],
    ['opcache.enable_cli', props.opcacheForCli ? 1 : 0],
    ['opcache.memory_consumption', opcache.memoryConsumption],
    ['opcache.interned_strings_buffer', opcache.internedStringsBuffer],
    ['opcache.max_accelerated_files', opcache.maxAcceleratedFiles],
    ['opcache.validate_timestamps', opcache.validateTimestamps ? 1 : 0],
    ['opcache.save_comments', 1],
    ['opcache.jit', opcache.jit],
    ['opcache.jit_buffer_size', opcache.jit === 'disable' ? 0 : `${opcache.jitBufferSize}M`],
  ];
  // web.php.ini may replace the fixed ones (expose_php, display_errors, ...) but not those derived above.
  const directives = new Map<string, string | number>(managed);
  for (const [name, value] of Object.entries(settings.ini).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) directives.set(name, value);
  const lines = [...directives].map(([k, v]) => `${k} = ${v}`);
  return `; Generated by pembayaran-k8s (lib/laravel/php-settings.ts).\n${lines.join('\n')}\n`;
}

/** Directives renderPhpIni sets from other keys (the key that sets each); `web.php.ini` may not set them. */
export const MANAGED_PHP_DIRECTIVES: Readonly<Record<string, string>> = {
  memory_limit: 'web.php.memoryLimit',
  max_execution_time: 'web.requestTimeoutSeconds',
  max_input_time: 'web.requestTimeoutSeconds',
  post_max_size: 'web.clientMaxBodySize',
  upload_max_filesize: 'web.clientMaxBodySize',
  'opcache.enable': 'the runtime (always on)',
  'opcache.enable_cli': 'web.runtime',
  'opcache.memory_consumption': 'web.php.opcache.memoryConsumption',
  'opcache.interned_strings_buffer': 'web.php.opcache.internedStringsBuffer',
  'opcache.max_accelerated_files': 'web.php.opcache.maxAcceleratedFiles',
  'opcache.validate_timestamps': 'web.php.opcache.validateTimestamps',
  'opcache.jit': 'web.php.opcache.jit',
  'opcache.jit_buffer_size': 'web.php.opcache.jitBufferSize',
};
