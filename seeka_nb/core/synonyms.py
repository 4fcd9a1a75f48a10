"""Column-name synonyms per Seeka field, for auto-detection (layer 2, pure data).

Names are normalised (:func:`seeka_nb.core.mapping.normalise_name`: lower case, accents
and punctuation dropped).  Each field has ranked lists: a column matching rank 0 beats one
matching rank 1; two columns at the same rank are an ambiguity (never guessed), except for
``status``, which takes every matching column.
"""

from __future__ import annotations

from ..schema import LINE_TOTAL_FIELD, PRODUCTS_LIST_FIELD, STATUS_FIELD

#: Ranked synonyms (normalised names).  Rank 0 beats rank 1; ties are ambiguities.
SYNONYMS: dict[str, tuple[tuple[str, ...], ...]] = {
    "activityId": (
        (
            "activityid",
            "activityidentifier",
            "orderid",
            "invoiceno",
            "invoiceid",
            "transactionid",
            "purchaseid",
            "salesorderid",
        ),
        (
            "ordernumber",
            "orderno",
            "ordernum",
            "invoicenumber",
            "invoice",
            "order",
            "numerodeorden",
        ),
    ),
    "time": (
        (
            "time",
            "activitytime",
            "ordertime",
            "createdat",
            "orderdate",
            "orderdatetime",
            "datecreated",
            "createddate",
            "invoicedate",
            "purchasedate",
            "orderedat",
            "placedat",
            "orderplacedat",
            "fecha",
            "fechadecreacion",
            "saledate",
        ),
        ("date", "datetime", "timestamp", "created", "createdon"),
    ),
    "seekaPId": (("seekapid", "seekaprofileid", "skpid"),),
    "email": (
        ("email", "emailaddress", "customeremail", "mail", "correo", "correoelectronico"),
        ("billingemail", "shippingemail"),
    ),
    "phone": (
        (
            "phone",
            "phonenumber",
            "telephone",
            "tel",
            "mobile",
            "mobilephone",
            "customerphone",
            "telefono",
        ),
        ("billingphone", "shippingphone"),
    ),
    "firstName": (
        ("firstname", "givenname", "fname", "customerfirstname"),
        ("billingfirstname", "shippingfirstname"),
    ),
    "lastName": (
        ("lastname", "surname", "familyname", "lname", "customerlastname"),
        ("billinglastname", "shippinglastname"),
    ),
    "dob": (("dob", "dateofbirth", "birthdate", "birthday"),),
    "addressLine1": (
        ("addressline1", "address1", "address", "street", "streetaddress", "direccion"),
        ("billingaddress1", "billingstreet"),
    ),
    "addressLine2": (("addressline2", "address2"), ("billingaddress2",)),
    "locality": (("locality", "city", "town", "suburb", "ciudad", "localidad"), ("billingcity",)),
    "state": (
        ("state", "province", "region", "county", "provincia", "provinciaoestado"),
        ("billingprovince", "billingstate"),
    ),
    "stateCode": (("statecode", "provincecode", "regioncode"),),
    "postcode": (
        ("postcode", "postalcode", "zip", "zipcode", "codigopostal"),
        ("billingzip", "billingpostcode"),
    ),
    "country": (("country", "countryname", "pais"), ("billingcountry",)),
    "countryCode": (("countrycode", "countryiso", "iso2", "countryiso2"),),
    "tcfConsentString": (
        ("tcfconsentstring", "tcstring", "tcfstring", "consentstring", "tcf", "tcfconsent"),
    ),
    "checkoutIdentifier": (("checkoutidentifier", "checkoutid", "checkouttoken"),),
    "cartIdentifier": (("cartidentifier", "cartid", "carttoken"),),
    "orderIdentifier": (("orderidentifier", "orderuuid", "orderguid"),),
    "orderNumber": (("ordernumber", "orderno", "ordernum", "ordername"),),
    "customerIdentifier": (
        ("customeridentifier", "customerid", "customerno", "customernumber", "clientid"),
    ),
    "paymentMethodName": (
        ("paymentmethodname", "paymentmethod", "paymenttype", "paymentgateway", "mediodepago"),
    ),
    "currencyCode": (("currencycode", "currency", "moneda", "divisa"),),
    "totalPrice": (("totalprice", "total", "ordertotal", "grandtotal", "totalamount"),),
    "totalTax": (("totaltax", "tax", "taxes", "taxamount", "taxtotal", "vat"),),
    "totalShippingPrice": (
        (
            "totalshippingprice",
            "shipping",
            "shippingprice",
            "shippingcost",
            "shippingtotal",
            "shippingamount",
            "costodeenvio",
        ),
    ),
    "productIdentifier": (("productidentifier", "productid", "itemid"),),
    "variantIdentifier": (("variantidentifier", "variantid"),),
    "sku": (("sku", "stockcode", "itemcode", "productcode", "articlenumber"), ("lineitemsku",)),
    "productName": (
        (
            "productname",
            "product",
            "itemname",
            "item",
            "description",
            "productdescription",
            "title",
            "nombredelproducto",
        ),
        ("lineitemname",),
    ),
    "variantName": (("variantname", "variant", "varianttitle"),),
    "categoryName": (("categoryname", "category", "producttype", "productcategory"),),
    "brandName": (("brandname", "brand", "manufacturer"), ("vendor",)),
    "unitPrice": (
        ("unitprice", "price", "itemprice", "priceeach", "unitcost", "precio", "preciodelproducto"),
        ("lineitemprice",),
    ),
    "quantity": (
        ("quantity", "qty", "units", "cantidad", "cantidaddelproducto"),
        ("lineitemquantity",),
    ),
    PRODUCTS_LIST_FIELD: (("products", "lineitems", "items", "orderitems"),),
    LINE_TOTAL_FIELD: (
        (
            "linetotal",
            "amount",
            "itemtotal",
            "totalowed",
            "lineamount",
            "linetotalprice",
            "lineitemtotal",
            "itemamount",
            "extendedprice",
            "importe",
            "monto",
        ),
    ),
    STATUS_FIELD: (
        (
            "status",
            "orderstatus",
            "paymentstatus",
            "financialstatus",
            "transactionstatus",
            "estado",
            "estadodelaorden",
            "estadodelpedido",
            "estadodelpago",
            "cancelledat",
            "canceledat",
            "cancelleddate",
            "canceleddate",
            "cancellationdate",
            "refundedamount",
            "amountrefunded",
            "refundamount",
        ),
    ),
}
