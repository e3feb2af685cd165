// Apollo Client 4's cache with relayStylePagination, paging a conversation's items forwards with
// fetchMore, then backwards from the end; prints what the cache holds after each.
//
//   node paging.mjs http://127.0.0.1:8000/graphql conv_...
import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { relayStylePagination } from "@apollo/client/utilities";

const [url, conversationId] = process.argv.slice(2);
const cache = () =>
  new InMemoryCache({
    typePolicies: { Conversation: { fields: { items: relayStylePagination(["order"]) } } },
  });
const ITEMS = gql`
  query Items($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {
    conversation(id: $id) {
      id
      items(first: $first, after: $after, last: $last, before: $before) {
        edges { cursor node { __typename ... on Message { itemId content { ... on InputTextContent { text } } } } }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      }
    }
  }
`;
const texts = (data) => data.conversation.items.edges.map((edge) => edge.node.content[0].text);

// Pages of 5 from the start (`first`, then `after` the last page's end) or from the end (`last`,
// then `before` the last page's start), each fetched with fetchMore into the cache, until there
// are no more; what the cache holds after each page.
async function pages({ size, more, cursor, next }) {
  const client = new ApolloClient({ link: new HttpLink({ uri: url }), cache: cache() });
  const variables = { id: conversationId, [size]: 5 };
  const pages = [];
  let { data } = await client.query({ query: ITEMS, variables });
  pages.push(texts(data));
  const observable = client.watchQuery({ query: ITEMS, variables });
  while (data.conversation.items.pageInfo[more]) {
    await observable.fetchMore({ variables: { [size]: 5, [next]: data.conversation.items.pageInfo[cursor] } });
    data = client.readQuery({ query: ITEMS, variables });
    pages.push(texts(data));
  }
  return { pages, pageInfo: data.conversation.items.pageInfo };
}

const forwards = () => pages({ size: "first", more: "hasNextPage", cursor: "endCursor", next: "after" });
const backwards = () => pages({ size: "last", more: "hasPreviousPage", cursor: "startCursor", next: "before" });

console.log(JSON.stringify({ forwards: await forwards(), backwards: await backwards() }));
