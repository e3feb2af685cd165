// What the paging scripts share: the query of a page of a conversation's items, and the walk over
// its pages of 5 from the start (`first`, then `after` the last page's end) or from the end
// (`last`, then `before` the last page's start), until there are no more.

export const ITEMS = `
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

const DIRECTIONS = {
  forwards: { size: "first", more: "hasNextPage", cursor: "endCursor", next: "after" },
  backwards: { size: "last", more: "hasPreviousPage", cursor: "startCursor", next: "before" },
};

// Each direction walked with a fresh client (`start()`, whose `page(variables)` gives back what its
// cache holds once that page is fetched, and `done()` what else to report); prints, as one JSON
// object, what the cache held after each page, and the last `pageInfo`.
export async function walkBothWays(conversationId, start) {
  const walked = {};
  for (const [name, { size, more, cursor, next }] of Object.entries(DIRECTIONS)) {
    const { page, done = () => ({}) } = start();
    const pages = [];
    let data = await page({ id: conversationId, [size]: 5 });
    pages.push(texts(data));
    while (data.conversation.items.pageInfo[more]) {
      data = await page({ id: conversationId, [size]: 5, [next]: data.conversation.items.pageInfo[cursor] });
      pages.push(texts(data));
    }
    walked[name] = { pages, pageInfo: data.conversation.items.pageInfo, ...done() };
  }
  console.log(JSON.stringify(walked));
}
