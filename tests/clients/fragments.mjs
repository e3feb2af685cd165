// A normalized cache reading the example operation LoadConversation (examples/operations), whose
// ChatItem fragment is on the union ConversationItem and selects every item's ids through the
// interface ConversationItemFields; prints each item as the cache gives it back, and the cache's
// warnings, as JSON.
//
//   node fragments.mjs apollo http://127.0.0.1:8000/graphql conv_... [possible-types.json]
//   node fragments.mjs urql http://127.0.0.1:8000/graphql conv_... [schema.graphql]
import { readFileSync } from "node:fs";

import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { Client, fetchExchange } from "@urql/core";
import { cacheExchange } from "@urql/exchange-graphcache";
import { buildSchema, introspectionFromSchema } from "graphql";

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

// Graphcache, given the schema (an introspection of schema.graphql) or not; the types with no id
// are kept inside their parents, as its `keys` say.
async function urql() {
  const schema = told ? introspectionFromSchema(buildSchema(readFileSync(told, "utf8"))) : undefined;
  const keyless = ["MetadataEntry", "InputTextContent", "OutputTextContent", "UrlCitationAnnotation", "SummaryTextContent"];
  const exchange = cacheExchange({
    schema,
    keys: Object.fromEntries(keyless.map((name) => [name, () => null])),
    logger: (severity, message) => {
      if (severity === "warn" || severity === "error") warnings.push(message.split("\n")[0]);
    },
  });
  const client = new Client({ url, exchanges: [exchange, fetchExchange], requestPolicy: "cache-first" });
  const { data, error } = await client.query(query, variables).toPromise();
  if (error) throw error;
  return data;
}

const data = await (cache === "urql" ? urql() : apollo());
console.log(JSON.stringify({ items: data.conversation.items.edges.map((edge) => edge.node), warnings }));
