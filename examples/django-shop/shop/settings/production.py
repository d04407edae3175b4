"""Production settings: DJANGO_SETTINGS_MODULE=shop.settings.production."""
from .base import *  # noqa: F401,F403

DEBUG = False
SECRET_KEY = os.environ.get('DJANGO_SECRET_KEY', SECRET_KEY)  # noqa: F405

SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https')
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True

DATABASES = {
    'default': {
        'ENGINE': os.environ.get('DJANGO_DB_ENGINE', 'django.db.backends.postgresql'),  # noqa: F405
        'NAME': os.environ.get('POSTGRES_DB', 'shop'),  # noqa: F405
        'USER': os.environ.get('POSTGRES_USER', 'shop'),  # noqa: F405
        'PASSWORD': os.environ.get('POSTGRES_PASSWORD', ''),  # noqa: F405
        'HOST': os.environ.get('POSTGRES_HOST', 'db'),  # noqa: F405
        'PORT': os.environ.get('POSTGRES_PORT', '5432'),  # noqa: F405
        'CONN_MAX_AGE': 60,
    }
}

# The warehouse ERP is only reachable through the VPN on the payments
# worker box, so inventory syncs must run there in production.
CELERY_ROUTES = {
    'orders.tasks.sync_inventory': {'queue': 'payments'},
}
