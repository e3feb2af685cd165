// Apollo Client 4's cache with relayStylePagination, paging a conversation's items forwards with
// fetchMore, then backwards from the end; prints what the cache holds after each page.
//
//   node paging.mjs http://127.0.0.1:8000/graphql conv_...
import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { relayStylePagination } from "@apollo/client/utilities";

import { ITEMS, walkBothWays } from "./pager.mjs";

const [url, conversationId] = process.argv.slice(2);
const query = gql(ITEMS);

// The first page by a query, each next one with fetchMore into the cache; the cache read back under
// the first page's variables.
function start() {
  const client = new ApolloClient({
    link: new HttpLink({ uri: url }),
    cache: new InMemoryCache({
      typePolicies: { Conversation: { fields: { items: relayStylePagination(["order"]) } } },
    }),
  });
  let first = null;
  let observable = null;
  async function page(variables) {
    if (first === null) {
      first = variables;
      const { data } = await client.query({ query, variables });
      observable = client.watchQuery({ query, variables });
      return data;
    }
    await observable.fetchMore({ variables });
    return client.readQuery({ query, variables: first });
  }
  return { page };
}

await walkBothWays(conversationId, start);
