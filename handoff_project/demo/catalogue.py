"""The demo world: a small B2B software-and-hardware seller with SAP master data, Salesforce deals and crosswalks.

Five opportunities show the product: one low-risk deal that flows straight into SAP, one medium-risk deal created
after the approvers' intervention window, one high-risk deal that waits for an approver, one with a product nobody
mapped and one priced 5 % above the customer's SAP price (risk levels: requirements.md, "Risk-based routing").
"""

from __future__ import annotations

SAP_BUSINESS_PARTNERS = [
    {"BusinessPartner": "17100001", "BusinessPartnerFullName": "ACME Corporation", "Country": "US", "Region": "NY", "CityName": "New York", "StreetName": "350 Fifth Avenue", "PostalCode": "10118"},
    {"BusinessPartner": "17100002", "BusinessPartnerFullName": "Globex Industries Inc.", "Country": "US", "Region": "IL", "CityName": "Chicago", "StreetName": "233 S Wacker Dr", "PostalCode": "60606"},
    {"BusinessPartner": "17100003", "BusinessPartnerFullName": "Initech GmbH", "Country": "DE", "Region": "BY", "CityName": "München", "StreetName": "Leopoldstraße 8", "PostalCode": "80802"},
    {"BusinessPartner": "17100004", "BusinessPartnerFullName": "Umbrella Health Ltd", "Country": "GB", "Region": "", "CityName": "London", "StreetName": "1 Canada Square", "PostalCode": "E14 5AB"},
    {"BusinessPartner": "17100005", "BusinessPartnerFullName": "Stark Logistics LLC", "Country": "US", "Region": "TX", "CityName": "Austin", "StreetName": "500 W 2nd St", "PostalCode": "78701"},
]

# (material, description, material group, unit, list price USD)
SAP_MATERIALS = [
    ("SW-PLAT-ENT", "Platform Enterprise License, annual", "SW01", "EA", "48000.00"),
    ("SW-SEAT-PRO", "Pro Seat, annual", "SW01", "EA", "960.00"),
    ("SV-ONB-STD", "Onboarding Package, standard", "SV01", "EA", "7500.00"),
    ("SV-TRN-DAY", "Training Day, remote", "SV01", "EA", "1800.00"),
    ("HW-GW-200", "Edge Gateway G200", "HW01", "PC", "1250.00"),
    ("HW-SNS-10", "Sensor Kit S10, 10 pack", "HW01", "PC", "420.00"),
    ("SP-PRM-24", "Premium Support 24x7, annual", "SV02", "EA", "9600.00"),
]
# Customer-specific prices (condition records with a customer): ACME's negotiated platform price.
SAP_CUSTOMER_PRICES = [("SW-PLAT-ENT", "17100001", "45600.00")]
SAP_PAYMENT_TERMS = ["0001", "NT30", "NT45", "NT60"]

# CRM product name, CRM product code, material, tax class
PRODUCT_CROSSWALK = [
    ("Enterprise Platform License (Annual)", "ENT-PLAT-A", "SW-PLAT-ENT", "1"),
    ("Pro Seat - Annual Subscription", "SEAT-PRO-A", "SW-SEAT-PRO", "1"),
    ("Onboarding Package", "ONB-STD", "SV-ONB-STD", "1"),
    ("Remote Training Day", "TRN-DAY", "SV-TRN-DAY", "1"),
    ("Edge Gateway G200", "GW-200", "HW-GW-200", "1"),
    ("Sensor Kit S10 (10-pack)", "SNS-10", "HW-SNS-10", "1"),
    ("Premium Support 24x7", "SUP-PRM", "SP-PRM-24", "1"),
]
LEAD_TIMES = {"SW01": 0, "SV01": 14, "SV02": 0, "HW01": 21}

# CRM account name, business partner, VAT, DUNS, country, city
CUSTOMER_CROSSWALK = [
    ("Acme Corp", "17100001", "", "150483782", "US", "New York"),
    ("Globex Industries", "17100002", "", "618493027", "US", "Chicago"),
    ("Initech GmbH", "17100003", "DE811569869", "", "DE", "München"),
    ("Umbrella Health Ltd", "17100004", "GB980780684", "", "GB", "London"),
]
TERMS_CROSSWALK = [("Net 30", "NT30", 30), ("Net 45", "NT45", 45), ("Net 60", "NT60", 60), ("Due on receipt", "0001", 0)]
# country, region, material tax class, tax code, description
TAX_CROSSWALK = [
    ("US", "", "1", "O1", "US sales tax, taxable"),
    ("US", "OR", "1", "O0", "Oregon: no sales tax"),
    ("DE", "", "1", "A1", "DE output VAT 19 %"),
    ("GB", "", "1", "A2", "GB output VAT 20 %"),
]

SALESFORCE_PRODUCTS = [
    *[(name, code) for name, code, _m, _t in PRODUCT_CROSSWALK],
    ("Custom Integration Workshop", "CUST-WS"),  # deliberately not in the crosswalk
]

SALESFORCE_ACCOUNTS = [
    {"Name": "Acme Corp", "DunsNumber": "150483782", "Website": "https://acme.example", "ShippingStreet": "350 Fifth Avenue", "ShippingCity": "New York", "ShippingState": "NY", "ShippingPostalCode": "10118", "ShippingCountry": "US", "BillingStreet": "350 Fifth Avenue", "BillingCity": "New York", "BillingState": "NY", "BillingPostalCode": "10118", "BillingCountry": "US"},
    {"Name": "Globex Industries", "DunsNumber": "618493027", "Website": "https://globex.example", "ShippingStreet": "233 S Wacker Dr", "ShippingCity": "Chicago", "ShippingState": "IL", "ShippingPostalCode": "60606", "ShippingCountry": "US", "BillingStreet": "233 S Wacker Dr", "BillingCity": "Chicago", "BillingState": "IL", "BillingPostalCode": "60606", "BillingCountry": "US"},
    {"Name": "Initech GmbH", "VAT_Number__c": "DE811569869", "Website": "https://initech.example", "ShippingStreet": "Leopoldstraße 8", "ShippingCity": "München", "ShippingPostalCode": "80802", "ShippingCountry": "DE", "BillingStreet": "Leopoldstraße 8", "BillingCity": "München", "BillingPostalCode": "80802", "BillingCountry": "DE"},
    {"Name": "Umbrella Health Ltd", "VAT_Number__c": "GB980780684", "Website": "https://umbrella.example", "ShippingStreet": "1 Canada Square", "ShippingCity": "London", "ShippingPostalCode": "E14 5AB", "ShippingCountry": "GB", "BillingStreet": "1 Canada Square", "BillingCity": "London", "BillingPostalCode": "E14 5AB", "BillingCountry": "GB"},
]

# account, first, last, email
SALESFORCE_CONTACTS = [
    ("Acme Corp", "Dana", "Whitfield", "dana.whitfield@acme.example"),
    ("Globex Industries", "Hank", "Scorpio", "hank.scorpio@globex.example"),
    ("Initech GmbH", "Bill", "Lumbergh", "bill.lumbergh@initech.example"),
    ("Umbrella Health Ltd", "Alice", "Abernathy", "alice.abernathy@umbrella.example"),
]
CONTACT_CROSSWALK = [("dana.whitfield@acme.example", "17200011", "17100001")]

# name, account, terms, [(product name, quantity, unit price, discount %)], what it shows
SALESFORCE_OPPORTUNITIES = [
    ("Acme Corp — Platform renewal 2027", "Acme Corp", "Net 30",
     [("Enterprise Platform License (Annual)", "1", "45600.00", "0"), ("Pro Seat - Annual Subscription", "25", "960.00", "10"), ("Premium Support 24x7", "1", "9600.00", "0")],
     "medium risk ($76.8K): created after the intervention window unless an approver holds it"),
    ("Globex — Edge rollout phase 1", "Globex Industries", "Net 45",
     [("Edge Gateway G200", "20", "1250.00", "0"), ("Sensor Kit S10 (10-pack)", "40", "420.00", "5"), ("Onboarding Package", "1", "7500.00", "0")],
     "low risk ($48.5K): flows straight into SAP, hardware lead time 21 days"),
    ("Globex — Global fleet 2027", "Globex Industries", "Net 45",
     [("Edge Gateway G200", "250", "1250.00", "0"), ("Premium Support 24x7", "1", "9600.00", "0")],
     "high risk ($322K): waits in the approval queue for an approver"),
    ("Initech — Seats and integration workshop", "Initech GmbH", "Net 30",
     [("Pro Seat - Annual Subscription", "10", "960.00", "0"), ("Custom Integration Workshop", "1", "12000.00", "0")],
     "a product nobody mapped: product ops exception"),
    ("Umbrella Health — Training programme", "Umbrella Health Ltd", "Net 30",
     [("Remote Training Day", "5", "1890.00", "0")],
     "priced 5 % above SAP: pricing exception"),
]

# The AR summary per SAP customer (erp_orders.CustomerCredit): open items and how far past due the oldest is.
# business partner, open amount, credit limit, days outstanding, aging buckets, open invoices, strategic account
CUSTOMER_CREDIT = [
    ("17100001", "18400.00", "250000.00", 0, {"current": "18400.00", "1-30": "0", "31-60": "0", "61-90": "0", "90+": "0"},
     [{"number": "90012877", "amount": "18400.00", "due_on": "2026-12-15", "days_overdue": 0}], True),
    ("17100002", "52750.00", "400000.00", 21, {"current": "31500.00", "1-30": "21250.00", "31-60": "0", "61-90": "0", "90+": "0"},
     [{"number": "90012640", "amount": "21250.00", "due_on": "2026-11-03", "days_overdue": 21},
      {"number": "90012901", "amount": "31500.00", "due_on": "2026-12-20", "days_overdue": 0}], False),
    ("17100004", "9450.00", "60000.00", 38, {"current": "0", "1-30": "0", "31-60": "9450.00", "61-90": "0", "90+": "0"},
     [{"number": "90012311", "amount": "9450.00", "due_on": "2026-10-17", "days_overdue": 38}], False),
]

# ERP routing rules of the demo (erp_orders.ErpRoute): priority, name, criteria → ERP. Unmatched deals go to SAP.
ERP_ROUTES = [
    (10, "DACH ship-tos run on Business Central", {"countries": "DE,AT,CH", "erp_system": "business_central"}),
    (20, "UK subsidiary runs on NetSuite", {"countries": "GB", "erp_system": "netsuite"}),
    (30, "EMEA services business unit runs on Odoo", {"business_unit": "EMEA Services", "erp_system": "odoo"}),
    (40, "Public-sector company runs on Oracle", {"selling_company": "Handoff Public Sector Inc.", "erp_system": "oracle"}),
]
