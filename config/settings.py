"""Tollgate settings: one module, driven by environment variables.

With no environment at all (``make run``) Tollgate runs on SQLite in ``var/`` and Celery's
filesystem transport, so a fresh machine needs nothing but Python. Set ``DATABASE_URL`` and
``CELERY_BROKER_URL`` for PostgreSQL and Redis. With ``DEBUG`` off (the default) the settings
are production-safe: a ``SECRET_KEY`` is required, cookies are secure, hosts are explicit.
"""

import hashlib
import json
import os
from decimal import Decimal
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("TOLLGATE_VAR_DIR", BASE_DIR / "var"))


TRUE, FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


def env_bool(name: str, default: bool) -> bool:
    """On or off; anything else is a mistake to say, not to read as off (`SECURE_COOKIES=ture`)."""
    value = os.environ.get(name, "").strip().lower()
    if value == "":
        return default
    if value not in TRUE | FALSE:
        raise ImproperlyConfigured(
            f"{name}={os.environ[name]!r} is neither on nor off: use one of "
            f"{', '.join(sorted(TRUE))} or {', '.join(sorted(FALSE))}."
        )
    return value in TRUE


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
# The benchmark's floor page (`make bench`): mounted only when the benchmark asks for it.
BENCH_FLOOR = env_bool("BENCH_FLOOR", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set SECRET_KEY (or DEBUG=1 for local development).")
    SECRET_KEY = "insecure-development-key-never-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # `runserver` leaves static files to WhiteNoise, as in production: a path that climbs out
    # of the static folders is a 404, not the 500 of Django's development handler.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    # Swagger UI's files, served from static like every other asset (no CDN; the CSP allows none).
    "drf_spectacular_sidecar",
    "lifecycle",
    "projects",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "projects.middleware.AnswerHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # An action's address opened as a page (405) answers with a page saying so.
    "projects.middleware.NotAllowedMiddleware",
    # A refusal from a service (lifecycle/errors.py) answers with its reason and status.
    "projects.middleware.RefusalMiddleware",
    # django-axes must come last: it turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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

# Database: PostgreSQL from DATABASE_URL, else SQLite in var/ for the zero-configuration run.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'tollgate.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Server-side parameter binding, and psycopg preparing a statement once a connection has run
    # it twice: the planner's work (5 ms for a project page's query with seven joins, against
    # 0.4 ms to execute it) is then done once per connection. Django turns preparing off unless
    # `prepare_threshold` is set. Behind a pooler in transaction mode (PgBouncer before 1.21),
    # set DB_PREPARE_THRESHOLD to an empty value to turn it off.
    _prepare = os.environ.get("DB_PREPARE_THRESHOLD", "2")
    _options = DATABASES["default"].setdefault("OPTIONS", {})  # DATABASE_URL's (sslmode=…) kept
    _options["server_side_binding"] = True
    _options["prepare_threshold"] = int(_prepare) if _prepare else None
    # No parallel workers for the application's queries (pages, tasks, commands): starting two
    # took 5 ms of the 9 ms the Needs my action count spent in PostgreSQL, on a server whose
    # cores already serve other requests. DB_PARALLEL_WORKERS sets another number; empty sends
    # no startup option, so the server's own setting holds (for a pooler that refuses it).
    _parallel = os.environ.get("DB_PARALLEL_WORKERS", "0")
    if _parallel:
        _startup = f"-c max_parallel_workers_per_gather={int(_parallel)}"
        _options["options"] = f"{_options.get('options', '')} {_startup}".strip()
    # Reading a page of the index costs about what reading the next page of a table does when
    # both are in memory or on an SSD (PostgreSQL's default, 4, is for spinning disks): the
    # board's 105 cards by id were joined to every business case (5 ms) instead of looked up
    # (0.4 ms). DB_RANDOM_PAGE_COST sets another; empty sends nothing (the server's own).
    _page_cost = os.environ.get("DB_RANDOM_PAGE_COST", "1.1")
    if _page_cost:
        _startup = f"-c random_page_cost={float(_page_cost)}"
        _options["options"] = f"{_options.get('options', '')} {_startup}".strip()
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # The project's stage index carries its estimate for PostgreSQL's index-only reads; SQLite
    # keeps the index without it, which is all it needs (the check would say so each start).
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
    # The dev server and the worker write to the same file: wait for the lock, don't fail.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, keeping each user's permissions in the cache (projects/permissions.py)
    # and refusing passwords single sign-on closed (OIDC_PASSWORD_USERS; projects/backends.py)
    "projects.backends.PasswordBackend",
    # The named rules of projects/rules.py as object permissions: user.has_perm(name, obj).
    "rules.permissions.ObjectPermissionBackend",
]

# Single sign-on with OpenID Connect (mozilla-django-oidc; README "Single sign-on"): off unless
# OIDC_RP_CLIENT_ID is set. The endpoints are the provider's, from its discovery document
# (/.well-known/openid-configuration). Local passwords keep working; with
# OIDC_PASSWORD_USERS set, only those usernames may still use one (the break-glass accounts).
OIDC_RP_CLIENT_ID = os.environ.get("OIDC_RP_CLIENT_ID", "")
OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID)
OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_RP_CLIENT_SECRET", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("OIDC_OP_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("OIDC_OP_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = os.environ.get("OIDC_OP_USER_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = os.environ.get("OIDC_OP_JWKS_ENDPOINT", "")
OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = os.environ.get("OIDC_RP_SCOPES", "openid email profile")
OIDC_PROVIDER_NAME = os.environ.get("OIDC_PROVIDER_NAME") or "single sign-on"
# The claim naming the person's groups at the provider, and which Tollgate role groups
# (projects/roles.py) each of its values gives: JSON, e.g. {"it-pmo": "PMO",
# "it-sponsors": ["Sponsors"]}. Only groups named here are ever added or removed by a sign-in.
OIDC_GROUPS_CLAIM = os.environ.get("OIDC_GROUPS_CLAIM", "groups")
try:
    OIDC_ROLE_MAP = {
        claim: [roles] if isinstance(roles, str) else list(roles)
        for claim, roles in json.loads(os.environ.get("OIDC_ROLE_MAP") or "{}").items()
    }
except (ValueError, AttributeError, TypeError) as error:
    raise ImproperlyConfigured(
        'OIDC_ROLE_MAP must be a JSON object of group names, e.g. {"it-pmo": "PMO"}.'
    ) from error
OIDC_USERNAME_CLAIM = os.environ.get("OIDC_USERNAME_CLAIM", "preferred_username")
OIDC_PASSWORD_USERS = env_list("OIDC_PASSWORD_USERS", "")
OIDC_USE_PKCE = True
OIDC_TIMEOUT = int(os.environ.get("OIDC_TIMEOUT", "10"))
OIDC_VERIFY_SSL = env_bool("OIDC_VERIFY_SSL", True)
if OIDC_ENABLED:
    _missing = [
        name
        for name in (
            "OIDC_RP_CLIENT_SECRET",
            "OIDC_OP_AUTHORIZATION_ENDPOINT",
            "OIDC_OP_TOKEN_ENDPOINT",
            "OIDC_OP_USER_ENDPOINT",
            "OIDC_OP_JWKS_ENDPOINT",
        )
        if not globals()[name]
    ]
    if _missing:
        raise ImproperlyConfigured(
            f"Single sign-on is on (OIDC_RP_CLIENT_ID is set) but {', '.join(_missing)} "
            f"{'is' if len(_missing) == 1 else 'are'} not set: see the README's Single sign-on."
        )
    # After django-axes, which must see every attempt first (it needs the request, which the
    # callback passes), and before the password backend.
    AUTHENTICATION_BACKENDS.insert(1, "projects.oidc.OIDCBackend")

# Caches: Redis at CACHE_URL (compose, the test suite, the benchmark), shared by every process.
# Without it each process keeps its own memory, and permissions are not cached at all: a change
# in the admin must apply at once in every process.
CACHE_URL = os.environ.get("CACHE_URL", "")
_REDIS_CACHE = {
    "BACKEND": "config.cache.RedisCache",
    "LOCATION": CACHE_URL,
    # A cache that is down must not hang a request: it is read from the database instead.
    "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
}
# Keys carry the installation (its database's name and a digest of its secret key): two
# installations sharing one Redis never share permissions or pages, even with databases of the
# same name.
_DB = DATABASES["default"]
_INSTALLATION = hashlib.sha256(f"{_DB['NAME']}:{SECRET_KEY}".encode()).hexdigest()[:12]
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "permissions": _REDIS_CACHE | {"KEY_PREFIX": f"permissions:{_DB['NAME']}:{_INSTALLATION}"}
    if CACHE_URL
    else {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
    # Pages kept between changes (projects/page_cache.py); without Redis, none are kept.
    "pages": _REDIS_CACHE | {"KEY_PREFIX": f"pages:{_DB['NAME']}:{_INSTALLATION}"}
    if CACHE_URL
    else {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
    # Counters of password reset requests (projects/services/accounts.py): shared by every
    # process through Redis; without it, each process counts its own.
    "throttle": _REDIS_CACHE | {"KEY_PREFIX": f"throttle:{_DB['NAME']}:{_INSTALLATION}"}
    if CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "throttle"},
}
# How long a kept page may be served at most (projects/page_cache.py); 0: none is kept.
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "60"))
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
# Password reset e-mails asked for per hour, for one address and from one IP address (the
# answer never says whether the address is known; a set-password link lasts
# PASSWORD_RESET_TIMEOUT, Django's three days, invitations included).
PASSWORD_RESETS_PER_ADDRESS = int(os.environ.get("PASSWORD_RESETS_PER_ADDRESS", "3"))
PASSWORD_RESETS_PER_IP = int(os.environ.get("PASSWORD_RESETS_PER_IP", "20"))
LOGIN_REDIRECT_URL = "projects:home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling: five failures for one username from one address lock it for 15 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "media/"  # never served: files go out through permission-checked views
# Files (PDFs, evidence) go through Django's storage API: MEDIA_ROOT by default (a shared
# volume in compose), S3-compatible object storage when a bucket is configured.
S3_BUCKET = os.environ.get("S3_BUCKET", "")
_DEFAULT_STORAGE = (
    {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": os.environ.get("S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("S3_REGION") or None,
            "access_key": os.environ.get("S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("S3_SECRET_ACCESS_KEY") or None,
            "default_acl": "private",
            "file_overwrite": False,
            "querystring_auth": True,
        },
    }
    if S3_BUCKET
    else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
)
# Evidence: the largest file kept, in MB (checked before anything is stored).
ATTACHMENT_MAX_MB = int(os.environ.get("ATTACHMENT_MAX_MB", "20"))
# Actual costs imported from CSV: the largest file, in KB, and the most rows one file holds.
# The preview carries the file to the commit in a form field (base64, a third larger): the
# request body Django accepts outside file uploads grows with the limit if it must.
ACTUALS_IMPORT_MAX_KB = int(os.environ.get("ACTUALS_IMPORT_MAX_KB", "1024"))
ACTUALS_IMPORT_MAX_ROWS = int(os.environ.get("ACTUALS_IMPORT_MAX_ROWS", "5000"))
DATA_UPLOAD_MAX_MEMORY_SIZE = max(2_621_440, ACTUALS_IMPORT_MAX_KB * 1024 * 2)
STORAGES = {
    "default": _DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env_bool("STATIC_MANIFEST", not DEBUG)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# E-mail: printed to the console unless an SMTP server is configured.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# A mail server that hangs must not hold a worker (and a digest's row lock) for long.
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Tollgate <tollgate@localhost>")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# The REST API (projects/api/, SPEC §12): personal access tokens, problem+json errors, cursor
# pages, and a rate per token counted in the shared cache (`API_THROTTLE_RATE`, DRF's form:
# "600/minute", "10000/hour").
API_THROTTLE_RATE = os.environ.get("API_THROTTLE_RATE", "600/minute")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "projects.api.authentication.AccessTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "projects.api.authentication.TokenScopeAllows",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["projects.api.throttling.TokenRateThrottle"],
    "DEFAULT_PARSER_CLASSES": ["projects.api.parsers.LimitedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "projects.api.pagination.NewestFirst",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "projects.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Tollgate API",
    "DESCRIPTION": (
        "Projects, business cases, charters, goals and their measurements, stage transitions "
        "and evidence, through the same rules as the browser. Authenticate with a personal "
        "access token from your profile page: `Authorization: Bearer tg_…`. Errors are RFC "
        "9457 problem details (`application/problem+json`)."
    ),
    "VERSION": "1",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "Stage": "lifecycle.stages.Stage",
        "Category": "projects.models.Category",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "projects.api.schema.add_problem_responses",
    ],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Content-Security-Policy (django-csp): scripts and style sheets only from the app itself (Bootstrap
# and htmx are vendored), no inline script; style attributes stay allowed (progress bars, table
# column widths), inline <style> elements do not. Nothing may frame the pages.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
)

# Celery: Redis in production; the filesystem transport needs no server for `make run`.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    _queue_dir = VAR_DIR / "celery"
    for _folder in ("queue", "processed"):
        (_queue_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir / "queue"),
        "data_folder_out": str(_queue_dir / "queue"),
        "processed_folder": str(_queue_dir / "processed"),
        "control_folder": str(_queue_dir / "control"),  # kombu's default is ./control
        "store_processed": False,
    }
else:
    # A broker that is down must not hang the request that enqueues: fail fast, the
    # caller logs it (and the PDF sweeper re-queues its jobs later).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "socket_connect_timeout": 1,
        "socket_timeout": 5,
        # An unacknowledged message goes back to the queue after this long: well above the
        # PDF hard time limit, so a slow render is never handed to a second worker meanwhile.
        "visibility_timeout": 600,
    }
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = "email"
# Separate queues, so a burst of renders never delays a notification (SPEC §9).
CELERY_TASK_ROUTES = {
    "projects.tasks.send_*": {"queue": "email"},
    "projects.tasks.render_pdf": {"queue": "pdf"},
    "projects.tasks.requeue_stuck_pdfs": {"queue": "pdf"},
    "projects.tasks.deliver_webhook": {"queue": "webhooks"},
    "projects.tasks.deliver_due_webhooks": {"queue": "webhooks"},
}
# Needs my action (SPEC §10): what has waited longer than REMIND_AFTER_DAYS goes into its
# person's daily digest; after ESCALATE_AFTER_DAYS it is overdue — marked in the inbox, listed
# on the PMO's home and in the PMO's digest. A status report is due every
# STATUS_REPORT_EVERY_DAYS while a project is delivering.
REMIND_AFTER_DAYS = int(os.environ.get("REMIND_AFTER_DAYS", "3"))
ESCALATE_AFTER_DAYS = int(os.environ.get("ESCALATE_AFTER_DAYS", "7"))
STATUS_REPORT_EVERY_DAYS = int(os.environ.get("STATUS_REPORT_EVERY_DAYS", "14"))
# Tolerances the sponsor's Approve plan form starts from (PRINCE2): a forecast cost beyond the
# baseline by more than PLAN_COST_TOLERANCE_PCT, or a milestone forecast more than
# PLAN_TIME_TOLERANCE_DAYS after its baseline date, opens an exception.
PLAN_COST_TOLERANCE_PCT = Decimal(os.environ.get("PLAN_COST_TOLERANCE_PCT", "10"))
PLAN_TIME_TOLERANCE_DAYS = int(os.environ.get("PLAN_TIME_TOLERANCE_DAYS", "14"))
# Digests go out from this hour of the day (TIME_ZONE) on; beat asks every DIGEST_CHECK_SECONDS
# who still has one due today (each person gets at most one a day however often it asks).
DIGEST_HOUR = int(os.environ.get("DIGEST_HOUR", "7"))
DIGEST_CHECK_SECONDS = float(os.environ.get("DIGEST_CHECK_SECONDS", "900"))

CELERY_BEAT_SCHEDULE = {
    "requeue-stuck-pdfs": {"task": "projects.tasks.requeue_stuck_pdfs", "schedule": 60.0},
    "send-digests": {"task": "projects.tasks.send_digests", "schedule": DIGEST_CHECK_SECONDS},
    "report-orphan-files": {"task": "projects.tasks.report_orphan_files", "schedule": 86400.0},
    "deliver-due-webhooks": {"task": "projects.tasks.deliver_due_webhooks", "schedule": 60.0},
}
# Webhooks (docs/webhooks.md): each delivery is tried at once, then again after each of
# WEBHOOK_RETRY_DELAYS seconds while the receiver cannot be reached, times out or answers 5xx.
# A receiver gets WEBHOOK_CONNECT_TIMEOUT seconds to accept the connection and
# WEBHOOK_READ_TIMEOUT seconds between bytes of its answer. Destinations in private, loopback,
# link-local, multicast or reserved ranges are refused unless WEBHOOKS_ALLOW_PRIVATE is on
# (a receiver on this machine or the office network; never on a server that reaches a cloud
# metadata service or an internal admin page).
WEBHOOK_RETRY_DELAYS = [
    float(delay) for delay in env_list("WEBHOOK_RETRY_DELAYS", "10,60,300,1800,7200")
]
WEBHOOK_CONNECT_TIMEOUT = float(os.environ.get("WEBHOOK_CONNECT_TIMEOUT", "3"))
WEBHOOK_READ_TIMEOUT = float(os.environ.get("WEBHOOK_READ_TIMEOUT", "10"))
WEBHOOKS_ALLOW_PRIVATE = env_bool("WEBHOOKS_ALLOW_PRIVATE", False)
# PDF rendering: acks_late tasks, one message at a time per process, a fresh process once one
# has grown past the memory ceiling (WeasyPrint keeps caches), and time limits per render.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_MAX_MEMORY_PER_CHILD = int(os.environ.get("WORKER_MAX_MEMORY_KB", "400000"))
PDF_SOFT_TIME_LIMIT = 60
PDF_TIME_LIMIT = 90
# New renders one person may ask for in a minute (asking again for the same content is free).
PDF_REQUESTS_PER_MINUTE = int(os.environ.get("PDF_REQUESTS_PER_MINUTE", "6"))
# A poll of a pending PDF job answers as soon as the render ends, waiting at most this long:
# with the page's 250 ms polls, Download PDF shows within 0.3 s of the render (SPEC §8).
PDF_STATUS_HOLD_SECONDS = float(os.environ.get("PDF_STATUS_HOLD_SECONDS", "0.25"))
# The cover of every PDF: the organisation's name, and its logo — a path under static/
# (e.g. "img/logo.png"; PNG, JPEG or SVG), or blank for none. Read at render time.
ORGANISATION_NAME = os.environ.get("ORGANISATION_NAME", "Tollgate")
ORGANISATION_LOGO = os.environ.get("ORGANISATION_LOGO", "")
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# Money is shown in one currency across the portfolio.
CURRENCY = os.environ.get("CURRENCY", "EUR")
# Funding that brings a project's total more than this many percent above its business case's
# estimated cost is recorded only once the person confirms it (a typo is caught before it
# flows into the charter and the plan).
FUNDING_WARN_PCT = Decimal(os.environ.get("FUNDING_WARN_PCT", "10"))

# Security defaults for production (DEBUG off); each can be relaxed by its variable.
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # WeasyPrint narrates every rendering step at INFO; its warnings are what matter.
    "loggers": {"weasyprint": {"level": "WARNING"}},
}
