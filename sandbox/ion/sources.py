"""Where every type, field and rule of the ION simulator comes from.

The vendor's contract is the truth; the simulator is evidence only where it matches it. Each
entry cites `../shared/reference/ion.md` by section and source tag ([AB] introspected schema
2023, [EX] FR's ion-examples, [IM] ion-importers, [MAN] manual.firstresonance.io, [DOCS]
docs.firstresonance.io, [TQ] third-party production code), the seed (seed 002, "Syncing to
ERP") or says INFERENCE. An INFERENCE the flows depend on is an `IonSimConfig` switch (named
`switch: <field>`) or is checked against the customer's ION by `ion-sync preflight ion`
(named `preflight: <check>`). `tests/test_sandbox_ion_sources.py` fails when the SDL grows a
type or field without an entry here.

TYPES gives the source of a type and of each of its fields; FIELDS overrides it per field
("Type.field"); RULES lists the behaviour the resolvers enforce.
"""

from __future__ import annotations

AB = "ion.md §8, Appendix A [AB] (introspected 2023)"
LIST_ARGS = "ion.md §2.2 [AB] (filters, sort, before, after, first, last on every list)"
FILTER_FIELDS = (
    "ion.md §2.3 [EX]/[IM]: filter fields are the type's columns (names per column: INFERENCE, preflight: query probes)"
)
SORT_VALUES = "INFERENCE ion.md §2.3: sort enum values are not published (graphene-sqlalchemy style); preflight: query probes"
CONNECTION = "ion.md §2.2 [AB]/[MAN pagination] (Relay connection: pageInfo, edges { node cursor })"
ATTRIBUTE = "ion.md §3.14, §2.4 [AB] updatePurchaseOrderLineAttribute.gql; Etag/Created/Updated spelling [EX]"
INPUT = (
    "INFERENCE ion.md §8: input type names [AB], input fields not published (follow the scalar names); checked by a real"
    " write: ion-sync acceptance against the customer's sandbox"
)
PAYLOAD = "ion.md §8 [AB]/[EX]/[IM]: mutation payloads wrap the object under its name"
CONFIRMED_OPS = "ion.md §2.3 [EX]/[IM]: eq, neq, in"
RANGE_OPS = "INFERENCE ion.md §2.3 (gt/gte/lt/lte in no public source); switch: range_operators; preflight: filter probes"

AIRBYTE = "https://github.com/airbytehq/airbyte/tree/d5a614d9f44e177f8ffba78aa522764aba40ebec/airbyte-integrations/connectors/source-first-resonance-ion/source_first_resonance_ion/graphql/generated"
PROCEDURE_AB = f"[AB] {AIRBYTE}/queries/procedures.gql"
STEP_AB = f"[AB] {AIRBYTE}/queries/steps.gql"

TYPES: dict[str, str] = {
    "DateTime": "ion.md §2.7 [AB] (ISO-8601 strings)",
    "JSONString": "ion.md §8, §3.14 [AB] (graphene JSONString: Slate text, attribute options)",
    "Query": LIST_ARGS,
    "Mutation": "ion.md §8, Appendix A.2 [AB] mutation names; §4 [EX]/[IM]",
    "User": "ion.md §2.7 [AB] streams.py `me { id name email }`",
    "PageInfo": "ion.md §2.2 [AB]; count/totalCount [MAN https://manual.firstresonance.io/api/pagination]",
    "Run": "ion.md §3.1 [AB] queries/runs.gql",
    "RunStatus": "INFERENCE ion.md §3.0: run status names mirror RunStepStatus [EX]; preflight: query CompletedRuns (status eq COMPLETE)",
    "RunAttribute": "ion.md §4 [EX commit 0d5fc02] `runAttribute { Etag id entityId }`; shape " + ATTRIBUTE,
    "RunSortEnum": SORT_VALUES,
    "RunsInputFilters": FILTER_FIELDS,
    "RunStep": "ion.md §3.2 [EX]/[MAN edit-time-tracking-session-data]",
    "RunStepStatus": "ion.md §3.2 [EX alter_completed_runs.py]",
    "Session": "ion.md §3.2 [MAN https://manual.firstresonance.io/api/examples/edit-time-tracking-session-data]",
    "SessionSortEnum": SORT_VALUES,
    "SessionsInputFilters": "INFERENCE ion.md §8 (type name); " + FILTER_FIELDS,
    "Part": "ion.md §3.3 [AB] queries/parts.gql",
    "PartAttribute": "ion.md §3.3 [EX Actions] `attributes { key value }`; shape " + ATTRIBUTE,
    "PartSortEnum": SORT_VALUES,
    "PartsInputFilters": "ion.md §2.3 [IM] partNumber/isLatestRevision; " + FILTER_FIELDS,
    "TrackingType": "ion.md §3.3 [IM]/[EX]",
    "PartType": "ion.md §3.3: TOOL [TQ]; PART INFERENCE (preflight: query QuickBooksParts)",
    "PartInventory": "ion.md §3.4 [AB] queries/partInventories.gql",
    "PartInventoryStatus": "ion.md §3.4: AVAILABLE/UNAVAILABLE/INSTALLED [EX]; KITTED/WIP/ON_ORDER/SCRAPPED INFERENCE (labels [MAN inventory-status]); UNCHECKED",
    "PartInventorySortEnum": SORT_VALUES,
    "PartInventoriesInputFilters": "ion.md §2.3 [EX get_inventory_at_location.py] locationId/status; " + FILTER_FIELDS,
    "BuildRequirement": "ion.md §3.9 [MAN https://manual.firstresonance.io/api/examples/abom-as-built-bill-of-materials-api]",
    "AbomInstallation": "ion.md §3.9 [MAN abom API] CreateABomInstallation",
    "Location": "ion.md §3.11 [AB] queries/locations.gql",
    "LocationSortEnum": SORT_VALUES,
    "LocationsInputFilters": "ion.md §2.3 [IM] name; " + FILTER_FIELDS,
    "IDFilter": CONFIRMED_OPS,
    "IntFilter": CONFIRMED_OPS,
    "FloatFilter": CONFIRMED_OPS,
    "StringFilter": CONFIRMED_OPS,
    "DateTimeFilter": CONFIRMED_OPS,
    "BooleanFilter": "ion.md §2.3 [IM] `isLatestRevision: {eq: True}`",
    "RunStatusFilter": CONFIRMED_OPS,
    "PartInventoryStatusFilter": CONFIRMED_OPS,
    "TrackingTypeFilter": CONFIRMED_OPS,
    "PartTypeFilter": CONFIRMED_OPS,
    "PurchaseOrderStatusFilter": CONFIRMED_OPS,
    "PurchaseOrderLineStatusFilter": CONFIRMED_OPS,
    "MBomStatusFilter": CONFIRMED_OPS,
    "IssueStatusFilter": CONFIRMED_OPS,
    "AttributesInputFilters": "ion.md §2.3 `Attributes(filters: {key: {in: [...]}})`; ION names it per parent"
    " (PurchaseOrderAttributesInputFilters [AB]); inline filters never name it",
    "PurchaseOrderStatus": "ion.md §3.5 [EX commit 0489a8b bulk_update_purchase_order_status.py]",
    "PurchaseOrderLineStatus": "ion.md §3.6 [MAN po-lines-editability-changes] DRAFT/ORDERED/CANCELED; RECEIVED INFERENCE; UNCHECKED",
    "Currency": "ion.md §3.5 [AB]/[PR] `currency { id type }`",
    "PurchaseOrderAttribute": ATTRIBUTE,
    "PurchaseOrderLineAttribute": ATTRIBUTE,
    "SupplierAttribute": ATTRIBUTE + "; [EX download_supplier_attribute_files] `Attributes { key value type }`",
    "Supplier": "ion.md §3.12 [AB] queries/suppliers.gql",
    "PurchaseOrderFee": "ion.md §3.7 [AB] queries/purchaseOrderFees.gql",
    "PurchaseOrder": "ion.md §3.5 [AB] queries/purchaseOrders.gql, mutations/createPurchaseOrder.gql",
    "PurchaseOrderLine": "ion.md §3.6 [AB] queries/purchaseOrderLines.gql, mutations/createPurchaseOrderLine.gql",
    "Receipt": "ion.md §3.8 [AB] queries/receipts.gql, mutations/createReceipt.gql",
    "ReceiptItem": "ion.md §3.8 [AB] queries/receiptItems.gql",
    "PurchaseOrderSortEnum": SORT_VALUES,
    "PurchaseOrderLineSortEnum": SORT_VALUES,
    "ReceiptSortEnum": SORT_VALUES,
    "ReceiptItemSortEnum": SORT_VALUES,
    "SupplierSortEnum": SORT_VALUES,
    "PurchaseOrdersInputFilters": FILTER_FIELDS,
    "PurchaseOrderLinesInputFilters": FILTER_FIELDS,
    "ReceiptsInputFilters": FILTER_FIELDS,
    "ReceiptItemsInputFilters": FILTER_FIELDS,
    "SuppliersInputFilters": "ion.md §2.3 [EX] name; " + FILTER_FIELDS,
    "MBom": "ion.md §3.10 [AB] queries/mboms.gql",
    "MBomItem": "ion.md §3.10 [AB] queries/mbomItems.gql",
    "MBomItemReferenceDesignator": "ion.md §3.10 [EX] createMbomItemReferenceDesignator `{ _etag id mbomItemId value }`",
    "MBomStatus": "ion.md §3.10 [DOCS versions]/[MAN]: Draft/In Review/Released/Archived; UPPERCASE API values INFERENCE (§3); UNCHECKED (only plm-bom-sync writes them)",
    "MBomSortEnum": SORT_VALUES,
    "MBomsInputFilters": FILTER_FIELDS,
    "Issue": "ion.md §3.13 [AB] queries/issues.gql",
    "IssueStatus": "ion.md §3.13: PENDING [EX Actions/issues]; IN_PROGRESS/IN_REVIEW/RESOLVED INFERENCE (labels [MAN]); preflight: query PlmNcrs",
    "IssueSortEnum": SORT_VALUES,
    "IssueInputFilters": "ion.md §8, named as ION names it [AB] (plm-feedback-sync's PlmNcrs passes it as a variable); "
    + FILTER_FIELDS,
    # Procedures (plm-routing-sync, plm-inspection-sync, plm-traceability-sync): ion.md §7 lists [EX] queries.py's
    # procedures/steps (deep); field names [AB] (introspected, 2023).
    "Procedure": f"ion.md §7 [EX queries.py GET_PROCEDURE]; fields {PROCEDURE_AB}",
    "Step": f"ion.md §7 [EX queries.py CREATE_STEP/UPDATE_STEP]; fields {STEP_AB}",
    "RunStepField": "ion.md §3.2 [EX queries.py] createRunStepField/updateRunStepFieldValue `runStepField { id name type value _etag }`",
    "RunStepFieldType": "ion.md §3.2 [EX] (STRING, NUMBER, BOOLEAN, SELECT, SIGNOFF, MULTISELECT, DATETIME, FILE_ATTACHMENT)",
    "ProcedureStatus": "INFERENCE: the mBOM's states (ion.md §3.10); `in_review` is a procedure status in ion.md §5 [EX Actions/procedures/"
    "step_dependency.py], `isLatestReleasedVersion` a field [AB]; preflight: query PlmProcedures",
    "ProcedureStatusFilter": CONFIRMED_OPS,
    "ProcedureSortEnum": SORT_VALUES,
    "ProceduresInputFilters": FILTER_FIELDS,
}
for _name in (
    "Run",
    "Part",
    "PartInventory",
    "Location",
    "PurchaseOrder",
    "PurchaseOrderLine",
    "Receipt",
    "ReceiptItem",
    "Supplier",
    "Session",
    "MBom",
    "Issue",
    "Procedure",
):
    TYPES[f"{_name}Edge"] = CONNECTION
    TYPES[f"{_name}Connection"] = CONNECTION
for _name in (
    "Supplier",
    "SupplierAttribute",
    "PurchaseOrder",
    "PurchaseOrderAttribute",
    "PurchaseOrderFee",
    "PurchaseOrderLine",
    "PurchaseOrderLineAttribute",
    "Delete",
    "Receipt",
    "Session",
    "Part",
    "PartAttribute",
    "MBom",
    "MBomItem",
    "MBomItemReferenceDesignator",
    "Issue",
    "Procedure",
    "Step",
):
    TYPES[f"{_name}Payload"] = PAYLOAD
for _name in (
    "CreateSupplier",
    "UpdateSupplier",
    "UpdateSupplierAttribute",
    "CreatePurchaseOrder",
    "UpdatePurchaseOrder",
    "UpdatePurchaseOrderAttribute",
    "CreatePurchaseOrderFee",
    "CreatePurchaseOrderLine",
    "UpdatePurchaseOrderLine",
    "UpdatePurchaseOrderLineAttribute",
    "CreateReceipt",
    "AddItemToReceipt",
    "UpdateSession",
    "CreatePart",
    "UpdatePart",
    "CreatePartRevision",
    "UpdatePartAttribute",
    "CreateMBom",
    "UpdateMBom",
    "CreateMBomItem",
    "CreateMBomItemReferenceDesignator",
    "CreateIssue",
    "UpdateIssue",
    "UpdateProcedure",
    "CreateStep",
    "UpdateStep",
):
    TYPES[f"{_name}Input"] = INPUT

FIELDS: dict[str, str] = {
    # --- queries ---------------------------------------------------------------------------
    "Query.me": TYPES["User"],
    "Query.run": "ion.md §4 [EX queries.py] `run(id: $id)`",
    "Query.partInventory": "ion.md §4 [EX queries.py] `partInventory(id: $id)`",
    "Query.location": "ion.md §7 [EX queries.py] `location(id){id name entityId}`",
    "Query.purchaseOrder": "ion.md §4 [EX commit 0489a8b] `purchaseOrder(id: $id)`",
    "Query.purchaseOrderLine": "ion.md §4 [EX queries.py] `purchaseOrderLine(id:$id)`",
    "Query.session": "INFERENCE (only `sessions` is published, ion.md §3.2); no flow reads it",
    "Query.sessions": "ion.md §3.2 [MAN edit-time-tracking-session-data] `sessions(last: 5)`",
    "Query.issue": "ion.md §8 [EX Actions] `issue(id)`",
    "Query.mbom": AB,
    "Query.mboms": AB,
    # --- runs, steps, sessions ---------------------------------------------------------------
    "Run.partInventory": "ion.md §3.1 [EX Actions] `partInventory { createdById }`",
    "Run.part": "ion.md §3.1: relation implied by PartsInputFilters on runs [AB]; name [DOCS create-run]",
    "Run.attributes": "INFERENCE ion.md §3.1 (RunAttributesInputFilters [AB], updateRunAttribute [EX]); switch: run_attributes;"
    " preflight: run attributes readable",
    "Run.issues": "ion.md §3.1 [AB] run.gql `issues {...}`",
    "RunStep.run": "INFERENCE (ion.md §3.2 shows `runStep { runId position }` [MAN]); preflight: query LaborSessions",
    "RunStep.runId": "ion.md §3.2 [MAN] `runStep { runId position }`",
    "Session._created": "INFERENCE (every object has _created/_updated [AB]; not shown for sessions); no flow reads it",
    "Session._updated": "INFERENCE (as _created); labor-sync's window field is ION_SESSION_TIME_FIELD; preflight: filter probes",
    "Session.runStepId": "INFERENCE (§3.2: the session's runStep relation [MAN]); no flow reads it",
    "Session.createdById": "INFERENCE (createdById is on every object [AB]; `createdBy { email }` [MAN]); no flow reads it",
    "Session.checkOut": TYPES["Session"] + "; null while checked in: INFERENCE, preflight: query LaborSessions",
    "SessionsInputFilters.runId": "INFERENCE: a convenience filter no source shows (no flow uses it)",
    # --- parts, inventory, aBOM ----------------------------------------------------------------
    "Part.attributes": "ion.md §3.3 [EX Actions] `attributes { key value }`",
    "Part.mboms": "INFERENCE ion.md §3.3 ([AB] has `mbom`, `latestMbom`, `latestReleasedMbom`); UNCHECKED (PlmMboms needs an id)",
    "Part.latestMbom": AB,
    "Part.latestReleasedMbom": AB,
    "PartInventory.part": "ion.md §3.4 [EX]/[TQ]",
    "PartInventory.location": "ion.md §3.4 [TQ]/[DOCS] `location { id name }`",
    "PartInventory.buildRequirements": "ion.md §3.9 [EX export_inventories_with_abom.py] (2024 aBOM model)",
    "PartInventory.abomInstallations": "ion.md §3.4 [TQ] installations where this inventory is the child",
    "BuildRequirement._etag": "INFERENCE (every object has _etag, ion.md §2.4); no flow reads it",
    "BuildRequirement.part": "INFERENCE (partId [MAN]; relation not shown); preflight: query PlmAsBuilt",
    "BuildRequirement.abomInstallations": "ion.md §3.9 [EX export_inventories.py]",
    "AbomInstallation.id": "ion.md §3.9 [TQ]",
    "AbomInstallation._etag": "INFERENCE (every object has _etag, ion.md §2.4); no flow reads it",
    "AbomInstallation.partInventory": "ion.md §3.9 [EX export_inventories.py]",
    "AbomInstallation.buildRequirement": "INFERENCE ion.md §8 (no flow reads it)",
    "AbomInstallation.quantityInstalledPerParentPartInventory": "seed 002 'Syncing to ERP' (ION's consumption query); in no public"
    " schema (ion.md §3.9, §7); switch: installed_per_parent_field; preflight: aBOM quantityInstalledPerParentPartInventory;"
    " fallback ION_INSTALLED_QUANTITY=installation_total reads AbomInstallation.quantity",
    # --- filters -------------------------------------------------------------------------------
    **{
        f"{t}.{op}": RANGE_OPS
        for t in ("IDFilter", "IntFilter", "FloatFilter", "StringFilter", "DateTimeFilter")
        for op in ("gt", "gte", "lt", "lte")
    },
    "BooleanFilter.neq": "ion.md §2.3 [EX] (neq is a confirmed operator)",
    # --- purchasing ----------------------------------------------------------------------------
    "Supplier.attributes": "INFERENCE ion.md §8 (lowercase variant exists on PO/line/receipt [AB]); preflight: query Suppliers",
    "Supplier.Attributes": "ion.md §3.12 [EX download_supplier_attribute_files]",
    "PurchaseOrderFee.type": "ion.md §3.7 [AB] (string); values FIXED/PERCENT INFERENCE; UNCHECKED (QuickBooks fees)",
    "PurchaseOrder.needDate": "ion.md §3.5 [AB] (observed as a string; typed DateTime here)",
    "PurchaseOrder.estimatedArrivalDate": "ion.md §3.5 [AB] (observed as a string; typed DateTime here)",
    "PurchaseOrderLine.receiptItems": "ion.md §3.6 [AB] createPurchaseOrderLine.gql",
    "Receipt.receivedBy": "ion.md §3.8 [AB] createReceipt.gql",
    "ReceiptItem.receipt": "INFERENCE (receiptId [AB]; relation not shown; no flow reads it)",
    "ReceiptItem.purchaseOrderLine": "INFERENCE (purchaseOrderLineId [AB]; relation not shown); preflight: query Receipts, RampReceipts",
    "ReceiptItem.partInventory": "ion.md §3.8 [EX Actions/receipts] `partInventory { locationId serialNumber lotNumber }`",
    # --- PLM -----------------------------------------------------------------------------------
    "MBom.part": "INFERENCE (partId [AB]; relation not shown); no flow reads it",
    "MBom.items": "INFERENCE ion.md §8 (mbomItems relation not shown); UNCHECKED (PlmMboms needs an id)",
    "MBom.editable": "ion.md §3.10 [AB] (type Boolean: INFERENCE; no flow reads it)",
    "MBomItem.part": "INFERENCE (partId [AB]; relation not shown); UNCHECKED (PlmMboms needs an id)",
    "MBomItem.referenceDesignators": "INFERENCE (createMbomItemReferenceDesignator [EX] exists; relation not shown); UNCHECKED (PlmMboms needs an id)",
    "Issue.runId": "INFERENCE (ION links issues to run steps: runStepId [AB]); preflight: query PlmNcrs",
    "Issue.partInventoryId": "ion.md §3.13 [EX] createIssue input `{partInventoryId, ...}`",
    "Issue.run": "INFERENCE (see Issue.runId); preflight: query PlmNcrs",
    "Issue.partInventory": "INFERENCE (see Issue.partInventoryId); preflight: query PlmNcrs",
    "Issue.causeCondition": "ion.md §3.13 [EX bulk_create_issue.py] (Slate JSON text)",
    "Location.address": "ion.md §3.11 [AB]; §3.5 the PO ship-to address is shipToLocation.address",
    "Query.procedure": "ion.md §7 [EX queries.py] `procedure(id: $id)`",
    "Query.procedures": f"{PROCEDURE_AB} `procedures(filters, sort, first, after, ...)`",
    "Run.procedure": "ion.md §3.1 [DOCS create-run] `procedure { id title }`; procedureId [AB]",
    "Run.steps": "ion.md §4 [MAN access-tokens] `runs { steps { id title } }`",
    "RunStep.fields": "INFERENCE ion.md §3.2 (run-step fields exist [EX createRunStepField]; the relation's name: RunStepFieldInputFilters"
    " on runStep [AB]); preflight: query PlmInspections",
    "Procedure.steps": "ion.md §7 [EX queries.py GET_PROCEDURE] `procedure(id) { steps { ... } }`",
    "Procedure.familyId": PROCEDURE_AB,
    "Procedure.isLatestVersion": PROCEDURE_AB,
    "Procedure.isLatestReleasedVersion": PROCEDURE_AB,
    "Procedure.editable": PROCEDURE_AB,
    "Step.editable": STEP_AB,
    "Mutation.createProcedure": "ion.md §7 [EX queries.py CREATE_PROCEDURE] plain arguments `createProcedure(title, description, exportControlled, type)`",
    "Mutation.cloneProcedure": f"[AB] {AIRBYTE}/mutations/cloneProcedure.gql `cloneProcedure(etag, procedureId)`",
    "Mutation.updateProcedure": f"[AB] {AIRBYTE}/mutations/updateProcedure.gql `updateProcedure(input: UpdateProcedureInput!)`",
    "Mutation.createStep": "ion.md §7 [EX queries.py CREATE_STEP] `createStep(input: CreateStepInput!)`",
    "Mutation.updateStep": "ion.md §7 [EX queries.py UPDATE_STEP] `updateStep(input: UpdateStepInput!)`",
    "Mutation.deleteStep": f"[AB] {AIRBYTE}/mutations/deleteStep.gql `deleteStep(etag, id) {{ id }}`",
    # --- mutations -----------------------------------------------------------------------------
    "Mutation.updatePurchaseOrder": "ion.md §4 [EX queries.py] `updatePurchaseOrder(input:{id, etag, status})`",
    "Mutation.deletePurchaseOrder": "ion.md §4 [EX queries.py] `deletePurchaseOrder(id, etag) { id }`",
    "Mutation.deletePurchaseOrderLine": "ion.md §4 [EX queries.py] `deletePurchaseOrderLine(id, etag) { id }`",
    "Mutation.updateSession": "ion.md §3.2 [MAN edit-time-tracking-session-data]",
    "Mutation.createPart": "ion.md §3.3 [IM mutations.py]",
    "Mutation.createIssue": "ion.md §3.13 [EX queries.py]",
    "Mutation.createMbomItemReferenceDesignator": "ion.md §3.10 [EX]",
    "Mutation.addItemsToReceipt": "ion.md §3.8 [AB] (the input is a list)",
    "UpdatePurchaseOrderInput.id": "ion.md §2.4 [EX] `{id, etag, status}`",
    "UpdatePurchaseOrderInput.etag": "ion.md §2.4 [EX] `{id, etag, status}`",
    "UpdatePurchaseOrderInput.status": "ion.md §2.4 [EX] `{id, etag, status}`",
    "UpdateSessionInput.id": "ion.md §3.2 [MAN] `{id, etag, checkIn, checkOut}`",
    "UpdateSessionInput.etag": "ion.md §3.2 [MAN]",
    "UpdateSessionInput.checkIn": "ion.md §3.2 [MAN]",
    "UpdateSessionInput.checkOut": "ion.md §3.2 [MAN]",
    "CreatePartInput.partNumber": "ion.md §3.3 [IM] `{partNumber, description, revision, supplierPartNumber, trackingType}`",
    "CreatePartInput.revision": "ion.md §3.3 [IM]",
    "CreatePartInput.description": "ion.md §3.3 [IM]",
    "CreatePartInput.trackingType": "ion.md §3.3 [IM]",
    "CreatePartInput.supplierPartNumber": "ion.md §3.3 [IM]",
}


RULES: dict[str, str] = {
    "token endpoint on /realms/... and /auth/realms/..., client_credentials form": "ion.md §1.1, §9 item 3 [MAN]/[PR]/[AB]",
    "401 with error=unauthorized_client on bad credentials": "INFERENCE ion.md §10 (Keycloak style); switch: bad_credentials_error",
    "Authorization: raw token, Bearer or Token": "ion.md §1.2 [MAN]/[PR]/[DOCS]; switch: auth_schemes",
    "token lifetime, 401 after expiry": "INFERENCE ion.md §1.3 (no lifetime published); switch: token_ttl_seconds, expired_token_message",
    "401 messages without or with an unparsable token": "ion.md §2.5 [DOCS https://docs.firstresonance.io/api-reference/error-codes]",
    "GraphQL errors are HTTP 200 with errors[]": "ion.md §2.5 [DOCS error-codes]/[EX utilities/api.py]",
    "JSON array body = batch": "ion.md §2.1 [IM] (historical); switch: allow_batch",
    "cursors are base64('arrayconnection:<offset>')": "ion.md §2.2 [MAN https://manual.firstresonance.io/api/pagination]",
    "page-size cap and default": "INFERENCE ion.md §2.2 (not published); switch: max_page_size, default_page_size, page_size_overflow",
    "filters: eq/neq/in": "ion.md §2.3 [EX]/[IM]",
    "filters: gt/gte/lt/lte": RANGE_OPS,
    "sibling filter keys combine with AND": "INFERENCE ion.md §2.3 (every published example is consistent with it); preflight: query probes",
    "stale etag rejected with an errors[] message": "ion.md §2.4 [DOCS error-codes '409 etag mismatch']; HTTP 200: INFERENCE, the client handles both (no flow depends on it)",
    "attribute writes take the attribute's Etag or the parent's _etag": "ion.md §4 [EX commit 0d5fc02] passes the run's _etag;"
    " switch: attribute_etag",
    "attribute keys must be defined by the organization": "INFERENCE ion.md §3.14 (org-level definitions [AB]); switch:"
    " purchase_order_attributes, purchase_order_line_attributes, supplier_attributes",
    "SELECT attribute values must be one of its options": "INFERENCE ion.md §3.14 ([AB] `options`); switch: purchase_order_line_attributes (and the other definitions)",
    "attribute options are a JSONString": "ion.md §8 (graphene JSONString); switch: attribute_options_format",
    "outside DRAFT only line ETA/paid/cancel/attributes change": "ion.md §3.5 [MAN po-lines-editability-changes]; switch:"
    " enforce_line_editability",
    "PO status rolls up from its lines": "ion.md §3.5 [DOCS https://docs.firstresonance.io/manage-supply-chain/purchasing]; switch:"
    " purchase_order_status_rollup",
    "a child write bumps the parent's _etag/_updated": "INFERENCE; switch: child_writes_touch_parent",
    "over-receipt accepted": "INFERENCE; switch: allow_over_receipt",
    "a received inventory is AVAILABLE": "ion.md §10 (INFERENCE); switch: received_inventory_status",
    "a canceled line cannot be received; a PO or line with receipts cannot be deleted": "INFERENCE; no flow does it",
    "(partNumber, revision) is unique": "ion.md §3.3 [MAN parts] identity is (partNumber, revision)",
    "one released mBOM version; released/archived versions are not editable": "ion.md §3.10 [DOCS versions]/[MAN]",
    "one released procedure version per family; a released one is not edited, cloneProcedure makes the next version": "INFERENCE"
    " ([AB] editable, isLatestReleasedVersion, cloneProcedure; the mBOM's rule, ion.md §3.10); acceptance: plm-routing-sync-arena",
    "an issue needs a disposition before leaving PENDING": "ion.md §3.13 [MAN issues-states-dispositions-and-resolutions]",
    "enums are UPPERCASE": "ion.md §3 [EX]/[IM]/[TQ]",
    "ids are JSON numbers": "ion.md §2.7 [MAN]/[AB JSON schemas]",
    "DateTime ends '+00:00'": "INFERENCE ion.md §2.7 (ISO strings observed); switch: datetime_utc_suffix",
    "gateway 429/5xx answers": "INFERENCE ion.md §2.6 (no rate limit published); switch: faults (PUT /_sandbox/faults)",
    "webhook deliveries signed x-ion-signature (hex HMAC-SHA256)": "ion.md §3.15 [DOCS webhooks] header; algorithm INFERENCE;"
    " no flow depends on it: the receiver's verification is configurable (the send request sets encoding/prefix/forge)",
}
