"""The scheduled, multi-account run on AWS Lambda and Step Functions.

- :mod:`.targets`: the first step, which lists the (account, region) pairs to collect.
- :mod:`.child`: the collect step of the Distributed Map, one account and region per invocation.
- :mod:`.merge`: the last step, which lays the parts out as one snapshot and reports on it.
- :mod:`.report`: check, write the reports to S3, compare with the previous run, alert (shared with
  :mod:`sgaudit.lambda_handler`, the single-function variant that collects in-process).

Nothing here is imported by the CLI, and this package imports nothing heavy at import time: the
check pipeline (networkx, Jinja2, rich) is loaded only by the steps that report.
"""
