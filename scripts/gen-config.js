#!/usr/bin/env node
// Derives four files from lib/config/schema.json, the single source of truth:
// - types.generated.ts, the TypeScript model of an environment. The model describes a config after
//   validation, when ajv has filled every default: a property with a default is therefore required in
//   the model, although optional in the file.
// - input.generated.ts, the same environment as a consumer writes it (`EnvironmentInput`): every key with a
//   default is optional, and its JSDoc says the default. `resolveEnvironment` (lib/config/load.ts) turns it into
//   the model through the loader's own validation.
// - validate-config.generated.ts, the schema compiled ahead of time by ajv's standalone code generation,
//   so that synthesis does not spend a few hundred milliseconds compiling the schema on every run.
// - docs/configuration.md, the config reference: every key with its type, default and meaning.
'use strict';
const fs = require('fs');
const path = require('path');
const { compile } = require('json-schema-to-typescript');

const schemaFile = path.join(__dirname, '../lib/config/schema.json');
const typesFile = path.join(__dirname, '../lib/config/types.generated.ts');
const validatorFile = path.join(__dirname, '../lib/config/validate-config.generated.ts');
const inputFile = path.join(__dirname, '../lib/config/input.generated.ts');

/** The ajv options of the config validator; load.ts documents why each is set. */
const AJV_OPTIONS = { allErrors: true, useDefaults: true, strict: true, strictRequired: false, allowUnionTypes: true };

function renderValidator() {
  const Ajv = require('ajv').default;
  const standalone = require('ajv/dist/standalone').default;
  const ajv = new Ajv({ ...AJV_OPTIONS, code: { source: true, esm: true } });
  const validate = ajv.compile(JSON.parse(fs.readFileSync(schemaFile, 'utf8')));
  // Typed at the boundary, so the compiler does not infer anything from the generated code.
  const code = standalone(ajv, validate).replace('export const validate = validate10;export default validate10;', '');
  return (
    '// @ts-nocheck\n/* Generated from lib/config/schema.json by `npm run gen:config`. Do not edit. */\n' +
    `${code}\nexport const validate: ((data: unknown) => boolean) & { errors?: unknown[] | null } = validate10 as any;\n`
  );
}

function requireDefaulted(node) {
  if (Array.isArray(node)) return node.map(requireDefaulted);
  if (node === null || typeof node !== 'object') return node;
  // oneOf only constrains values; in the generated type it would become an unreadable intersection.
  // A $ref with sibling keys (description, default) would be emitted as a copy of the referenced type.
  if (node.$ref) return { $ref: node.$ref };
  const copy = Object.fromEntries(
    Object.entries(node).filter(([k]) => k !== 'oneOf').map(([k, v]) => [k, requireDefaulted(v)]),
  );
  if (copy.properties) {
    const defaulted = Object.entries(node.properties).filter(([, p]) => p && p.default !== undefined).map(([k]) => k);
    copy.required = [...new Set([...(copy.required || []), ...defaulted])];
  }
  return copy;
}

const pascal = (name) => name.replace(/(^|[-_])([a-z])/g, (_, __, c) => c.toUpperCase());

/** Names the top-level sections, so that constructs can take them as typed props. */
function nameSections(schema) {
  for (const [key, section] of Object.entries(schema.properties)) {
    if (section.type === 'object' && section.properties) section.title = `${pascal(key)}Config`;
  }
  schema.properties.workers.items.title = 'WorkerPoolConfig';
  return schema;
}

/**
 * The schema as input: defaults stay optional and are named in the JSDoc; every named type ends in `Input`
 * (`EnvironmentInput`, `WorkerPoolInput`, `ResourcesInput`), so the model's names stay free.
 */
function inputSchema(schema) {
  const withDefaults = (node) => {
    if (Array.isArray(node)) return node.map(withDefaults);
    if (node === null || typeof node !== 'object') return node;
    // A $ref with sibling keys would be emitted as a copy of the referenced type (as in the model).
    if (node.$ref) return { $ref: node.$ref };
    const copy = Object.fromEntries(Object.entries(node).filter(([k]) => k !== 'oneOf').map(([k, v]) => [k, withDefaults(v)]));
    if (node.default !== undefined || node.description) copy.description = describeDefault(node);
    return copy;
  };
  const describeDefault = (node) => [node.description, node.default !== undefined ? `@default ${JSON.stringify(node.default)}` : ''].filter(Boolean).join('\n\n');
  const copy = withDefaults(schema);
  copy.title = 'EnvironmentInput';
  for (const [key, section] of Object.entries(copy.properties)) {
    if (section.type === 'object' && section.properties) section.title = `${pascal(key)}Input`;
  }
  copy.properties.workers.items.title = 'WorkerPoolInput';
  for (const [name, definition] of Object.entries(copy.definitions)) definition.title = `${pascal(name)}Input`;
  return copy;
}

async function renderInput() {
  return compile(inputSchema(JSON.parse(fs.readFileSync(schemaFile, 'utf8'))), 'EnvironmentInput', {
    bannerComment: '/* Generated from lib/config/schema.json by `npm run gen:config`. Do not edit. */',
    additionalProperties: false,
    unreachableDefinitions: false,
    style: { singleQuote: true, printWidth: 120 },
  });
}

async function render() {
  const schema = nameSections(requireDefaulted(JSON.parse(fs.readFileSync(schemaFile, 'utf8'))));
  return compile(schema, 'EnvironmentConfig', {
    bannerComment: '/* Generated from lib/config/schema.json by `npm run gen:config`. Do not edit. */',
    additionalProperties: false,
    unreachableDefinitions: false,
    style: { singleQuote: true, printWidth: 120 },
  });
}

const docsFile = path.join(__dirname, '../docs/configuration.md');

/** Markdown reference of every key, section by section, in schema order. */
function renderDocs() {
  const schema = JSON.parse(fs.readFileSync(schemaFile, 'utf8'));
  const resolve = (node) => (node && node.$ref ? { ...schema.definitions[node.$ref.split('/').pop()], ...node, $ref: undefined } : node);
  const typeOf = (node) => {
    if (node.enum) return node.enum.map((v) => `\`${v}\``).join(' | ');
    if (node.type === 'array') return `list of ${node.items && resolve(node.items).type === 'object' ? 'objects' : (node.items && resolve(node.items).type) || 'values'}`;
    if (node.type === 'object' && !node.properties) return 'map';
    return node.type || 'object';
  };
  const cell = (text) => String(text).replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const rows = [];
  const walk = (node, prefix, required) => {
    for (const [key, raw] of Object.entries(node.properties || {})) {
      const child = resolve(raw);
      const keyPath = `${prefix}${key}`;
      const fallback = child.default !== undefined ? `\`${JSON.stringify(child.default)}\`` : required.includes(key) ? '**required**' : '-';
      rows.push(`| \`${keyPath}\` | ${cell(typeOf(child))} | ${cell(fallback)} | ${cell(raw.description || child.description || '')} |`);
      if (child.type === 'object' && child.properties) walk(child, `${keyPath}.`, child.required || []);
      if (child.type === 'array' && child.items && resolve(child.items).properties) walk(resolve(child.items), `${keyPath}[].`, resolve(child.items).required || []);
    }
  };
  walk(schema, '', schema.required || []);
  return [
    '<!-- Generated from lib/config/schema.json by `npm run gen:config`. Do not edit. -->',
    '# Configuration reference',
    '',
    'One YAML file per environment in `config/`. Unknown keys are errors. Keys left out take the default shown;',
    '`-` means the key is optional and unset unless the description says otherwise. Defaults are applied by the schema',
    'itself (ajv `useDefaults`), so this table, the validator and the TypeScript model cannot disagree.',
    '',
    '## Rules beyond the types',
    '',
    'A refused config prints one `file: key.path: message` line per problem and leaves `dist/` as it was. Besides',
    'the types, defaults and patterns below, every config is checked for:',
    '',
    '- **Kubernetes names and labels**, by the API server\'s own rules (lib/core/kubernetes-rules.ts, ported from',
    '  apimachinery), on what the project builds from a value: `appName` starts every Service name, so it is a',
    '  DNS-1035 label; `<appName>-<name>` is the `app.kubernetes.io/instance` label and the Argo CD Application, so',
    '  at most 63 characters; the Laravel image tag is the `app.kubernetes.io/version` label (at most 63 characters,',
    '  a letter or digit at both ends). Namespaces are DNS-1123 labels, object names (class, issuer, Secret,',
    '  StorageClass, store, project) DNS-1123 subdomains, label maps take qualified-name keys and label values,',
    '  annotation keys are qualified names. `laravel.host` is a DNS name with labels of at most 63 characters, not',
    '  an IP address.',
    '- **Numbers**: every integer is at most 2147483647 (int32); `.nan` and `.inf` are refused as written.',
    '- **Addresses and times**: CIDRs without leading zeros or host bits; `except` ranges strictly inside their',
    '  `cidr`, on cidr peers only; `trustedProxies` a comma-separated list of addresses or CIDRs; `timezone` an IANA',
    '  name; URLs with a host, origins without a path.',
    '- **Resources**: a request not above its limit; quantities in Kubernetes units (`k`, not `K`).',
    '- **Secrets**: every string of the config is scanned for URLs with a password, PEM private keys and known',
    '  token shapes, and env variables whose names hold credentials (`*_PASS`, `*_PASSWORD`, `*_TOKEN`, `*_KEY`,',
    '  ...); such values belong in the secret manager (`secretEnv`, `secrets.remoteRefs`).',
    '- **Queues and migrations** (no job runs twice, none is killed mid-flight): `workers[].retryAfter` (default',
    '  `timeout` + 30) more than 15 s above `timeout`; `workers[].horizon` required with `mode: horizon` and refused',
    '  with `queue-work`, `minProcesses` at most `maxProcesses`; an explicit memory limit that holds the pool\'s',
    '  processes (`memory` + 32 MiB; Horizon: the master, a supervisor and `maxProcesses` workers);',
    '  `laravel.env` does not set `REDIS_QUEUE_RETRY_AFTER` or the `HORIZON_*` supervisor variables (each pool',
    '  sets its own); `migrations.backoffLimit` 0 in production; `migrations.activeDeadlineSeconds` at most 3600',
    '  (the `--isolated` lock).',
    '- **Calls out of a job** (no message sent twice): the WA gateway\'s retry budget (`waGateway.retry`: attempts x',
    '  `attemptTimeoutSeconds` + the delays) below FastAPI\'s wait (`notificationCalls.requestTimeoutSeconds` - 5),',
    '  `requestTimeoutSeconds` at least 5 s below the `timeout` of every pool in `notificationCalls.pools` (default all);',
    '  `notificationCalls.idempotency.ttlSeconds` at least those pools\' `tries` x (`retryAfter` + `backoff`); distinct',
    '  `notificationCalls.env` names, which `laravel.env`, `fastapi.env` and `waGateway.env` do not set.',
    '- **Between environments**: `name` not `argocd`, `namespace` not `default`, `kube-*` or Argo CD\'s; no two',
    '  environments with one name, one namespace on one cluster, one Application, or overlapping `argocd.path`',
    '  folders (relative, without `..`, outside `argocd/`).',
    '- **The file itself**: a regular file of at most 1 MiB, one YAML document, YAML aliases expanding to at most',
    '  100,000 values, only the YAML core schema\'s tags.',
    '',
    '## Keys',
    '',
    '| key | type | default | meaning |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

async function main() {
  const outputs = [[typesFile, await render()], [inputFile, await renderInput()], [validatorFile, renderValidator()], [docsFile, renderDocs()]];
  if (process.argv.includes('--check')) {
    // Used by the tests: fail when a committed file is not what the schema gives.
    const stale = outputs.filter(([file, text]) => !fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== text);
    for (const [file] of stale) console.error(`${path.relative(process.cwd(), file)} is stale: run npm run gen:config`);
    process.exitCode = stale.length ? 1 : 0;
  } else {
    for (const [file, text] of outputs) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, text);
    }
  }
}

main().catch((err) => { console.error(err.message); process.exit(1); });
