// A chat view's documents as a Relay app writes them, compiled by relay-compiler
// (tests/clients/test_relay.py): a conversation's items as a refetchable connection paged
// backwards, a message appended to it, an item removed from it and a conversation deleted.
// The compiler reads the graphql`...` templates; nothing here runs.

export const conversationItems = graphql`
  fragment chat_conversation on Conversation
  @refetchable(queryName: "ChatConversationPaginationQuery")
  @argumentDefinitions(count: { type: "Int", defaultValue: 20 }, cursor: { type: "String" }) {
    conversationId
    items(last: $count, before: $cursor) @connection(key: "chat_items") {
      edges {
        node {
          __typename
          ... on ConversationItemFields { id itemId }
          ... on Message { role content { ... on InputTextContent { text } } }
        }
      }
    }
  }
`;

export const chat = graphql`
  query chatQuery($id: ID!) {
    conversation(id: $id) { ...chat_conversation }
  }
`;

export const send = graphql`
  mutation chatSendMutation($id: ID!, $text: String!, $connections: [ID!]!) {
    addConversationItems(input: { conversationId: $id, items: [{ message: { role: USER, text: $text } }] }) {
      items @appendNode(connections: $connections, edgeTypeName: "ConversationItemEdge") {
        __typename
        ... on ConversationItemFields { id itemId }
      }
    }
  }
`;

export const deleteItem = graphql`
  mutation chatDeleteItemMutation($conversationId: ID!, $itemId: ID!, $connections: [ID!]!) {
    deleteConversationItem(input: { conversationId: $conversationId, itemId: $itemId }) {
      deletedId @deleteEdge(connections: $connections)
    }
  }
`;

export const deleteConversation = graphql`
  mutation chatDeleteConversationMutation($id: ID!) {
    deleteConversation(input: { id: $id }) { deletedId @deleteRecord }
  }
`;
