#!/usr/bin/env bash
# Build the Lambda deployment package (build/lambda/sgaudit-lambda.zip); see build_lambda_package.py.
set -euo pipefail
exec "${PYTHON:-python3}" "$(dirname "$0")/build_lambda_package.py" "$@"
