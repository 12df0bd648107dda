#!/usr/bin/env node
// Derives the TypeScript model of an environment from lib/config/schema.json, the single source of truth.
// The model describes a config after validation, when ajv has filled every default: a property with a
// default is therefore required in the model, although optional in the file.
'use strict';
const fs = require('fs');
const path = require('path');
const { compile } = require('json-schema-to-typescript');

const schemaFile = path.join(__dirname, '../lib/config/schema.json');
const typesFile = path.join(__dirname, '../lib/config/types.generated.ts');

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

async function render() {
  const schema = nameSections(requireDefaulted(JSON.parse(fs.readFileSync(schemaFile, 'utf8'))));
  return compile(schema, 'EnvironmentConfig', {
    bannerComment: '/* Generated from lib/config/schema.json by `npm run gen:types`. Do not edit. */',
    additionalProperties: false,
    unreachableDefinitions: false,
    style: { singleQuote: true, printWidth: 120 },
  });
}

module.exports = { render, typesFile };

if (require.main === module) {
  // --stdout prints instead of writing, so a test can compare with the committed file.
  const write = process.argv.includes('--stdout') ? (ts) => process.stdout.write(ts) : (ts) => fs.writeFileSync(typesFile, ts);
  render().then(write).catch((err) => { console.error(err.message); process.exit(1); });
}
