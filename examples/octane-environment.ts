/**
 * Example: an environment whose web tier runs Laravel Octane on FrankenPHP instead of php-fpm and nginx.
 * One key (`web.runtime: octane`) switches the pod to one `octane:start` container; the Service, the edge,
 * the NetworkPolicies and the alerts follow it. The image must hold laravel/octane and the frankenphp
 * binary (e.g. built FROM dunglas/frankenphp); see docs/deployment-guide.md.
 */
import { Manifest } from 'pembayaran-k8s';
import { DR_ENVIRONMENT, synthesizeNewEnvironment } from './new-environment';

/** The disaster-recovery environment of examples/new-environment.ts, served by Octane with 8 FrankenPHP workers. */
export const OCTANE_ENVIRONMENT = DR_ENVIRONMENT.replace(
  'web:\n  replicas: 2\n',
  [
    'web:',
    '  replicas: 2',
    '  runtime: octane',
    '  octane:',
    '    server: frankenphp',
    '    workers: 8',
    '    maxRequests: 1000',
    '  resources:',
    '    php:',
    '      requests: { cpu: "1", memory: 512Mi }',
    '      limits: { memory: 1Gi }',
    '',
  ].join('\n'),
);

/** Builds the Octane environment in memory, gate included; every object with the file synth would write it to. */
export function synthesizeOctaneEnvironment(yamlText: string = OCTANE_ENVIRONMENT): Manifest[] {
  return synthesizeNewEnvironment(yamlText);
}
