// The API description (openapi/openapi.json) and its schemas checked with Ajv
// (JSON Schema 2020-12, as OpenAPI 3.1 uses, with ajv-formats), so tests can
// hold real responses to the contract.
//
// In responses an object schema that lists `properties` and says nothing of
// `additionalProperties` is treated as closed: a member the description does
// not mention is a violation, so the description cannot silently fall behind
// the code. The check runs on a copy of the description where such schemas
// say `unevaluatedProperties: false`; an `allOf` is closed as a whole, over
// the members of all its branches, and its branches stay open.
import { readFileSync } from "node:fs";
import path from "node:path";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { root } from "../../scripts/lib/toolchain.mjs";

export const document = JSON.parse(readFileSync(path.join(root, "openapi", "openapi.json"), "utf8"));

const isObject = (node) => node !== null && typeof node === "object" && !Array.isArray(node);
const describesMembers = (schema) => isObject(schema) && schema.properties !== undefined && schema.additionalProperties === undefined;

/** The description with the closed-object rule written into its schemas. */
function closedCopy(described) {
  const copy = structuredClone(described);
  const schemas = copy.components?.schemas ?? {};
  // An allOf branch that refers to a closed component refers to an open copy of it.
  const open = (name) => {
    const openName = `${name}__open`;
    if (!schemas[openName]) {
      const { unevaluatedProperties, ...rest } = schemas[name];
      schemas[openName] = rest;
    }
    return `#/components/schemas/${openName}`;
  };
  const refName = (ref) => ref?.match(/^#\/components\/schemas\/([^/]+)$/)?.[1];
  const closeAll = (node) => {
    if (Array.isArray(node)) return node.forEach(closeAll);
    if (!isObject(node)) return;
    for (const value of Object.values(node)) closeAll(value);
    if (describesMembers(node) && !node.allOf) node.unevaluatedProperties = false;
  };
  closeAll(copy);
  const closeAllOf = (node) => {
    if (Array.isArray(node)) return node.forEach(closeAllOf);
    if (!isObject(node)) return;
    for (const value of Object.values(node)) closeAllOf(value);
    if (!node.allOf || node.additionalProperties !== undefined) return;
    const branches = node.allOf;
    const closes = branches.some((b) => describesMembers(b) || describesMembers(schemas[refName(b.$ref)]));
    if (!closes && !describesMembers(node)) return;
    node.unevaluatedProperties = false;
    node.allOf = branches.map((branch) => {
      const name = refName(branch.$ref);
      if (name) return { ...branch, $ref: open(name) };
      const { unevaluatedProperties, ...rest } = branch;
      return rest;
    });
  };
  closeAllOf(copy);
  return copy;
}

const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: true });
addFormats(ajv);
const ID = "memo-openapi.json";
ajv.addSchema({ ...closedCopy(document), $id: ID });

/** JSON pointer of a path inside the description. */
const pointer = (...keys) => keys.map((k) => String(k).replaceAll("~", "~0").replaceAll("/", "~1")).join("/");

const compiled = new Map();
/** Ajv's validator for the schema at `keys` inside the description. */
function validator(...keys) {
  const ref = `${ID}#/${pointer(...keys)}`;
  if (!compiled.has(ref)) compiled.set(ref, ajv.compile({ $ref: ref }));
  return compiled.get(ref);
}

/** Ajv's errors as "path: reason" strings; empty when `value` conforms. */
function schemaViolations(validate, value, at) {
  if (validate(value)) return [];
  return validate.errors.map((e) => {
    const where = `${at}${e.instancePath.replaceAll("/", ".")}`;
    const member = e.params?.unevaluatedProperty ?? e.params?.additionalProperty;
    return member !== undefined ? `${where}: has undescribed member ${member}` : `${where}: ${e.message}`;
  });
}

/** Follows a local `$ref` ("#/components/responses/Error") to its path of keys. */
function refKeys(ref) {
  if (!ref.startsWith("#/")) throw new Error(`only local $ref is supported: ${ref}`);
  return ref.slice(2).split("/").map((k) => k.replaceAll("~1", "/").replaceAll("~0", "~"));
}

/** The node at `keys` and the keys it was found at, following `$ref`s. */
function follow(keys) {
  let node = keys.reduce((n, k) => n?.[k], document);
  while (node?.$ref) {
    keys = refKeys(node.$ref);
    node = keys.reduce((n, k) => n?.[k], document);
  }
  if (node === undefined) throw new Error(`nothing at ${keys.join("/")} in openapi.json`);
  return { node, keys };
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
  const op = operation(method, template);
  const status = String(response.status);
  if (!op.responses[status]) return [`status ${response.status} is not documented for ${method} ${template}`];
  const { node: spec, keys } = follow(["paths", template.split("?")[0], method.toLowerCase(), "responses", status]);
  const errors = [];
  for (const name of Object.keys(spec.headers ?? {})) {
    const { node: header, keys: headerKeys } = follow([...keys, "headers", name]);
    const value = response.headers.get(name);
    if (value === null) {
      if (header.required) errors.push(`header ${name} is missing`);
    } else {
      errors.push(...schemaViolations(validator(...headerKeys, "schema"), value, `header ${name}`));
    }
  }
  const media = spec.content ? Object.keys(spec.content)[0] : null;
  const contentType = response.headers.get("content-type");
  if (media === null) {
    if (response.body !== null) errors.push(`body present where none is described`);
  } else if (!contentType?.startsWith(media)) {
    errors.push(`content-type is ${contentType}, expected ${media}`);
  } else if (media === "application/json") {
    errors.push(...schemaViolations(validator(...keys, "content", media, "schema"), response.body, "$"));
  }
  return errors;
}
