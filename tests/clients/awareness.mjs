// Apollo Client with its `clientAwareness` option (the name and version a team gives each of its
// frontends), sending one query to the gateway at the URL given; prints the answer's data.
//
//   node awareness.mjs http://127.0.0.1:8000/graphql web-chat 4.2.0
import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";

const [url, name, version] = process.argv.slice(2);
const client = new ApolloClient({
  link: new HttpLink({ uri: url }),
  cache: new InMemoryCache(),
  clientAwareness: { name, version },
});
// Not from the cache: an InMemoryCache knows the root's `__typename` and answers it without a request.
const { data } = await client.query({ query: gql`query Awareness { __typename }`, fetchPolicy: "network-only" });
console.log(JSON.stringify(data));
