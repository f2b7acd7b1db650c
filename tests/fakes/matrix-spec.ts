import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { parse } from "yaml";

/**
 * Validators built from the Matrix specification data vendored in tests/spec/matrix (see its SOURCE.md):
 * event schemas (`data/event-schemas/schema/*.yaml`) and the client-server API (`data/api/client-server/*.yaml`,
 * OpenAPI 3.1). Both are JSON Schema 2020-12, so this uses Ajv's 2020 dialect. Every YAML file is registered under
 * its `file:` URL, which makes the spec's relative `$ref`s (`core-event-schema/room_event.yaml`,
 * `definitions/client_event.yaml`, `../../event-schemas/…`) resolve as written.
 */

const DATA = new URL("../spec/matrix/data/", import.meta.url);
const EVENT_SCHEMAS = new URL("event-schemas/schema/", DATA);
const CLIENT_SERVER = new URL("api/client-server/", DATA);

type Json = Record<string, unknown>;

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
// string-formats.yaml names these formats and (in comments) their prefixes; the rest are plain strings.
const prefixed = {
  "mx-user-id": "@",
  "mx-event-id": "$",
  "mx-room-id": "!",
  "mx-room-alias": "#",
  "mx-mxc-uri": "mxc://",
};
for (const [name, prefix] of Object.entries(prefixed)) ajv.addFormat(name, (value: string) => value.startsWith(prefix));
for (const name of ["mx-server-name", "mx-unpadded-base64", "mx-urlsafe-unpadded-base64"]) ajv.addFormat(name, true);

const loaded = new Map<string, Json>();
const compiled = new Map<string, ValidateFunction>();

/** Registers a YAML file and, transitively, every file its `$ref`s name (examples are not schemas: skipped). */
function load(url: URL): Json {
  const id = url.href;
  const known = loaded.get(id);
  if (known) return known;
  // An explicit $id keeps the base URI when Ajv inlines a referenced schema that has relative $refs of its own.
  const doc = { ...(parse(readFileSync(url, "utf8")) as Json), $id: id };
  loaded.set(id, doc);
  ajv.addSchema(doc);
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (typeof node !== "object" || node === null) return;
    for (const [key, value] of Object.entries(node)) {
      if (key === "example" || key === "examples") continue;
      if (key === "$ref" && typeof value === "string" && !value.startsWith("#")) {
        const target = new URL(value, url);
        target.hash = "";
        load(target);
      } else visit(value);
    }
  };
  visit(doc);
  return doc;
}

const pointer = (...tokens: string[]) =>
  "#" + tokens.map((t) => "/" + encodeURIComponent(t.replaceAll("~", "~0").replaceAll("/", "~1"))).join("");

function validatorFor(ref: string): ValidateFunction {
  let validate = compiled.get(ref);
  if (!validate) {
    validate = ajv.compile({ $ref: ref });
    compiled.set(ref, validate);
  }
  return validate;
}

const describe = (errors: ErrorObject[] | null | undefined): string[] =>
  (errors ?? []).map((e) => {
    const params = e.keyword === "additionalProperties" ? ` '${String(e.params.additionalProperty)}'` : "";
    return `${e.instancePath || "/"} ${e.message ?? e.keyword}${params} (${e.schemaPath})`;
  });

function run(ref: string, value: unknown): string[] {
  const validate = validatorFor(ref);
  return validate(value) ? [] : describe(validate.errors);
}

/** The event schema file for a type, e.g. `m.room.message$m.notice.yaml`; undefined when the spec has none. */
function eventSchema(type: string, content: Json): URL | undefined {
  const names = [`${type}.yaml`];
  if (type === "m.room.message" && typeof content.msgtype === "string")
    names.unshift(`${type}$${content.msgtype}.yaml`);
  return names.map((name) => new URL(name, EVENT_SCHEMAS)).find((url) => existsSync(url));
}

/**
 * Validates a complete client event (with `room_id`, as served by `/event` or by `/sync` once `room_id` is added)
 * against the schema for its `type` (msgtype-specific for `m.room.message`; a redacted event, whose content is
 * stripped, against the bare room/state event schema). The event schemas leave
 * `m.relates_to`, `m.mentions` and `m.new_content` open; those are checked against `definitions/m.relates_to.yaml`,
 * `definitions/m.mentions.yaml` and the same event schema. Returns error messages, empty when valid.
 */
export function validateRoomEvent(event: object): string[] {
  const { type, content } = event as { type?: unknown; content?: unknown };
  if (typeof type !== "string") return ["/type must be a string"];
  const body = typeof content === "object" && content !== null ? (content as Json) : {};
  const redacted = Boolean((event as { unsigned?: Json }).unsigned?.redacted_because);
  // A redacted event has lost the content its type schema requires; only the envelope is left to check.
  const envelope = "state_key" in event ? "state_event.yaml" : "room_event.yaml";
  const file = redacted ? new URL(`core-event-schema/${envelope}`, EVENT_SCHEMAS) : eventSchema(type, body);
  if (!file) return [`no schema for event type ${type} in tests/spec/matrix/data/event-schemas/schema`];
  load(file);
  const errors = run(file.href, event);
  const relation = body["m.relates_to"] as Json | undefined;
  if (relation && "rel_type" in relation) {
    errors.push(...validateDefinition("m.relates_to.yaml", relation).map((e) => `/content/m.relates_to${e}`));
  }
  if ("m.mentions" in body) {
    errors.push(...validateDefinition("m.mentions.yaml", body["m.mentions"]).map((e) => `/content/m.mentions${e}`));
  }
  if (relation?.rel_type === "m.replace" && "m.new_content" in body) {
    const replaced = validateRoomEvent({ ...event, content: body["m.new_content"] });
    errors.push(...replaced.map((e) => `(m.new_content) ${e}`));
  }
  return errors;
}

/** Validates the body a client sends with `PUT /rooms/{roomId}/send/{type}/{txnId}`, as the event it becomes. */
export function validateSentContent(type: string, content: object): string[] {
  return validateRoomEvent({
    type,
    content,
    event_id: "$placeholder",
    sender: "@placeholder:example.org",
    origin_server_ts: 0,
    room_id: "!placeholder:example.org",
  });
}

/**
 * Validates a response body against `data/api/client-server/<specFile>`:
 * `paths[operationPath][method].responses[status].content["application/json"].schema` (a response given as a
 * `$ref` into `#/components/responses/…` is followed). `operationPath` is as the spec writes it, e.g.
 * `"/rooms/{roomId}/send/{eventType}/{txnId}"`.
 */
export function validateResponse(
  specFile: string,
  operationPath: string,
  method: string,
  status: number,
  body: unknown,
): string[] {
  const file = new URL(specFile, CLIENT_SERVER);
  const doc = load(file);
  const operation = ((doc.paths as Json | undefined)?.[operationPath] as Json | undefined)?.[method.toLowerCase()];
  let tokens = ["paths", operationPath, method.toLowerCase(), "responses", String(status)];
  let response = ((operation as Json | undefined)?.responses as Json | undefined)?.[String(status)] as Json | undefined;
  const ref = response?.$ref;
  if (typeof ref === "string" && ref.startsWith("#/")) {
    tokens = ref
      .slice(2)
      .split("/")
      .map((t) => t.replaceAll("~1", "/").replaceAll("~0", "~"));
    response = tokens.reduce<unknown>((node, token) => (node as Json | undefined)?.[token], doc) as Json | undefined;
  }
  const where = `${specFile} ${method.toUpperCase()} ${operationPath} ${status}`;
  if (!operation) return [`${specFile} has no ${method.toUpperCase()} ${operationPath}`];
  if (!response) return [`${where}: the spec documents no such response`];
  if (!(response.content as Json | undefined)?.["application/json"])
    return [`${where}: the spec gives no application/json schema`];
  return run(file.href + pointer(...tokens, "content", "application/json", "schema"), body);
}

/** Validates a value against a schema file under `data/api/client-server/definitions/`, e.g. `errors/error.yaml`. */
export function validateDefinition(definition: string, value: unknown): string[] {
  const file = new URL(`definitions/${definition}`, CLIENT_SERVER);
  load(file);
  return run(file.href, value);
}

/** Absolute path of a file in the vendored spec data (e.g. `event-schemas/examples/m.reaction.yaml`). */
export const specPath = (relative: string): string => fileURLToPath(new URL(relative, DATA));
