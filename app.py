"""The Gradio chat UI (`python app.py` or `ragchat serve`)."""

from __future__ import annotations

import sys


def serve(args: object = None) -> int:
    print("ragchat: the browser UI is not built yet; use `ragchat ask`", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(serve())
