"""The work queue's set-up, run by the composition root on the app: urgent flags notify at
once (a callback under `intake.flags.service.ON_URGENT_FLAG`), and an app under test, or with
`HUEY_IMMEDIATE`, runs the worker's tasks in-process at once (Huey's immediate mode)."""

from __future__ import annotations

from flask import Flask

from intake.flags.service import ON_URGENT_FLAG
from work import tasks
from work.service import notify_urgent_flag


def init_work(app: Flask) -> None:
    callbacks = app.extensions.setdefault(ON_URGENT_FLAG, [])
    if notify_urgent_flag not in callbacks:
        callbacks.append(notify_urgent_flag)
    if app.config["HUEY_IMMEDIATE"] or app.testing:
        tasks.huey.immediate = True
