# A Django project made only of Django's own parts: contrib.auth's views
# (login, password reset), the admin's templates for them, sessions and CSRF,
# on PostgreSQL, sending mail over SMTP.  Everything run-specific comes from
# the environment that tests/conformance/django/app.sh sets.
import os

BASE_DIR = os.path.dirname(os.path.abspath(__file__))
SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]
ROOT_URLCONF = "urls"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [os.path.join(BASE_DIR, "templates")],
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]

DATABASES = {"default": {
    "ENGINE": "django.db.backends.postgresql",
    "HOST": "127.0.0.1",
    "PORT": os.environ["DJANGO_DB_PORT"],
    "NAME": os.environ["DJANGO_DB_NAME"],
    "USER": os.environ["DJANGO_DB_USER"],
    "PASSWORD": os.environ["DJANGO_DB_PASSWORD"],
}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = "127.0.0.1"
EMAIL_PORT = int(os.environ["DJANGO_SMTP_PORT"])
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = "webmaster@example.test"

LOGIN_REDIRECT_URL = "/accounts/profile/"
USE_TZ = True
STATIC_URL = "/static/"
# Errors (a 500) go to the server's log, which the driver shows on failure.
LOGGING = {
    "version": 1,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django": {"handlers": ["console"], "level": "WARNING"}},
}
