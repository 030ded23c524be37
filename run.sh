#!/usr/bin/env bash
# Runs AspireAuth: the Aspire dashboard, PostgreSQL, Redis, Auth.Api, Cart.Api and Web.
set -euo pipefail
cd "$(dirname "$0")"
. eng/prerequisites.sh

require_dotnet
docker info >/dev/null 2>&1 || podman info >/dev/null 2>&1 || require_local_infrastructure

info "Building"
dotnet build AspireAuth.sln -c Debug -v quiet -nologo

# https (Secure, __Secure- cookies) when the ASP.NET Core development certificate is trusted, as the Aspire template runs.
if dotnet dev-certs https --check --trust >/dev/null 2>&1; then
  info "Starting: storefront https://localhost:7100 · dashboard https://localhost:17080 (Ctrl+C stops)"
  exec dotnet run --project AppHost --no-build --launch-profile https "$@"
fi

info "No trusted ASP.NET Core development certificate (create and trust one: dotnet dev-certs https --trust), so http: cookies without Secure"
info "Starting: storefront http://localhost:5100 · dashboard http://localhost:15080 (Ctrl+C stops)"
exec dotnet run --project AppHost --no-build --launch-profile http "$@"
