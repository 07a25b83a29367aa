"""No network calls except to configured endpoints: telemetry and analytics stay off.

The check runs the real code in a subprocess whose socket layer records every address it
tries to reach (and refuses all but loopback), so a phone-home would show up here."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

GUARD = textwrap.dedent(
    """
    import json, socket, sys
    attempts = []
    _connect, _getaddrinfo = socket.socket.connect, socket.getaddrinfo
    def _loopback(host):
        return host in ("localhost", "::1") or str(host).startswith("127.")
    def connect(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(address, tuple) and not _loopback(host):
            attempts.append(("connect", str(host)))
            raise OSError("network blocked by test")
        return _connect(self, address)
    def getaddrinfo(host, *args, **kwargs):
        if host and not _loopback(host):
            attempts.append(("dns", str(host)))
            raise socket.gaierror("dns blocked by test")
        return _getaddrinfo(host, *args, **kwargs)
    socket.socket.connect = connect
    socket.getaddrinfo = getaddrinfo
    import atexit
    atexit.register(lambda: open(sys.argv[1], "w").write(json.dumps(attempts)))
    """
)


def _run(script: str, tmp_path: Path) -> list:
    log = tmp_path / "attempts.json"
    code = GUARD + textwrap.dedent(script)
    out = subprocess.run([sys.executable, "-c", code, str(log)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(log.read_text())


def test_ingest_and_ask_make_no_outside_calls(tmp_path):
    attempts = _run(
        f"""
        from rag import Assistant
        bot = Assistant(data_dir={str(tmp_path / 'd')!r}, backend="extractive")
        assert bot.ingest(["corpus"]).added == 5
        assert not bot.ask("How much has the U.S. provided to Ukraine?").refused
        """,
        tmp_path,
    )
    assert attempts == []


def test_the_guard_sees_an_outside_call(tmp_path):
    attempts = _run(
        """
        import socket
        try:
            socket.create_connection(("telemetry.example.com", 443), timeout=1)
        except OSError:
            pass
        """,
        tmp_path,
    )
    assert ["dns", "telemetry.example.com"] in attempts
