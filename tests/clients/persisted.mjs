// Apollo Client (sending hashes by POST, then by GET) and urql, each with automatic persisted
// queries on, send the same query twice to the gateway at the URL given; prints, as one JSON
// object, what each client got and every request it sent (with or without the document, with or
// without the hash).
//
//   node persisted.mjs http://127.0.0.1:8000/graphql
import { createHash } from "node:crypto";

import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";
import { Client, fetchExchange } from "@urql/core";
import { persistedExchange } from "@urql/exchange-persisted";

const url = process.argv[2];
// Each client its own query, so that each one's hash is new to the gateway.
const query = (name) => `query ${name} { __typename }`;
const sha256 = (text) => createHash("sha256").update(text).digest("hex");

// A fetch that notes each request: its method, and whether it carried the document and the hash.
function recording(requests) {
  return async (input, init = {}) => {
    const target = new URL(typeof input === "string" ? input : input.url);
    let body = {};
    if (init.body) body = JSON.parse(init.body);
    else {
      const parameters = target.searchParams;
      const extensions = parameters.get("extensions");
      body = { query: parameters.get("query") ?? undefined, extensions: extensions ? JSON.parse(extensions) : undefined };
    }
    requests.push({
      method: init.method ?? "GET",
      query: typeof body.query === "string",
      hash: Boolean(body.extensions?.persistedQuery),
    });
    const response = await fetch(input, init);
    requests[requests.length - 1].status = response.status;
    return response;
  };
}

async function apollo(name, { useGETForHashedQueries = false } = {}) {
  const requests = [];
  const client = new ApolloClient({
    link: new PersistedQueryLink({ sha256, useGETForHashedQueries }).concat(
      new HttpLink({ uri: url, fetch: recording(requests) }),
    ),
    cache: new InMemoryCache(),
  });
  const answers = [];
  for (let round = 0; round < 2; round += 1) {
    try {
      const { data, error } = await client.query({ query: gql(query(name)), fetchPolicy: "network-only" });
      answers.push(error ? { error: String(error) } : { data });
    } catch (error) {
      answers.push({ error: String(error) });
    }
  }
  return { answers, requests };
}

async function urql() {
  const requests = [];
  const client = new Client({
    url,
    fetch: recording(requests),
    exchanges: [persistedExchange({ generateHash: async (query) => sha256(query) }), fetchExchange],
    requestPolicy: "network-only",
  });
  const answers = [];
  for (let round = 0; round < 2; round += 1) {
    const { data, error } = await client.query(query("Urql"), {}).toPromise();
    answers.push(error ? { error: String(error) } : { data });
  }
  return { answers, requests };
}

console.log(
  JSON.stringify({
    apollo: await apollo("Apollo"),
    apolloGet: await apollo("ApolloGet", { useGETForHashedQueries: true }),
    urql: await urql(),
  }),
);
