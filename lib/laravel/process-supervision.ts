/**
 * What runs as PID 1 of the long-running Laravel containers other than php-fpm, and how their liveness is
 * judged. In a container the command is PID 1: the kernel delivers it only the signals it handles, the
 * kubelet sends the image's STOPSIGNAL (SIGQUIT for the official php:*-fpm images) and then SIGKILL, and
 * every process in the container dies when PID 1 exits. The scripts here are POSIX sh (dash in the Debian
 * images, busybox ash in the Alpine ones) and run the artisan command given as their arguments.
 */
import { Probe } from '../../imports/k8s';

/** Files the supervising shells keep in the pod's /tmp (an emptyDir) for the liveness probes. */
export const SUPERVISION_FILES = {
  /** PID of the current `queue:work` process. */
  queueWorker: '/tmp/queue-worker.pid',
  /** PID of `schedule:work`. */
  scheduleWork: '/tmp/schedule-work.pid',
  /** Exists once the scheduler drains on its way out. */
  scheduleDraining: '/tmp/schedule-work.draining',
} as const;

/** Exit codes after which `queue:work` wants to be started again: 0 (--max-jobs, --max-time, queue:restart, a lost connection) and 12 (--memory). */
export const WORKER_RESTART_EXIT_CODES = [0, 12] as const;

/** One Monolog-shaped JSON line on stderr, like the application's own logs (LOG_STDERR_FORMATTER). */
const log = (channel: string, level: 'INFO' | 'WARNING', message: string) =>
  `printf '%s\\n' "{\\"message\\":\\"${message}\\",\\"level_name\\":\\"${level}\\",\\"channel\\":\\"${channel}\\"}" >&2`;

/**
 * PID 1 of a `queue:work` container: a loop that starts the worker again when it exits to be restarted
 * (WORKER_RESTART_EXIT_CODES), so a busy pool that reaches --max-jobs every few minutes never enters the
 * kubelet's restart back-off (10 s doubling to 5 minutes for containers that ran under 10 minutes) and
 * never trips the restart-loop alert. Any other exit (an exception at boot, the worker's own SIGKILL of a
 * job past --timeout) ends the container, as before, so crashes stay visible as restarts.
 * The stop signal (SIGQUIT from the image, or SIGTERM, SIGINT) is handed to the worker as SIGTERM, which
 * every Laravel version handles: the running job finishes, the worker exits, the loop ends with it.
 */
export const QUEUE_WORKER_LOOP = [
  'stopping=0',
  'worker=',
  `stop() { stopping=1; [ -z "$worker" ] || kill -TERM "$worker" 2>/dev/null; ${log('queue-worker', 'INFO', 'stop signal: queue:work finishes its job and exits')}; }`,
  'trap stop TERM QUIT INT',
  'while [ "$stopping" = 0 ]; do',
  '  "$@" &',
  '  worker=$!',
  `  echo "$worker" > ${SUPERVISION_FILES.queueWorker}`,
  // A signal that arrived between the fork and the assignment found no worker to stop.
  '  [ "$stopping" = 0 ] || kill -TERM "$worker" 2>/dev/null',
  '  status=0',
  '  wait "$worker" || status=$?',
  // wait returns early when a trapped signal arrives; the worker is still finishing its job.
  '  while kill -0 "$worker" 2>/dev/null; do status=0; wait "$worker" || status=$?; done',
  '  worker=',
  '  case "$status" in',
  `    ${WORKER_RESTART_EXIT_CODES.join('|')}) [ "$stopping" = 1 ] || ${log('queue-worker', 'INFO', 'queue:work exited with $status (--max-jobs, --max-time, --memory or queue:restart); starting a new worker')} ;;`,
  `    *) ${log('queue-worker', 'WARNING', 'queue:work exited with $status; the container stops')}; exit "$status" ;;`,
  '  esac',
  'done',
  'exit 0',
].join('\n');

/**
 * PID 1 of the `schedule:work` container. Laravel 12's schedule:work handles no signal: as PID 1 it would
 * ignore the stop signal and die by SIGKILL at the end of the grace period with its tasks; killed as a
 * child, the `schedule:run` processes it started would lose the pipes they write to. So on the stop signal
 * this shell freezes schedule:work (SIGSTOP: it starts no new minute, its pipes stay open), broadcasts
 * `schedule:interrupt` (sub-minute tasks stop repeating), and waits until every `schedule:run` and every
 * `runInBackground()` task has finished; then it exits and the rest dies with it. The grace period covers
 * the longest task.
 */
export const SCHEDULE_WORK_SUPERVISOR = [
  'stopping=0',
  'scheduler=',
  `stop() { stopping=1; : > ${SUPERVISION_FILES.scheduleDraining}; [ -z "$scheduler" ] || kill -STOP "$scheduler" 2>/dev/null; }`,
  'trap stop TERM QUIT INT',
  '"$@" &',
  'scheduler=$!',
  `echo "$scheduler" > ${SUPERVISION_FILES.scheduleWork}`,
  '[ "$stopping" = 0 ] || kill -STOP "$scheduler" 2>/dev/null',
  'status=0',
  'wait "$scheduler" || status=$?',
  // schedule:work ended by itself (a crash): the kubelet restarts the container.
  'if [ "$stopping" = 0 ]; then exit "$status"; fi',
  `${log('scheduler', 'INFO', 'stopping: no new schedule:run; interrupting sub-minute tasks; waiting for running tasks')}`,
  'php artisan schedule:interrupt --no-interaction >/dev/null 2>&1 || true',
  'while :; do',
  '  busy=',
  '  for dir in /proc/[0-9]*; do',
  '    pid=${dir#/proc/}',
  '    if [ "$pid" = 1 ] || [ "$pid" = "$scheduler" ]; then continue; fi',
  '    read -r stat 2>/dev/null < "$dir/stat" || continue',
  // Finished children of the frozen schedule:work stay zombies until it dies with us.
  '    case "$stat" in *") Z "*) continue ;; esac',
  '    busy=$pid',
  '    break',
  '  done',
  '  [ -n "$busy" ] || break',
  '  sleep 1',
  'done',
  `${log('scheduler', 'INFO', 'every scheduled task has finished; exiting')}`,
  'exit 0',
].join('\n');

/** The container command: a supervising shell around an artisan command (`$0` names it in `ps`). */
export function supervisedCommand(script: string, name: string, argv: readonly string[]): string[] {
  return ['/bin/sh', '-c', script, name, ...argv];
}

/**
 * Liveness of a process a supervising shell started: it exists and is running or sleeping, not stopped, a
 * zombie or stuck in uninterruptible sleep. Reads /proc only: no PHP, no framework boot.
 * @param passWhile a file whose existence means the process is being stopped on purpose
 */
export function supervisedProcessProbe(pidFile: string, passWhile?: string): Probe {
  const alive = `read -r pid < ${pidFile} && grep -Eq '^State:[[:space:]]+[RS]' "/proc/$pid/status"`;
  return { exec: { command: ['/bin/sh', '-c', passWhile ? `[ -e ${passWhile} ] || { ${alive}; }` : alive] } };
}

/**
 * Horizon's key prefix as Horizon derives it when HORIZON_PREFIX is unset: `Str::slug(APP_NAME, '_')`
 * followed by `_horizon:` (laravel/horizon config/horizon.php).
 */
export function horizonPrefix(appName: string): string {
  const slug = appName
    .toLowerCase()
    .replace(/-+/g, '_')
    .replace(/[^_a-z0-9\s]+/g, '')
    .replace(/[_\s]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return `${slug}_horizon:`;
}

/**
 * Liveness of this pod's Horizon master, without booting the framework (phpredis, which the image needs for
 * REDIS_CLIENT=phpredis). Every loop (about a second) the master writes the hash `master:<name>`, expiring
 * 15 s later, and its score in the sorted set `masters` (RedisMasterSupervisorRepository::update), where
 * `<name>` is the slug of the host name (the pod name) and a 4-character token (MasterSupervisor::name).
 * The probe passes while such a record of this pod exists: a paused master (`horizon:pause`) still writes
 * it, other pods' masters never count. `horizon:status` would judge every master in Redis instead: a dead
 * master passes while another pod runs, and one paused Horizon fails liveness everywhere. When Redis cannot
 * be reached the master is not at fault and the probe passes (restarting it would not help).
 */
export const HORIZON_MASTER_PROBE_SCRIPT = [
  "$prefix = (string) getenv('HORIZON_PREFIX');",
  "$host = strtolower(gethostname());",
  "$slug = trim(preg_replace('![-\\s]+!', '-', preg_replace('![^-a-z0-9\\s]+!', '', str_replace('_', '-', $host))), '-');",
  'try {',
  '  $redis = new Redis();',
  "  $redis->connect((string) getenv('REDIS_HOST'), (int) (getenv('REDIS_PORT') ?: 6379), 3.0, null, 0, 3.0);",
  "  $user = (string) getenv('REDIS_USERNAME'); $password = (string) getenv('REDIS_PASSWORD');",
  "  if ($password !== '') $redis->auth($user !== '' ? [$user, $password] : $password);",
  "  $redis->select((int) getenv('REDIS_DB'));",
  "  $names = $redis->zRangeByScore($prefix.'masters', (string) (time() - 14), '+inf');",
  "  foreach ($names as $name) if (preg_match('/^'.preg_quote($slug, '/').'-[A-Za-z0-9]{4}$/', $name) && $redis->exists($prefix.'master:'.$name)) { echo \"Horizon master $name is alive\\n\"; exit(0); }",
  '} catch (Throwable $e) {',
  "  fwrite(STDERR, 'Redis unreachable, the master is not judged: '.$e->getMessage().\"\\n\");",
  '  exit(0);',
  '}',
  "fwrite(STDERR, \"no live Horizon master of $slug in Redis\\n\");",
  'exit(1);',
].join('\n');

export function horizonMasterProbe(): Probe {
  return { exec: { command: ['php', '-r', HORIZON_MASTER_PROBE_SCRIPT] } };
}

/**
 * preStop of a Horizon container: SIGTERM to the master (PID 1), which Horizon handles (ListensForSignals:
 * TERM, USR1, USR2, CONT; not the image's SIGQUIT, which PID 1 would ignore), then wait for it to end. Not
 * `horizon:terminate`, which also sets `illuminate:queue:restart` and so restarts every worker of the
 * cluster. The master stops its supervisors, whose workers finish their jobs, for up to the longest
 * supervisor timeout; the grace period covers it.
 */
export const HORIZON_PRE_STOP = ['/bin/sh', '-c', 'kill -TERM 1; while kill -0 1 2>/dev/null; do sleep 1; done'];
