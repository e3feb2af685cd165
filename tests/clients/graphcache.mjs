// urql's normalized cache (Graphcache) with relayPagination, paging a conversation's items
// forwards, then backwards from the end; prints what the cache gives back after each page.
//
//   node graphcache.mjs http://127.0.0.1:8000/graphql conv_...
import { Client, fetchExchange, gql } from "@urql/core";
import { cacheExchange } from "@urql/exchange-graphcache";
import { relayPagination } from "@urql/exchange-graphcache/extras";

const [url, conversationId] = process.argv.slice(2);
const ITEMS = gql`
  query Items($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {
    conversation(id: $id) {
      id
      items(first: $first, after: $after, last: $last, before: $before) {
        edges { cursor node { __typename ... on Message { id content { ... on InputTextContent { text } } } } }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      }
    }
  }
`;
const texts = (data) => data.conversation.items.edges.map((edge) => edge.node.content[0].text);
// A content part has no id of its own: it is kept inside its item, not as an entity (Graphcache
// does so by itself for connections, edges and PageInfo). Anything else it cannot key, it reports
// through `logger` (its debug lines, cache misses, are left out).
const cache = (warnings) =>
  cacheExchange({
    keys: { InputTextContent: () => null },
    resolvers: { Conversation: { items: relayPagination() } },
    logger: (severity, message) => {
      if (severity === "warn" || severity === "error") warnings.push(`${severity}: ${message}`);
    },
  });

// Pages of 5 from the start (`first`, then `after` the last page's end) or from the end (`last`,
// then `before` the last page's start), until there are no more; what the cache gives back for
// each page's query (relayPagination answers it with every page fetched so far).
async function pages({ size, more, cursor, next }) {
  const warnings = [];
  const client = new Client({ url, exchanges: [cache(warnings), fetchExchange], requestPolicy: "cache-first" });
  const pages = [];
  let variables = { id: conversationId, [size]: 5 };
  let { data, error } = await client.query(ITEMS, variables).toPromise();
  if (error) throw error;
  pages.push(texts(data));
  while (data.conversation.items.pageInfo[more]) {
    variables = { id: conversationId, [size]: 5, [next]: data.conversation.items.pageInfo[cursor] };
    ({ data, error } = await client.query(ITEMS, variables).toPromise());
    if (error) throw error;
    pages.push(texts(data));
  }
  return { pages, pageInfo: data.conversation.items.pageInfo, warnings };
}

const forwards = () => pages({ size: "first", more: "hasNextPage", cursor: "endCursor", next: "after" });
const backwards = () => pages({ size: "last", more: "hasPreviousPage", cursor: "startCursor", next: "before" });

console.log(JSON.stringify({ forwards: await forwards(), backwards: await backwards() }));
