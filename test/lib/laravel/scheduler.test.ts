/**
 * The scheduler in its two modes: `work` (the default) runs schedule:work in one pod that drains on stop;
 * `cron` runs schedule:run from a CronJob with a light init. The runtime proof of work mode is
 * test/runtime/scheduler-work.test.ts.
 */
import * as path from 'path';
import { parseEnvironment } from '../../../lib/config/load';
import { ARTISAN_CACHE_COMMANDS } from '../../../lib/laravel/laravel-runtime';
import { SCHEDULE_WORK_SUPERVISOR, SUPERVISION_FILES } from '../../../lib/laravel/process-supervision';
import { CRON_SCHEDULER_CACHES } from '../../../lib/laravel/scheduler';
import { container, find, K8sObject, objectsOf, webAppContainer, podSpecOf, ROOT, SHIPPED_ENVIRONMENTS, shippedObjects, withChanges } from '../../helpers';

const objectsWith = (env: string, change: (doc: any) => void) => objectsOf(parseEnvironment(path.join(ROOT, 'config', `${env}.yaml`), withChanges(env, change)));

const webLaravelContainer = (objects: K8sObject[]) => webAppContainer(podSpecOf(find(objects, 'Deployment', 'pembayaran-web')));

describe.each(SHIPPED_ENVIRONMENTS)('the scheduler of %s', (env) => {
  const objects = shippedObjects(env);

  test('by default (mode work): one pod running schedule:work under its supervisor, Recreate, a grace period covering the longest task', () => {
    expect(objects.find((o) => o.kind === 'CronJob' && o.metadata.name === 'pembayaran-scheduler')).toBeUndefined();
    const deployment = find(objects, 'Deployment', 'pembayaran-scheduler');
    expect(deployment.spec.replicas).toBe(1);
    expect(deployment.spec.strategy).toEqual({ type: 'Recreate' });
    const spec = podSpecOf(deployment);
    const work = container(spec, 'schedule-work');
    expect(work.command).toEqual(['/bin/sh', '-c', SCHEDULE_WORK_SUPERVISOR, 'scheduler', 'php', 'artisan', 'schedule:work', '--no-interaction']);
    // The longest task (600 s by default) and the margin for schedule:interrupt and the exit.
    expect(spec.terminationGracePeriodSeconds).toBe(615);
    expect(SCHEDULE_WORK_SUPERVISOR).toContain('php artisan schedule:interrupt');
    // Liveness reads /proc (no framework boot), and passes while the scheduler drains on purpose.
    expect(work.livenessProbe.exec.command[2]).toContain(`[ -e ${SUPERVISION_FILES.scheduleDraining} ] ||`);
    expect(work.livenessProbe.periodSeconds).toBeGreaterThanOrEqual(30);
    expect(work.readinessProbe).toBeUndefined();
    const web = webLaravelContainer(objects);
    expect(work.envFrom).toEqual(web.envFrom);
    // Booted once per rollout: the full set of caches.
    for (const cache of ARTISAN_CACHE_COMMANDS) expect(container(spec, 'prepare').command[2]).toContain(`php artisan ${cache}`);
  });

  test('longestTaskSeconds sets the grace period', () => {
    const deployment = find(objectsWith(env, (d) => (d.scheduler = { longestTaskSeconds: 1800 })), 'Deployment', 'pembayaran-scheduler');
    expect(podSpecOf(deployment).terminationGracePeriodSeconds).toBe(1815);
  });

  test('mode cron: schedule:run every minute, never overlapping, bounded, with a light init (config, route and event caches)', () => {
    const cronObjects = objectsWith(env, (d) => (d.scheduler = { mode: 'cron' }));
    expect(cronObjects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'pembayaran-scheduler')).toBeUndefined();
    const cron = find(cronObjects, 'CronJob', 'pembayaran-scheduler');
    expect(cron.spec.schedule).toBe('* * * * *');
    expect(cron.spec.concurrencyPolicy).toBe('Forbid');
    expect(cron.spec.startingDeadlineSeconds).toBe(30);
    expect(cron.spec.successfulJobsHistoryLimit).toBe(3);
    expect(cron.spec.failedJobsHistoryLimit).toBe(5);
    expect(cron.spec.jobTemplate.spec.activeDeadlineSeconds).toBe(600);
    const spec = podSpecOf(cron);
    const run = container(spec, 'schedule-run');
    expect(run.command).toEqual(['php', 'artisan', 'schedule:run', '--no-interaction']);
    const web = webLaravelContainer(cronObjects);
    expect(run.envFrom).toEqual(web.envFrom);
    // The web container's mounts but its php.ini (subPath) and Octane's served public/ copy.
    expect(run.volumeMounts).toEqual(web.volumeMounts.filter((m: any) => !m.subPath && m.name !== 'public'));
    expect(spec.restartPolicy).toBe('Never');
    const prepare = container(spec, 'prepare').command[2];
    expect(CRON_SCHEDULER_CACHES).toEqual(['config:cache', 'route:cache', 'event:cache']);
    for (const cache of CRON_SCHEDULER_CACHES) expect(prepare).toContain(`php artisan ${cache}`);
    expect(prepare).not.toContain('view:cache');
  });

  test('the alerts follow the mode: a Deployment without an available pod, or a CronJob without a recent success', () => {
    const rules = (o: readonly any[]) => o.filter((x) => x.kind === 'PrometheusRule').flatMap((x) => x.spec.groups.flatMap((g: any) => g.rules));
    const work = rules(objects);
    expect(work.find((r: any) => r.alert === 'PembayaranSchedulerNotRunning').expr).toContain('kube_deployment_status_replicas_available{namespace=');
    expect(work.find((r: any) => r.alert === 'PembayaranSchedulerFailing').expr).toContain('container="schedule-work"');
    const cron = rules(objectsWith(env, (d) => (d.scheduler = { mode: 'cron' })));
    expect(cron.find((r: any) => r.alert === 'PembayaranSchedulerNotRunning').expr).toContain('kube_cronjob_status_last_successful_time');
  });
});
