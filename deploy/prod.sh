#!/usr/bin/env bash
# `make prod`: the production stack on this machine, in the foreground, until Ctrl-C (docs/deployment.md, "The
# production stack in one command"). PostgreSQL and Redis must be running (127.0.0.1:5432 and :6379 by default).
#
# Production settings (DEBUG off, Redis queue and cache, the Prometheus directory, a secret key of this machine's own
# kept in var/prod-secret-key) with three exceptions for plain HTTP on loopback: no redirect to HTTPS, no HSTS,
# cookies without the Secure flag. Any variable already set in the environment wins (deploy/prod.env.example lists
# them all), e.g. `DATABASE_URL=postgres://postgres@127.0.0.1:5432/other make prod`.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
export PATH="$ROOT/.venv/bin:$PATH"
export DJANGO_SETTINGS_MODULE=ducha.config.settings
export PYTHONUNBUFFERED=1  # every process's lines reach honcho as they are written

mkdir -p var
if [ -z "${DUCHA_SECRET_KEY:-}" ]; then
  if [ ! -s var/prod-secret-key ]; then
    (umask 077 && python -c 'import secrets; print(secrets.token_urlsafe(50))' > var/prod-secret-key)
  fi
  DUCHA_SECRET_KEY="$(cat var/prod-secret-key)"
fi
export DUCHA_SECRET_KEY
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/ducha_prod}"
export DUCHA_DEBUG="${DUCHA_DEBUG:-0}"
export DUCHA_TASKS_BACKEND="${DUCHA_TASKS_BACKEND:-rq}"
export DUCHA_REDIS_URL="${DUCHA_REDIS_URL:-redis://127.0.0.1:6379/0}"
export DUCHA_CACHE_URL="${DUCHA_CACHE_URL:-redis://127.0.0.1:6379/1}"
export DUCHA_WEB_BIND="${DUCHA_WEB_BIND:-127.0.0.1:8000}"
export DUCHA_ALLOWED_HOSTS="${DUCHA_ALLOWED_HOSTS:-127.0.0.1,localhost}"
export DUCHA_SITE_URL="${DUCHA_SITE_URL:-http://${DUCHA_WEB_BIND%%,*}}"
# Plain HTTP on loopback: a real server keeps the defaults (redirect, a year of HSTS, Secure cookies) behind TLS.
export DUCHA_SSL_REDIRECT="${DUCHA_SSL_REDIRECT:-0}"
export DUCHA_HSTS_SECONDS="${DUCHA_HSTS_SECONDS:-0}"
export DUCHA_SECURE_COOKIES="${DUCHA_SECURE_COOKIES:-0}"
metrics_dir="${PROMETHEUS_MULTIPROC_DIR:-$ROOT/var/prometheus}"

# The preparation runs without the metrics directory: its processes are not part of the running stack.
env -u PROMETHEUS_MULTIPROC_DIR python deploy/prepare.py

mkdir -p "$metrics_dir"
export PROMETHEUS_MULTIPROC_DIR="$metrics_dir"

processes=(web worker scheduler)
if [ -n "${DUCHA_PDF_ENGINE-127.0.0.1:2003}" ] && [ -x /usr/bin/soffice ] && /usr/bin/python3 -c "import uno" 2>/dev/null; then
  processes+=(pdf)
else
  echo "注意：未安装 LibreOffice，公文仅提供 .docx（make pdf 或 apt-get install libreoffice-writer-nogui python3-uno）"
fi

cat <<EOF

  Ducha (production settings): http://${DUCHA_WEB_BIND%%,*}/
  database ${DATABASE_URL##*@}  ·  queue ${DUCHA_REDIS_URL##*@}  ·  cache ${DUCHA_CACHE_URL##*@}
  processes: ${processes[*]} (worker ×2)  ·  metrics http://${DUCHA_WEB_BIND%%,*}/metrics  ·  Ctrl-C stops everything
  Office, leader and admin accounts bind an authenticator (TOTP) at their first sign-in, as in production
  (\`DUCHA_OTP_REQUIRED_ROLES= make prod\` lifts that on this machine).

EOF
exec honcho start -f Procfile -c worker=2 "${processes[@]}"
