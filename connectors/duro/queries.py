"""The GraphQL documents ion-sync sends to Duro, parsed at import so a typo fails at once.

Operations are namespaced by resource (`component { findAll … }`, `changeOrders { get … }`)
and list with Relay connections (`edges { cursor node }`, `pageInfo { hasNextPage endCursor }`,
`totalCount`); field by field sources: connectors/duro/README.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from graphql import OperationType, parse
from graphql.language import OperationDefinitionNode


@dataclass(frozen=True)
class Document:
    name: str
    text: str
    is_mutation: bool
    connection: tuple[str, ...] = ()  # where the paged connection sits under `data`


def document(name: str, text: str, connection: tuple[str, ...] = ()) -> Document:
    operations = [d for d in parse(text).definitions if isinstance(d, OperationDefinitionNode)]
    return Document(name, text, any(o.operation is OperationType.MUTATION for o in operations), connection)


_COMPONENT = """
fragment ComponentFields on Component {
  id cpn eid name description revisionValue version state isArchived createdAt updatedAt
  category { id name type }
  status { id name type }
}
"""
_CHANGE_ORDER = """
fragment ChangeOrderFields on ChangeOrder {
  id number name description type status resolution version createdAt updatedAt resolvedAt
  affectedItems { components { id cpn eid name revisionValue state status { id name type } } }
}
"""

COMPONENTS = document(
    "Components",
    """query Components($filter: ComponentFilterInput, $pagination: PaginationInput) {
  component {
    findAll(filter: $filter, pagination: $pagination) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { cursor node { ...ComponentFields } }
    }
  }
}"""
    + _COMPONENT,
    ("component", "findAll"),
)

COMPONENT_WITH_CHILDREN = document(
    "ComponentWithChildren",
    """query ComponentWithChildren($id: ID!) {
  component {
    findOne(id: $id) {
      ...ComponentFields
      revisions { revisionValue status { name type } createdAt }
      children { quantity refDes component { ...ComponentFields } }
    }
  }
}"""
    + _COMPONENT,
)

CHANGE_ORDERS = document(
    "ChangeOrders",
    """query ChangeOrders($filter: ChangeOrderFilterInput, $pagination: PaginationInput) {
  changeOrders {
    get(filter: $filter, pagination: $pagination) {
      connection {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges { cursor node { ...ChangeOrderFields } }
      }
    }
  }
}"""
    + _CHANGE_ORDER,
    ("changeOrders", "get", "connection"),
)

CREATE_CHANGE_ORDER = document(
    "CreateChangeOrder",
    """mutation CreateChangeOrder($input: CreateChangeOrderInput!) {
  changeOrders { create(input: $input) { ...ChangeOrderFields } }
}"""
    + _CHANGE_ORDER,
)

ADD_CHANGE_ORDER_ITEMS = document(
    "AddChangeOrderItems",
    """mutation AddChangeOrderItems($changeOrderId: ID!, $input: AddChangeOrderItemsInput!) {
  changeOrders { addItems(changeOrderId: $changeOrderId, input: $input) { ...ChangeOrderFields } }
}"""
    + _CHANGE_ORDER,
)
