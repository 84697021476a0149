"""irctest's own ngIRCd controller, listening on 127.0.0.1 only.

irctest's ngIRCd config says ``Bind = {hostname}``, which ngIRCd 26 does not
know ("Unknown variable"), so ngIRCd falls back to listening on every
interface; and the hostname irctest hands over is 0.0.0.0 anyway (it finds a
free port with bind(("", 0))).  Here the config says ``Listen = 127.0.0.1``
instead.  Clients connecting to 0.0.0.0 reach 127.0.0.1 on Linux, so nothing
else changes: this is the baseline for scripts/irctest --ngircd.
"""
from typing import Any, Type

from irctest.controllers import ngircd
from irctest.controllers.ngircd import NgircdController

ngircd.TEMPLATE_CONFIG = ngircd.TEMPLATE_CONFIG.replace(
    "Bind = {hostname}", "Listen = {hostname}"
)


class LoopbackNgircdController(NgircdController):
    def run(self, hostname: str, port: int, **kwargs: Any) -> None:
        super().run("127.0.0.1", port, **kwargs)


def get_irctest_controller_class() -> Type[LoopbackNgircdController]:
    return LoopbackNgircdController
