"""The external systems the product speaks to, by the names used everywhere (settings, registries, crosswalk rows,
routing rules) and as people read them. Connectors register their adapters in their app's connectors/base.py."""

CRM_LABELS = {"salesforce": "Salesforce", "hubspot": "HubSpot", "pipedrive": "Pipedrive"}
ERP_LABELS = {
    "sap": "SAP S/4HANA",
    "netsuite": "NetSuite",
    "business_central": "Business Central",
    "oracle": "Oracle Fusion",
    "odoo": "Odoo",
}
ERP_CHOICES = list(ERP_LABELS.items())
CRM_CHOICES = list(CRM_LABELS.items())
