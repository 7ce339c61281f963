"""Extract the Messages part of Twilio's official OpenAPI description (MIT, twilio-oai).

    python tests/contracts/extract_twilio.py ../shared/twilio/twilio_api_v2010.json

writes ``twilio_messages_openapi.json`` beside this file: the operations the hotline uses
(create a message; fetch and delete media) with their schemas, for contract tests.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

PATHS = {
    "/2010-04-01/Accounts/{AccountSid}/Messages.json": ["post"],
    "/2010-04-01/Accounts/{AccountSid}/Messages/{MessageSid}/Media/{Sid}.json": ["get", "delete"],
}


def main(source: str) -> None:
    spec = json.loads(Path(source).read_text())
    out = {
        "source": "twilio-oai twilio_api_v2010.json (MIT licence, see ../shared/twilio/LICENSE)",
        "openapi": spec["openapi"],
        "paths": {path: {op: spec["paths"][path][op] for op in ops} for path, ops in PATHS.items()},
        "components": {
            "schemas": {
                name: spec["components"]["schemas"][name]
                for name in ("api.v2010.account.message", "api.v2010.account.message.media")
            },
            "securitySchemes": spec["components"]["securitySchemes"],
        },
    }
    target = Path(__file__).with_name("twilio_messages_openapi.json")
    target.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
