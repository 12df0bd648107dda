import { DEFAULT_RESOURCES, JOB_HISTORY, PHP_FPM_HEALTH_POOL, PORTS, PROBES, RETRY_AFTER, SHUTDOWN_MARGIN_SECONDS, WORKER_MEMORY_MIB } from '../../../lib/core/defaults';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../../../lib/core/pod-security';
import { SyncWave } from '../../../lib/core/sync-waves';

// Each default pinned on its own: changing one is a decision, visible in review and in the docs.
describe('defaults', () => {
  test('ports', () => {
    expect(PORTS).toEqual({
      nginxHttp: 8080, nginxLocalStatus: 8081, nginxHealth: 8082, phpFpm: 9000, phpFpmHealth: 9001, phpFpmStatus: 9002,
      fastapi: 8001, waGateway: 3001, phpFpmExporter: 9253, nginxExporter: 9113, redisExporter: 9121,
    });
  });
  test("php-fpm's health pool: two children, limits far below the probes' patience", () => {
    expect(PHP_FPM_HEALTH_POOL).toEqual({ children: 2, requestTimeoutSeconds: 10, maxExecutionSeconds: 5 });
    expect(PHP_FPM_HEALTH_POOL.requestTimeoutSeconds).toBeLessThan(PROBES.liveness.periodSeconds * PROBES.liveness.failureThreshold);
  });
  test('every default resource has CPU and memory requests and a memory limit, and no CPU limit', () => {
    for (const [name, r] of Object.entries(DEFAULT_RESOURCES)) {
      expect([name, r.requests.cpu, r.requests.memory, r.limits.memory].every(Boolean)).toBe(true);
      expect(r.limits.cpu).toBeUndefined();
    }
    expect(DEFAULT_RESOURCES.php).toEqual({ requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '512Mi' } });
    expect(DEFAULT_RESOURCES.nginx).toEqual({ requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '128Mi' } });
    expect(DEFAULT_RESOURCES.backup).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } });
    expect(DEFAULT_RESOURCES.restoreDatabase).toEqual({ requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '1Gi' } });
  });
  test('probe timings: patient liveness, a generous startup window', () => {
    expect(PROBES.liveness).toEqual({ periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 });
    expect(PROBES.readiness).toEqual({ periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3, successThreshold: 1 });
    expect(PROBES.startup).toEqual({ periodSeconds: 2, timeoutSeconds: 2, failureThreshold: 60 });
  });
  test('retry_after: more than 15 s above the job timeout, 30 s by default', () => {
    expect(RETRY_AFTER).toEqual({ marginSeconds: 15, defaultExtraSeconds: 30 });
    expect(RETRY_AFTER.defaultExtraSeconds).toBeGreaterThan(RETRY_AFTER.marginSeconds);
  });
  test('worker process memory: 32 MiB beyond the PHP heap per process, 64 MiB for a Horizon supervisor', () => {
    expect(WORKER_MEMORY_MIB).toEqual({ processOverhead: 32, horizonSupervisor: 64 });
  });
  test('shutdown margin and job history', () => {
    expect(SHUTDOWN_MARGIN_SECONDS).toBe(15);
    expect(JOB_HISTORY).toEqual({ successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 5 });
  });
  test('sync waves order namespace, foundation, migration, workloads, monitoring', () => {
    expect(SyncWave).toEqual({ NAMESPACE: -3, FOUNDATION: -2, MIGRATION: -1, WORKLOADS: 0, MONITORING: 1 });
  });
  test('the restricted security contexts', () => {
    expect(restrictedPodSecurityContext({ runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001 })).toEqual({
      runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, fsGroupChangePolicy: 'OnRootMismatch', seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(restrictedContainerSecurityContext()).toEqual({
      allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' },
    });
  });
});
