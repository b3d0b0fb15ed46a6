"""One settings module, driven by the environment (12-factor).

Every knob is an environment variable, documented in the README's configuration table.
`DEBUG` off means production: secure cookies, HSTS, SSL redirect and a required
SECRET_KEY, so `manage.py check --deploy` is clean without a second settings file.

Where DATABASE_URL / REDIS_URL are unset, `python -m portfolio.devenv` (what `make run`
and `make test` call) starts an embedded PostgreSQL and Redis and sets them; settings
themselves never start servers.
"""

import sys
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# pytest-django loads settings before any conftest runs, so the suite is recognised here.
TESTING = env.bool("PORTFOLIO_TESTING", default="pytest" in sys.modules)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG and not TESTING:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-do-not-use-in-production-8f2b1c"  # noqa: S105

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # third party
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "drf_standardized_errors",
    "django_countries",
    "django_celery_beat",
    "csp",
    # ours
    "core",
    "accounts",
    "ledger",
    "engagements",
    "invoicing",
    "payments",
    "insights",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # The Content-Security-Policy header on every response (policy under "Security").
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Resolves /w/<slug>/ to a workspace + membership and activates the tenant scope.
    "core.tenancy.TenantMiddleware",
]

ROOT_URLCONF = "portfolio.urls"
WSGI_APPLICATION = "portfolio.wsgi.application"
ASGI_APPLICATION = "portfolio.asgi.application"

# Selects written in Python (core/form_renderer.py): same HTML, a fraction of the time.
FORM_RENDERER = "core.form_renderer.FormRenderer"

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
                "accounts.context_processors.workspace",
            ],
        },
    },
]

# --- Data stores -------------------------------------------------------------------------
DATABASE_URL = env.str("DATABASE_URL", default="")
if not DATABASE_URL:
    raise ImproperlyConfigured(
        "DATABASE_URL is not set. Use `make run` / `make test` (they start an embedded "
        "PostgreSQL), or point DATABASE_URL at a PostgreSQL server."
    )
DATABASES = {"default": env.db_url_config(DATABASE_URL)}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if not REDIS_URL:
    raise ImproperlyConfigured(
        "REDIS_URL is not set. Use `make run` / `make test` (they start an embedded Redis), "
        "or point REDIS_URL at a Redis server."
    )
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="portfolio"),
    }
}

# --- Celery --------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL)
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
# A task is acknowledged after it ran, so a worker that dies halfway hands it to another;
# tasks are written to be safe when run twice (unique keys, row locks).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_RESULT_EXPIRES = 3600
# Sent outbox rows are kept this long (what was queued, when; their kwargs are ids only).
OUTBOX_KEEP_SENT_DAYS = env.int("OUTBOX_KEEP_SENT_DAYS", default=7)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    # The outbox's sweeper: publishes what the after-commit relay could not (the broker was
    # down) and prunes old sent rows. A sweep not started within a minute is dropped: the
    # next one does the same work.
    "core-outbox-relay": {
        "task": "core.tasks.outbox_relay",
        "schedule": 30.0,
        "options": {"expires": 60},
    },
    "accounts-expire-invitations": {
        "task": "accounts.tasks.invitations_expire",
        "schedule": 3600.0,
    },
    "invoicing-reminders": {
        "task": "invoicing.schedule_tasks.reminders_send",
        "schedule": 3600.0,
    },
    "invoicing-recurring": {
        "task": "invoicing.schedule_tasks.recurring_invoices_generate",
        "schedule": 900.0,
    },
    # What is owed, folded to one row per client, currency and due date (the invoices'
    # trigger appends a row per change; pages add them up).
    "invoicing-owed-fold": {
        "task": "invoicing.schedule_tasks.owed_fold",
        "schedule": 60.0,
        "options": {"expires": 120},
    },
    # Stripe events whose processing task was lost or failed, re-driven with backoff.
    "payments-events-sweep": {
        "task": "payments.tasks.stripe_events_sweep",
        "schedule": 60.0,
        "options": {"expires": 120},
    },
    "payments-autocharge-retries": {
        "task": "payments.tasks.autocharge_retries",
        "schedule": 3600.0,
    },
}

# --- Stripe (payments/) ---------------------------------------------------------------------
# Every Stripe call goes through payments/stripe_api.py with these. STRIPE_API_BASE points
# the official SDK at the local stand-in (devstripe: localstripe plus Connect) in
# development and tests; in production it is empty and the SDK talks to Stripe.
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="sk_test_devstripe" if DEBUG else "")
STRIPE_PUBLISHABLE_KEY = env.str(
    "STRIPE_PUBLISHABLE_KEY", default="pk_test_devstripe" if DEBUG else ""
)
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="whsec_devstripe" if DEBUG else "")
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="").rstrip("/")
# Stripe.js: Stripe's own in production; devstripe serves localstripe's stand-in.
STRIPE_JS_URL = env.str(
    "STRIPE_JS_URL",
    default=f"{STRIPE_API_BASE}/js.stripe.com/v3/"
    if STRIPE_API_BASE
    else "https://js.stripe.com/v3/",
)
# Where new connected (Express) accounts are opened.
STRIPE_CONNECT_COUNTRY = env.str("STRIPE_CONNECT_COUNTRY", default="US")
# The processing fee passed on with each card payment (Stripe's standard card pricing):
# a percentage of the amount plus a fixed number of the currency's minor units.
STRIPE_FEE_PERCENT = env.str("STRIPE_FEE_PERCENT", default="2.9")
STRIPE_FEE_FIXED = env.int("STRIPE_FEE_FIXED", default=30)

# --- Auth ----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "accounts:home"
ACCOUNT_LOGOUT_REDIRECT_URL = "landing"

ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
# The link in the email confirms (and signs in) in one click, with no second page.
ACCOUNT_CONFIRM_EMAIL_ON_GET = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Portfolio] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
# Which address every rate limit counts: with N proxies in front that append to
# X-Forwarded-For, the N-th entry from the right (what the nearest trusted proxy saw);
# with none, REMOTE_ADDR. Anything further left is the client's to forge. One number for
# DRF's throttles (NUM_PROXIES), allauth's limits and core.ratelimit; behind the TLS proxy
# (BEHIND_TLS_PROXY, which gunicorn's FORWARDED_ALLOW_IPS also trusts) it defaults to 1.
TRUSTED_PROXY_COUNT = env.int(
    "TRUSTED_PROXY_COUNT", default=1 if env.bool("BEHIND_TLS_PROXY", default=False) else 0
)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
# Failed logins, sign-ups and resets are throttled by allauth (cache-backed, so Redis).
# "login_failed" per key is the account lock: the token endpoint counts into it too.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Portfolio"
MFA_RECOVERY_CODE_COUNT = 10

# --- Email ---------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url(
    "EMAIL_URL", default="consolemail://" if DEBUG or TESTING else "smtp://localhost:25"
)
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Portfolio <no-reply@portfolio.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Stripe (used from the payments issue on; read here so config lives in one place) ----
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env.str("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="")

# --- REST API ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Keyset pages (no COUNT, no OFFSET): a page costs the same at any size or depth.
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.Pagination",
    # DRF's JSON, written by orjson; the browsable API as before.
    "DEFAULT_RENDERER_CLASSES": [
        "core.api.renderers.ORJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "core.api.filters.FilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "drf_standardized_errors.handler.exception_handler",
    # JSON that cannot recurse the server to death. The API speaks JSON; the endpoints
    # that take a file (workspace logo, expense receipt, rates import) add multipart.
    "DEFAULT_PARSER_CLASSES": ["core.api.parsers.JSONParser"],
    "DEFAULT_THROTTLE_RATES": {"auth_token": "10/min"},
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
DRF_STANDARDIZED_ERRORS = {
    "ENABLE_IN_DEBUG_FOR_UNHANDLED_EXCEPTIONS": True,
    "EXCEPTION_HANDLER_CLASS": "core.api.errors.ExceptionHandler",
    # The package's list plus 413 (a body over DATA_UPLOAD_MAX_MEMORY_SIZE).
    "ALLOWED_ERROR_STATUS_CODES": ["400", "401", "403", "404", "405", "406", "413", "415"]
    + ["429", "500"],
    "ERROR_SCHEMAS": {"413": "core.api.schema.ErrorResponse413Serializer"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Portfolio API",
    "DESCRIPTION": (
        "Everything on the Portfolio dashboard, over HTTP. Authenticate with "
        "`Authorization: Bearer <token>`; create tokens at POST /api/v1/auth/token/ or in "
        "your account settings. Workspace-owned resources live under "
        "/api/v1/workspaces/{workspace}/, where {workspace} is the workspace's slug. "
        "Bodies are JSON (multipart only where a file is uploaded); amounts are strings "
        '("120.50"), dates YYYY-MM-DD between 1970-01-01 and 2100-12-31. Invalid input is '
        "a 400 naming each field, and nothing is silently coerced or ignored."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "DEFAULT_GENERATOR_CLASS": "core.api.schema.SchemaGenerator",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "CurrencyEnum": "core.currencies.CURRENCY_CHOICES",
        # Invoicing: "status", "kind" and "method" name other choice sets elsewhere.
        "InvoiceStatusEnum": "invoicing.models.Invoice.Status",
        "InvoiceKindEnum": "invoicing.models.Invoice.Kind",
        "InvoiceLineKindEnum": "invoicing.models.InvoiceLine.Kind",
        "PaymentMethodEnum": "invoicing.models.Receipt.Method",
        "ManualPaymentMethodEnum": "invoicing.api.serializers.MANUAL_METHODS",
        "ErrorCode413Enum": "core.api.schema.ErrorCode413Enum.choices",
        # drf-standardized-errors' documented set-up: one named enum per error code family.
        **{
            name: f"drf_standardized_errors.openapi_serializers.{name}.choices"
            for name in (
                "ValidationErrorEnum",
                "ClientErrorEnum",
                "ServerErrorEnum",
                "ErrorCode401Enum",
                "ErrorCode403Enum",
                "ErrorCode404Enum",
                "ErrorCode405Enum",
                "ErrorCode406Enum",
                "ErrorCode415Enum",
                "ErrorCode429Enum",
                "ErrorCode500Enum",
            )
        },
    },
    "POSTPROCESSING_HOOKS": [
        "drf_standardized_errors.openapi_hooks.postprocess_schema_enums",
        "core.api.schema.tighten_decimal_patterns",
        "core.api.schema.list_index_attrs",
        "portfolio.api_docs.summaries",
    ],
}

# --- i18n / static -------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Development and tests serve straight from the app folders; production from the
# collected, compressed, hashed files (collectstatic runs in the Docker build).
WHITENOISE_USE_FINDERS = DEBUG or TESTING
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / ".data" / "media")))

MESSAGE_TAGS = {40: "error", 30: "warning", 25: "success", 20: "info", 10: "debug"}

# --- Security (production defaults; DEBUG relaxes the ones that need HTTPS) ------------------
SESSION_COOKIE_SECURE = not DEBUG and not TESTING
CSRF_COOKIE_SECURE = not DEBUG and not TESTING
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG and not TESTING)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
# The header only asks; nothing is preloaded until the domain owner submits it.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp), the same in development, tests and production so a
# violation shows up before it ships (tests/browser/test_csp.py visits the main pages and
# fails on any). Scripts and <style> elements run only from our origin or with the
# per-request nonce (`nonce="{{ request.csp_nonce }}"`); there are no inline event
# handlers and no style="" attributes in our pages (a dynamic width is an SVG attribute),
# so `style-src-attr` needs no 'unsafe-inline' either (tests/test_csp.py guards the
# templates). `data:` images: the favicon, the logo inlined in invoice documents and the
# two-factor QR code. Nothing is loaded from another origin (no CDN, fonts or analytics);
# when Stripe Checkout lands, its origin joins `form-action` (Chrome applies it to the
# redirect after a POST) and Stripe.js joins `script-src`/`frame-src`. One page relaxes it:
# ReDoc at /api/redoc/ (inline styles, a blob: worker; see portfolio/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# /healthz is probed over plain HTTP from inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    # Upper-cased: gunicorn takes the same variable in either case, logging only upper.
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO").upper()},
    # The Stripe SDK logs every request and response at INFO: only its warnings here.
    "loggers": {"stripe": {"level": "WARNING"}},
}
