/**
 * Every value of a validated config with its key path and the schema definition it was validated
 * against (`image`, `envMap`, `peer`, ...). Checks written against definitions instead of listing keys
 * cover new keys as soon as the schema uses the definition for them.
 */
import { formatKeyPath } from './messages';
import schema from './schema.json';

export interface ConfigValue {
  /** `laravel.image`, `workers[0].resources`, `laravel.env.APP_NAME`. */
  readonly path: string;
  readonly segments: readonly (string | number)[];
  readonly value: unknown;
  /** Name of the `#/definitions/<name>` the value was validated against, if any. */
  readonly definition?: string;
  /** The definition of the nearest enclosing value that has one (`envMap` for each variable of an env map). */
  readonly parentDefinition?: string;
}

type SchemaNode = Record<string, any>;
const definitions = (schema as SchemaNode).definitions as Record<string, SchemaNode>;

/** Calls `visit` for the config, then every value below it, depth first in key order. */
export function walkConfig(config: unknown, visit: (value: ConfigValue) => void): void {
  const walk = (value: unknown, node: SchemaNode | undefined, segments: (string | number)[], parentDefinition?: string) => {
    let definition: string | undefined;
    if (node?.$ref) {
      definition = String(node.$ref).split('/').pop()!;
      node = definitions[definition];
    }
    visit({ path: formatKeyPath(segments), segments, value, definition, parentDefinition });
    const inherited = definition ?? parentDefinition;
    if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, node?.items, [...segments, i], inherited));
    } else if (value !== null && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        const childNode = node?.properties?.[key] ?? (typeof node?.additionalProperties === 'object' ? node.additionalProperties : undefined);
        walk(child, childNode, [...segments, key], inherited);
      }
    }
  };
  walk(config, schema as SchemaNode, []);
}

/**
 * The schema that validates the value at `segments` (key names and array indexes), with a `$ref`
 * resolved and merged under its sibling keys (description, default, not), or undefined outside the schema.
 */
export function schemaNodeAt(segments: readonly string[]): SchemaNode | undefined {
  const resolve = (node: SchemaNode | undefined): SchemaNode | undefined =>
    node?.$ref ? { ...definitions[String(node.$ref).split('/').pop()!], ...node, $ref: undefined } : node;
  let node = resolve(schema as SchemaNode);
  for (const segment of segments) {
    if (!node) return undefined;
    if (node.type === 'array' || node.items) node = resolve(node.items);
    else node = resolve(node.properties?.[segment] ?? (typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined));
  }
  return node;
}

/** The values of a config by definition, from one walk: for checks that ask for several definitions. */
export type DefinitionIndex = <T>(definition: string) => Array<[string, T]>;

export function indexByDefinition(config: unknown): DefinitionIndex {
  const index = new Map<string, Array<[string, unknown]>>();
  walkConfig(config, (v) => {
    if (!v.definition) return;
    const list = index.get(v.definition);
    if (list) list.push([v.path, v.value]);
    else index.set(v.definition, [[v.path, v.value]]);
  });
  return <T>(definition: string) => (index.get(definition) ?? []) as Array<[string, T]>;
}

/** Every value validated against `#/definitions/<name>`, with its key path. */
export function valuesOf<T>(config: unknown, definition: string): Array<[string, T]> {
  return indexByDefinition(config)<T>(definition);
}
