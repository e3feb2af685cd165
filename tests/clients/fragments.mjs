// Apollo Client 4's cache reading the example operation LoadConversation (examples/operations),
// whose ChatItem fragment selects every item's ids through the interface ConversationItemFields;
// prints each item as the cache gives it back, as JSON.
//
//   node fragments.mjs http://127.0.0.1:8000/graphql conv_... [possible-types.json]
import { readFileSync } from "node:fs";

import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";

const [url, conversationId, possibleTypesFile] = process.argv.slice(2);
const operations = new URL("../../examples/operations/", import.meta.url);
const text = ["LoadConversation.graphql", "fragments.graphql"].map((file) => readFileSync(new URL(file, operations), "utf8"));
const { possibleTypes } = possibleTypesFile ? JSON.parse(readFileSync(possibleTypesFile, "utf8")) : {};
const client = new ApolloClient({ link: new HttpLink({ uri: url }), cache: new InMemoryCache({ possibleTypes }) });
const { data } = await client.query({ query: gql(text.join("\n")), variables: { id: conversationId } });
console.log(JSON.stringify(data.conversation.items.edges.map((edge) => edge.node)));
