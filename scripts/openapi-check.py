"""Checks API answers against the OpenAPI document, with openapi-core (from PyPI, in the test venv).

Usage: var/test-venv/bin/python scripts/openapi-check.py DOCUMENT.json
First checks the document itself (openapi-spec-validator), then reads one exchange per line on
standard input, as JSON: {"method", "path", "query": [[name, value], ...], "status", "content_type",
"headers": {name: value}, "body": text}. For each it writes one line: "ok", or "FAIL <what>".
A document that is not valid OpenAPI 3.1 is one line "DOCUMENT <why>" and exit status 1.
"""
import json
import sys

from openapi_core import Config, OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from openapi_spec_validator import validate
from werkzeug.datastructures import ImmutableMultiDict


def main():
    with open(sys.argv[1]) as file:
        document = json.load(file)
    try:
        validate(document)
    except Exception as error:  # the validator's own exception types vary by version
        print(f"DOCUMENT {error}", flush=True)
        return 1
    # Problem details (RFC 9457) are JSON too; openapi-core reads only application/json unless told.
    api = OpenAPI.from_dict(document, config=Config(extra_media_type_deserializers={"application/problem+json": json.loads}))
    for line in sys.stdin:
        if not line.strip():
            continue
        exchange = json.loads(line)
        request = MockRequest("http://localhost", exchange["method"].lower(), exchange["path"],
                              args=ImmutableMultiDict([tuple(pair) for pair in exchange.get("query", [])]))
        content_type = (exchange.get("content_type") or "").split(";")[0].strip()
        response = MockResponse(exchange.get("body", "").encode("utf-8"), status_code=exchange["status"],
                                headers=exchange.get("headers", {}), content_type=content_type)
        try:
            api.validate_response(request, response)
            print("ok", flush=True)
        except Exception as error:
            details = "; ".join(str(cause) for cause in getattr(error, "schema_errors", []) or [])
            print(f"FAIL {exchange['method']} {exchange['path']} {exchange['status']}: {type(error).__name__}: {error} {details}"
                  .replace("\n", " ")[:2000], flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
