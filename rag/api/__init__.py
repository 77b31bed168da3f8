"""HTTP API over the Pipeline: native JSON + SSE endpoints, OpenAI-compatible chat, Slack slash command.

    from rag.api import create_app
    app = create_app(Settings())
"""

from rag.api.app import check_bind, create_app
from rag.api.security import InsecureBind

__all__ = ["InsecureBind", "check_bind", "create_app"]
