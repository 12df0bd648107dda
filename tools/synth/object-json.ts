/**
 * cdk8s's rendering of an ApiObject in one walk instead of four. cdk8s's `ApiObject.toJson` resolves the
 * metadata and sanitizes it (two walks), then resolves the whole object, metadata again included, asking
 * every resolver about every value with a fresh key path array and context object each, and sanitizes the
 * copy it made (drops null and undefined, sorts keys) into another. When the app's resolvers are exactly
 * cdk8s's built-in three, the walk below resolves and sanitizes together and hands a value to those
 * resolvers only where one of them would replace it (their own tests, `replaceable`); primitives, arrays
 * and plain objects, nearly every value of a manifest, are copied once. Same objects, same key order, same
 * errors: test/tools/synth/object-json.test.ts compares it with cdk8s on the shipped environments and on
 * generated values. Used by synth's render (`withOneWalkRendering`), not by the library.
 */
import { ApiObject, ApiObjectMetadataDefinition, App, IResolver, ImplicitTokenResolver, JsonPatch, Lazy, LazyResolver, NumberStringUnionResolver, ResolutionContext } from 'cdk8s';

interface SanitizeOptions {
  readonly sortKeys: boolean;
  readonly filterEmpty: boolean;
}

/** The private state of cdk8s 2.x objects that their toJson reads. */
interface ApiObjectState {
  readonly props: Record<string, unknown>;
  readonly metadata: ApiObjectMetadataDefinition;
  readonly patches: JsonPatch[];
}
interface MetadataState {
  readonly _additionalAttributes: Record<string, unknown>;
  readonly name?: string;
  readonly namespace?: string;
  readonly annotations: Record<string, string>;
  readonly finalizers: string[];
  readonly ownerReferences: unknown[];
  readonly labels: Record<string, string>;
  readonly apiObject: ApiObject;
}

const BUILT_IN_RESOLVERS = [LazyResolver, ImplicitTokenResolver, NumberStringUnionResolver];

/** Whether the app resolves with cdk8s's built-in resolvers only (the walk below knows what they replace). */
function builtInResolversOnly(app: App): boolean {
  const resolvers = app.resolvers;
  return resolvers.length === BUILT_IN_RESOLVERS.length && resolvers.every((r, i) => r.constructor === BUILT_IN_RESOLVERS[i]);
}

/** cdk8s's sanitizeValue (cdk8s/lib/_util), for what cdk8s's resolve returned. */
function sanitize(value: unknown, options: SanitizeOptions): unknown {
  if (value == null) return undefined;
  if (typeof value !== 'object') return value;
  if (Array.isArray(value)) return options.filterEmpty && value.length === 0 ? undefined : value.map((v) => sanitize(v, options));
  if (value.constructor.name !== 'Object') throw new Error(`can't render non-simple object of type '${value.constructor.name}'`);
  const keys = options.sortKeys ? Object.keys(value).sort() : Object.keys(value);
  const result: Record<string, unknown> = {};
  for (const key of keys) {
    const sanitized = sanitize((value as Record<string, unknown>)[key], options);
    if (sanitized != null) result[key] = sanitized;
  }
  return options.filterEmpty && Object.keys(result).length === 0 ? undefined : result;
}

/**
 * Whether one of the built-in resolvers would replace `value`: the union of their own tests (a `Lazy`, an
 * object with a `resolve` function, a non-plain object with a number or string `value`).
 */
function replaceable(value: object): boolean {
  const v = value as { resolve?: unknown; value?: unknown };
  if (value instanceof Lazy || typeof v.resolve === 'function') return true;
  return value.constructor !== Object && (typeof v.value === 'number' || typeof v.value === 'string');
}

/**
 * `sanitize(resolve(path, value, owner))` in one walk (`path`, the key path of `value`, is pushed to and
 * restored): only a value one of the built-in resolvers would replace meets them, as in cdk8s's resolve.
 */
function resolveSanitized(value: unknown, path: string[], owner: ApiObject, resolvers: readonly IResolver[], options: SanitizeOptions): unknown {
  if (value == null) return undefined;
  if (typeof value !== 'object' && typeof value !== 'function') return value;
  if (replaceable(value)) {
    const context = new ResolutionContext(owner, [...path], value);
    for (const resolver of resolvers) {
      resolver.resolve(context);
      if (context.replaced) return resolveSanitized(context.replacedValue, path, owner, resolvers, options);
    }
  }
  if (Array.isArray(value)) {
    if (options.filterEmpty && value.length === 0) return undefined;
    const result = new Array(value.length);
    for (let i = 0; i < value.length; i++) {
      path.push(`${i}`);
      result[i] = resolveSanitized(value[i], path, owner, resolvers, options);
      path.pop();
    }
    return result;
  }
  // cdk8s's resolve walks into an object whose constructor is Object; sanitize passes a function and refuses the rest.
  if (value.constructor != Object) return sanitize(value, options);
  const object = value as Record<string, unknown>;
  const keys = options.sortKeys ? Object.keys(object).sort() : Object.keys(object);
  const result: Record<string, unknown> = {};
  let kept = 0;
  for (const key of keys) {
    path.push(key);
    const resolved = resolveSanitized(object[key], path, owner, resolvers, options);
    path.pop();
    if (resolved != null) {
      result[key] = resolved;
      kept++;
    }
  }
  return options.filterEmpty && kept === 0 ? undefined : result;
}

function metadataJson(metadata: ApiObjectMetadataDefinition): unknown {
  const m = metadata as unknown as MetadataState;
  const data = {
    ...m._additionalAttributes,
    name: m.name,
    namespace: m.namespace,
    annotations: m.annotations,
    finalizers: m.finalizers,
    ownerReferences: m.ownerReferences,
    labels: m.labels,
  };
  return resolveSanitized(data, [], m.apiObject, App.of(m.apiObject).resolvers, { sortKeys: true, filterEmpty: true });
}

/**
 * Whether `object` carries the private state of cdk8s 2.70's ApiObject and metadata that the walk reads;
 * another cdk8s version may not, and its objects are then rendered by cdk8s itself.
 */
function knownShape(object: ApiObject): boolean {
  const self = object as unknown as Partial<ApiObjectState>;
  if (!(self.metadata instanceof ApiObjectMetadataDefinition)) return false;
  const metadata = self.metadata as unknown as Partial<MetadataState>;
  return (
    typeof self.props === 'object' && self.props !== null && Array.isArray(self.patches) &&
    typeof metadata._additionalAttributes === 'object' &&
    typeof metadata.labels === 'object' && typeof metadata.annotations === 'object' && Array.isArray(metadata.finalizers) &&
    Array.isArray(metadata.ownerReferences) && metadata.apiObject === object
  );
}

/** cdk8s's ApiObject.prototype.toJson with the walks above. */
function apiObjectJson(this: ApiObject): unknown {
  const self = this as unknown as ApiObjectState;
  try {
    const data = { ...self.props, metadata: metadataJson(self.metadata) };
    const sortKeys = process.env.CDK8S_DISABLE_SORT ? false : true;
    // The metadata is already plain, sorted and sanitized, and the walk copies it again: as in cdk8s, the
    // whole object is one value its resolvers may replace (a `constructor` and a `value` key among the props).
    const json = resolveSanitized(data, [], this, App.of(this).resolvers, { sortKeys, filterEmpty: false }) as Record<string, unknown>;
    const patched = self.patches.length > 0 ? JsonPatch.apply(json, ...self.patches) : json;
    const result: Record<string, unknown> = {};
    for (const key of ['apiVersion', 'kind', 'metadata', ...Object.keys(patched)]) {
      if (key in patched) result[key] = patched[key];
    }
    return result;
  } catch (e) {
    throw new Error(`Failed serializing construct at path '${this.node.path}' with name '${this.name}': ${e}`);
  }
}

/**
 * Runs `render` (which calls `toJson` on ApiObjects of `app`) with cdk8s's ApiObject rendering done as
 * above, when the app's resolvers allow; the prototype is restored after, whatever happens.
 */
export function withOneWalkRendering<T>(app: App, render: () => T): T {
  if (!builtInResolversOnly(app)) return render();
  const original = ApiObject.prototype.toJson;
  ApiObject.prototype.toJson = function (this: ApiObject) {
    return knownShape(this) ? apiObjectJson.call(this) : original.call(this);
  };
  try {
    return render();
  } finally {
    ApiObject.prototype.toJson = original;
  }
}
