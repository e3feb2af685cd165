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

async function forwards() {
  const client = new ApolloClient({ link: new HttpLink({ uri: url }), cache: cache() });
  const pages = [];
  let { data } = await client.query({ query: ITEMS, variables: { id: conversationId, first: 5 } });
  pages.push(texts(data));
  const observable = client.watchQuery({ query: ITEMS, variables: { id: conversationId, first: 5 } });
  while (data.conversation.items.pageInfo.hasNextPage) {
    await observable.fetchMore({ variables: { first: 5, after: data.conversation.items.pageInfo.endCursor } });
    data = client.readQuery({ query: ITEMS, variables: { id: conversationId, first: 5 } });
    pages.push(texts(data));
  }
  return { pages, pageInfo: data.conversation.items.pageInfo };
}

async function backwards() {
  const client = new ApolloClient({ link: new HttpLink({ uri: url }), cache: cache() });
  const pages = [];
  let { data } = await client.query({ query: ITEMS, variables: { id: conversationId, last: 5 } });
  pages.push(texts(data));
  const observable = client.watchQuery({ query: ITEMS, variables: { id: conversationId, last: 5 } });
  while (data.conversation.items.pageInfo.hasPreviousPage) {
    await observable.fetchMore({ variables: { last: 5, before: data.conversation.items.pageInfo.startCursor } });
    data = client.readQuery({ query: ITEMS, variables: { id: conversationId, last: 5 } });
    pages.push(texts(data));
  }
  return { pages, pageInfo: data.conversation.items.pageInfo };
}

console.log(JSON.stringify({ forwards: await forwards(), backwards: await backwards() }));
