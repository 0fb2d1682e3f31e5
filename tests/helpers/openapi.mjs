// The API description (openapi/openapi.json) and a small JSON Schema check
// for the subset it uses, so tests can hold real responses to the contract.
//
// In responses an object schema that lists `properties` and says nothing of
// `additionalProperties` is treated as closed: a member the description does
// not mention is a violation, so the description cannot silently fall behind
// the code. `allOf` branches are merged for that purpose.
import { readFileSync } from "node:fs";
import path from "node:path";
import { root } from "../../scripts/lib/toolchain.mjs";

export const document = JSON.parse(readFileSync(path.join(root, "openapi", "openapi.json"), "utf8"));

const formats = {
  uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  "date-time": /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i,
};

/** Follows a local `$ref` ("#/components/schemas/Memory"). */
function resolveRef(ref) {
  if (!ref.startsWith("#/")) throw new Error(`only local $ref is supported: ${ref}`);
  return ref.slice(2).split("/").reduce((node, key) => node?.[key], document) ?? (() => { throw new Error(`dangling $ref ${ref}`); })();
}

/** A schema with its `$ref` merged in (3.1 allows siblings beside `$ref`). */
function deref(schema) {
  if (!schema?.$ref) return schema;
  const { $ref, ...siblings } = schema;
  return { ...deref(resolveRef($ref)), ...siblings };
}

function typeOf(value) {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

/** Property names an object schema describes, across `allOf`. */
function describedProperties(schema) {
  schema = deref(schema);
  const names = new Set(Object.keys(schema.properties ?? {}));
  for (const branch of schema.allOf ?? []) for (const name of describedProperties(branch)) names.add(name);
  return names;
}

function isClosed(schema) {
  schema = deref(schema);
  if (schema.additionalProperties !== undefined) return false;
  return schema.properties !== undefined || (schema.allOf ?? []).some(isClosed);
}

/**
 * Every way `value` breaks `schema`, as "path: reason" strings; empty when it
 * conforms. `closed` applies the closed-object rule above.
 */
export function violations(schema, value, { at = "$", closed = true } = {}) {
  schema = deref(schema);
  const errors = [];
  const fail = (reason) => errors.push(`${at}: ${reason}`);
  const actual = typeOf(value);
  if (schema.type !== undefined) {
    const allowed = [schema.type].flat();
    if (!allowed.includes(actual) && !(actual === "integer" && allowed.includes("number"))) {
      fail(`is ${actual}, expected ${allowed.join(" or ")}`);
      return errors;
    }
  }
  if ("const" in schema && JSON.stringify(schema.const) !== JSON.stringify(value)) fail(`is not ${JSON.stringify(schema.const)}`);
  if (schema.enum && !schema.enum.some((v) => JSON.stringify(v) === JSON.stringify(value))) fail(`${JSON.stringify(value)} is not one of ${schema.enum.join(", ")}`);
  if (actual === "string") {
    if (schema.minLength !== undefined && [...value].length < schema.minLength) fail(`shorter than ${schema.minLength}`);
    if (schema.maxLength !== undefined && [...value].length > schema.maxLength) fail(`longer than ${schema.maxLength}`);
    if (schema.pattern && !new RegExp(schema.pattern, "u").test(value)) fail(`does not match ${schema.pattern}`);
    if (schema.format && formats[schema.format] && !formats[schema.format].test(value)) fail(`is not a ${schema.format}`);
  }
  if (actual === "integer" || actual === "number") {
    if (schema.minimum !== undefined && value < schema.minimum) fail(`below ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) fail(`above ${schema.maximum}`);
  }
  if (actual === "array") {
    if (schema.maxItems !== undefined && value.length > schema.maxItems) fail(`more than ${schema.maxItems} items`);
    if (schema.items) value.forEach((item, i) => errors.push(...violations(schema.items, item, { at: `${at}[${i}]`, closed })));
  }
  if (actual === "object") {
    for (const name of schema.required ?? []) if (!(name in value)) fail(`lacks required member ${name}`);
    for (const [name, member] of Object.entries(value)) {
      const described = schema.properties?.[name];
      if (described) errors.push(...violations(described, member, { at: `${at}.${name}`, closed }));
      else if (typeof schema.additionalProperties === "object") {
        errors.push(...violations(schema.additionalProperties, member, { at: `${at}.${name}`, closed }));
      } else if (schema.additionalProperties === false) fail(`has undescribed member ${name}`);
    }
    if (closed && isClosed(schema)) {
      const known = describedProperties(schema);
      for (const name of Object.keys(value)) if (!known.has(name)) fail(`has undescribed member ${name}`);
    }
  }
  // Inside allOf, each branch sees only part of the object: closedness is
  // checked once, above, on the merged property names.
  for (const branch of schema.allOf ?? []) errors.push(...violations(branch, value, { at, closed: false }));
  for (const keyword of ["anyOf", "oneOf"]) {
    if (!schema[keyword]) continue;
    const passing = schema[keyword].filter((branch) => violations(branch, value, { at, closed }).length === 0).length;
    if (keyword === "anyOf" ? passing === 0 : passing !== 1) fail(`matches ${passing} branches of ${keyword}`);
  }
  return errors;
}

/** The operation object for `method` and a path template ("/v1/memories/{id}"); a query string is ignored. */
export function operation(method, template) {
  const op = document.paths[template.split("?")[0]]?.[method.toLowerCase()];
  if (!op) throw new Error(`${method} ${template} is not in openapi.json`);
  return op;
}

/**
 * Every way a response ({ status, headers, body } from tests/helpers/app.mjs)
 * breaks the description of `method template`: undocumented status, missing
 * required header, wrong content type, JSON body off schema.
 */
export function responseViolations(method, template, response) {
  const described = operation(method, template).responses[String(response.status)];
  if (!described) return [`status ${response.status} is not documented for ${method} ${template}`];
  const spec = deref(described);
  const errors = [];
  for (const [name, header] of Object.entries(spec.headers ?? {})) {
    const value = response.headers.get(name);
    if (value === null) {
      if (deref(header).required) errors.push(`header ${name} is missing`);
    } else {
      errors.push(...violations(deref(header).schema, value, { at: `header ${name}` }));
    }
  }
  const media = spec.content ? Object.keys(spec.content)[0] : null;
  const contentType = response.headers.get("content-type");
  if (media === null) {
    if (response.body !== null) errors.push(`body present where none is described`);
  } else if (!contentType?.startsWith(media)) {
    errors.push(`content-type is ${contentType}, expected ${media}`);
  } else if (media === "application/json") {
    errors.push(...violations(spec.content[media].schema, response.body));
  }
  return errors;
}
