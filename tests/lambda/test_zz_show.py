import json
from types import SimpleNamespace
from lambda_estate import *
from sgaudit import lambda_handler
def test_show(aws, monkeypatch):
    outbox = make_outbox(); est = build_estate(session_for())
    monkeypatch.setenv("SGAUDIT_BUCKET", BUCKET); monkeypatch.setenv("SGAUDIT_SNS_TOPIC_ARN", outbox.topic_arn)
    lambda_handler.handler({}, None); m = outbox.messages(); print(m[0]["Subject"]); print(m[0]["Message"])
    open_to_world(session_for(), est.web_sg, 22)
    print(json.dumps(lambda_handler.handler({}, None), indent=1)); m = outbox.messages(); print(m[0]["Subject"]); print(m[0]["Message"])
