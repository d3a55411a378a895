"""Checks API answers against the OpenAPI document, with openapi-core (from PyPI, in the test venv).

Usage: var/test-venv/bin/python scripts/openapi-check.py DOCUMENT.json
First checks the document itself (openapi-spec-validator), then reads one exchange per line on
standard input, as JSON: {"method", "path", "query": [[name, value], ...], "status", "content_type",
"headers": {name: value}, "body": text}. For each it writes one line: "ok", or "FAIL <what>".
A document that is not valid OpenAPI 3.1 is one line "DOCUMENT <why>" and exit status 1.
"""
import json
import sys

import jsonschema

from openapi_core import Config, OpenAPI
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound
from openapi_core.testing import MockRequest, MockResponse
from openapi_core.validation.response.exceptions import MissingData
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
    # Exports are text; each NDJSON line must also be a row as the document describes ConnectionRow.
    row = jsonschema.Draft202012Validator({**document["components"]["schemas"]["ConnectionRow"], "components": document["components"]})

    def ndjson(data):
        text = data.decode("utf-8")
        for line in text.splitlines():
            item = json.loads(line)
            if not item.get("incomplete"):
                row.validate(item)
        return text

    problem = jsonschema.Draft202012Validator({**document["components"]["schemas"]["Problem"], "components": document["components"]})
    api = OpenAPI.from_dict(document, config=Config(extra_media_type_deserializers={
        "application/problem+json": json.loads, "text/csv": lambda data: data.decode("utf-8"), "application/x-ndjson": ndjson}))
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
            try:
                api.validate_response(request, response)
            except (PathNotFound, OperationNotFound):
                # A path or method no operation has: the document's Problem404 and Problem405 answers.
                if exchange["status"] not in (404, 405) or content_type != "application/problem+json":
                    raise
                problem.validate(json.loads(exchange.get("body", "")))
            except MissingData:
                # NDJSON of no rows is empty: still the documented answer.
                if content_type != "application/x-ndjson" or exchange["status"] != 200:
                    raise
            print("ok", flush=True)
        except Exception as error:
            details = "; ".join(str(cause) for cause in getattr(error, "schema_errors", []) or [])
            print(f"FAIL {exchange['method']} {exchange['path']} {exchange['status']}: {type(error).__name__}: {error} {details}"
                  .replace("\n", " ")[:2000], flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
