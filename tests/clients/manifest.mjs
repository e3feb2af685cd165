// Apollo's own tools for persisted query lists, against the gateway's manifest support.
//
//   node manifest.mjs generate OUT.json
//     writes the persisted query manifest of examples/operations with
//     @apollo/generate-persisted-query-manifest, as a frontend's build would;
//   node manifest.mjs run URL MANIFEST.json CONVERSATION_ID
//     runs LoadConversation and SendMessage through Apollo Client 4 with
//     @apollo/persisted-query-lists' link (each operation sent as its id in the manifest, no
//     document), and prints what it got and every request it sent.
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";
import { generatePersistedQueryManifest } from "@apollo/generate-persisted-query-manifest";
import { generatePersistedQueryIdsFromManifest } from "@apollo/persisted-query-lists";

const operations = fileURLToPath(new URL("../../examples/operations/", import.meta.url));
const [command, ...rest] = process.argv.slice(2);

if (command === "generate") {
  const manifest = await generatePersistedQueryManifest({ documents: [`${operations}*.graphql`] }, undefined);
  writeFileSync(rest[0], JSON.stringify(manifest, null, 2));
} else if (command === "run") {
  const [url, manifestPath, conversationId] = rest;
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
  const requests = [];
  const recording = async (input, init = {}) => {
    const body = init.body ? JSON.parse(init.body) : {};
    requests.push({
      method: init.method ?? "GET",
      query: typeof body.query === "string",
      hash: body.extensions?.persistedQuery?.sha256Hash ?? null,
    });
    const response = await fetch(input, init);
    requests[requests.length - 1].status = response.status;
    return response;
  };
  const client = new ApolloClient({
    link: new PersistedQueryLink(generatePersistedQueryIdsFromManifest({ loadManifest: () => manifest })).concat(
      new HttpLink({ uri: url, fetch: recording }),
    ),
    cache: new InMemoryCache(),
  });
  const fragments = readFileSync(`${operations}fragments.graphql`, "utf8");
  const document = (name) => gql(readFileSync(`${operations}${name}.graphql`, "utf8") + fragments);
  const sent = await client.mutate({
    mutation: document("SendMessage"),
    variables: { conversationId, text: "By its id." },
    fetchPolicy: "no-cache",
  });
  const loaded = await client.query({
    query: document("LoadConversation"),
    variables: { id: conversationId, count: 2 },
    fetchPolicy: "no-cache", // the raw answer: this cache has no possibleTypes for the union
  });
  console.log(
    JSON.stringify({
      sent: sent.error ? String(sent.error) : sent.data.addConversationItems.items.length,
      loaded: loaded.error
        ? String(loaded.error)
        : loaded.data.conversation.items.edges.map((edge) => edge.node.content?.[0]?.text ?? edge.node.__typename),
      requests,
      ids: Object.fromEntries(manifest.operations.map((operation) => [operation.name, operation.id])),
    }),
  );
} else {
  console.error("usage: node manifest.mjs generate OUT.json | run URL MANIFEST.json CONVERSATION_ID");
  process.exit(2);
}
