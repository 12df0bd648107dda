#!/usr/bin/env node
// Regenerates schemas/ (the JSON schemas the validation gate checks manifests against) from the pinned
// reference API definitions kept outside the project. Development only: the generated files are
// committed, so build, test and the gate itself never read the reference folder.
// Two steps: (a) this script, reference -> schemas/*.json, index.json and PROVENANCE.md; (b) at its end,
// scripts/gen-validators.js, schemas/*.json -> schemas/validators.generated.js (ajv standalone code of the
// validators the gate uses for the kinds the project emits). (b) reads only schemas/ and can run alone;
// a test checks that the committed module is what (b) produces.
//
//   node scripts/gen-schemas.js [reference-folder] [output-folder]
//   defaults: ../../shared/reference (i.e. /work/shared/reference) and ./schemas
//
// Transformations (also written to schemas/PROVENANCE.md):
//  - only definitions reachable from the top-level kinds are kept (k8s); only served CRD versions;
//  - annotation keywords are stripped (description, format, default, example, title, x-kubernetes-*
//    other than the three below), so the files stay small;
//  - strict mode: every object schema at a structural position (root, properties, items,
//    additionalProperties) that has no additionalProperties gets additionalProperties: false,
//    for k8s definitions only when it declares properties (kubeconform -strict), for CRDs always
//    (the API server prunes unknown fields of structural schemas), unless
//    x-kubernetes-preserve-unknown-fields is set;
//  - x-kubernetes-int-or-string -> type [integer, string]; nullable -> type [..., null];
//    x-kubernetes-embedded-resource -> apiVersion/kind/metadata declared;
//  - CR root `metadata` -> $ref to the k8s ObjectMeta definition;
//  - Go (RE2) patterns JavaScript cannot compile are rewritten ((?i) prefix) or dropped (listed);
//  - large subschemas repeated inside one CRD are hoisted into `definitions` and referenced.
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const yaml = require('js-yaml');
const validators = require('./gen-validators');

const reference = path.resolve(process.argv[2] || path.join(__dirname, '../../shared/reference'));
const outDir = path.resolve(process.argv[3] || path.join(__dirname, '../schemas'));
const K8S_VERSION = '1.28';
if (!fs.existsSync(path.join(reference, `k8s-${K8S_VERSION}`, '_definitions.json')) || !fs.existsSync(path.join(reference, 'crds'))) {
  console.error(`gen-schemas: ${reference} does not hold k8s-${K8S_VERSION}/_definitions.json and crds/ (usage: node scripts/gen-schemas.js [reference-folder] [output-folder])`);
  process.exit(2);
}
const BASE = 'https://schemas.pembayaran.invalid/';
const K8S_ID = `${BASE}k8s-${K8S_VERSION}.json`;
const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

/** Validation keywords kept; everything else (annotations, vendor extensions) is dropped. */
const KEEP = new Set([
  'type', 'enum', 'required', 'pattern', 'minLength', 'maxLength', 'minimum', 'maximum', 'exclusiveMinimum',
  'exclusiveMaximum', 'multipleOf', 'minItems', 'maxItems', 'uniqueItems', 'minProperties', 'maxProperties', '$ref',
]);
const notes = { droppedPatterns: [], rewrittenPatterns: [] };

function sha256(file) {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

function fixPattern(pattern, where) {
  const compiles = (p) => { try { new RegExp(p, 'u'); return true; } catch { return false; } };
  if (compiles(pattern)) return pattern;
  // Go's case-insensitive flag: expand letters outside character classes into [xX].
  const m = /^(\^?)\(\?i\)(.*)$/.exec(pattern);
  if (m) {
    let inClass = false;
    let out = '';
    for (let i = 0; i < m[2].length; i++) {
      const c = m[2][i];
      if (c === '\\') { out += c + m[2][++i]; continue; }
      if (c === '[') inClass = true;
      if (c === ']') inClass = false;
      out += !inClass && /[a-z]/i.test(c) ? `[${c.toLowerCase()}${c.toUpperCase()}]` : c;
    }
    const rewritten = m[1] + out;
    if (compiles(rewritten)) { notes.rewrittenPatterns.push(`${where}: \`${pattern}\` -> \`${rewritten}\``); return rewritten; }
  }
  notes.droppedPatterns.push(`${where}: \`${pattern}\``);
  return undefined;
}

/**
 * Converts one schema node. `structural` is true at positions that declare the shape of the data
 * (root, properties, items, additionalProperties) and false inside allOf/anyOf/oneOf/not, which in
 * structural schemas only add value validations and so must not be closed.
 */
function convert(s, opts, structural, where) {
  if (typeof s === 'boolean') return s;
  const out = {};
  for (const [k, v] of Object.entries(s)) {
    if (KEEP.has(k)) out[k] = v;
  }
  if (out.$ref && opts.refPrefix) out.$ref = out.$ref.replace('#/definitions/', opts.refPrefix);
  if (out.pattern !== undefined) {
    const p = fixPattern(out.pattern, where);
    if (p === undefined) delete out.pattern; else out.pattern = p;
  }
  if (typeof out.exclusiveMinimum === 'boolean') {
    if (out.exclusiveMinimum) out.exclusiveMinimum = out.minimum;
    if (out.exclusiveMinimum !== undefined) delete out.minimum; else delete out.exclusiveMinimum;
  }
  if (typeof out.exclusiveMaximum === 'boolean') {
    if (out.exclusiveMaximum) out.exclusiveMaximum = out.maximum;
    if (out.exclusiveMaximum !== undefined) delete out.maximum; else delete out.exclusiveMaximum;
  }
  if (s.properties) {
    out.properties = {};
    for (const [name, sub] of Object.entries(s.properties)) out.properties[name] = convert(sub, opts, true, `${where}.${name}`);
  }
  if (s.items !== undefined) {
    out.items = Array.isArray(s.items) ? s.items.map((x, i) => convert(x, opts, true, `${where}[${i}]`)) : convert(s.items, opts, true, `${where}[]`);
  }
  if (s.additionalProperties !== undefined) out.additionalProperties = convert(s.additionalProperties, opts, true, `${where}.*`);
  for (const k of ['allOf', 'anyOf', 'oneOf']) {
    if (s[k]) out[k] = s[k].map((x) => convert(x, opts, false, where));
  }
  if (s.not) out.not = convert(s.not, opts, false, where);

  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
  if (s['x-kubernetes-int-or-string']) {
    out.type = ['integer', 'string'];
    // the usual companion anyOf [{type: integer}, {type: string}] is now redundant
    if (out.anyOf && out.anyOf.every((x) => Object.keys(x).length === 1 && x.type)) delete out.anyOf;
  }
  if (s['x-kubernetes-embedded-resource']) {
    out.type = 'object';
    out.properties = { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' }, ...(out.properties || {}) };
  }
  if (s.nullable === true) {
    if (out.type) out.type = [...new Set([...(Array.isArray(out.type) ? out.type : [out.type]), 'null'])];
    if (out.enum && !out.enum.includes(null)) out.enum = [...out.enum, null];
  }
  if (structural && !preserve && out.additionalProperties === undefined && !out.$ref) {
    const isObject = out.properties !== undefined || out.type === 'object';
    if (opts.closeEmptyObjects ? isObject : out.properties !== undefined) out.additionalProperties = false;
  }
  return out;
}

function stable(v) {
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${stable(v[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

/** Hoists schema subtrees bigger than minSize that occur more than once into `definitions`. */
function dedupe(root, minSize) {
  const counts = new Map();
  const subSchemas = (s, fn) => {
    if (!s || typeof s !== 'object') return;
    for (const v of Object.values(s.properties || {})) fn(v);
    if (s.items && !Array.isArray(s.items)) fn(s.items);
    if (Array.isArray(s.items)) s.items.forEach(fn);
    if (s.additionalProperties && typeof s.additionalProperties === 'object') fn(s.additionalProperties);
    for (const k of ['allOf', 'anyOf', 'oneOf']) (s[k] || []).forEach(fn);
    if (s.not) fn(s.not);
  };
  const count = (s) => {
    const key = stable(s);
    if (key.length >= minSize) counts.set(key, (counts.get(key) || 0) + 1);
    subSchemas(s, count);
  };
  subSchemas(root, count);
  const definitions = {};
  const names = new Map();
  const rewrite = (s) => {
    if (!s || typeof s !== 'object') return s;
    const key = stable(s);
    if ((counts.get(key) || 0) > 1) {
      let name = names.get(key);
      if (!name) {
        name = `s${crypto.createHash('sha256').update(key).digest('hex').slice(0, 10)}`;
        names.set(key, name);
        definitions[name] = null; // reserve, then fill (its own children may be hoisted too)
        definitions[name] = rewriteChildren(JSON.parse(JSON.stringify(s)));
      }
      return { $ref: `#/definitions/${name}` };
    }
    return rewriteChildren(s);
  };
  const rewriteChildren = (s) => {
    if (s.properties) for (const k of Object.keys(s.properties)) s.properties[k] = rewrite(s.properties[k]);
    if (s.items && !Array.isArray(s.items)) s.items = rewrite(s.items);
    if (Array.isArray(s.items)) s.items = s.items.map(rewrite);
    if (s.additionalProperties && typeof s.additionalProperties === 'object') s.additionalProperties = rewrite(s.additionalProperties);
    for (const k of ['allOf', 'anyOf', 'oneOf']) if (s[k]) s[k] = s[k].map(rewrite);
    if (s.not) s.not = rewrite(s.not);
    return s;
  };
  rewriteChildren(root);
  if (Object.keys(definitions).length) root.definitions = definitions;
  return root;
}

function readProvenance(file) {
  const text = fs.readFileSync(file, 'utf8');
  const row = (field) => ((new RegExp(`^\\|\\s*${field}\\s*\\|\\s*(.+?)\\s*\\|\\s*$`, 'm').exec(text) || [])[1] || '').replace(/`/g, '');
  return { repository: row('repository'), tag: row('tag / commit'), commit: row('commit'), path: row('path'), paths: row('upstream paths'), license: row('license') };
}

/**
 * Provenance of a CRD folder without its own PROVENANCE.md, from its row in the crds/PROVENANCE.md table
 * (| folder | project | tag | kinds |): the gateway-api and envoy-gateway folders are described there only.
 */
function readFolderRow(file, dir) {
  const text = fs.readFileSync(file, 'utf8');
  const row = text.split('\n').find((line) => line.startsWith(`| ${dir}/ |`));
  if (!row) throw new Error(`gen-schemas: ${dir}/ has no PROVENANCE.md and no row in ${file}`);
  const [, , project, tag, kinds] = row.split('|').map((c) => c.trim());
  const paths = (/`([^`]+)`/.exec(kinds) || [])[1] || kinds;
  return { repository: `https://github.com/${project}`, tag: tag.replace(/`/g, ''), commit: '', path: '', paths, license: 'not stated in the reference' };
}

function writeJson(file, value) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(value)}\n`);
}

// ---------------------------------------------------------------- Kubernetes
const k8sFile = path.join(reference, `k8s-${K8S_VERSION}/_definitions.json`);
const allDefs = JSON.parse(fs.readFileSync(k8sFile, 'utf8')).definitions;
const kinds = {};
const roots = [];
for (const [name, def] of Object.entries(allDefs).sort(([a], [b]) => a.localeCompare(b))) {
  const gvks = def['x-kubernetes-group-version-kind'];
  if (!gvks || gvks.length !== 1) continue; // multi-GVK: DeleteOptions, WatchEvent, Status
  const { group, version, kind } = gvks[0];
  if (kind.endsWith('List') || name.startsWith('io.k8s.apimachinery.pkg.apis.meta.v1.')) continue;
  const apiVersion = group ? `${group}/${version}` : version;
  (kinds[apiVersion] = kinds[apiVersion] || {})[kind] = name;
  roots.push(name);
}
const reachable = new Set();
const visit = (name) => {
  if (reachable.has(name)) return;
  if (!allDefs[name]) throw new Error(`dangling $ref ${name}`);
  reachable.add(name);
  JSON.stringify(allDefs[name], (k, v) => {
    if (k === '$ref' && typeof v === 'string') visit(v.replace('#/definitions/', ''));
    return v;
  });
};
roots.forEach(visit);
visit(OBJECT_META);
const k8sDefinitions = {};
for (const name of [...reachable].sort()) {
  k8sDefinitions[name] = convert(allDefs[name], { closeEmptyObjects: false }, true, name);
}
const k8sOut = `k8s-${K8S_VERSION}.json`;
writeJson(path.join(outDir, k8sOut), { $id: K8S_ID, definitions: k8sDefinitions });

// ---------------------------------------------------------------- CRDs
const crdRoot = path.join(reference, 'crds');
const crdSources = [];
const crds = {};
const unserved = {};
for (const dir of fs.readdirSync(crdRoot).sort()) {
  const folder = path.join(crdRoot, dir);
  if (!fs.statSync(folder).isDirectory()) continue;
  const provenance = fs.existsSync(path.join(folder, 'PROVENANCE.md'))
    ? readProvenance(path.join(folder, 'PROVENANCE.md'))
    : readFolderRow(path.join(crdRoot, 'PROVENANCE.md'), dir);
  for (const file of fs.readdirSync(folder).filter((f) => /\.ya?ml$/.test(f)).sort()) {
    const full = path.join(folder, file);
    crdSources.push({ dir, file, sha: sha256(full), provenance });
    for (const crd of yaml.loadAll(fs.readFileSync(full, 'utf8')).filter(Boolean)) {
      if (crd.kind !== 'CustomResourceDefinition') continue;
      const { group, names, scope } = crd.spec;
      for (const v of crd.spec.versions) {
        const apiVersion = `${group}/${v.name}`;
        if (!v.served) { (unserved[apiVersion] = unserved[apiVersion] || []).push(names.kind); continue; }
        const outName = `crds/${group}_${names.kind}_${v.name}.json`;
        const schema = convert(v.schema.openAPIV3Schema, { closeEmptyObjects: true }, true, `${names.kind}.${v.name}`);
        schema.properties = schema.properties || {};
        schema.properties.metadata = { $ref: `${K8S_ID}#/definitions/${OBJECT_META}` };
        schema.properties.apiVersion = { type: 'string' };
        schema.properties.kind = { type: 'string' };
        const doc = dedupe(schema, 400);
        writeJson(path.join(outDir, outName), { $id: `${BASE}${outName}`, ...doc });
        (crds[apiVersion] = crds[apiVersion] || {})[names.kind] = { file: outName, scope };
      }
    }
  }
}

writeJson(path.join(outDir, 'index.json'), {
  k8s: { file: k8sOut, id: K8S_ID, kinds },
  crds,
  unserved,
});

// ---------------------------------------------------------------- PROVENANCE.md
const k8sProv = readProvenance(path.join(reference, `k8s-${K8S_VERSION}/PROVENANCE.md`));
const outputs = [];
const walk = (d) => {
  for (const e of fs.readdirSync(d).sort()) {
    const p = path.join(d, e);
    if (fs.statSync(p).isDirectory()) walk(p);
    else if (e.endsWith('.json')) outputs.push(p);
  }
};
walk(outDir);
const md = `# Generated schemas (do not edit)

Generated by \`npm run gen:schemas\` (\`scripts/gen-schemas.js\`) from the project's pinned reference copies;
the validation gate (\`tools/validate\`) reads only these files at run time.

## Sources

| input | upstream | tag / commit | license | sha256 |
| --- | --- | --- | --- | --- |
| \`k8s-${K8S_VERSION}/_definitions.json\` | ${k8sProv.repository} \`${k8sProv.path}\` | \`${k8sProv.commit}\` | ${k8sProv.license} | \`${sha256(k8sFile)}\` |
${crdSources.map((s) => `| \`crds/${s.dir}/${s.file}\` | ${s.provenance.repository} \`${s.provenance.paths}\` | \`${s.provenance.tag}\` | ${s.provenance.license} | \`${s.sha}\` |`).join('\n')}

The k8s definitions are cdk8s' post-processed copy of the upstream swagger: IntOrString is already
\`oneOf [string, integer]\`, Quantity \`oneOf [string, number]\`, and \`kind\` carries an \`enum\`.

## Transformations

- \`${k8sOut}\`: ${reachable.size} of ${Object.keys(allDefs).length} definitions, those reachable from the
  ${roots.length} top-level kinds (single \`x-kubernetes-group-version-kind\`, no \`*List\`, no meta/v1 kinds);
  \`index.json\` maps apiVersion/kind to the definition.
- \`crds/<group>_<kind>_<version>.json\`: the \`openAPIV3Schema\` of every *served* version; versions with
  \`served: false\` are listed under \`unserved\` in \`index.json\` (the gate reports them as not served).
- Annotation keywords dropped: \`description\`, \`format\` (formats are not validated), \`default\`, \`example\`,
  \`title\`, \`x-kubernetes-validations\` (CEL rules are **not** evaluated), \`x-kubernetes-list-type\`/\`-map-keys\`,
  \`x-kubernetes-patch-*\`, \`x-kubernetes-group-version-kind\`, \`x-kubernetes-unions\`, \`x-kubernetes-map-type\`.
- Strict (kubeconform \`-strict\`): \`additionalProperties: false\` on every k8s object schema with \`properties\`
  and no \`additionalProperties\`; on every CRD object schema (with or without \`properties\`) at a structural position
  without \`additionalProperties\` and without \`x-kubernetes-preserve-unknown-fields: true\`, matching the API
  server's pruning. Schemas inside \`allOf\`/\`anyOf\`/\`oneOf\`/\`not\` are not closed.
- \`x-kubernetes-int-or-string: true\` -> \`type: [integer, string]\`; \`nullable: true\` -> \`null\` added to \`type\`/\`enum\`;
  \`x-kubernetes-embedded-resource\` -> \`apiVersion\`, \`kind\`, \`metadata\` declared.
- CR root \`metadata\` -> \`$ref\` to k8s \`${OBJECT_META}\`; root \`apiVersion\`/\`kind\` -> \`type: string\`.
- OpenAPI boolean \`exclusiveMinimum\`/\`exclusiveMaximum\` -> draft-07 numbers.
- Subschemas of at least 400 characters repeated within one CRD are hoisted into \`definitions\` (\`s<sha256 prefix>\`).
- Patterns rewritten for JavaScript: ${notes.rewrittenPatterns.length ? `\n${notes.rewrittenPatterns.map((p) => `  - ${p}`).join('\n')}` : 'none.'}
- Patterns dropped (JavaScript cannot compile them): ${notes.droppedPatterns.length ? `\n${notes.droppedPatterns.map((p) => `  - ${p}`).join('\n')}` : 'none.'}

## Precompiled validators

\`${validators.OUT_FILE}\` is generated from the files above (not from the reference) by \`scripts/gen-validators.js\`,
which \`npm run gen:schemas\` runs last; run it alone (\`node scripts/gen-validators.js\`) after editing \`schemas/*.json\`.
It is ajv standalone code (CommonJS, ajv ${require('ajv/package.json').version}), compiled with the options of the gate's run-time Ajv
instance, exporting one validator per \`<apiVersion> <kind>\` for the kinds the project emits (\`PRECOMPILED\` in the script):
${validators.PRECOMPILED.map((k) => `\`${k}\``).join(', ')}.
The gate uses these without compiling anything; other kinds of \`index.json\` are compiled at run time on first use
(precompiling all of them would take ~5 MB). The test \`the precompiled validators are generated from the committed schemas\`
(\`test/tools/validate/schema.test.ts\`) fails when the file is stale.

## Outputs

| file | bytes |
| --- | --- |
${outputs.map((p) => `| \`${path.relative(outDir, p)}\` | ${fs.statSync(p).size} |`).join('\n')}
`;
fs.writeFileSync(path.join(outDir, 'PROVENANCE.md'), md);
console.log(`wrote ${outputs.length} schema files and PROVENANCE.md to ${path.relative(process.cwd(), outDir) || '.'}`);

// ---------------------------------------------------------------- (b) precompiled validators
const validatorsFile = path.join(outDir, validators.OUT_FILE);
fs.writeFileSync(validatorsFile, validators.render(outDir));
console.log(`wrote ${path.relative(process.cwd(), validatorsFile) || validatorsFile} (${fs.statSync(validatorsFile).size} bytes)`);
