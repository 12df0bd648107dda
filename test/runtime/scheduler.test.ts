/**
 * The scheduler in cron mode (`scheduler.mode: cron`; the default, work mode, is scheduler-work.test.ts): the CronJob's pod runs `php artisan schedule:run`, which runs the app's
 * scheduled task once (its onOneServer lock and its record in the shared Redis cache) and exits 0.
 */
import { describeRuntime } from './harness/preflight';
import { hostHeader, LaravelEnvironment, startLaravelEnvironment } from './laravel';

jest.setTimeout(120000);

describeRuntime('the scheduler CronJob runs a scheduled task', () => {
  let env: LaravelEnvironment;
  beforeAll(async () => {
    env = await startLaravelEnvironment({ environment: 'production', change: (doc) => (doc.scheduler = { mode: 'cron' }) });
  });
  afterAll(async () => env?.stop());

  test('schedule:run runs the task and the pod completes', async () => {
    const cronJob = env.object('CronJob', 'scheduler');
    const container = cronJob.spec.jobTemplate.spec.template.spec.containers[0];
    expect(container.command).toEqual(['php', 'artisan', 'schedule:run', '--no-interaction']);
    const pod = await env.cluster.runPod(cronJob);
    expect(await pod.waitForCompletion()).toEqual({ [container.name]: { code: 0, signal: null } });
    expect(pod.logs(container.name)).toMatch(/Running scheduled command|fixture scheduled task ran/);

    const web = await env.webPod();
    const runs = JSON.parse((await env.cluster.http({ url: `http://${web.ip}:8080/schedule-runs`, headers: hostHeader(env.config) })).text);
    expect(runs).toEqual([{ host: pod.name, at: expect.any(String) }]);
  });
});
