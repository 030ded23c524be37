#!/usr/bin/env bash
# Runs AspireAuth: the Aspire dashboard, PostgreSQL, Redis, Auth.Api, Cart.Api and Web.
set -euo pipefail
cd "$(dirname "$0")"
. eng/prerequisites.sh

require_dotnet
docker info >/dev/null 2>&1 || podman info >/dev/null 2>&1 || require_local_infrastructure

info "Building"
dotnet build AspireAuth.sln -c Debug -v quiet -nologo

info "Starting: storefront http://localhost:5100 · dashboard http://localhost:15080 (Ctrl+C stops)"
exec dotnet run --project AppHost --no-build --launch-profile http "$@"
