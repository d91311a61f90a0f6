"""gunicorn settings, read by `gunicorn wsgi:app` run from this directory and by
`python3 dev.py serve`.

Access log lines name the path but never the query string nor the referrer: calendar feed
URLs carry their token as `?token=` (API.md "Therapy sessions"), and a token in a log file is
a token anyone reading the logs can use. `%(r)s` (the request line) and `%(q)s` must not be
added back; tests/core/test_config.py checks the rendered line.
"""

accesslog = "-"
#: remote address, time, "METHOD /path PROTOCOL", status, bytes, duration, user agent, and
#: the server's request id (X-Request-ID) to find the request's audit events.
access_log_format = (
    '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s" %({x-request-id}o)s'
)
