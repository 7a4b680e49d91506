"""Onshape's objects as ion-sync reads them: the Glassworks schemas (BTRevisionInfo,
BTBillOfMaterialsInfo, BTReleasePackageInfo, BTCommentInfo, BTWebhookInfo and the webhook
message bodies) of https://cad.onshape.com/api/v16 (its OpenAPI spec, mirrored in
onshape-public/go-client `openapi.json`), keeping the fields ion-sync uses; the rest is ignored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")

# Element types (BTRevisionInfo.elementType: "-1 Unknown, 0 Part Studio, 1 Assembly, 2 Drawing, 4 Blob, 8 Variable Studio")
PART_STUDIO = 0
ASSEMBLY = 1
DRAWING = 2


class OnshapeModel(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class Page(OnshapeModel, Generic[T]):
    """BTListResponse: `items` of this page; `next` is the URI of the next page, absent at the end."""

    href: str | None = None
    items: list[T] = Field(default_factory=list)
    next: str | None = None
    previous: str | None = None


class Revision(OnshapeModel):
    """BTRevisionInfo: one released revision of a part number. It points at a document *version*
    (immutable), so what it names never changes; a later release makes a new revision."""

    id: str
    part_number: str = Field(alias="partNumber")
    revision: str
    company_id: str | None = Field(None, alias="companyId")
    document_id: str = Field(alias="documentId")
    document_name: str | None = Field(None, alias="documentName")
    version_id: str = Field(alias="versionId")
    version_name: str | None = Field(None, alias="versionName")
    element_id: str = Field(alias="elementId")
    element_type: int = Field(alias="elementType")
    part_id: str | None = Field(None, alias="partId")
    part_identity: str | None = Field(None, alias="partIdentity")
    configuration: str | None = None
    name: str | None = None
    description: str | None = None
    release_id: str | None = Field(None, alias="releaseId")
    release_name: str | None = Field(None, alias="releaseName")
    is_obsolete: bool = Field(False, alias="isObsolete")
    obsoletion_package_id: str | None = Field(None, alias="obsoletionPackageId")
    created_at: datetime | None = Field(None, alias="createdAt")
    release_created_date: datetime | None = Field(None, alias="releaseCreatedDate")
    previous_revision_id: str | None = Field(None, alias="previousRevisionId")
    next_revision_id: str | None = Field(None, alias="nextRevisionId")
    view_ref: str | None = Field(None, alias="viewRef")
    href: str | None = None

    @property
    def released_at(self) -> datetime | None:
        return self.release_created_date or self.created_at


class PartMetadata(OnshapeModel):
    """BTPartMetadataInfo: a part as a workspace or version holds it, released or not."""

    part_id: str = Field(alias="partId")
    name: str | None = None
    part_number: str | None = Field(None, alias="partNumber")
    revision: str | None = None
    state: str | None = None  # BTMetadataStateType: IN_PROGRESS, PENDING, RELEASED, OBSOLETE, REJECTED, DISCARDED
    element_id: str | None = Field(None, alias="elementId")


class BomHeader(OnshapeModel):
    """BTBillOfMaterialsHeaderInfo: a column; `propertyName` names the metadata property it shows."""

    id: str
    name: str | None = None
    property_name: str | None = Field(None, alias="propertyName")
    value_type: str | None = Field(None, alias="valueType")
    visible: bool | None = None


class BomItemSource(OnshapeModel):
    """BTBillOfMaterialsItemSourceInfo: where a row's part or assembly lives."""

    document_id: str | None = Field(None, alias="documentId")
    element_id: str | None = Field(None, alias="elementId")
    part_id: str | None = Field(None, alias="partId")
    part_identity: str | None = Field(None, alias="partIdentity")
    wvm_type: str | None = Field(None, alias="wvmType")
    wvm_id: str | None = Field(None, alias="wvmId")
    configuration: str | None = None
    is_standard_content: bool | None = Field(None, alias="isStandardContent")


class BomRow(OnshapeModel):
    """BTBillOfMaterialsRowInfo: `headerIdToValue` by header id; `indentLevel` 0 = a child of the top."""

    row_id: str | None = Field(None, alias="rowId")
    name: str | None = None
    indent_level: int = Field(0, alias="indentLevel")
    header_id_to_value: dict[str, Any] = Field(default_factory=dict, alias="headerIdToValue")
    item_source: BomItemSource | None = Field(None, alias="itemSource")
    related_occurrences: list[str] = Field(default_factory=list, alias="relatedOccurrences")


class Bom(OnshapeModel):
    """BTBillOfMaterialsInfo ("the Onshape BOM Standard format")."""

    id: str | None = None
    name: str | None = None
    type: str | None = None
    created_at: str | None = Field(None, alias="createdAt")
    headers: list[BomHeader] = Field(default_factory=list)
    rows: list[BomRow] = Field(default_factory=list)

    def column(self, property_name: str) -> str | None:
        """The id of the header showing `property_name` (e.g. partNumber, quantity, revision, state)."""
        return next((h.id for h in self.headers if h.property_name == property_name), None)

    def cell(self, row: BomRow, property_name: str) -> Any:
        """A row's value for a property; an object value (e.g. a material) is read as its
        `displayName` or `value` (practitioner code reads them so; INFERENCE for the exact shapes)."""
        column = self.column(property_name)
        value = row.header_id_to_value.get(column) if column else None
        if isinstance(value, dict):
            return value.get("displayName", value.get("value"))
        return value


class WorkflowState(OnshapeModel):
    name: str | None = None
    display_name: str | None = Field(None, alias="displayName")


class Workflow(OnshapeModel):
    """BTWorkflowSnapshotInfo: `state.name` is where the package is (e.g. RELEASED)."""

    state: WorkflowState | None = None
    is_discarded: bool | None = Field(None, alias="isDiscarded")
    is_frozen: bool | None = Field(None, alias="isFrozen")


class MetadataProperty(OnshapeModel):
    name: str | None = None
    property_id: str | None = Field(None, alias="propertyId")
    value: Any = None


class ReleaseItem(OnshapeModel):
    """BTReleasePackageItemInfo."""

    id: str
    name: str | None = None
    document_id: str | None = Field(None, alias="documentId")
    element_id: str | None = Field(None, alias="elementId")
    element_type: int | None = Field(None, alias="elementType")
    part_id: str | None = Field(None, alias="partId")
    version_id: str | None = Field(None, alias="versionId")
    properties: list[MetadataProperty] = Field(default_factory=list)

    def property(self, name: str) -> Any:
        return next((p.value for p in self.properties if p.name == name), None)


class ReleasePackage(OnshapeModel):
    """BTReleasePackageInfo: Onshape's release (or obsoletion) candidate, the closest thing it has
    to a change order; its items become revisions when the workflow reaches its release state."""

    id: str
    name: str | None = None
    description: str | None = None
    company_id: str | None = Field(None, alias="companyId")
    is_obsoletion: bool = Field(False, alias="isObsoletion")
    created_at: datetime | None = Field(None, alias="createdAt")
    modified_at: datetime | None = Field(None, alias="modifiedAt")
    items: list[ReleaseItem] = Field(default_factory=list)
    workflow: Workflow | None = None
    view_ref: str | None = Field(None, alias="viewRef")

    @property
    def state(self) -> str | None:
        return self.workflow.state.name if self.workflow and self.workflow.state else None


class Comment(OnshapeModel):
    """BTCommentInfo."""

    id: str
    message: str | None = None
    document_id: str | None = Field(None, alias="documentId")
    element_id: str | None = Field(None, alias="elementId")
    version_id: str | None = Field(None, alias="versionId")
    created_at: datetime | None = Field(None, alias="createdAt")
    view_ref: str | None = Field(None, alias="viewRef")
    href: str | None = None


class Webhook(OnshapeModel):
    """BTWebhookInfo."""

    id: str
    url: str | None = None
    events: list[str] = Field(default_factory=list)
    company_id: str | None = Field(None, alias="companyId")
    data: str | None = None
    description: str | None = None
    is_transient: bool | None = Field(None, alias="isTransient")


class Notification(OnshapeModel):
    """A webhook notification: the fields of BTWebhookLifecycleMessageBody, BTDocumentMessageBody,
    BTRevisionMessageBody (+ BTReleaseItemMessageBody) and BTWorkflowMessageBody; which are set
    depends on `event`."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    event: str = Field(min_length=1)
    message_id: str | None = Field(None, alias="messageId")
    webhook_id: str | None = Field(None, alias="webhookId")
    timestamp: str | None = None
    data: str | None = None
    document_id: str | None = Field(None, alias="documentId")
    workspace_id: str | None = Field(None, alias="workspaceId")
    version_id: str | None = Field(None, alias="versionId")
    element_id: str | None = Field(None, alias="elementId")
    element_type: int | None = Field(None, alias="elementType")
    part_id: str | None = Field(None, alias="partId")
    part_number: str | None = Field(None, alias="partNumber")
    revision_id: str | None = Field(None, alias="revisionId")
    release_id: str | None = Field(None, alias="releaseId")
    transition_name: str | None = Field(None, alias="transitionName")
    object_id: str | None = Field(None, alias="objectId")
    object_type: str | None = Field(None, alias="objectType")
    workflow_id: str | None = Field(None, alias="workflowId")
