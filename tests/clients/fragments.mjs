// A normalized cache reading the example operation LoadConversation (examples/operations), whose
// ChatItem fragment is on the union ConversationItem and selects every item's ids through the
// interface ConversationItemFields; prints each item as the cache gives it back, and the cache's
// warnings, as JSON.
//
//   node fragments.mjs apollo http://127.0.0.1:8000/graphql conv_... [possible-types.json]
//   node fragments.mjs urql http://127.0.0.1:8000/graphql conv_... [graphcache-schema.json]
//
// The generated files are examples/typescript's (npm run codegen).
import { readFileSync } from "node:fs";

import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { Client, fetchExchange } from "@urql/core";
import { cacheExchange } from "@urql/exchange-graphcache";

const [cache, url, conversationId, told] = process.argv.slice(2);
const operations = new URL("../../examples/operations/", import.meta.url);
const query = gql(
  ["LoadConversation.graphql", "fragments.graphql"].map((file) => readFileSync(new URL(file, operations), "utf8")).join("\n"),
);
const variables = { id: conversationId };
const warnings = [];

async function apollo() {
  const { possibleTypes } = told ? JSON.parse(readFileSync(told, "utf8")) : {};
  const client = new ApolloClient({ link: new HttpLink({ uri: url }), cache: new InMemoryCache({ possibleTypes }) });
  return (await client.query({ query, variables })).data;
}

// Graphcache, given the schema codegen writes or not; the types with no id are kept inside their
// parents, as its `keys` say: told, for every such type of the schema, derived as the README's urql
// set-up derives them; not told, for those of the example operation, listed by hand.
async function urql() {
  const schema = told ? JSON.parse(readFileSync(told, "utf8")) : undefined;
  const keys = schema ? keyless(schema) : byHand();
  const exchange = cacheExchange({
    schema,
    keys,
    logger: (severity, message) => {
      if (severity === "warn" || severity === "error") warnings.push(message.split("\n")[0]);
    },
  });
  const client = new Client({ url, exchanges: [exchange, fetchExchange], requestPolicy: "cache-first" });
  const { data, error } = await client.query(query, variables).toPromise();
  if (error) throw error;
  return data;
}

// Graphcache's `keys` as the README's urql set-up derives them from the schema codegen writes.
function keyless(schema) {
  const { queryType, mutationType, types } = schema.__schema;
  const keys = Object.fromEntries(
    types
      .filter((type) => type.kind === "OBJECT" && ![queryType.name, mutationType.name].includes(type.name))
      .filter((type) => !type.fields?.some((field) => field.name === "id"))
      .map((type) => [type.name, () => null]),
  );
  return keys;
}

function byHand() {
  const names = ["MetadataEntry", "InputTextContent", "OutputTextContent", "UrlCitationAnnotation", "SummaryTextContent"];
  return Object.fromEntries(names.map((name) => [name, () => null]));
}

const data = await (cache === "urql" ? urql() : apollo());
console.log(JSON.stringify({ items: data.conversation.items.edges.map((edge) => edge.node), warnings }));
