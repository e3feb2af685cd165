// urql's normalized cache (Graphcache) with relayPagination, paging a conversation's items
// forwards, then backwards from the end; prints what the cache gives back after each page.
//
//   node graphcache.mjs http://127.0.0.1:8000/graphql conv_...
import { Client, fetchExchange, gql } from "@urql/core";
import { cacheExchange } from "@urql/exchange-graphcache";
import { relayPagination } from "@urql/exchange-graphcache/extras";

import { ITEMS, walkBothWays } from "./pager.mjs";

const [url, conversationId] = process.argv.slice(2);
const query = gql(ITEMS);

// A content part has no id of its own: it is kept inside its item, not as an entity (Graphcache
// does so by itself for connections, edges and PageInfo). Anything else it cannot key, it reports
// through `logger` (its debug lines, cache misses, are left out). relayPagination answers each
// page's query with every page fetched so far.
function start() {
  const warnings = [];
  const cache = cacheExchange({
    keys: { InputTextContent: () => null },
    resolvers: { Conversation: { items: relayPagination() } },
    logger: (severity, message) => {
      if (severity === "warn" || severity === "error") warnings.push(`${severity}: ${message}`);
    },
  });
  const client = new Client({ url, exchanges: [cache, fetchExchange], requestPolicy: "cache-first" });
  async function page(variables) {
    const { data, error } = await client.query(query, variables).toPromise();
    if (error) throw error;
    return data;
  }
  return { page, done: () => ({ warnings }) };
}

await walkBothWays(conversationId, start);
