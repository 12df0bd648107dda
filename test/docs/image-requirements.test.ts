/**
 * README's "What the application images must provide" names every program the generated manifests run in
 * the project's own images: container commands, probes and hooks of every shipped environment (shell
 * builtins aside). The runtime suite ran them on its stand-ins (test/runtime/); this keeps the list an image
 * builder reads in step with them: a probe that starts calling a new tool fails here until README says so.
 */
import * as fs from 'fs';
import * as path from 'path';
import { podSpecOf, ROOT, shippedConfig, shippedObjects, SHIPPED_ENVIRONMENTS, WORKLOAD_KINDS } from '../helpers';

const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

/** POSIX sh and bash builtins and keywords: the image's shell provides them. */
const SHELL_BUILTINS = new Set([
  'set', 'if', 'then', 'else', 'elif', 'fi', 'while', 'until', 'do', 'done', 'case', 'esac', 'echo', 'printf', 'read', 'kill',
  'trap', 'wait', 'exit', 'test', '[', '[[', ':', 'local', 'cd', 'exec', 'export', 'shift', 'true', 'false', 'command',
  'break', 'continue', 'return', 'umask', 'shopt', 'eval', 'unset',
]);

/** The README bullet `- **<title>**...` with its sub-bullets, up to the next top-level bullet or heading. */
function readmeBullet(title: string): string {
  const start = README.indexOf(`\n- **${title}**`);
  expect(start).toBeGreaterThan(0);
  const rest = README.slice(start + 1);
  const end = rest.slice(1).search(/\n(- \*\*|## )/);
  return end < 0 ? rest : rest.slice(0, end + 1);
}

/**
 * A shell script with quoted text, `${...}` and `$((...))` blanked out, command substitutions kept: what is
 * left has commands only where a command can start.
 */
function commandText(script: string): string {
  let out = '';
  let i = 0;
  const blankUntil = (close: string, from: number) => {
    const end = script.indexOf(close, from);
    const stop = end < 0 ? script.length : end + close.length;
    out += ' '.repeat(stop - i);
    i = stop;
  };
  const quotes: string[] = [];
  while (i < script.length) {
    const c = script[i];
    const inDouble = quotes[quotes.length - 1] === '"';
    if (c === '\\') {
      out += '  ';
      i += 2;
    } else if (!inDouble && c === "'") {
      blankUntil("'", i + 1);
    } else if (script.startsWith('$((', i)) {
      blankUntil('))', i + 3);
    } else if (script.startsWith('${', i)) {
      blankUntil('}', i + 2);
    } else if (script.startsWith('$(', i)) {
      quotes.push(')');
      out += ' (';
      i += 2;
    } else if (c === '`') {
      if (quotes[quotes.length - 1] === '`') quotes.pop();
      else quotes.push('`');
      out += '`';
      i += 1;
    } else if (c === ')' && quotes[quotes.length - 1] === ')') {
      quotes.pop();
      out += ')';
      i += 1;
    } else if (c === '"') {
      if (inDouble) quotes.pop();
      else quotes.push('"');
      out += ' ';
      i += 1;
    } else {
      out += inDouble ? (c === '\n' ? '\n' : ' ') : c;
      i += 1;
    }
  }
  return out;
}

/** The programs a shell script starts (not its own functions, not builtins). */
function scriptPrograms(script: string): string[] {
  const text = commandText(script);
  const functions = new Set([...text.matchAll(/(^|[\s;])([A-Za-z_]\w*)\s*\(\)\s*\{/g)].map((m) => m[2]));
  const programs: string[] = [];
  for (const segment of text.split(/[;&|\n(){}`]/)) {
    let words = segment.trim().split(/\s+/).filter(Boolean);
    while (words.length && ['then', 'do', 'else', 'if', 'elif', 'while', 'until', '!'].includes(words[0])) words = words.slice(1);
    while (words.length && /^[A-Za-z_]\w*=/.test(words[0])) words = words.slice(1);
    const [first] = words;
    if (!first || ['for', 'case', 'esac', 'fi', 'done'].includes(first) || functions.has(first) || /^[<>0-9]/.test(first)) continue;
    if (/^[A-Za-z/][\w./+:-]*$/.test(first)) programs.push(first);
  }
  return programs;
}

/** The programs an exec argv starts: a shell's script (and what its `"$@"` runs), or the program itself. */
function programsOf(argv: readonly string[]): string[] {
  if (['/bin/sh', '/bin/bash', 'sh', 'bash'].includes(argv[0]) && argv[1] === '-c') {
    // sh -c SCRIPT NAME ARGS...: ARGS run through "$@" where the script says so.
    const rest = argv.slice(4);
    return [path.basename(argv[0]), ...scriptPrograms(argv[2]), ...(rest.length && argv[2].includes('"$@"') ? programsOf(rest) : [])];
  }
  return [argv[0]];
}

/** Every program the shipped environments run in containers of this image repository. */
function programsOfImage(repository: (env: string) => string): Map<string, string> {
  const found = new Map<string, string>();
  for (const env of SHIPPED_ENVIRONMENTS) {
    for (const object of shippedObjects(env)) {
      if (!WORKLOAD_KINDS.includes(object.kind)) continue;
      const spec = podSpecOf(object);
      for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
        if (c.image.split(':')[0] !== repository(env)) continue;
        const argvs: string[][] = [];
        if (c.command) argvs.push([...c.command, ...(c.args ?? [])]);
        for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) if (c[probe]?.exec) argvs.push(c[probe].exec.command);
        for (const hook of ['postStart', 'preStop']) if (c.lifecycle?.[hook]?.exec) argvs.push(c.lifecycle[hook].exec.command);
        for (const argv of argvs) for (const program of programsOf(argv)) if (!found.has(program)) found.set(program, `${env} ${object.kind}/${object.metadata.name} ${c.name}`);
      }
    }
  }
  for (const builtin of SHELL_BUILTINS) found.delete(builtin);
  return found;
}

const mentions = (text: string, program: string) => new RegExp(`(^|[\\s\`(/])${program.replace(/[.+]/g, '\\$&')}([\\s\`,;.)]|$)`).test(text);

describe('the shell-script reader', () => {
  test('finds the programs of commands, pipes, substitutions and conditions; not builtins, functions, quoted text or variables', () => {
    const script = [
      'set -eu',
      'now=`date +%s`',
      "cur=\"$pid $(awk '{ print $2 }' \"/proc/$pid/io\") $(sed 's/.*) //' x | cut -d ' ' -f 1)\"",
      'f() { mkdir -p "$1"; }',
      'if ! grep -q x y; then echo "stop (here) now"; fi',
      'while kill -0 1 2>/dev/null; do sleep 1; done',
      'case "$s" in 0|12) true ;; *) exit "$s" ;; esac',
      '[ $((now - since)) -ge 3 ] || printf "%s ${name}" "$x" >&2',
      'php artisan config:cache && ln -sfn a b',
    ].join('\n');
    expect(scriptPrograms(script)).toEqual(['set', 'date', 'awk', 'sed', 'cut', 'mkdir', 'grep', 'echo', 'kill', 'sleep', 'true', 'exit', 'printf', 'php', 'ln']);
    expect(programsOf(['/bin/sh', '-c', 'trap stop TERM; "$@" & wait', 'loop', 'php', 'artisan', 'queue:work'])).toEqual(['sh', 'trap', 'wait', 'php']);
  });
});

describe("README's image requirements name every program the manifests run in them", () => {
  const images = [
    { title: 'Laravel image', repository: (env: string) => shippedConfig(env).laravel.image.repository },
    { title: 'FastAPI image', repository: (env: string) => shippedConfig(env).fastapi.image.repository },
    { title: 'WA gateway image', repository: (env: string) => shippedConfig(env).waGateway.image.repository },
  ];

  test.each(images)('$title', ({ title, repository }) => {
    const bullet = readmeBullet(title);
    const programs = programsOfImage(repository);
    const missing = [...programs].filter(([program]) => !mentions(bullet, program)).map(([program, where]) => `${program} (${where})`);
    expect(missing).toEqual([]);
  });

  test('the Laravel image runs what the fixture needed: the shell, php, php-fpm and the probe tools', () => {
    const programs = [...programsOfImage((env) => shippedConfig(env).laravel.image.repository).keys()].sort();
    expect(programs).toEqual(expect.arrayContaining(['awk', 'cp', 'cut', 'date', 'grep', 'ln', 'mkdir', 'php', 'php-fpm', 'sed', 'sh', 'sleep']));
  });
});
