"""Project settings, all from the environment (see ../shared/design/contract.md).

Without DATABASE_URL the app runs on embedded SQLite (the demo); tests and production set DATABASE_URL to PostgreSQL.
Every external system is configured by <SYSTEM>_ENABLED / <SYSTEM>_BASE_URL and its credentials; pointing a base URL
at /sandbox/<system> or at the real vendor is the only difference between demo and production.
"""

import os
import secrets
import time
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)


def _generated_secret_key() -> str:
    """Without DJANGO_SECRET_KEY (the demo, tests): a random key made once per checkout in var/ (git-ignored) and
    shared by its processes, so no key that works anywhere is written in the repository. It starts with
    "django-insecure-", so `manage.py check --deploy` still refuses it (security.W009)."""
    path = BASE_DIR / "var" / "dev-secret-key"
    try:
        path.parent.mkdir(exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # another process may be writing it this instant
            if key := path.read_text().strip():
                return key
            time.sleep(0.01)
        raise
    except OSError:  # a read-only checkout: a key for this process only
        return "django-insecure-" + secrets.token_urlsafe(50)
    key = "django-insecure-" + secrets.token_urlsafe(50)
    with os.fdopen(fd, "w") as file:
        file.write(key)
    return key


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or _generated_secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "django_htmx",
    "django_q",
    "django_prometheus",
    "simple_history",
    "import_export",
    "handoff_project.integration",
    "handoff_project.sandbox",
    "handoff_project.demo",
    "crosswalk",
    "matching",
    "exceptions_queue",
    "erp_orders",
    "crm_sync",
    "payables",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",  # first: times the whole request
    "django.middleware.security.SecurityMiddleware",
    "handoff_project.sandbox.middleware.SandboxGateMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",  # last
]

ROOT_URLCONF = "handoff_project.urls"
WSGI_APPLICATION = "handoff_project.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    # Health checks: a persistent connection the server dropped (restart, failover, pg_terminate_backend) is replaced
    # before the next request or task uses it, instead of failing it (benchmarks/_process_faults.py pg_terminate).
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
                                                  conn_health_checks=True)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            # WAL lets the web server and the worker read while the other writes.
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A cache every process shares (web server and workers): django-q2 keeps its cluster heartbeats there, which is how
# /healthz knows a worker is alive. The table is created by a migration.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "handoff_cache"},
}

# --- Auth -----------------------------------------------------------------------------------------------------------
# Roles (groups) decide what a staff account may do in the admin: exceptions_queue/admin_roles.py.
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend", "exceptions_queue.admin_roles.RoleAdminBackend"]
# django-import-export lets any staff account import (a write) unless told which permission it takes.
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "change"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/ops/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or not env_bool("DJANGO_MANIFEST_STATIC", False)
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True

# --- Security ------------------------------------------------------------------------------------------------------
# Production profile: DJANGO_DEBUG off and DJANGO_SECRET_KEY set. Then HTTPS-only cookies, the HTTPS redirect and HSTS
# are on by default (`manage.py check --deploy` is clean); each can still be turned off by its own variable, e.g.
# behind a proxy that terminates TLS set SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO.
PRODUCTION = not DEBUG and bool(os.environ.get("DJANGO_SECRET_KEY"))
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", PRODUCTION)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", PRODUCTION)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000" if PRODUCTION else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", PRODUCTION)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", PRODUCTION)
if os.environ.get("SECURE_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = (os.environ["SECURE_PROXY_SSL_HEADER"], "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# --- REST API -------------------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Handoff API",
    "DESCRIPTION": "CRM → ERP handoffs, exceptions, event log and crosswalk resolution.",
    "VERSION": "0.1.0",
}

# --- Worker (django-q2) ---------------------------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
Q_CLUSTER = {
    "name": os.environ.get("Q_CLUSTER_NAME", "handoff"),
    "workers": int(os.environ.get("Q_WORKERS", "2")),
    # A step may wait on a slow ERP: keep the task timeout well above the HTTP timeouts, and retry below it.
    "timeout": int(os.environ.get("Q_TIMEOUT", "300")),
    "retry": int(os.environ.get("Q_RETRY", "360")),
    "max_attempts": 1,  # the kernel owns retries; django-q2 must not replay a step on its own
    "catch_up": False,
    "ack_failures": True,
    "save_limit": 1000,
    "poll": float(os.environ.get("Q_POLL", "0.2")),
    "guard_cycle": 0.5,
    "label": "Worker",
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"
if env_bool("Q_SYNC", False):
    Q_CLUSTER["sync"] = True

# --- Integration kernel ---------------------------------------------------------------------------------------------
# Retry schedule for transient errors, in seconds: 30 s, 2 min, 10 min, 1 h, 4 h, then dead-letter.
HANDOFF_RETRY_DELAYS = [int(x) for x in env_list("HANDOFF_RETRY_DELAYS", "30,120,600,3600,14400")]
# How long one worker may hold a handoff before another may take it over (a killed worker's lease expires).
HANDOFF_LEASE_SECONDS = int(os.environ.get("HANDOFF_LEASE_SECONDS", "180"))
# The watchdog's deadline per intermediate state, in seconds without progress (erp_orders.services.redrive_stuck_handoffs):
# a handoff idle longer than its step's deadline, with no lease and no retry due, is re-driven. Override any of them
# with HANDOFF_STEP_DEADLINES="pushing=600,created=300".
HANDOFF_STEP_DEADLINES = {
    "accepted": 120,  # a stored webhook delivery not yet turned into handoffs
    "received": 120, "resolved": 120, "validated": 60, "pushing": 300, "created": 180,
    **{k.strip(): int(v) for k, v in (item.split("=", 1) for item in env_list("HANDOFF_STEP_DEADLINES") if "=" in item)},
}
EVENT_BODY_LIMIT = 10 * 1024
HTTP_TIMEOUT_SECONDS = float(os.environ.get("HTTP_TIMEOUT_SECONDS", "20"))

# --- Business rules (requirements.md defaults) ----------------------------------------------------------------------
HANDOFF_RULES = {
    "product_auto_confidence": float(os.environ.get("PRODUCT_AUTO_CONFIDENCE", "0.95")),
    "customer_auto_confidence": float(os.environ.get("CUSTOMER_AUTO_CONFIDENCE", "0.85")),
    "price_variance_tolerance": float(os.environ.get("PRICE_VARIANCE_TOLERANCE", "0.02")),
    "default_payment_terms": os.environ.get("DEFAULT_PAYMENT_TERMS", "Net 30"),
    "default_lead_time_days": int(os.environ.get("DEFAULT_LEAD_TIME_DAYS", "0")),
    # Risk-based routing (erp_orders.risk): [medium from, high above] per factor.
    "risk": {
        "deal_value": [os.environ.get("RISK_DEAL_VALUE_MEDIUM", "50000"), os.environ.get("RISK_DEAL_VALUE_HIGH", "250000")],
        "discount_percent": [os.environ.get("RISK_DISCOUNT_MEDIUM", "10"), os.environ.get("RISK_DISCOUNT_HIGH", "25")],
        "credit_days": [os.environ.get("RISK_CREDIT_DAYS_MEDIUM", "30"), os.environ.get("RISK_CREDIT_DAYS_HIGH", "60")],
    },
    # Escalation of the seed exception table (exceptions_queue.escalation).
    "escalation": {
        "sla_hours": {"customer_not_found": 4, "default": float(os.environ.get("EXCEPTION_SLA_HOURS", "8"))},
        "pricing_variance": float(os.environ.get("ESCALATE_PRICE_VARIANCE", "0.10")),
        "pricing_deal_value": os.environ.get("ESCALATE_PRICING_DEAL_VALUE", "100000"),
        "unmapped_products_waiting": int(os.environ.get("ESCALATE_UNMAPPED_PRODUCTS", "5")),
    },
}
# Medium risk: the order is created after this many seconds unless an approver holds or cancels it.
HANDOFF_INTERVENTION_WINDOW_SECONDS = int(os.environ.get("HANDOFF_INTERVENTION_WINDOW_SECONDS", "900"))
# Orders below this value (in MINIMUM_ORDER_CURRENCY) stop with sales ops; 0: no minimum.
MINIMUM_ORDER_VALUE = os.environ.get("MINIMUM_ORDER_VALUE", "0")
MINIMUM_ORDER_CURRENCY = os.environ.get("MINIMUM_ORDER_CURRENCY", "USD")
# ERP outages (erp_orders.outage): after this many transient failures in a row an ERP counts as down; handoffs then
# wait in order instead of burning retries, a probe asks every ERP_PROBE_SECONDS, and the queue drains when it answers.
ERP_OUTAGE_THRESHOLD = int(os.environ.get("ERP_OUTAGE_THRESHOLD", "3"))
ERP_PROBE_SECONDS = int(os.environ.get("ERP_PROBE_SECONDS", "30"))
# Alert when the oldest handoff waiting for an ERP has waited longer than this (cleared when it falls below).
ERP_QUEUE_LAG_ALERT_SECONDS = int(os.environ.get("ERP_QUEUE_LAG_ALERT_SECONDS", "600"))
# Self-healing (erp_orders.healing): corrections tried within one create, and how long a locked record is waited for.
SELF_HEALING_MAX_CORRECTIONS = int(os.environ.get("SELF_HEALING_MAX_CORRECTIONS", "3"))
SELF_HEALING_LOCK_WAIT_SECONDS = float(os.environ.get("SELF_HEALING_LOCK_WAIT_SECONDS", "2"))
# Missed webhooks (crm_sync.reconciliation): each CRM is asked for deals won since the last cursor this often.
RECONCILIATION_MINUTES = int(os.environ.get("RECONCILIATION_MINUTES", "15"))
RECONCILIATION_OVERLAP_SECONDS = int(os.environ.get("RECONCILIATION_OVERLAP_SECONDS", "300"))
# Where the first poll of a CRM starts (ISO date-time); empty: the moment it first runs.
RECONCILIATION_START = os.environ.get("RECONCILIATION_START", "")

# --- External systems -----------------------------------------------------------------------------------------------
SANDBOX_ENABLED = env_bool("SANDBOX_ENABLED", False)
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000")

SALESFORCE_ENABLED = env_bool("SALESFORCE_ENABLED", False)
SALESFORCE_BASE_URL = os.environ.get("SALESFORCE_BASE_URL", "")  # login host, e.g. https://login.salesforce.com
SALESFORCE_API_VERSION = os.environ.get("SALESFORCE_API_VERSION", "v61.0")
SALESFORCE_DEFAULT_CURRENCY = os.environ.get("SALESFORCE_DEFAULT_CURRENCY", "USD")  # orgs without multi-currency
SALESFORCE_ORGANIZATION_ID = os.environ.get("SALESFORCE_ORGANIZATION_ID", "")
SALESFORCE_CLIENT_ID = os.environ.get("SALESFORCE_CLIENT_ID", "")
SALESFORCE_CLIENT_SECRET = os.environ.get("SALESFORCE_CLIENT_SECRET", "")
# Opportunity custom fields read for ERP routing (empty: the org has none).
SALESFORCE_BUSINESS_UNIT_FIELD = os.environ.get("SALESFORCE_BUSINESS_UNIT_FIELD", "Business_Unit__c")
SALESFORCE_SELLING_COMPANY_FIELD = os.environ.get("SALESFORCE_SELLING_COMPANY_FIELD", "Selling_Company__c")
# Where the Salesforce sandbox sends its Outbound Messages (our own webhook).
SALESFORCE_OUTBOUND_URL = os.environ.get("SALESFORCE_OUTBOUND_URL", "")

SAP_ENABLED = env_bool("SAP_ENABLED", False)
SAP_BASE_URL = os.environ.get("SAP_BASE_URL", "")  # host root; service paths /sap/opu/odata/sap/... are appended
SAP_USER = os.environ.get("SAP_USER", "")
SAP_PASSWORD = os.environ.get("SAP_PASSWORD", "")
SAP_SALES_ORG = {
    "SalesOrderType": os.environ.get("SAP_SALES_ORDER_TYPE", "OR"),
    "SalesOrganization": os.environ.get("SAP_SALES_ORGANIZATION", "1710"),
    "DistributionChannel": os.environ.get("SAP_DISTRIBUTION_CHANNEL", "10"),
    "OrganizationDivision": os.environ.get("SAP_DIVISION", "00"),
}

HUBSPOT_ENABLED = env_bool("HUBSPOT_ENABLED", False)
HUBSPOT_BASE_URL = os.environ.get("HUBSPOT_BASE_URL", "https://api.hubapi.com")
HUBSPOT_ACCESS_TOKEN = os.environ.get("HUBSPOT_ACCESS_TOKEN", "")  # private app token (Bearer)
HUBSPOT_CLIENT_SECRET = os.environ.get("HUBSPOT_CLIENT_SECRET", "")  # the app's secret: signs webhooks (v3)
HUBSPOT_APP_ID = os.environ.get("HUBSPOT_APP_ID", "")
# The deal stages that count as won (pipeline stage ids; "closedwon" in the default sales pipeline).
HUBSPOT_WON_STAGES = env_list("HUBSPOT_WON_STAGES", "closedwon")
HUBSPOT_ORDER_NUMBER_PROPERTY = os.environ.get("HUBSPOT_ORDER_NUMBER_PROPERTY", "erp_order_number")
HUBSPOT_SYNC_STATUS_PROPERTY = os.environ.get("HUBSPOT_SYNC_STATUS_PROPERTY", "erp_sync_status")
HUBSPOT_SYNC_ERROR_PROPERTY = os.environ.get("HUBSPOT_SYNC_ERROR_PROPERTY", "erp_sync_error")
# The public URL HubSpot calls (the signature covers it); the sandbox delivers its webhooks here.
HUBSPOT_WEBHOOK_URL = os.environ.get("HUBSPOT_WEBHOOK_URL", "")

PIPEDRIVE_ENABLED = env_bool("PIPEDRIVE_ENABLED", False)
PIPEDRIVE_BASE_URL = os.environ.get("PIPEDRIVE_BASE_URL", "")  # https://<company>.pipedrive.com
PIPEDRIVE_API_TOKEN = os.environ.get("PIPEDRIVE_API_TOKEN", "")
PIPEDRIVE_WEBHOOK_USER = os.environ.get("PIPEDRIVE_WEBHOOK_USER", "")
PIPEDRIVE_WEBHOOK_PASSWORD = os.environ.get("PIPEDRIVE_WEBHOOK_PASSWORD", "")
# The key (40-hex hash) of the deal custom field that receives the ERP order number; sync status / error fields too.
PIPEDRIVE_ORDER_NUMBER_FIELD = os.environ.get("PIPEDRIVE_ORDER_NUMBER_FIELD", "")
PIPEDRIVE_SYNC_STATUS_FIELD = os.environ.get("PIPEDRIVE_SYNC_STATUS_FIELD", "")
PIPEDRIVE_WEBHOOK_URL = os.environ.get("PIPEDRIVE_WEBHOOK_URL", "")
# Keys of the custom fields the adapter reads (Text fields; empty: not read, and the pipeline's defaults apply):
# payment terms and business unit on the deal, the VAT number on the organisation.
PIPEDRIVE_PAYMENT_TERMS_FIELD = os.environ.get("PIPEDRIVE_PAYMENT_TERMS_FIELD", "")
PIPEDRIVE_BUSINESS_UNIT_FIELD = os.environ.get("PIPEDRIVE_BUSINESS_UNIT_FIELD", "")
PIPEDRIVE_VAT_NUMBER_FIELD = os.environ.get("PIPEDRIVE_VAT_NUMBER_FIELD", "")

NETSUITE_ENABLED = env_bool("NETSUITE_ENABLED", False)
NETSUITE_BASE_URL = os.environ.get("NETSUITE_BASE_URL", "")  # https://<account>.suitetalk.api.netsuite.com
NETSUITE_ACCOUNT_ID = os.environ.get("NETSUITE_ACCOUNT_ID", "")  # realm of the OAuth 1.0a header, e.g. 1234567_SB1
NETSUITE_CONSUMER_KEY = os.environ.get("NETSUITE_CONSUMER_KEY", "")
NETSUITE_CONSUMER_SECRET = os.environ.get("NETSUITE_CONSUMER_SECRET", "")
NETSUITE_TOKEN_ID = os.environ.get("NETSUITE_TOKEN_ID", "")
NETSUITE_TOKEN_SECRET = os.environ.get("NETSUITE_TOKEN_SECRET", "")

BUSINESS_CENTRAL_ENABLED = env_bool("BUSINESS_CENTRAL_ENABLED", False)
BUSINESS_CENTRAL_BASE_URL = os.environ.get("BUSINESS_CENTRAL_BASE_URL", "https://api.businesscentral.dynamics.com")
BUSINESS_CENTRAL_TOKEN_URL = os.environ.get("BUSINESS_CENTRAL_TOKEN_URL", "")  # default: login.microsoftonline.com/<tenant>
BUSINESS_CENTRAL_TENANT_ID = os.environ.get("BUSINESS_CENTRAL_TENANT_ID", "")
BUSINESS_CENTRAL_ENVIRONMENT = os.environ.get("BUSINESS_CENTRAL_ENVIRONMENT", "production")
BUSINESS_CENTRAL_COMPANY_ID = os.environ.get("BUSINESS_CENTRAL_COMPANY_ID", "")
BUSINESS_CENTRAL_CLIENT_ID = os.environ.get("BUSINESS_CENTRAL_CLIENT_ID", "")
BUSINESS_CENTRAL_CLIENT_SECRET = os.environ.get("BUSINESS_CENTRAL_CLIENT_SECRET", "")

ORACLE_ENABLED = env_bool("ORACLE_ENABLED", False)
ORACLE_BASE_URL = os.environ.get("ORACLE_BASE_URL", "")  # https://<pod>.fa.<dc>.oraclecloud.com
ORACLE_USER = os.environ.get("ORACLE_USER", "")
ORACLE_PASSWORD = os.environ.get("ORACLE_PASSWORD", "")
ORACLE_SOURCE_SYSTEM = os.environ.get("ORACLE_SOURCE_SYSTEM", "HANDOFF")  # SourceTransactionSystem
ORACLE_BUSINESS_UNIT = os.environ.get("ORACLE_BUSINESS_UNIT", "US1 Business Unit")

ODOO_ENABLED = env_bool("ODOO_ENABLED", False)
ODOO_BASE_URL = os.environ.get("ODOO_BASE_URL", "")
ODOO_DATABASE = os.environ.get("ODOO_DATABASE", "")
ODOO_USER = os.environ.get("ODOO_USER", "")
ODOO_API_KEY = os.environ.get("ODOO_API_KEY", "")  # an API key (or the password) of ODOO_USER

# Which ERP receives a deal is data: ERP routing rules in the admin (erp_orders.routing); this is the fallback.
DEFAULT_ERP_SYSTEM = os.environ.get("DEFAULT_ERP_SYSTEM", "sap")

# --- Alerts ---------------------------------------------------------------------------------------------------------
SLACK_WEBHOOK_URL = os.environ.get("SLACK_WEBHOOK_URL", "")
PAGERDUTY_ROUTING_KEY = os.environ.get("PAGERDUTY_ROUTING_KEY", "")
PAGERDUTY_EVENTS_URL = os.environ.get("PAGERDUTY_EVENTS_URL", "https://events.pagerduty.com/v2/enqueue")
ALERT_EMAILS = env_list("ALERT_EMAILS")
# team → who an overdue exception of that team is escalated to (email), e.g. "pricing=lead@x.example,credit=cfo@x.example";
# teams without an owner escalate to ALERT_EMAILS.
ESCALATION_OWNERS = dict(item.split("=", 1) for item in env_list("ESCALATION_OWNERS") if "=" in item)
# The P1 "no successful event on a flow for FLOW_SILENCE_MINUTES" check runs only in business hours.
BUSINESS_TIMEZONE = os.environ.get("BUSINESS_TIMEZONE", "America/New_York")
BUSINESS_HOURS = os.environ.get("BUSINESS_HOURS", "09:00-17:00")
BUSINESS_DAYS = env_list("BUSINESS_DAYS", "mon,tue,wed,thu,fri")
BUSINESS_HOLIDAYS_COUNTRY = os.environ.get("BUSINESS_HOLIDAYS_COUNTRY", "US")
BUSINESS_HOLIDAYS_SUBDIVISION = os.environ.get("BUSINESS_HOLIDAYS_SUBDIVISION", "")
FLOW_SILENCE_MINUTES = int(os.environ.get("FLOW_SILENCE_MINUTES", "15"))
# flow name → the event-log systems whose successful events show it is alive ("deal_to_order=salesforce+sap").
MONITORED_FLOWS = {
    name: tuple(systems.split("+"))
    for name, systems in (item.split("=", 1) for item in env_list("MONITORED_FLOWS", "deal_to_order=salesforce+hubspot+pipedrive+sap+netsuite+business_central+oracle+odoo") if "=" in item)
}
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "handoff@localhost")

# --- Monitoring (exceptions_queue.health) ----------------------------------------------------------------------------
# /metrics (Prometheus): open to these client addresses (REMOTE_ADDR; behind a proxy, list the proxy), or to any client
# that sends "Authorization: Bearer <METRICS_BEARER_TOKEN>" when a token is set. Default: this machine only.
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", "127.0.0.1,::1")
METRICS_BEARER_TOKEN = os.environ.get("METRICS_BEARER_TOKEN", "")
# The weekly SLA report (CSV and PDF attached) goes to these addresses every Monday (django-q2 schedule).
SLA_REPORT_EMAILS = env_list("SLA_REPORT_EMAILS")
# The seed's seven targets ("Targets the product reports"), each overridable: ("above"|"below", threshold).
MONITORING_TARGETS = {
    "automation_rate": ("above", float(os.environ.get("TARGET_AUTOMATION_RATE", "0.85"))),
    "field_accuracy": ("above", float(os.environ.get("TARGET_FIELD_ACCURACY", "0.98"))),
    "order_creation_latency": ("below", float(os.environ.get("TARGET_ORDER_CREATION_SECONDS", "120"))),
    "manual_intervention_rate": ("below", float(os.environ.get("TARGET_MANUAL_INTERVENTION_RATE", "0.15"))),
    "three_way_auto_match_rate": ("above", float(os.environ.get("TARGET_THREE_WAY_AUTO_MATCH_RATE", "0.90"))),
    "price_variance_rate": ("below", float(os.environ.get("TARGET_PRICE_VARIANCE_RATE", "0.10"))),
    "high_confidence_share": ("above", float(os.environ.get("TARGET_HIGH_CONFIDENCE_SHARE", "0.95"))),
}
# A resolution "is confident" at or above this confidence (the confidence-distribution target).
MONITORING_CONFIDENCE_THRESHOLD = float(os.environ.get("MONITORING_CONFIDENCE_THRESHOLD", "0.90"))

# LOG_FORMAT=json: one JSON object per line with the deal's ids (handoff_project.json_logging); default: plain text.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain").strip().lower()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "handoff_project.json_logging.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json" if LOG_FORMAT == "json" else "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"httpx": {"level": "WARNING"}, "django_q": {"level": os.environ.get("Q_LOG_LEVEL", "WARNING")}},
}
