/**
 * The config rules of worker pools and migrations: each refuses a setting that would let a payment job
 * run twice, be killed mid-flight, or re-run a half-applied migration, with the key path and the fix.
 */
import { formatProblem } from '../../../lib/config/load';
import { rejectionsOf, withChanges } from '../../helpers';

const problemsOf = (env: string, change: (doc: any) => void) => rejectionsOf(`config/${env}.yaml`, withChanges(env, change)).map(formatProblem);
const payments = (doc: any) => doc.workers.find((w: any) => w.name === 'payments');

describe('retry_after against the job timeout', () => {
  test('a retryAfter not above timeout + 15 s is refused: the job would be handed to a second worker', () => {
    expect(problemsOf('production', (d) => (d.workers[0].retryAfter = 90))).toEqual([
      'config/production.yaml: workers[0].retryAfter: is 90; Redis hands a job still reserved after retry_after to another worker, so a job running up to the timeout (90 s) would run twice: ' +
        'retryAfter must exceed timeout by more than 15 s: set at least 106, or leave it out (timeout + 30)',
    ]);
    expect(problemsOf('production', (d) => (d.workers[0].retryAfter = 105))).toHaveLength(1);
    expect(() => withChanges('production', (d) => (d.workers[0].retryAfter = 106))).not.toThrow();
    expect(() => rejectionsOf('config/production.yaml', withChanges('production', (d) => (d.workers[0].retryAfter = 106)))).toThrow('expected the config to be rejected');
  });

  test('a longer timeout without a retryAfter keeps the default above it', () => {
    expect(() => rejectionsOf('config/production.yaml', withChanges('production', (d) => (payments(d).timeout = 900)))).toThrow('expected the config to be rejected');
  });

  test('laravel.env cannot set the variables each pool sets for itself', () => {
    expect(problemsOf('staging', (d) => (d.laravel.env = { REDIS_QUEUE_RETRY_AFTER: '90', HORIZON_MAX_PROCESSES: '10' }))).toEqual([
      'config/staging.yaml: laravel.env.REDIS_QUEUE_RETRY_AFTER: is set by each worker pool from its workers[] settings (retryAfter); remove it and set it there',
      'config/staging.yaml: laravel.env.HORIZON_MAX_PROCESSES: is set by each worker pool from its workers[] settings (the horizon supervisor); remove it and set it there',
    ]);
  });
});

describe('Horizon pools', () => {
  test('mode horizon requires horizon.maxProcesses', () => {
    expect(problemsOf('production', (d) => delete payments(d).horizon)).toEqual([
      "config/production.yaml: workers[1].horizon.maxProcesses: is required with mode horizon: how many workers the Horizon supervisor may run (it sizes the pod's memory), e.g. horizon: { maxProcesses: 3 }",
    ]);
  });

  test('horizon settings on a queue:work pool are refused', () => {
    expect(problemsOf('staging', (d) => (d.workers[0].horizon = { maxProcesses: 2 }))).toEqual([
      'config/staging.yaml: workers[0].horizon: applies to mode horizon only; remove it, or set mode: horizon',
    ]);
  });

  test('minProcesses above maxProcesses is refused', () => {
    expect(problemsOf('production', (d) => (payments(d).horizon.minProcesses = 4))).toEqual([
      'config/production.yaml: workers[1].horizon.minProcesses: is 4, above horizon.maxProcesses (3)',
    ]);
  });

  test('a memory limit that cannot hold the master and maxProcesses workers is refused', () => {
    const resources = { requests: { cpu: '100m', memory: '192Mi' }, limits: { memory: '384Mi' } };
    expect(problemsOf('production', (d) => Object.assign(payments(d), { resources, horizon: { maxProcesses: 10 } }))).toEqual([
      'config/production.yaml: workers[1].resources.limits.memory: is 384Mi; Horizon runs its master (horizon.masterMemory 64 MB), a supervisor and up to horizon.maxProcesses (10) workers of up to memory (256 MB) each, ' +
        '32 MiB more per process, so it would be OOM-killed mid-job first: set at least 3040Mi, or lower memory',
    ]);
  });

  test('a queue:work limit below --memory is refused', () => {
    const resources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } };
    expect(problemsOf('staging', (d) => Object.assign(d.workers[0], { resources, memory: 256 }))).toEqual([
      'config/staging.yaml: workers[0].resources.limits.memory: is 256Mi; the worker restarts itself only above memory (256 MB) and its process needs 32 MiB more, so it would be OOM-killed mid-job first: set at least 288Mi, or lower memory',
    ]);
  });
});

describe('migrations', () => {
  test('production refuses retries of a failed migration', () => {
    expect(problemsOf('production', (d) => (d.migrations = { backoffLimit: 1 }))).toEqual([
      'config/production.yaml: migrations.backoffLimit: is 1; MySQL DDL is not transactional, so a retry re-runs a half-applied migration against a changed schema: set 0 and follow the failed-migration runbook (docs/operations.md)',
    ]);
    expect(() => rejectionsOf('config/staging.yaml', withChanges('staging', (d) => (d.migrations = { backoffLimit: 1 })))).toThrow('expected the config to be rejected');
  });

  test('a deadline longer than the --isolated lock is refused', () => {
    expect(problemsOf('staging', (d) => (d.migrations = { activeDeadlineSeconds: 7200 }))).toEqual([
      'config/staging.yaml: migrations.activeDeadlineSeconds: is 7200; migrate --isolated holds its lock for 3600 s, so a longer run would let a second migration start beside it: set at most 3600',
    ]);
  });
});
