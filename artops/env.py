"""Small, strict readers for settings taken from the environment.

A variable that is set but malformed stops the process with a clear message instead of
falling back silently.
"""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    if value is None:
        if default is None:
            raise ImproperlyConfigured(f"Set the environment variable {name}.")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in TRUE:
        return True
    if lowered in FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


# --- outgoing mail --------------------------------------------------------------------------

# EMAIL_URL schemes: plain SMTP, SMTP with STARTTLS, SMTP over TLS, the console, a folder.
EMAIL_SCHEMES = {"smtp": (25, False, False), "smtp+tls": (587, True, False), "smtps": (465, False, True)}
SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


def parse_email_url(url: str) -> dict:
    """Django's mail settings from one EMAIL_URL, strictly: anything it cannot read stops the app.

    ``smtp://user:password@host:25`` (plain), ``smtp+tls://…:587`` (STARTTLS), ``smtps://…:465``
    (TLS from the start), ``console://`` (mail written to standard output) or
    ``file:///absolute/folder`` (one file per message). User and password are percent-encoded.
    """
    from urllib.parse import unquote, urlsplit

    def refuse(reason: str) -> ImproperlyConfigured:
        return ImproperlyConfigured(f"EMAIL_URL {reason} (for example smtp+tls://user:password@smtp.example.com:587).")

    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise refuse("is not a URL with a valid port") from None
    if parts.query or parts.fragment:
        raise refuse("takes no ?query or #fragment")
    if parts.scheme == "console":
        if parts.netloc or parts.path:
            raise refuse("console:// takes nothing after it")
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if parts.scheme == "file":
        if parts.netloc or not parts.path.startswith("/"):
            raise refuse("file:/// needs an absolute folder, as in file:///var/mail/artops")
        return {"EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend", "EMAIL_FILE_PATH": parts.path}
    if parts.scheme not in EMAIL_SCHEMES:
        raise refuse(f"has the unknown scheme {parts.scheme or '(none)'!r}: use smtp, smtp+tls, smtps, console or file")
    if not parts.hostname:
        raise refuse("names no host")
    if parts.path not in ("", "/"):
        raise refuse("takes no path after the host")
    default_port, use_tls, use_ssl = EMAIL_SCHEMES[parts.scheme]
    return {
        "EMAIL_BACKEND": SMTP_BACKEND,
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": port or default_port,
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_TLS": use_tls,
        "EMAIL_USE_SSL": use_ssl,
    }


def env_email(*, debug: bool, offline_folder: str) -> dict:
    """Mail settings: EMAIL_URL, else EMAIL_HOST and its companions, else (development) a folder.

    Without either, ``DEBUG`` writes every message to ``offline_folder`` so that the demo works
    offline; in production the SMTP server on localhost:25 is used, as Django does by default.
    """
    url = env_str("EMAIL_URL", "")
    if url:
        if os.environ.get("EMAIL_HOST"):
            raise ImproperlyConfigured("Set EMAIL_URL or EMAIL_HOST, not both.")
        return parse_email_url(url)
    host = env_str("EMAIL_HOST", "")
    if not host:
        if debug:
            return {
                "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
                "EMAIL_FILE_PATH": offline_folder,
            }
        return {"EMAIL_BACKEND": SMTP_BACKEND, "EMAIL_HOST": "localhost", "EMAIL_PORT": 25}
    use_tls, use_ssl = env_bool("EMAIL_USE_TLS", False), env_bool("EMAIL_USE_SSL", False)
    if use_tls and use_ssl:
        raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL exclude each other: set one.")
    return {
        "EMAIL_BACKEND": SMTP_BACKEND,
        "EMAIL_HOST": host,
        "EMAIL_PORT": env_int("EMAIL_PORT", 465 if use_ssl else 587 if use_tls else 25),
        "EMAIL_HOST_USER": env_str("EMAIL_HOST_USER", ""),
        "EMAIL_HOST_PASSWORD": env_str("EMAIL_HOST_PASSWORD", ""),
        "EMAIL_USE_TLS": use_tls,
        "EMAIL_USE_SSL": use_ssl,
    }
