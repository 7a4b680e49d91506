"""The entity sets the simulator serves and their documented fields (SOURCES.md "Entities").
`fields`: every property returned; `editable`: what POST/PATCH may set (anything else is 400,
as BC refuses read-only controls [BC-ERRORS] `BadRequest_InvalidOperation`)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class EntitySet:
    name: str
    fields: frozenset[str]
    editable: frozenset[str] = frozenset()
    creatable: bool = False
    custom: bool = False  # in the ion-sync production API page group, not api/v2.0
    lines: str | None = None  # the part holding the document's lines ($expand, deep insert)
    parent_field: str = "documentId"
    actions: frozenset[str] = field(default_factory=frozenset)


def _set(
    name: str,
    fields: str,
    editable: str = "",
    *,
    creatable: bool = False,
    custom: bool = False,
    lines: str | None = None,
    parent_field: str = "documentId",
    actions: str = "",
) -> EntitySet:
    return EntitySet(
        name,
        frozenset(fields.split()),
        frozenset(editable.split()),
        creatable,
        custom,
        lines,
        parent_field,
        frozenset(actions.split()),
    )


SETS = {
    s.name: s
    for s in [
        # [BC-VENDOR]
        _set(
            "vendors",
            "id number displayName addressLine1 addressLine2 city state country postalCode phoneNumber email website "
            "taxRegistrationNumber currencyId currencyCode irs1099Code paymentTermsId paymentMethodId taxLiable blocked "
            "balance lastModifiedDateTime",
        ),
        # [BC-PAYMENT-TERM]
        _set(
            "paymentTerms",
            "id code displayName dueDateCalculation discountDateCalculation discountPercent calculateDiscountOnCreditMemos "
            "lastModifiedDateTime",
        ),
        # [BC-ITEM] (a subset: the fields ion-sync and the demo need)
        _set(
            "items",
            "id number displayName displayName2 type itemCategoryId itemCategoryCode blocked gtin inventory unitPrice "
            "priceIncludesTax unitCost taxGroupId taxGroupCode baseUnitOfMeasureId baseUnitOfMeasureCode "
            "generalProductPostingGroupId generalProductPostingGroupCode inventoryPostingGroupId inventoryPostingGroupCode "
            "lastModifiedDateTime",
        ),
        # [BC-LOCATION]
        _set(
            "locations",
            "id code displayName contact addressLine1 addressLine2 city state country postalCode phoneNumber email website "
            "lastModifiedDateTime",
        ),
        # [BC-EMPLOYEE], [BC-PROJECT]
        _set("employees", "id number displayName givenName middleName surname jobTitle status lastModifiedDateTime"),
        _set("projects", "id number displayName lastModifiedDateTime"),
        # [BC-PO], [BC-PO-UPDATE], [BC-PO-CREATE]
        _set(
            "purchaseOrders",
            "id number orderDate postingDate vendorId vendorNumber vendorName payToName payToVendorId payToVendorNumber "
            "shipToName shipToContact buyFromAddressLine1 buyFromAddressLine2 buyFromCity buyFromCountry buyFromState "
            "buyFromPostCode payToAddressLine1 payToAddressLine2 payToCity payToCountry payToState payToPostCode "
            "shipToAddressLine1 shipToAddressLine2 shipToCity shipToCountry shipToState shipToPostCode "
            "shortcutDimension1Code shortcutDimension2Code currencyId currencyCode pricesIncludeTax paymentTermsId "
            "shipmentMethodId purchaser requestedReceiptDate discountAmount discountAppliedBeforeTax "
            "totalAmountExcludingTax totalTaxAmount totalAmountIncludingTax fullyReceived status lastModifiedDateTime",
            "orderDate postingDate vendorId vendorNumber shipToName shipToContact shortcutDimension1Code "
            "shortcutDimension2Code currencyCode paymentTermsId purchaser requestedReceiptDate",
            creatable=True,
            lines="purchaseOrderLines",
            actions="receiveAndInvoice",
        ),
        # [BC-POL]
        _set(
            "purchaseOrderLines",
            "id documentId sequence itemId accountId lineType lineObjectNumber description description2 unitOfMeasureId "
            "unitOfMeasureCode quantity directUnitCost discountAmount discountPercent discountAppliedBeforeTax "
            "amountExcludingTax taxCode taxPercent totalTaxAmount amountIncludingTax invoiceDiscountAllocation netAmount "
            "netTaxAmount netAmountIncludingTax expectedReceiptDate receivedQuantity invoicedQuantity invoiceQuantity "
            "receiveQuantity itemVariantId locationId",
            "sequence itemId lineType lineObjectNumber description description2 unitOfMeasureCode quantity directUnitCost "
            "expectedReceiptDate invoiceQuantity receiveQuantity locationId",
            creatable=True,
        ),
        # [BC-PR], [BC-PRL]
        _set(
            "purchaseReceipts",
            "id number invoiceDate postingDate dueDate vendorNumber vendorName payToName payToContact payToVendorNumber "
            "shipToName shipToContact buyFromAddressLine1 buyFromAddressLine2 buyFromCity buyFromCountry buyFromState "
            "buyFromPostCode shipToAddressLine1 shipToAddressLine2 shipToCity shipToCountry shipToState shipToPostCode "
            "payToAddressLine1 payToAddressLine2 payToCity payToCountry payToState payToPostCode currencyCode orderNumber "
            "lastModifiedDateTime",
            lines="purchaseReceiptLines",
        ),
        _set(
            "purchaseReceiptLines",
            "id documentId sequence lineType lineObjectNumber description description2 unitOfMeasureCode unitCost quantity "
            "discountPercent taxPercent expectedReceiptDate",
        ),
        # [BC-ILE]
        _set(
            "itemLedgerEntries",
            "id entryNumber itemNumber postingDate entryType sourceNumber sourceType documentNumber documentType "
            "description quantity salesAmountActual costAmountActual lastModifiedDateTime",
        ),
        # [BC-TIME-REG]
        _set(
            "timeRegistrationEntries",
            "id employeeId employeeNumber jobId jobNumber jobTaskNumber absence lineNumber date quantity status "
            "unitOfMeasureId unitOfMeasureCode lastModfiedDateTime",
            "employeeId employeeNumber jobId jobNumber jobTaskNumber absence date quantity unitOfMeasureCode",
            creatable=True,
        ),
        # The ion-sync production API page group (connectors/business_central/README.md, "The ion-sync production API")
        _set(
            "releasedProductionOrders",
            "id number description itemNumber quantity finishedQuantity locationCode dueDate status lastModifiedDateTime",
            custom=True,
        ),
        _set(
            "productionJournals",
            "id documentNumber productionOrderNumber postingDate status lastModifiedDateTime",
            "documentNumber productionOrderNumber postingDate",
            creatable=True,
            custom=True,
            lines="productionJournalLines",
            actions="post",
        ),
        _set(
            "productionJournalLines",
            "id documentId sequence entryType itemNumber quantity locationCode itemTrackingNumber",
            "sequence entryType itemNumber quantity locationCode itemTrackingNumber",
            creatable=True,
            custom=True,
        ),
        _set("locationInventories", "id itemNumber locationCode inventory", custom=True),
    ]
}
